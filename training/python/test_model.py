"""The model's attention rule, positions and RoPE (run: /usr/bin/python3 -m unittest discover -s training/python)."""

import math
import unittest

import torch
import torch.nn.functional as F

from model import PAD, PREFIX, QUERY, Injection, Layout, Llama, ModelConfig, apply_rope, attention, dense_layout, encoding_positions, layout, rope_tables, segment_rule
from reference import injections

torch.set_num_threads(1)


def tiny(seed=0, tied=True, n_head_kv=2) -> Llama:
    c = ModelConfig(n_vocab=50, n_embd=32, n_layer=2, n_head=4, n_head_kv=n_head_kv, n_ff=48, n_ctx_train=64, tied_embeddings=tied)
    m = Llama(c).double()
    g = torch.Generator().manual_seed(seed)
    # Larger than training's init, so attention is far from uniform and every mistake shows.
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * (0.3 if p.dim() > 1 else 0.2) + (1.0 if p.dim() == 1 else 0.0))
    return m


# prefix (3), block 1 (4), block 2 (5), final file (4), padding (2)
SEG = [PREFIX] * 3 + [1] * 4 + [2] * 5 + [QUERY] * 4 + [PAD] * 2


class MaskRule(unittest.TestCase):
    def setUp(self):
        self.seg = torch.tensor([SEG])
        self.rule = segment_rule(self.seg)[0]

    def test_causal(self):
        L = len(SEG)
        for i in range(L):
            for j in range(i + 1, L):
                self.assertFalse(bool(self.rule[i, j]), f"{i} sees later {j}")

    def test_a_block_token_sees_the_prefix_and_its_own_block_only(self):
        for i in range(7, 12):  # block 2
            seen = [j for j in range(len(SEG)) if self.rule[i, j]]
            self.assertEqual(seen, [0, 1, 2] + list(range(7, i + 1)))
        for i in range(3, 7):  # block 1 sees nothing of block 2 (later anyway) and the prefix
            self.assertEqual([j for j in range(len(SEG)) if self.rule[i, j]], [0, 1, 2] + list(range(3, i + 1)))

    def test_the_final_file_and_padding_see_everything_before_them(self):
        for i in range(12, len(SEG)):
            self.assertEqual([j for j in range(len(SEG)) if self.rule[i, j]], list(range(i + 1)))

    def test_the_prefix_sees_only_itself(self):
        for i in range(3):
            self.assertEqual([j for j in range(len(SEG)) if self.rule[i, j]], list(range(i + 1)))

    def test_a_dense_row_is_plain_causal(self):
        seg = torch.tensor([[PREFIX] * 3 + [QUERY] * 10 + [PAD] * 3])
        L = seg.shape[1]
        self.assertTrue(torch.equal(segment_rule(seg)[0], torch.ones(L, L, dtype=torch.bool).tril()))
        self.assertIsNone(layout(seg).mask)

    def test_the_layout_allows_exactly_the_rule_one_half_per_row(self):
        lay = layout(self.seg)
        L = len(SEG)
        placed, encoded = lay.mask[0, 0, :, :L], lay.mask[0, 0, :, L:]
        self.assertTrue(torch.equal(placed | encoded, self.rule))
        self.assertFalse(bool((placed & encoded).any()))
        block_rows = torch.tensor([1 <= s <= 253 for s in SEG])
        self.assertFalse(bool(placed[block_rows].any()))
        self.assertFalse(bool(encoded[~block_rows].any()))

    def test_block_tokens_are_at_their_encoding_positions(self):
        # The engine encodes every block right after the 3-token prefix.
        self.assertEqual(encoding_positions(self.seg)[0].tolist(), [0, 1, 2, 3, 4, 5, 6, 3, 4, 5, 6, 7, 12, 13, 14, 15, 16, 17])


