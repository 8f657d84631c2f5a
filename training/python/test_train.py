"""Training runs end to end on tiny synthetic samples: the loss falls, the budget stops cleanly, files appear."""

import contextlib
import io
import json
import os
import shutil
import tempfile
import time
import unittest

import numpy as np
import torch

import train
from data import Batches, SamplesError, check_rows, open_split
from model import PAD, QUERY, Llama, ModelConfig, layout
from synthetic import write_samples
from weights import load_weights, save_weights

TINY = ["--n-embd", "32", "--n-layer", "2", "--n-head", "4", "--n-head-kv", "2", "--n-ff", "64", "--batch-size", "8",
        "--threads", "1", "--eval-rows", "16", "--eval-batch-size", "8", "--device", "cpu"]


def run(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = train.main(argv)
    return rc, err.getvalue()


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_log(folder):
    with open(os.path.join(folder, "train-log.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class Training(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="steerway-train-")
        cls.samples = os.path.join(cls.dir, "samples")
        write_samples(cls.samples, L=32, n_vocab=64, train_rows=64, eval_rows=16, block=8)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_a_few_steps_lower_the_loss_and_write_every_file(self):
        out = os.path.join(self.dir, "run")
        rc, err = run(["--samples", self.samples, "--n-vocab", "64", "--out", out, *TINY, "--max-steps", "40",
                       "--lr", "1e-2", "--warmup-steps", "5", "--log-interval", "5", "--eval-interval", "20", "--time-budget-s", "0"])
        self.assertEqual(rc, 0, err)
        log = read_log(out)
        first, last = log[0], log[-1]
        self.assertTrue(last["final"])
        self.assertLess(log[-2]["trainLoss"], first["trainLoss"] - 0.5)
        self.assertLess(last["evalLoss"], log[1]["evalLoss"] if "evalLoss" in log[1] else np.log(64))
        evals = [e for e in log if "evalLoss" in e]
        self.assertEqual([e["step"] for e in evals], [20, 40, 40])
        self.assertIsNotNone(last["evalLossSparse"])
        self.assertIsNotNone(last["evalLossDense"])
        for key in ("step", "tokens", "trainLoss", "lr", "seconds"):
            self.assertIn(key, first)
        self.assertEqual(last["tokens"], 40 * 8 * 32)
        rec = read_json(os.path.join(out, "run.json"))
        self.assertEqual(rec["steps"], 40)
        self.assertEqual(rec["stopReason"], "max_steps")
        self.assertEqual(rec["seed"], 1)
        self.assertEqual(rec["torch"], torch.__version__)
        self.assertIn("cpu", rec["device"])
        self.assertAlmostEqual(rec["finalLosses"]["evalLoss"], last["evalLoss"])
        meta = read_json(os.path.join(out, "weights.json"))
        self.assertEqual(meta["config"]["nCtxTrain"], 32)
        self.assertEqual(meta["config"]["nVocab"], 64)

    def test_the_weights_at_the_lowest_held_out_loss_are_kept(self):
        out = os.path.join(self.dir, "best-run")
        # A rate far too high late in the run: the held-out loss need not fall to the end.
        rc, err = run(["--samples", self.samples, "--n-vocab", "64", "--out", out, *TINY, "--max-steps", "30",
                       "--lr", "3e-1", "--warmup-steps", "2", "--log-interval", "5", "--eval-interval", "5", "--time-budget-s", "0"])
        self.assertEqual(rc, 0, err)
        evals = [e for e in read_log(out) if "evalLoss" in e]
        best = read_json(os.path.join(out, "best", "best.json"))
        lowest = min(evals, key=lambda e: e["evalLoss"])
        self.assertAlmostEqual(best["evalLoss"], lowest["evalLoss"])
        self.assertEqual(best["step"], lowest["step"])
        self.assertEqual(read_json(os.path.join(out, "run.json"))["best"]["step"], best["step"])
        kept = load_weights(os.path.join(out, "best")).state_dict()
        final = load_weights(out).state_dict()
        same = all(torch.equal(kept[k], final[k]) for k in kept)
        self.assertEqual(same, best["step"] == evals[-1]["step"] and best["evalLoss"] == evals[-1]["evalLoss"])

    def test_the_time_budget_stops_cleanly_and_still_writes_everything(self):
        out = os.path.join(self.dir, "budget")
        t0 = time.time()
        rc, err = run(["--samples", self.samples, "--n-vocab", "64", "--out", out, *TINY, "--max-steps", "1000000",
                       "--time-budget-s", "2", "--eval-interval", "1000000"])
        self.assertEqual(rc, 0, err)
        self.assertLess(time.time() - t0, 30)
        rec = read_json(os.path.join(out, "run.json"))
        self.assertEqual(rec["stopReason"], "time_budget")
        self.assertGreater(rec["steps"], 0)
        self.assertTrue(read_log(out)[-1]["final"])
        self.assertIsNotNone(read_log(out)[-1]["evalLoss"])
        load_weights(out)  # complete and loadable

    def test_a_segment_stops_and_resume_goes_on_from_the_same_step(self):
        out = os.path.join(self.dir, "resume")
        common = ["--samples", self.samples, "--n-vocab", "64", "--out", out, *TINY, "--max-steps", "12", "--log-interval", "1",
                  "--eval-interval", "1000", "--time-budget-s", "0"]
        rc, err = run([*common, "--segment-s", "0.000001"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(read_json(os.path.join(out, "run.json"))["stopReason"], "segment")
        rc, err = run([*common, "--resume"])
        self.assertEqual(rc, 0, err)
        rec = read_json(os.path.join(out, "run.json"))
        self.assertEqual((rec["steps"], rec["stopReason"], rec["resumed"]), (12, "max_steps", True))
        steps = [e["step"] for e in read_log(out) if not e.get("final")]
        self.assertEqual(steps, list(range(1, 13)))

    def test_init_starts_from_given_weights_with_their_shape(self):
        base = os.path.join(self.dir, "init-base")
        rc, err = run(["--samples", self.samples, "--n-vocab", "64", "--out", base, *TINY, "--max-steps", "20",
                       "--lr", "1e-2", "--warmup-steps", "2", "--eval-interval", "1000", "--time-budget-s", "0"])
        self.assertEqual(rc, 0, err)
        base_loss = read_json(os.path.join(base, "run.json"))["finalLosses"]["evalLoss"]
        tuned = os.path.join(self.dir, "init-tuned")
        # The preset's shape (4 x 256) is not the weights' (2 x 32): the weights decide. Step 0's rate is warmup's
        # smallest, so the first held-out loss is the base model's, nowhere near a fresh model's log(64).
        rc, err = run(["--samples", self.samples, "--n-vocab", "64", "--out", tuned, "--init", base, "--threads", "1",
                       "--device", "cpu", "--max-steps", "1", "--lr", "1e-9", "--warmup-steps", "1000", "--eval-interval", "1000",
                       "--eval-rows", "16", "--eval-batch-size", "8", "--time-budget-s", "0"])
        self.assertEqual(rc, 0, err)
        rec = read_json(os.path.join(tuned, "run.json"))
        self.assertEqual(rec["parameters"], load_weights(base).n_params())
        self.assertEqual(rec["init"], os.path.abspath(base))
        self.assertAlmostEqual(rec["finalLosses"]["evalLoss"], base_loss, places=3)
        rc, err = run(["--samples", self.samples, "--n-vocab", "64", "--out", os.path.join(self.dir, "init-none"),
                       "--init", os.path.join(self.dir, "none"), *TINY])
        self.assertEqual((rc, "weights.json not found" in err), (1, True), err)

    def test_missing_samples_give_one_clear_error(self):
        rc, err = run(["--samples", os.path.join(self.dir, "none"), "--n-vocab", "64", "--out", os.path.join(self.dir, "x"), *TINY])
        self.assertEqual(rc, 1)
        self.assertIn("samples.json not found", err)


class Ablation(unittest.TestCase):
    def test_ablation_batches_mix_every_row_and_train_them_dense(self):
        d = tempfile.mkdtemp(prefix="steerway-abl-")
        try:
            write_samples(d, L=32, n_vocab=64, train_rows=40, eval_rows=8, block=8, sparse_share=0.5)
            split = open_split(d, "train", 32)
            self.assertEqual(len(Batches(split, 4, 1, ablation=False).groups), 2)
            self.assertEqual(len(Batches(split, 4, 1, ablation=True).groups), 1)
            rows = split.sparse_rows()[:2]
            tokens, seg = train.to_batch(split, rows, torch.device("cpu"), ablation=True)
            self.assertFalse(bool(((seg >= 1) & (seg <= 253)).any()))
            _, seg_true = train.to_batch(split, rows, torch.device("cpu"), ablation=False)
            self.assertTrue(torch.equal(seg == PAD, seg_true == PAD))  # padding still has no loss
            m = Llama(ModelConfig(n_vocab=64, n_embd=32, n_layer=1, n_head=4, n_head_kv=2, n_ff=64, n_ctx_train=32))
            m.init_weights(torch.Generator().manual_seed(0), std=0.3)
            off = lambda: torch.autocast("cpu", enabled=False)  # noqa: E731
            with torch.no_grad():
                abl, _ = train.token_losses(m, tokens, seg, True, off)
                causal, _ = train.token_losses(m, tokens, torch.full_like(seg, QUERY).masked_fill(seg == PAD, PAD), False, off)
                sparse, _ = train.token_losses(m, tokens, seg_true, False, off)
            self.assertLess(float((abl - causal).abs().max()), 1e-5)
            self.assertGreater(float((abl - sparse).abs().max()), 1e-4)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class Files(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="steerway-files-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_weights_round_trip_in_f32_and_f16(self):
        m = Llama(ModelConfig(n_vocab=40, n_embd=32, n_layer=1, n_head=4, n_head_kv=2, n_ff=64, n_ctx_train=16, tied_embeddings=False))
        m.init_weights(torch.Generator().manual_seed(0))
        tokens = torch.randint(0, 40, (1, 10))
        seg = torch.full((1, 10), QUERY)
        with torch.no_grad():
            want = m(tokens, layout(seg))
            for dtype, tol in (("f32", 0.0), ("f16", 1e-3)):
                save_weights(m, self.dir, dtype)
                meta = read_json(os.path.join(self.dir, "weights.json"))
                self.assertEqual(meta["dtype"], dtype)
                self.assertTrue(all(t["offset"] % 32 == 0 for t in meta["tensors"]))
                self.assertEqual(meta["tensors"][2], {"name": "output.weight", "shape": [40, 32], "offset": meta["tensors"][2]["offset"]})
                got = load_weights(self.dir)(tokens, layout(seg))
                self.assertLessEqual(float((got - want).abs().max()), tol)

    def write(self, tokens, segs, L):
        np.asarray(tokens, dtype="<u2").tofile(os.path.join(self.dir, "train.tokens.u16"))
        np.asarray(segs, dtype=np.uint8).tofile(os.path.join(self.dir, "train.segments.u8"))
        return open_split(self.dir, "train", L)

    def test_rows_that_break_the_layout_are_named(self):
        ok = [0, 0, 1, 1, 2, 2, 255, 254]
        check_rows(self.write([[5] * 8], [ok], 8), 10)
        cases = [
            ([0, 1, 0, 1, 255, 255, 255, 255], "shared prefix"),
            ([0, 1, 1, 2, 1, 255, 255, 254], "two runs"),
            ([0, 255, 254, 255, 255, 255, 255, 255], "padding"),
            ([0, 1, 1, 2, 2, 2, 2, 254], "final file"),
        ]
        for seg, message in cases:
            with self.subTest(message):
                with self.assertRaisesRegex(SamplesError, message):
                    check_rows(self.write([[5] * 8, [5] * 8], [ok, seg], 8), 10)
        with self.assertRaisesRegex(SamplesError, "n_vocab"):
            check_rows(self.write([[5] * 7 + [10]], [ok], 8), 10)

    def test_files_of_different_row_counts_are_refused(self):
        np.zeros(16, dtype="<u2").tofile(os.path.join(self.dir, "train.tokens.u16"))
        np.zeros(24, dtype=np.uint8).tofile(os.path.join(self.dir, "train.segments.u8"))
        with self.assertRaisesRegex(SamplesError, "not the same number of rows"):
            open_split(self.dir, "train", 8)


if __name__ == "__main__":
    unittest.main()
