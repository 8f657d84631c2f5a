"""The GPU call, at miniature scale on the CPU: sized steps, the ablation at the same steps, best weights packed."""

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import gpu_run
from model import Llama, ModelConfig
from synthetic import write_samples

TINY = ["--n-embd", "32", "--n-layer", "2", "--n-head", "4", "--n-head-kv", "2", "--n-ff", "64", "--batch-size", "8",
        "--threads", "1", "--eval-rows", "16", "--eval-batch-size", "8", "--device", "cpu", "--eval-interval", "5",
        "--log-interval", "5", "--warmup-steps", "2", "--n-vocab", "64"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class GpuRun(unittest.TestCase):
    def test_sized_trained_ablated_and_packed(self):
        tmp = tempfile.mkdtemp(prefix="steerway-gpu-run-")
        try:
            samples, out = os.path.join(tmp, "samples"), os.path.join(tmp, "OUT")
            write_samples(samples, L=32, n_vocab=64, train_rows=64, eval_rows=16, block=8)
            with open(os.path.join(samples, "samples.json"), encoding="utf-8") as f:
                meta = json.load(f)
            meta.setdefault("vocabSize", 64)
            meta.setdefault("splits", {"train": {"tokens": 64 * 32}})
            meta["splits"]["train"]["unique"] = {"uniqueTokens": 1000}
            with open(os.path.join(samples, "samples.json"), "w", encoding="utf-8") as f:
                json.dump(meta, f)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                rc = gpu_run.main(["--samples", samples, "--out", out, "--preset", "mini", "--budget-s", "0",
                                   "--tokens-per-param", "0.5", "--", *TINY])
            self.assertEqual(rc, 0, err.getvalue())
            plan = read(os.path.join(out, "plan.json"))
            real = Llama(ModelConfig(n_vocab=64, n_embd=32, n_layer=2, n_head=4, n_head_kv=2, n_ff=64, n_ctx_train=32)).n_params()
            self.assertEqual(plan["parameters"], real)
            self.assertEqual(plan["plannedSteps"], -(-int(0.5 * real) // (8 * 32)))
            self.assertEqual(plan["v2"]["steps"], plan["plannedSteps"])
            self.assertEqual(plan["trainUniqueTokens"], 1000)
            self.assertEqual(plan["plannedEpochsOfUnique"], round(plan["plannedTokens"] / 1000, 2))
            # The ablation sees the same tokens.
            self.assertEqual(plan["ablation"]["tokens"], plan["v2"]["tokens"])
            for name in ("v2", "ablation"):
                q8 = read(os.path.join(out, name, "q8.json"))
                self.assertTrue(all(os.path.getsize(os.path.join(out, name, part)) <= gpu_run.PART_MIB * 2**20 for part in q8["parts"]))
                self.assertTrue(os.path.exists(os.path.join(out, name, "train-log.jsonl")))
                best = read(os.path.join(samples, "gpu-run", name, "best", "best.json"))
                self.assertEqual(plan[name]["best"]["step"], best["step"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
