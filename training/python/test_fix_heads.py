"""Heads fixed to the previous-token pattern (fix_heads.py): the forward really uses one-hot previous-token rows in
dense and block-sparse layouts, fine-tuning leaves them fixed, and every condition is measured on the same eval rows."""

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import torch

import fix_heads
import model as model_module
from model import Llama, ModelConfig, PREFIX, QUERY, layout
from synthetic import write_samples
from weights import save_weights

CONFIG = dict(n_vocab=64, n_embd=32, n_layer=2, n_head=4, n_head_kv=2, n_ff=64, n_ctx_train=32,
              rope_freq_base=10000.0, rms_eps=1e-5, tied_embeddings=True)


def random_model(seed=3):
    m = Llama(ModelConfig(**CONFIG))
    m.init_weights(torch.Generator().manual_seed(seed))
    return m


def no_autocast():
    return contextlib.nullcontext()


def observed_probs(m, tokens, seg, heads):
    """The post-injection probabilities of each layer with fixed heads ([B, H, L, K]), by layer."""
    seen = {}
    original = model_module.attention

    def spy(q, k, v, mask, use_sdpa, inject=None):
        out = original(q, k, v, mask, use_sdpa, inject)
        if inject:
            # Recover probs exactly: run the same code path with v = identity over keys.
            K = k.shape[2]
            eye = torch.eye(K, dtype=v.dtype).expand(v.shape[0], v.shape[1], K, K)
            seen[inject[0].layer] = original(q, k, eye, mask, use_sdpa, inject)
        return out

    model_module.attention = spy
    try:
        lay = layout(seg)
        B, L = tokens.shape
        with torch.no_grad():
            m(tokens, lay, fix_heads.fixed(heads, lay, B, L))
    finally:
        model_module.attention = original
    return seen, lay


def sparse_row(L=12):
    """Prefix of 3, block 1 (3 tokens), block 2 (3 tokens), query (3 tokens)."""
    seg = torch.tensor([[PREFIX] * 3 + [1] * 3 + [2] * 3 + [QUERY] * 3])
    tokens = torch.randint(0, CONFIG["n_vocab"], (1, L), generator=torch.Generator().manual_seed(5))
    return tokens, seg


class Pattern(unittest.TestCase):
    def test_dense_rows_attend_to_the_previous_token_and_row_0_to_itself(self):
        m = random_model()
        tokens = torch.randint(0, 64, (2, 10), generator=torch.Generator().manual_seed(1))
        seg = torch.full((2, 10), QUERY)
        seen, _ = observed_probs(m, tokens, seg, [(1, 2)])
        probs = seen[1][:, 2]  # [B, L, K]
        expected = torch.zeros(10, 10)
        expected[0, 0] = 1
        for i in range(1, 10):
            expected[i, i - 1] = 1
        for b in range(2):
            self.assertTrue(torch.equal(probs[b], expected))
        # The other heads keep their own (not one-hot) attention.
        self.assertFalse(torch.equal(seen[1][:, 1][0], expected))

    def test_sparse_rows_follow_the_mask_a_block_start_sees_the_end_of_the_prefix(self):
        m = random_model()
        tokens, seg = sparse_row()
        seen, lay = observed_probs(m, tokens, seg, [(0, 3)])
        probs = seen[0][0, 3]  # [L, 2L]
        L = 12
        self.assertTrue(lay.doubled)
        targets = probs.argmax(dim=-1).tolist()
        self.assertTrue(torch.equal(probs.max(dim=-1).values, torch.ones(L)))
        self.assertTrue(torch.equal(probs.sum(dim=-1), torch.ones(L)))
        # Prefix/query rows use the first half (row positions); block rows the second (encoding positions).
        expected = [0, 0, 1,  # prefix
                    L + 2, L + 3, L + 4,  # block 1: its first token sees the last prefix token
                    L + 2, L + 6, L + 7,  # block 2: not block 1, so the last prefix token again
                    8, 9, 10]  # query rows: the previous token, whatever its segment
        self.assertEqual(targets, expected)
        for i, t in enumerate(targets):
            self.assertTrue(bool(lay.mask[0, 0, i, t]), f"row {i} attends outside its mask")

    def test_bad_head_lists_are_refused_with_one_line(self):
        m = random_model()
        for spec, words in (("2.0", "not in the model"), ("0.4", "not in the model"), ("1", "not layer.head"),
                            ("0.1,0.1", "twice")):
            with self.assertRaises(fix_heads.FixHeadsError) as e:
                fix_heads.parse_heads(spec, m)
            self.assertIn(words, str(e.exception))
        self.assertEqual(fix_heads.parse_heads("1.3, 0.0", m), [(1, 3), (0, 0)])


