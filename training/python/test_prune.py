"""2:4 pruning (prune.py): exactly two of every four weights zero along the input dimension, the largest kept,
embeddings and norms untouched, and the pattern unchanged by recovery steps."""

import contextlib
import io
import os
import shutil
import tempfile
import unittest

import torch

import prune
from model import Llama, ModelConfig
from synthetic import write_samples
from weights import load_weights, save_weights

CONFIG = dict(n_vocab=64, n_embd=32, n_layer=2, n_head=4, n_head_kv=2, n_ff=64, n_ctx_train=32,
              rope_freq_base=10000.0, rms_eps=1e-5, tied_embeddings=True)


def random_model(seed=3):
    model = Llama(ModelConfig(**CONFIG))
    model.init_weights(torch.Generator().manual_seed(seed))
    with torch.no_grad():  # norms away from 1, so "untouched" means something
        for name, p in model.gguf_tensors():
            if p.dim() == 1:
                p.uniform_(0.5, 1.5)
    return model


def groups(t):
    return t.reshape(t.shape[0], -1, 4)


class Pruning(unittest.TestCase):
    def assert_two_of_four(self, model, masks):
        for name, p in model.gguf_tensors():
            if name in masks:
                zeros = (groups(p) == 0).sum(dim=-1)
                self.assertTrue(bool((zeros == 2).all()), f"{name}: zeros per group {zeros.unique().tolist()}")
                self.assertTrue(torch.equal(p != 0, masks[name]), name)

    def test_two_of_every_four_along_the_input_dimension_the_largest_kept(self):
        model = random_model()
        before = {n: p.detach().clone() for n, p in model.gguf_tensors()}
        masks = prune.prune(model)
        self.assertEqual(sorted(masks), sorted(n for n in before if prune.PRUNED.match(n)))
        self.assertEqual(len(masks), 7 * CONFIG["n_layer"])
        self.assert_two_of_four(model, masks)
        for name, p in model.gguf_tensors():
            if name in masks:
                a = groups(before[name].abs())
                m = groups(masks[name])
                kept_min = torch.where(m, a, torch.full_like(a, float("inf"))).min(dim=-1).values
                dropped_max = torch.where(~m, a, torch.full_like(a, -1.0)).max(dim=-1).values
                self.assertTrue(bool((kept_min >= dropped_max).all()), name)
                self.assertTrue(torch.equal(p[masks[name]], before[name][masks[name]]), f"{name}: kept weights changed")
            else:
                self.assertTrue(torch.equal(p, before[name]), f"{name} (embedding or norm) was changed")
        # Along the input dimension: each output row keeps half of its inputs, group by group.
        w = next(p for n, p in model.gguf_tensors() if n == "blk.0.ffn_down.weight")
        self.assertEqual(list(w.shape), [CONFIG["n_embd"], CONFIG["n_ff"]])
        self.assertTrue(bool(((w != 0).sum(dim=1) == CONFIG["n_ff"] // 2).all()))

    def test_refuses_an_input_dimension_not_divisible_by_four(self):
        with self.assertRaisesRegex(prune.PruneError, "multiple of 4"):
            prune.mask_2_4(torch.ones(4, 6))

    def test_masks_survive_recovery_steps(self):
        folder = tempfile.mkdtemp(prefix="steerway-prune-")
        try:
            samples = os.path.join(folder, "samples")
            write_samples(samples, L=32, n_vocab=64, train_rows=32, eval_rows=8, block=8)
            model = random_model()
            masks = prune.prune(model)
            pruned = {n: p.detach().clone() for n, p in model.gguf_tensors()}
            result = prune.recover(model, masks, samples, steps=5, lr=1e-2, batch_size=4, eval_rows=8, seed=1)
            self.assertEqual(result["steps"], 5)
            self.assert_two_of_four(model, masks)
            changed = [n for n, p in model.gguf_tensors() if n in masks and not torch.equal(p, pruned[n])]
            self.assertEqual(sorted(changed), sorted(masks), "recovery did not train every pruned layer")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def test_the_command_writes_pruned_weights_and_keeps_the_dense_ones(self):
        folder = tempfile.mkdtemp(prefix="steerway-prune-")
        try:
            dense, out = os.path.join(folder, "dense"), os.path.join(folder, "pruned")
            save_weights(random_model(), dense)
            with contextlib.redirect_stderr(io.StringIO()):
                self.assertEqual(prune.main(["--weights", dense, "--out", dense]), 2)
                self.assertEqual(prune.main(["--weights", dense, "--out", out]), 0)
            model = load_weights(out)
            masks = {n: p != 0 for n, p in model.gguf_tensors() if prune.PRUNED.match(n)}
            self.assert_two_of_four(model, masks)
            self.assertFalse(any(bool((p == 0).any()) for n, p in load_weights(dense).gguf_tensors()))
            self.assertTrue(os.path.exists(os.path.join(out, "prune.json")))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
