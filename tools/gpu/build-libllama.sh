#!/usr/bin/env bash
# Builds libllama (shared, CUDA for sm_90 when nvcc is there, else CPU) from llama-src.tar.xz beside this file.
#   build-libllama.sh WORK_DIR TIME_LIMIT_S LOG    prints the folder of libllama/libggml*.so on success
# A second call on a still-warm machine reuses the sources and resumes the ninja build.
# Environment: GPU_BUILD_CPU=1 (CPU build, for testing here), GPU_BUILD_JOBS (default: nproc), GPU_BUILD_TRIM (1).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$1"; LIMIT="$2"; LOG="$3"
JOBS="${GPU_BUILD_JOBS:-$(nproc)}"
T0=$(date +%s)
left() { echo $(( LIMIT - $(date +%s) + T0 )); }
log() { echo "[build-libllama $(( $(date +%s) - T0 ))s] $*" >> "$LOG"; }

SRC="$WORK/src"
SUM="$(cksum < "$HERE/llama-src.tar.xz")"
if [ ! -f "$SRC/.tarsum" ] || [ "$(cat "$SRC/.tarsum")" != "$SUM" ]; then
    rm -rf "$SRC"; mkdir -p "$SRC"
    tar -C "$SRC" -xJf "$HERE/llama-src.tar.xz" >> "$LOG" 2>&1 || \
        python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$HERE/llama-src.tar.xz" "$SRC" >> "$LOG" 2>&1 || \
        { log "could not unpack llama-src.tar.xz"; exit 1; }
    echo "$SUM" > "$SRC/.tarsum"
fi
log "llama.cpp $(cat "$SRC/LLAMA_COMMIT" 2>/dev/null)"

NVCC=""
if [ "${GPU_BUILD_CPU:-0}" != 1 ]; then
    if [ -x /usr/local/cuda/bin/nvcc ]; then NVCC=/usr/local/cuda/bin/nvcc; else NVCC="$(command -v nvcc || true)"; fi
fi
BUILD="$WORK/build-$([ -n "$NVCC" ] && echo cuda || echo cpu)"
# GGML_BACKEND_DL: libggml-cuda.so and libggml-cpu.so are backends the addon loads from the folder, as it
# does with node-llama-cpp's prebuilt ones (ggml_backend_load_all_from_path); ggml refuses GGML_NATIVE with it, so
# the CPU backend is the AVX2 baseline (the CPU only waits on the GPU here).
ARGS=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON -DGGML_NATIVE=OFF -DGGML_CCACHE=OFF
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF)
TARGETS=(llama ggml-cpu)
if [ -n "$NVCC" ]; then
    CUDA_ROOT="$(cd "$(dirname "$(readlink -f "$NVCC")")/.." && pwd)"
    if ! ls "$CUDA_ROOT"/include/cublas_v2.h "$CUDA_ROOT"/targets/*/include/cublas_v2.h >/dev/null 2>&1; then
        # cuBLAS from the Python wheels torch uses (the toolkit there has none)
        CUBLAS_H="$(python3 "$HERE/find_cublas.py" 2>/dev/null | head -n 1)"
        if [ -n "$CUBLAS_H" ]; then
            INC="$(dirname "$CUBLAS_H")"; LIB=""
            for d in "$INC/../lib" "$INC/../lib64"; do ls "$d"/libcublas.so* >/dev/null 2>&1 && { LIB="$(cd "$d" && pwd)"; break; }; done
            mkdir -p "$WORK/cublas-include"; ln -sf "$INC"/cublas*.h "$WORK/cublas-include/"
            ARGS+=(-DCUDA_cublas_LIBRARY="$(ls "$LIB"/libcublas.so* | head -n 1)" -DCUDA_cublasLt_LIBRARY="$(ls "$LIB"/libcublasLt.so* | head -n 1)"
                "-DCMAKE_CUDA_FLAGS=-I$WORK/cublas-include" "-DCMAKE_CXX_FLAGS=-I$WORK/cublas-include")
            echo "$LIB" > "$WORK/cublas-lib-dir"
            log "cuBLAS from $INC"
        fi
    fi
    # Quantized matmuls go through cuBLAS (FORCE_CUBLAS), so the 22 mmq kernel instances are never called and
    # trim_kernels.py may empty them; with most fattn-tile instances that is about a third less CUDA compile.
    if [ "${GPU_BUILD_TRIM:-1}" = 1 ] && python3 "$HERE/trim_kernels.py" "$SRC" >> "$LOG" 2>&1; then log "kernels trimmed"; fi
    ARGS+=(-DGGML_CUDA=ON -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES=90-real -DGGML_CUDA_FORCE_CUBLAS=ON
        -DGGML_CUDA_FA=ON -DGGML_CUDA_FA_QUANTS=f16-f16 -DGGML_CUDA_COMPRESSION_MODE=none -DGGML_CUDA_NCCL=OFF)
    TARGETS+=(ggml-cuda)
fi
log "configure: ${ARGS[*]}"
if ! timeout "$(left)" cmake -S "$SRC" -B "$BUILD" "${ARGS[@]}" >> "$LOG" 2>&1; then
    rm -rf "$BUILD"
    timeout "$(left)" cmake -S "$SRC" -B "$BUILD" "${ARGS[@]}" >> "$LOG" 2>&1 || { log "configure failed"; exit 1; }
fi
log "build ${TARGETS[*]}: $(ninja -C "$BUILD" -n "${TARGETS[@]}" 2>/dev/null | grep -c '^\[') steps left, -j $JOBS"
if ! timeout "$(left)" cmake --build "$BUILD" --target "${TARGETS[@]}" -j "$JOBS" >> "$LOG" 2>&1; then
    log "build not finished ($(ninja -C "$BUILD" -n "${TARGETS[@]}" 2>/dev/null | grep -c '^\[') steps left); a second call resumes it"
    exit 1
fi
log "built"
echo "$BUILD/bin"
