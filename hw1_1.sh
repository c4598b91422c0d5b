#!/usr/bin/env bash
# DLCV HW1 problem 1 (graded): bash hw1_1.sh <csv> <img_dir> <out_csv>
# Classifies the images named in <csv> (column filename, read from <img_dir>) with the setting-C model
# and writes <out_csv> as id,filename,label.
# Checkpoint: $HW1_CLS_CHECKPOINT, default checkpoints/hw1_1_setting_C.pt next to this script
# (bash hw1_download.sh puts it there; hw1 handin export writes it from a training run's best.pt).
# The hw1 command: $HW1, else .venv/bin/hw1 next to this script, else hw1 on PATH.
set -euo pipefail
if [ "$#" -ne 3 ]; then
    echo "usage: bash hw1_1.sh <csv> <img_dir> <out_csv>" >&2
    exit 2
fi
HW1_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkpoint="${HW1_CLS_CHECKPOINT:-$HW1_REPO/checkpoints/hw1_1_setting_C.pt}"
if [ ! -f "$checkpoint" ]; then
    echo "error: classifier checkpoint $checkpoint not found; run 'bash hw1_download.sh'" \
        "(or 'hw1 handin export runs/cls/C/best.pt'), or set HW1_CLS_CHECKPOINT=/path/to/best.pt" >&2
    exit 2
fi
# shellcheck source=scripts/find_hw1.sh
. "$HW1_REPO/scripts/find_hw1.sh"
exec "$HW1_BIN" cls predict "$checkpoint" "$1" "$2" "$3"