class Rope(unittest.TestCase):
    def test_equals_the_direct_formula_on_adjacent_pairs(self):
        D, base = 16, 10000.0
        pos = torch.tensor([[0, 1, 7, 100, 1000, 4095]])
        x = torch.randn(1, 2, pos.shape[1], D, dtype=torch.float64)
        cos, sin = rope_tables(pos, D, base)
        got = apply_rope(x, cos, sin)
        want = torch.empty_like(x)
        for t, p in enumerate(pos[0].tolist()):
            for i in range(D // 2):
                theta = p * base ** (-2 * i / D)
                a, b = x[..., t, 2 * i], x[..., t, 2 * i + 1]
                want[..., t, 2 * i] = a * math.cos(theta) - b * math.sin(theta)
                want[..., t, 2 * i + 1] = a * math.sin(theta) + b * math.cos(theta)
        # float32 angles, as ggml computes them: ~1e-4 rad at position 4095.
        self.assertLess(float((got - want).abs().max()), 2e-3)
        self.assertLess(float((got[..., :4, :] - want[..., :4, :]).abs().max()), 1e-5)

    def test_scores_depend_on_relative_position_only(self):
        D = 8
        q, k = torch.randn(1, 1, 1, D, dtype=torch.float64), torch.randn(1, 1, 1, D, dtype=torch.float64)
        def score(pq, pk):
            cq, sq = rope_tables(torch.tensor([[pq]]), D, 10000.0)
            ck, sk = rope_tables(torch.tensor([[pk]]), D, 10000.0)
            return float((apply_rope(q, cq, sq) * apply_rope(k, ck, sk)).sum())
        self.assertAlmostEqual(score(10, 3), score(107, 100), places=5)
        self.assertNotAlmostEqual(score(10, 3), score(10, 4), places=3)


def decode(m: Llama, cache: list, tok: int, pos: int) -> torch.Tensor:
    """One token at `pos` over a per-layer cache of {raw key, value, position} (its own entry appended),
    attending to every entry: the KV cache as llama.cpp holds it, keys rotated at their cell's position."""
    c = m.c
    D = c.head_dim
    rep = c.n_head // c.n_head_kv

    def rot(x, p):
        cos, sin = rope_tables(torch.tensor([[p]]), D, c.rope_freq_base)
        return apply_rope(x[None, :, None, :], cos, sin)[0, :, 0, :]

    x = m.token_embd.weight[tok]
    for li, b in enumerate(m.blocks):
        hdn = b.attn_norm(x)
        q = rot(b.attn_q(hdn).view(c.n_head, D), pos)
        cache[li].append({"k": b.attn_k(hdn).view(c.n_head_kv, D), "v": b.attn_v(hdn).view(c.n_head_kv, D), "pos": pos})
        ks = torch.stack([rot(e["k"], e["pos"]) for e in cache[li]])
        vs = torch.stack([e["v"] for e in cache[li]])
        heads = [F.softmax(ks[:, hd // rep] @ q[hd] / math.sqrt(D), 0) @ vs[:, hd // rep] for hd in range(c.n_head)]
        x = x + b.attn_output(torch.cat(heads))
        hdn = b.ffn_norm(x)
        x = x + b.ffn_down(F.silu(b.ffn_gate(hdn)) * b.ffn_up(hdn))
    return F.linear(m.output_norm(x), m.token_embd.weight if m.output is None else m.output.weight)


def reference_logits(m: Llama, tokens: list, seg: list) -> torch.Tensor:
    """The engine's sparse computation written out with explicit caches, token by token, independent of
    `layout`: the prefix decoded alone; each block decoded after its own copy of the prefix at [h, h+len),
    then its cells moved to the block's place (same raw keys and values, new positions: the RoPE shift);
    the rest decoded causally over the prefix and every placed block."""
    L = len(tokens)
    h = sum(1 for s in seg if s == PREFIX)
    n_layer = m.c.n_layer
    logits = {}
    prefix = [[] for _ in range(n_layer)]
    for t in range(h):
        logits[t] = decode(m, prefix, tokens[t], t)
    placed = [list(layer) for layer in prefix]
    i = h
    while i < L and 1 <= seg[i] <= 253:
        j = i
        while j < L and seg[j] == seg[i]:
            j += 1
        own = [list(layer) for layer in prefix]
        for t in range(i, j):
            logits[t] = decode(m, own, tokens[t], h + t - i)
        for li in range(n_layer):
            placed[li] += [{**e, "pos": i + n} for n, e in enumerate(own[li][h:])]
        i = j
    for t in range(i, L):
        logits[t] = decode(m, placed, tokens[t], t)
    return torch.stack([logits[t] for t in range(L)])


class EngineSemantics(unittest.TestCase):
    def check(self, m):
        g = torch.Generator().manual_seed(3)
        tokens = torch.randint(0, m.c.n_vocab, (len(SEG),), generator=g).tolist()
        with torch.no_grad():
            got = m(torch.tensor([tokens]), layout(torch.tensor([SEG])))[0]
            want = reference_logits(m, tokens, SEG)
        self.assertLess(float((got - want).abs().max()), 1e-9)
        return tokens, got

    def test_the_layout_computes_what_the_engine_computes(self):
        self.check(tiny())

    def test_also_untied_and_without_grouped_heads(self):
        self.check(tiny(seed=1, tied=False, n_head_kv=4))

    def test_the_literal_positions_would_differ(self):
        # Proof that the encoding positions matter: block 2 seeing the prefix from its place in the row gives
        # other logits (the reason for the doubled keys).
        m = tiny()
        tokens, got = self.check(m)
        with torch.no_grad():
            seg = torch.tensor([SEG])
            L = len(SEG)
            idx = torch.arange(L)[None]
            naive = Layout(q_pos=idx, k_pos=idx, mask=segment_rule(seg)[:, None], doubled=False)
            other = m(torch.tensor([tokens]), naive)[0]
        self.assertLess(float((other[:7] - got[:7]).abs().max()), 1e-9)  # prefix and the first block: same
        self.assertGreater(float((other[7:] - got[7:]).abs().max()), 1e-3)

    def test_a_block_sees_what_it_would_see_alone_after_the_prefix(self):
        m = tiny()
        tokens, got = self.check(m)
        alone = tokens[:3] + tokens[7:12]
        with torch.no_grad():
            dense = m(torch.tensor([alone]), dense_layout(torch.full((1, len(alone)), QUERY)))[0]
        self.assertLess(float((dense[3:] - got[7:12]).abs().max()), 1e-9)

    def test_dense_layout_equals_the_causal_rule(self):
        m = tiny()
        seg = torch.tensor([[PREFIX] * 2 + [QUERY] * 9])
        tokens = torch.randint(0, 50, (1, 11))
        with torch.no_grad():
            fast = m(tokens, layout(seg))
            idx = torch.arange(11)[None]
            masked = m(tokens, Layout(q_pos=idx, k_pos=idx, mask=segment_rule(seg)[:, None], doubled=False))
        self.assertLess(float((fast - masked).abs().max()), 1e-12)


class AttentionInjection(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(4)
        self.q, self.k, self.v = (torch.randn(1, 4, 6, 8, generator=g, dtype=torch.float64) for _ in range(3))
        self.plain = attention(self.q, self.k, self.v, None, use_sdpa=False)

    def own_probs(self, head):
        scores = torch.matmul(self.q, self.k.transpose(-1, -2))[0, head] / math.sqrt(8)
        return scores.masked_fill(~torch.ones(6, 6, dtype=torch.bool).tril(), float("-inf")).softmax(-1)

    def test_a_heads_own_rows_change_nothing(self):
        rows = torch.ones(6, dtype=torch.bool)
        for sdpa in (False, True):
            got = attention(self.q, self.k, self.v, None, sdpa, [Injection(layer=0, head=2, rows=rows, probs=self.own_probs(2))])
            self.assertLess(float((got - self.plain).abs().max()), 1e-12)

    def test_an_injected_row_is_its_weighted_sum_of_values_and_nothing_else_moves(self):
        rows = torch.zeros(6, dtype=torch.bool)
        rows[4] = True
        probs = torch.zeros(6, 6, dtype=torch.float64)
        probs[4, 3], probs[4, 0] = 0.75, 0.5  # not renormalized
        got = attention(self.q, self.k, self.v, None, True, [Injection(layer=0, head=1, rows=rows, probs=probs)])
        want = self.plain.clone()
        want[0, 1, 4] = 0.75 * self.v[0, 1, 3] + 0.5 * self.v[0, 1, 0]
        self.assertLess(float((got - want).abs().max()), 1e-12)
        self.assertGreater(float((got - self.plain).abs().max()), 1e-3)

    def test_the_model_applies_an_injection_in_its_layer_from_its_row_on(self):
        m = tiny()
        tokens = torch.randint(0, 50, (1, 8), generator=torch.Generator().manual_seed(5))
        lay = dense_layout(torch.full((1, 8), QUERY))
        job = {"tokens": tokens[0].tolist(), "inject": [{"layer": 1, "head": 3, "rows": [[5, [[4, 1.0]]], [6, [[5, 0.5], [0, 0.5]]]]}]}
        with torch.no_grad():
            plain = m(tokens, lay)[0]
            got = m(tokens, lay, injections(m, job, 8))[0]
            # Layer 1 is the last: rows 5 and 6 change, and only they.
            self.assertLess(float((got[:5] - plain[:5]).abs().max()), 1e-12)
            self.assertGreater(float((got[5:7] - plain[5:7]).abs().max(dim=-1).values.min()), 1e-6)
            self.assertLess(float((got[7] - plain[7]).abs().max()), 1e-12)
            early = m(tokens, lay, injections(m, {**job, "inject": [{**job["inject"][0], "layer": 0}]}, 8))[0]
            self.assertGreater(float((early[7] - plain[7]).abs().max()), 1e-6)  # layer 0 reaches later rows

    def test_the_reference_refuses_entries_outside_the_model_or_the_job(self):
        m = tiny()
        for bad, message in ((dict(layer=2, head=0, rows=[]), "layer 2 head 0"), (dict(layer=0, head=0, rows=[[8, []]]), "row 8"),
                             (dict(layer=0, head=0, rows=[[1, [[8, 1.0]]]]), "column 8")):
            with self.assertRaisesRegex(SystemExit, message):
                injections(m, {"tokens": list(range(8)), "inject": [bad]}, 8)


class Config(unittest.TestCase):
    def test_round_trips_through_the_weights_json_keys(self):
        c = ModelConfig(n_vocab=10, n_embd=32, n_layer=1, n_head=4, n_head_kv=2, n_ff=64, n_ctx_train=128, rms_eps=1e-6, tied_embeddings=False)
        j = c.to_json()
        self.assertEqual(j["nHeadKv"], 2)
        self.assertEqual(j["tiedEmbeddings"], False)
        self.assertEqual(ModelConfig.from_json(j), c)

    def test_rejects_shapes_llama_cpp_cannot_load(self):
        with self.assertRaisesRegex(ValueError, "multiple of n_head_kv"):
            ModelConfig(n_vocab=10, n_embd=32, n_layer=1, n_head=4, n_head_kv=3, n_ff=64, n_ctx_train=8)
        with self.assertRaisesRegex(ValueError, "lacks nFf"):
            ModelConfig.from_json({"nVocab": 1, "nEmbd": 32, "nLayer": 1, "nHead": 4, "nHeadKv": 2, "nCtxTrain": 8})

    def test_tensor_names_are_gguf_names(self):
        names = [n for n, _ in tiny(tied=False).gguf_tensors()]
        self.assertEqual(names[:3], ["token_embd.weight", "output_norm.weight", "output.weight"])
        self.assertIn("blk.1.ffn_down.weight", names)
        self.assertNotIn("output.weight", [n for n, _ in tiny().gguf_tensors()])


if __name__ == "__main__":
    unittest.main()
