"""The GPU run's way home: weights packed as Q8_0 parts there, unpacked here, quantize again to the same blocks."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

from model import Llama, ModelConfig
from pack_q8 import pack, quantize_q8_0
from weights import save_weights

HERE = os.path.dirname(os.path.abspath(__file__))


class PackQ8(unittest.TestCase):
    def test_round_trip_gives_the_same_q8_0_blocks_in_small_parts(self):
        torch.manual_seed(3)
        model = Llama(ModelConfig(n_vocab=96, n_embd=64, n_layer=2, n_head=4, n_head_kv=2, n_ff=96, n_ctx_train=32))
        with tempfile.TemporaryDirectory() as tmp:
            run, packed, home = (os.path.join(tmp, d) for d in ("run", "packed", "home"))
            for dtype in ("f32", "f16"):
                save_weights(model, run, dtype)
                meta = pack(run, packed, 4096)
                sizes = [os.path.getsize(os.path.join(packed, p)) for p in meta["parts"]]
                self.assertGreater(len(sizes), 1)
                self.assertTrue(all(s <= 4096 for s in sizes))
                self.assertEqual(sum(sizes), meta["bytes"])
                subprocess.run([sys.executable, os.path.join(HERE, "unpack_q8.py"), packed, home], check=True, capture_output=True)
                with open(os.path.join(run, "weights.json"), encoding="utf-8") as f:
                    before = json.load(f)
                with open(os.path.join(home, "weights.json"), encoding="utf-8") as f:
                    after = json.load(f)
                raw_before = np.fromfile(os.path.join(run, "weights.bin"), dtype=np.uint8)
                raw_after = np.fromfile(os.path.join(home, "weights.bin"), dtype=np.uint8)
                src_dtype = "<f4" if dtype == "f32" else "<f2"
                kinds = {t["name"]: t["kind"] for t in meta["tensors"]}
                self.assertIn("q8", kinds.values())
                self.assertIn("f32", kinds.values())
                for b, a in zip(before["tensors"], after["tensors"]):
                    n = int(np.prod(b["shape"]))
                    x = np.frombuffer(raw_before, dtype=src_dtype, count=n, offset=b["offset"]).astype(np.float32)
                    y = np.frombuffer(raw_after, dtype="<f4", count=n, offset=a["offset"])
                    if kinds[b["name"]] == "f32":
                        np.testing.assert_array_equal(x, y, err_msg=b["name"])
                    else:
                        # What the export quantizes from the unpacked weights is what it would from the originals.
                        for got, want in zip(quantize_q8_0(y), quantize_q8_0(x)):
                            np.testing.assert_array_equal(got, want, err_msg=b["name"])

    def test_quantize_matches_ggml_rounding(self):
        x = np.zeros(32, dtype=np.float32)
        x[0], x[1], x[2] = 127.0, 0.5, -0.5  # d = 1: halves go away from zero, as roundf
        d, q = quantize_q8_0(x)
        self.assertEqual(float(d[0]), 1.0)
        self.assertEqual(list(q[0][:3]), [127, 1, -1])
        d, q = quantize_q8_0(np.zeros(32, dtype=np.float32))
        self.assertEqual(float(d[0]), 0.0)
        self.assertTrue((q == 0).all())


if __name__ == "__main__":
    unittest.main()
