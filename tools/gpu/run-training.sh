#!/usr/bin/env bash
# The training call on the GPU machine (tools/gpu/README.md). From the repository root there:
#   bash tools/gpu/run-training.sh [BUDGET_S] [gpu_run.py arguments...]
#   (device tool: carry [".device-carry/training"], timeout_s 600; BUDGET_S, default 240, is each training run's wall time)
# Unpacks the packed rows in place (checked against the samples stage's sha256), then gpu_run.py: v2, its ablation
# at the same steps, both runs' best weights as Q8_0 parts in $OUT (unpack_q8.py here). Log in $OUT/gpu-run.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUDGET="${1:-240}"
shift || true
CARRY="${TRAINING_CARRY:-$ROOT/.device-carry/training}"
OUT="${OUT:?OUT (the folder that comes back) is not set}"
PYTHON="${STEERWAY_PYTHON:-python3}"
mkdir -p "$OUT"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader > "$OUT/gpu-run.txt" 2>&1
cd "$ROOT/training/python"
"$PYTHON" gpu_run.py --samples "$CARRY" --out "$OUT" --budget-s "$BUDGET" "$@" 2>&1 | tee -a "$OUT/gpu-run.txt"