class FineTune(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.samples = os.path.join(self.dir, "samples")
        self.weights = os.path.join(self.dir, "weights")
        write_samples(self.samples, L=32, n_vocab=CONFIG["n_vocab"], train_rows=32, eval_rows=8)
        save_weights(random_model(), self.weights)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_steps_train_the_model_and_the_fixed_heads_stay_exactly_the_pattern(self):
        from data import open_split
        m = random_model()
        split = open_split(self.samples, "train", 32)
        before = {n: p.detach().clone() for n, p in m.named_parameters()}
        heads = [(0, 1), (1, 2)]
        run = fix_heads.finetune(m, split, heads, 3, 1e-2, 4, 1, no_autocast)
        self.assertEqual(run["steps"], 3)
        changed = [n for n, p in m.named_parameters() if not torch.equal(p, before[n])]
        self.assertIn("blocks.0.attn_v.weight", changed)
        tokens, seg = sparse_row(12)
        seen, lay = observed_probs(m, tokens, seg, heads)
        pattern = fix_heads.previous_token_probs(lay, 1, 12)
        self.assertTrue(torch.equal(seen[0][:, 1], pattern))
        self.assertTrue(torch.equal(seen[1][:, 2], pattern))

    def test_the_cli_measures_every_condition_on_the_same_eval_rows(self):
        out = os.path.join(self.dir, "out")
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = fix_heads.main(["--weights", self.weights, "--heads", "0.1,1.2", "--samples", self.samples, "--steps", "4",
                                 "--batch-size", "4", "--eval-rows", "6", "--lr", "1e-2", "--f32", "--out", out])
        self.assertEqual(rc, 0, err.getvalue())
        with open(os.path.join(out, "fixed-heads.json"), encoding="utf-8") as f:
            record = json.load(f)
        self.assertTrue(record["sameEvalRows"])
        self.assertEqual(len(record["evalRows"]), 6)
        losses = record["losses"]
        self.assertNotEqual(losses["ownAttention"], losses["fixedBefore"])  # the heads really are replaced
        self.assertNotEqual(losses["fixedBefore"], losses["fixedAfter"])  # and the fine-tune really moved the model
        gap = losses["fixedBefore"] - losses["ownAttention"]
        self.assertAlmostEqual(record["recoveredShare"], (losses["fixedBefore"] - losses["fixedAfter"]) / gap)
        self.assertEqual(record["finetune"]["fixed"]["tokensSeen"], record["finetune"]["own"]["tokensSeen"])
        # The weights given are only read.
        self.assertEqual(sorted(os.listdir(self.weights)), ["weights.bin", "weights.json"])

    def test_a_bad_head_gives_one_line_and_exit_1(self):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = fix_heads.main(["--weights", self.weights, "--heads", "9.0", "--samples", self.samples,
                                 "--out", os.path.join(self.dir, "out")])
        self.assertEqual(rc, 1)
        self.assertEqual(err.getvalue().count("\n"), 1)
        self.assertIn("9.0 is not in the model", err.getvalue())
        self.assertFalse(os.path.exists(os.path.join(self.dir, "out")))


if __name__ == "__main__":
    unittest.main()
