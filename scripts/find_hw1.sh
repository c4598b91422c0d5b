# Sourced by hw1_1.sh and hw1_2.sh (after setting HW1_REPO, the folder of the calling script): the
# steps both graded scripts share, as functions that print one error line and exit 2 on failure.

# hw1_check_args EXPECTED GIVEN USAGE: exit 2 with "usage: USAGE" unless GIVEN == EXPECTED.
hw1_check_args() {
    if [ "$2" -ne "$1" ]; then
        echo "usage: $3" >&2
        exit 2
    fi
}

# hw1_checkpoint VAR FILE WHAT RUN: sets HW1_CHECKPOINT to $VAR, else checkpoints/FILE beside the
# scripts; a missing file names hw1_download.sh, 'hw1 handin export RUN' and VAR as the fixes.
hw1_checkpoint() {
    local var="$1"
    HW1_CHECKPOINT="${!var:-$HW1_REPO/checkpoints/$2}"
    if [ ! -f "$HW1_CHECKPOINT" ]; then
        echo "error: $3 checkpoint $HW1_CHECKPOINT not found; run 'bash hw1_download.sh'" \
            "(or 'hw1 handin export $4'), or set $var=/path/to/best.pt" >&2
        exit 2
    fi
}

# hw1_find: sets HW1_BIN to the hw1 command to run. Order: $HW1 (an explicit path), the .venv next
# to the scripts (make setup), hw1 on PATH.
hw1_find() {
    if [ -n "${HW1:-}" ]; then
        if [ ! -x "$HW1" ] && ! command -v "$HW1" >/dev/null 2>&1; then
            echo "error: HW1=$HW1 is not an executable hw1 command; unset HW1 or point it at .venv/bin/hw1" >&2
            exit 2
        fi
        HW1_BIN="$HW1"
    elif [ -x "$HW1_REPO/.venv/bin/hw1" ]; then
        HW1_BIN="$HW1_REPO/.venv/bin/hw1"
    elif command -v hw1 >/dev/null 2>&1; then
        HW1_BIN="$(command -v hw1)"
    else
        echo "error: the hw1 command was found neither in $HW1_REPO/.venv/bin nor on PATH;" \
            "run 'make setup' in $HW1_REPO (or 'pip install --find-links dist \"hw1-cli[all]\"')" >&2
        exit 2
    fi
}
