"""weights.bin + weights.json (training/README.md, "Weights")."""

from __future__ import annotations

import json
import os

import numpy as np
import torch

from model import Llama, ModelConfig

DTYPES = {"f32": "<f4", "f16": "<f2"}
ALIGN = 32


class WeightsError(Exception):
    pass


def save_weights(model: Llama, folder: str, dtype: str = "f32") -> None:
    """Writes every tensor row-major as PyTorch holds it ([out, in]); both files appear whole or not at all."""
    if dtype not in DTYPES:
        raise WeightsError(f"weights dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    os.makedirs(folder, exist_ok=True)
    entries = []
    offset = 0
    bin_tmp = os.path.join(folder, "weights.bin.tmp")
    with open(bin_tmp, "wb") as f:
        for name, t in model.gguf_tensors():
            data = t.detach().to("cpu", torch.float32).numpy().astype(DTYPES[dtype], copy=False)
            entries.append({"name": name, "shape": list(data.shape), "offset": offset})
            f.write(data.tobytes())
            offset += data.nbytes
            pad = (-offset) % ALIGN  # aligned offsets let readers map tensors in place
            f.write(b"\0" * pad)
            offset += pad
    meta = {"config": model.c.to_json(), "dtype": dtype, "tensors": entries}
    json_tmp = os.path.join(folder, "weights.json.tmp")
    with open(json_tmp, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    os.replace(bin_tmp, os.path.join(folder, "weights.bin"))
    os.replace(json_tmp, os.path.join(folder, "weights.json"))


def load_weights(folder: str) -> Llama:
    json_path = os.path.join(folder, "weights.json")
    bin_path = os.path.join(folder, "weights.bin")
    try:
        with open(json_path, encoding="utf-8") as f:
            meta = json.load(f)
    except FileNotFoundError:
        raise WeightsError(f"{json_path} not found") from None
    config = ModelConfig.from_json(meta["config"])
    dtype = meta.get("dtype", "f32")
    if dtype not in DTYPES:
        raise WeightsError(f"{json_path}: unknown dtype {dtype!r}")
    raw = np.fromfile(bin_path, dtype=np.uint8)
    tensors = {}
    for e in meta["tensors"]:
        n = int(np.prod(e["shape"]))
        size = n * np.dtype(DTYPES[dtype]).itemsize
        if e["offset"] + size > raw.size:
            raise WeightsError(f"{bin_path}: {e['name']} runs past the end of the file")
        arr = raw[e["offset"]:e["offset"] + size].view(DTYPES[dtype]).reshape(e["shape"])
        tensors[e["name"]] = torch.from_numpy(arr.astype(np.float32))
    model = Llama(config)
    model.load_gguf_tensors(tensors)
    return model
