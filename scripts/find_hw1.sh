# Sourced by hw1_1.sh and hw1_2.sh: sets HW1_BIN to the hw1 command to run, or prints one error line
# and exits 2. Order: $HW1 (an explicit path), the .venv next to the scripts (make setup), hw1 on PATH.
# Expects HW1_REPO (the folder of the calling script).
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
        "run 'make setup' in $HW1_REPO (or 'pip install --find-links dist hw1-cli')" >&2
    exit 2
fi
