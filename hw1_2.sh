#!/usr/bin/env bash
# DLCV HW1 problem 2 graded interface: bash scripts/hw1_2.sh IN_DIR OUT_DIR
# Writes OUT_DIR/xxxx_mask.png for every IN_DIR/xxxx_sat.jpg with the trained segmentation model.
# Checkpoint: $HW1_SEG_CHECKPOINT, default checkpoints/seg_best.pt in this repository (copy the
# best.pt of a 'hw1 seg train' run there). The hw1 command is taken from this repository's .venv
# if it exists, else from PATH.
set -euo pipefail

if [ "$#" -ne 2 ]; then
    echo "usage: $0 IN_DIR OUT_DIR   (checkpoint: \$HW1_SEG_CHECKPOINT or checkpoints/seg_best.pt)" >&2
    exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checkpoint="${HW1_SEG_CHECKPOINT:-$repo/checkpoints/seg_best.pt}"
if [ ! -f "$checkpoint" ]; then
    echo "error: segmentation checkpoint $checkpoint not found; train one with 'hw1 seg train' and copy its best.pt there, or set HW1_SEG_CHECKPOINT=/path/to/best.pt" >&2
    exit 2
fi

if [ -x "$repo/.venv/bin/hw1" ]; then
    hw1="$repo/.venv/bin/hw1"
elif command -v hw1 >/dev/null 2>&1; then
    hw1="hw1"
else
    echo "error: the hw1 command is not installed; run 'make setup' in $repo (or pip install -e apps/cli)" >&2
    exit 2
fi

exec "$hw1" seg predict "$checkpoint" "$1" "$2"
