#!/usr/bin/env bash
# Download the trained checkpoints that hw1_1.sh and hw1_2.sh load: bash hw1_download.sh [LIST]
# LIST (default: checkpoints.txt next to this script) has one checkpoint per line, "name url sha256":
#   name    the file to create in checkpoints/ (hw1_1_setting_C.pt for hw1_1.sh, seg_best.pt for hw1_2.sh)
#   url     a direct download link (https://, http:// or file://), not a page that shows the file
#   sha256  the file's SHA-256, as 'hw1 handin export' prints it (or: sha256sum FILE)
# Each file is downloaded beside its target, checked against its SHA-256 and only then renamed into
# place; a file already there with the right SHA-256 is not downloaded again. Uses curl, else
# python3, else wget. Exit 0 when every listed file is in place, 2 with one error line otherwise.
set -euo pipefail

HW1_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="${1:-$HW1_REPO/checkpoints.txt}"
dest_dir="${HW1_CHECKPOINT_DIR:-$HW1_REPO/checkpoints}"

die() {
    echo "error: $*" >&2
    exit 2
}

python_bin() {
    if [ -x "$HW1_REPO/.venv/bin/python" ]; then echo "$HW1_REPO/.venv/bin/python"
    elif command -v python3 >/dev/null 2>&1; then command -v python3
    else echo ""; fi
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
    else "$(python_bin)" -c 'import hashlib, sys
digest = hashlib.sha256()
with open(sys.argv[1], "rb") as fh:
    for block in iter(lambda: fh.read(1 << 20), b""):
        digest.update(block)
print(digest.hexdigest())' "$1"
    fi
}

fetch() {  # fetch URL FILE: 0 on success
    local url="$1" out="$2" py
    if command -v curl >/dev/null 2>&1; then
        curl --fail --location --silent --show-error --retry 3 --output "$out" "$url"
        return
    fi
    py="$(python_bin)"
    if [ -n "$py" ]; then
        "$py" -c 'import shutil,sys,urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=120) as r, open(sys.argv[2], "wb") as f: shutil.copyfileobj(r, f)' \
            "$url" "$out"
        return
    fi
    if command -v wget >/dev/null 2>&1; then
        wget --quiet --tries=3 --output-document="$out" "$url"
        return
    fi
    die "none of curl, python3 or wget is installed; install one of them and run again"
}

[ -f "$list" ] || die "$list not found; write one line per checkpoint, 'name url sha256' (README: 'Handing in')"
mkdir -p "$dest_dir"

count=0
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
    line_no=$((line_no + 1))
    line="${line%%#*}"
    line="${line//$'\r'/}"  # a list saved with Windows line ends
    [ -n "${line//[[:space:]]/}" ] || continue
    read -r name url sha extra <<<"$line"
    where="$list line $line_no"
    [ -z "${extra:-}" ] && [ -n "${sha:-}" ] || die "$where: expected 'name url sha256' (3 fields), found: $line"
    [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
        die "$where: name '$name' must be a bare file name such as seg_best.pt"
    sha="$(tr '[:upper:]' '[:lower:]' <<<"$sha")"
    [[ "$sha" =~ ^[0-9a-f]{64}$ ]] ||
        die "$where: '$sha' is not a SHA-256 (64 hex digits); 'hw1 handin export' prints it"
    target="$dest_dir/$name"
    count=$((count + 1))
    if [ -f "$target" ] && [ "$(sha256_of "$target")" = "$sha" ]; then
        echo "$target: already there (SHA-256 ok)"
        continue
    fi
    part="$target.part.$$"
    trap 'rm -f "$part"' EXIT
    echo "downloading $name from $url"
    if ! reason="$(fetch "$url" "$part" 2>&1)"; then
        rm -f "$part"
        reason="$(printf '%s\n' "$reason" | grep -v '^[[:space:]]*$' | tail -n 1 || true)"
        die "$name: could not download $url (${reason:-no reason given});" \
            "check the link (a direct download link) and the network"
    fi
    got="$(sha256_of "$part")"
    if [ "$got" != "$sha" ]; then
        what=""
        start="$(head -c 512 "$part" | tr -d '\000' | tr '[:upper:]' '[:lower:]')"
        if [[ "$start" == *"<!doctype html"* || "$start" == *"<html"* ]]; then
            what=" (the link returned a web page, not the file: use a direct download link)"
        fi
        rm -f "$part"
        die "$name: SHA-256 mismatch: expected $sha, downloaded $got$what; fix the link or the hash in $list"
    fi
    mv -f "$part" "$target"
    trap - EXIT
    echo "$target: ok ($(wc -c <"$target" | tr -d ' ') bytes, SHA-256 verified)"
done <"$list"

[ "$count" -gt 0 ] || die "$list lists no checkpoint; add one line per file: 'name url sha256'"
