#!/usr/bin/env bash
# The engine's own benchmark on the GPU machine (tools/gpu/README.md). From the repository root there:
#   bash .device-carry/engine/run.sh [BUDGET_S]       (device tool: carry [".device-carry/engine"], timeout_s > BUDGET_S)
# Unpacks node, builds libllama with CUDA (build-libllama.sh), then runs `engineBench` with the CUDA libraries,
# all layers on the GPU, within the budget; always exits 0. In $OUT: engine-gpu.txt (progress and the bench's
# output), engine-gpu.json (what happened: stage reached, times), results/ (the bench's report files), build.log.
# Environment: GPU_BENCH_ARGS (extra engineBench arguments, e.g. --quick), GPU_BENCH_WORK (/var/tmp/steerway-gpu),
#   GPU_BUILD_CPU=1 (CPU build, to test here), GPU_BENCH_BINS=<folder> (use these llama libraries, no build),
#   GPU_BENCH_NODE=<node binary> (instead of node.xz).
set -u
BUDGET="${1:-540}"
T0=$(date +%s)
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-$HERE/out}"
WORK="${GPU_BENCH_WORK:-/var/tmp/steerway-gpu}"
BENCH_RESERVE=150   # seconds kept for the bench (model generation, load, the request sequence)
mkdir -p "$OUT/results" "$WORK"
TXT="$OUT/engine-gpu.txt"; LOG="$OUT/build.log"; JSON="$OUT/engine-gpu.json"
: > "$TXT"; : > "$LOG"
elapsed() { echo $(( $(date +%s) - T0 )); }
left() { echo $(( BUDGET - $(date +%s) + T0 )); }
say() { echo "[engine-gpu $(elapsed)s] $*" | tee -a "$TXT"; }
finish() {  # stage, detail
    printf '{"tool": "engine-gpu", "stage": "%s", "detail": "%s", "elapsed_s": %s, "budget_s": %s}\n' "$1" "$2" "$(elapsed)" "$BUDGET" > "$JSON"
    say "done: $1: $2"
    exit 0
}
say "budget ${BUDGET}s, work $WORK, out $OUT"
command -v nvidia-smi >/dev/null 2>&1 && say "GPU: $(nvidia-smi --query-gpu=name,memory.used,memory.total,utilization.gpu --format=csv,noheader 2>&1 | head -n 1)"

NODE="${GPU_BENCH_NODE:-$WORK/node}"
if [ -z "${GPU_BENCH_NODE:-}" ] && [ ! -x "$NODE" ]; then
    xz -dc "$HERE/node.xz" > "$NODE.tmp" 2>> "$LOG" || python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$HERE/node.xz" "$NODE.tmp" 2>> "$LOG" || finish node "could not unpack node.xz"
    chmod +x "$NODE.tmp" && mv "$NODE.tmp" "$NODE"
fi
"$NODE" --version > /dev/null 2>> "$LOG" || finish node "node does not run here"
say "node $("$NODE" --version)"

BINS="${GPU_BENCH_BINS:-}"
if [ -z "$BINS" ]; then
    BINS="$(bash "$HERE/build-libllama.sh" "$WORK" $(( $(left) - BENCH_RESERVE )) "$LOG")" || finish build "libllama not built in time (see build.log; a second call on the warm machine resumes)"
fi
say "llama libraries: $BINS ($(ls "$BINS" | tr '\n' ' '))"
[ -s "$WORK/cublas-lib-dir" ] && export LD_LIBRARY_PATH="$(cat "$WORK/cublas-lib-dir")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

GPU=cuda
ls "$BINS"/libggml-cuda*.so >/dev/null 2>&1 || GPU=cpu
say "bench: --backend $GPU, $(left)s left"
# shellcheck disable=SC2086
STEERWAY_LLAMA_ADDON="$HERE/steerway_llama.node" STEERWAY_LLAMA_BINS="$BINS" timeout $(( $(left) - 10 )) \
    "$NODE" "$HERE/engine-bench.mjs" --no-server --backend "$GPU" --sources "$HERE/sources" --out "$OUT/results" ${GPU_BENCH_ARGS:-} >> "$TXT" 2>&1
RC=$?
command -v nvidia-smi >/dev/null 2>&1 && say "GPU after: $(nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv,noheader 2>&1 | head -n 1)"
[ "$RC" = 0 ] && finish bench "engineBench finished on $GPU"
[ "$RC" = 124 ] && finish bench "engineBench ran out of time"
finish bench "engineBench exited $RC"
