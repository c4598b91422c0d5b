#!/usr/bin/env bash
# DLCV HW1 problem 2 (graded): bash hw1_2.sh <in_dir> <out_dir>
# Writes <out_dir>/xxxx_mask.png for every <in_dir>/xxxx_sat.jpg with the trained segmentation model.
# Checkpoint: $HW1_SEG_CHECKPOINT, default checkpoints/seg_best.pt next to this script
# (bash hw1_download.sh puts it there; hw1 handin export writes it from a training run's best.pt).
# The hw1 command: $HW1, else .venv/bin/hw1 next to this script, else hw1 on PATH.
set -euo pipefail
if [ "$#" -ne 2 ]; then
    echo "usage: bash hw1_2.sh <in_dir> <out_dir>" >&2
    exit 2
fi
HW1_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkpoint="${HW1_SEG_CHECKPOINT:-$HW1_REPO/checkpoints/seg_best.pt}"
if [ ! -f "$checkpoint" ]; then
    echo "error: segmentation checkpoint $checkpoint not found; run 'bash hw1_download.sh'" \
        "(or 'hw1 handin export runs/seg_b/best.pt'), or set HW1_SEG_CHECKPOINT=/path/to/best.pt" >&2
    exit 2
fi
# shellcheck source=scripts/find_hw1.sh
. "$HW1_REPO/scripts/find_hw1.sh"
exec "$HW1_BIN" seg predict "$checkpoint" "$1" "$2"
