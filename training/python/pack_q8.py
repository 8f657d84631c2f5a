"""On the GPU machine: packs a run's weights (weights.bin + weights.json) as ggml Q8_0 blocks, in parts small enough
for the device tool to bring home (a 41.6M model: 42 MB in three parts instead of 83 MB of f16).
usage: python3 pack_q8.py RUN_DIR PACK_DIR [--part-mib 15]
Each matrix (a row length that is a multiple of 32) becomes int8 values and one f16 scale per 32 along its rows,
quantized as ggml's quantize_row_q8_0_ref (d = amax / 127, q = roundf(x / d)); other tensors stay f32. unpack_q8.py
rebuilds an f32 weights.bin whose Q8_0 export is byte for byte the one of the original weights."""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

QK = 32
DTYPES = {"f32": "<f4", "f16": "<f2"}


def quantize_q8_0(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scales as f16, int8 values) of a float array whose size is a multiple of 32, as ggml's reference code."""
    blocks = x.astype(np.float32).reshape(-1, QK)
    amax = np.abs(blocks).max(axis=1)
    d = (amax / np.float32(127)).astype(np.float32)
    inv = np.divide(np.float32(1), d, out=np.zeros_like(d), where=d != 0).astype(np.float32)
    v = blocks * inv[:, None]
    q = (np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))).astype(np.int8)  # roundf: halves away from zero
    return d.astype("<f2"), q


def pack(run: str, out: str, part_bytes: int) -> dict:
    with open(os.path.join(run, "weights.json"), encoding="utf-8") as f:
        meta = json.load(f)
    raw = np.fromfile(os.path.join(run, "weights.bin"), dtype=np.uint8)
    dtype = DTYPES[meta.get("dtype", "f32")]
    blob = bytearray()
    tensors = []
    for e in meta["tensors"]:
        n = int(np.prod(e["shape"]))
        a = np.frombuffer(raw, dtype=dtype, count=n, offset=e["offset"]).astype(np.float32)
        if len(e["shape"]) == 2 and e["shape"][-1] % QK == 0:
            d, q = quantize_q8_0(a)
            data, kind = d.tobytes() + q.tobytes(), "q8"
        else:
            data, kind = a.astype("<f4").tobytes(), "f32"
        tensors.append({"name": e["name"], "shape": e["shape"], "kind": kind, "offset": len(blob), "bytes": len(data)})
        blob += data
    os.makedirs(out, exist_ok=True)
    parts = []
    for i in range(0, max(len(blob), 1), part_bytes):
        name = f"q8.part{len(parts):02d}"
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob[i:i + part_bytes])
        parts.append(name)
    packed = {"config": meta["config"], "parts": parts, "bytes": len(blob), "tensors": tensors}
    with open(os.path.join(out, "q8.json"), "w", encoding="utf-8") as f:
        json.dump(packed, f, indent=1)
    return packed


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("run")
    p.add_argument("out")
    p.add_argument("--part-mib", type=float, default=15)
    a = p.parse_args(argv)
    packed = pack(a.run, a.out, int(a.part_mib * 2**20))
    print(f"packed {len(packed['tensors'])} tensors, {packed['bytes']:,} bytes in {len(packed['parts'])} parts into {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
