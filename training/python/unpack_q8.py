"""Here: rebuilds weights.bin (f32) + weights.json from pack_q8.py's parts, for the project's export stage (as the first GPU run's record has it).
usage: python3 unpack_q8.py PACK_DIR RUN_DIR"""
import json, os, sys
import numpy as np

pack, run = sys.argv[1], sys.argv[2]
meta = json.load(open(os.path.join(pack, "q8.json")))
data = b"".join(open(os.path.join(pack, p), "rb").read() for p in meta["parts"])
assert len(data) == meta["bytes"], "parts do not add up"
os.makedirs(run, exist_ok=True)
entries, offset = [], 0
with open(os.path.join(run, "weights.bin"), "wb") as f:
    for e in meta["tensors"]:
        blob = data[e["offset"]:e["offset"] + e["bytes"]]
        n = int(np.prod(e["shape"]))
        if e["kind"] == "q8":
            nb = n // 32
            d = np.frombuffer(blob[:nb * 2], dtype="<f2").astype(np.float32)
            q = np.frombuffer(blob[nb * 2:], dtype=np.int8).reshape(nb, 32).astype(np.float32)
            a = (q * d[:, None]).reshape(e["shape"]).astype("<f4")
        else:
            a = np.frombuffer(blob, dtype="<f4").reshape(e["shape"])
        entries.append({"name": e["name"], "shape": e["shape"], "offset": offset})
        f.write(a.tobytes()); offset += a.nbytes
        pad = (-offset) % 32; f.write(b"\0" * pad); offset += pad
json.dump({"config": meta["config"], "dtype": "f32", "tensors": entries}, open(os.path.join(run, "weights.json"), "w"), indent=1)
print(f"unpacked {len(entries)} tensors into {run}")
