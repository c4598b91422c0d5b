#!/usr/bin/env bash
# DLCV HW1 problem 2 (graded): bash hw1_2.sh <in_dir> <out_dir>
# Writes <out_dir>/xxxx_mask.png for every <in_dir>/xxxx_sat.jpg with the trained segmentation model.
# Checkpoint: $HW1_SEG_CHECKPOINT, default checkpoints/seg_best.pt next to this script
# (bash hw1_download.sh puts it there; hw1 handin export writes it from a training run's best.pt).
# The hw1 command: $HW1, else .venv/bin/hw1 next to this script, else hw1 on PATH.
set -euo pipefail
HW1_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/find_hw1.sh
. "$HW1_REPO/scripts/find_hw1.sh"
hw1_check_args 2 "$#" "bash hw1_2.sh <in_dir> <out_dir>"
hw1_checkpoint HW1_SEG_CHECKPOINT seg_best.pt segmentation runs/seg_b/best.pt
hw1_find
exec "$HW1_BIN" seg predict "$HW1_CHECKPOINT" "$1" "$2"
