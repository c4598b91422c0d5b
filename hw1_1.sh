#!/usr/bin/env bash
# DLCV HW1 problem 1 inference: bash hw1_1.sh <csv> <image_dir> <out_csv>
# Runs the setting-C classifier on the images named in <csv> and writes id,filename,label.
# Checkpoint: $HW1_CLS_CHECKPOINT, default checkpoints/hw1_1_setting_C.pt (relative to the repo root).
set -euo pipefail
if [ "$#" -ne 3 ]; then
    echo "usage: $0 <csv> <image_dir> <out_csv>" >&2
    exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CKPT="${HW1_CLS_CHECKPOINT:-$ROOT/checkpoints/hw1_1_setting_C.pt}"
if [ ! -f "$CKPT" ]; then
    echo "error: classifier checkpoint $CKPT not found; set HW1_CLS_CHECKPOINT to the best.pt of 'hw1 cls train --setting C'" >&2
    exit 2
fi
HW1="${HW1:-$ROOT/.venv/bin/hw1}"
[ -x "$HW1" ] || HW1=hw1
exec "$HW1" cls predict "$CKPT" "$1" "$2" "$3"
