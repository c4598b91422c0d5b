#!/usr/bin/env bash
# DLCV HW1 problem 1 (graded): bash hw1_1.sh <csv> <img_dir> <out_csv>
# Classifies the images named in <csv> (column filename, read from <img_dir>) with the setting-C model
# and writes <out_csv> as id,filename,label.
# Checkpoint: $HW1_CLS_CHECKPOINT, default checkpoints/hw1_1_setting_C.pt next to this script
# (bash hw1_download.sh puts it there; hw1 handin export writes it from a training run's best.pt).
# The hw1 command: $HW1, else .venv/bin/hw1 next to this script, else hw1 on PATH.
set -euo pipefail
HW1_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/find_hw1.sh
. "$HW1_REPO/scripts/find_hw1.sh"
hw1_check_args 3 "$#" "bash hw1_1.sh <csv> <img_dir> <out_csv>"
hw1_checkpoint HW1_CLS_CHECKPOINT hw1_1_setting_C.pt classifier runs/cls/C/best.pt
hw1_find
exec "$HW1_BIN" cls predict "$HW1_CHECKPOINT" "$1" "$2" "$3"
