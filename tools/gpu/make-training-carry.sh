#!/usr/bin/env bash
# Builds .device-carry/training/: the samples' rows packed to travel to the GPU machine for the training call
# (training/README.md, "The GPU call"; tools/gpu/README.md). Run here, from the repository root:
#   bash tools/gpu/make-training-carry.sh [SAMPLES]        (default out/training/v2, the samples stage's folder)
# The training code itself is in the working tree, which travels with every call; the run script is
# tools/gpu/run-training.sh. Refuses, saying so, when the carry passes 60 MiB or the carry and the working tree together
# pass 64 MiB (what the device tool takes in a call).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
SAMPLES="$(realpath -m "${1:-out/training/v2}")"
CARRY="$(realpath -m "${TRAINING_CARRY:-.device-carry/training}")"
LIMIT_MIB="${TRAINING_CARRY_LIMIT_MIB:-60}"
# As the tests find it (tests/unit/training/torchPython.ts): the packer reads rows through data.py, which needs torch.
PYTHON="${STEERWAY_PYTHON:-$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}"
"$PYTHON" -c 'import numpy, torch' 2> /dev/null || { echo "make-training-carry: $PYTHON cannot import numpy and torch (set STEERWAY_PYTHON)" >&2; exit 1; }
[ -s "$SAMPLES/samples.json" ] || { echo "make-training-carry: $SAMPLES/samples.json not found (run the samples stage)" >&2; exit 1; }
rm -rf "$CARRY"
mkdir -p "$CARRY"
(cd training/python && "$PYTHON" pack_rows.py pack "$SAMPLES" "$CARRY")
TREE=$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
CARRIED=$(du -sb "$CARRY" | cut -f1)
echo "make-training-carry: $CARRY is $((CARRIED / 1024)) KiB of $((LIMIT_MIB * 1024)) KiB; with the working tree ($((TREE / 1024)) KiB): $(((TREE + CARRIED) / 1024)) KiB of the device tool's $((64 * 1024)) KiB"
if [ "$CARRIED" -gt $((LIMIT_MIB * 1024 * 1024)) ] || [ $((TREE + CARRIED)) -gt $((64 * 1024 * 1024)) ]; then
    echo "make-training-carry: over ${LIMIT_MIB} MiB (or 64 MiB with the working tree): the call would not travel; $CARRY removed" >&2
    rm -rf "$CARRY"
    exit 1
fi
