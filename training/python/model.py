"""The llama-architecture model, computed exactly as llama.cpp computes arch `llama`.

RoPE is LLAMA_ROPE_TYPE_NORM (adjacent pairs), RMSNorm, SwiGLU, grouped-query attention, tied or
untied output. Attention follows the segment rule of training/README.md, with the positions the
engine uses in `sparse` mode (see `layout`). Works on torch 1.13 (CPU, manual attention) and torch 2.x
(F.scaled_dot_product_attention with a boolean mask).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Segment bytes (README "Samples").
PREFIX = 0
PAD = 254
QUERY = 255
MAX_BLOCK = 253

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def wide(t: torch.Tensor) -> torch.Tensor:
    """At least float32 (float64 stays: the reference logits for the export tests are computed in it)."""
    return t if t.dtype == torch.float64 else t.float()


@dataclass
class ModelConfig:
    n_vocab: int
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    n_ff: int
    n_ctx_train: int
    rope_freq_base: float = 10000.0
    rms_eps: float = 1e-5
    tied_embeddings: bool = True

    def __post_init__(self) -> None:
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd {self.n_embd} is not a multiple of n_head {self.n_head}")
        if self.n_head % self.n_head_kv:
            raise ValueError(f"n_head {self.n_head} is not a multiple of n_head_kv {self.n_head_kv}")
        if (self.n_embd // self.n_head) % 2:
            raise ValueError("the head dimension must be even (RoPE rotates pairs)")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    # weights.json spells the keys in camelCase (README "Weights").
    _JSON = {
        "n_vocab": "nVocab", "n_embd": "nEmbd", "n_layer": "nLayer", "n_head": "nHead", "n_head_kv": "nHeadKv",
        "n_ff": "nFf", "n_ctx_train": "nCtxTrain", "rope_freq_base": "ropeFreqBase", "rms_eps": "rmsEps",
        "tied_embeddings": "tiedEmbeddings",
    }

    def to_json(self) -> dict:
        return {self._JSON[k]: v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, obj: dict) -> "ModelConfig":
        names = {f.name for f in fields(cls)}
        missing = [cls._JSON[n] for n in names if cls._JSON[n] not in obj and n not in ("rope_freq_base", "rms_eps", "tied_embeddings")]
        if missing:
            raise ValueError(f"model config lacks {', '.join(sorted(missing))}")
        return cls(**{n: obj[cls._JSON[n]] for n in names if cls._JSON[n] in obj})


def rope_tables(positions: torch.Tensor, head_dim: int, base: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin of theta = pos * base^(-2i/head_dim) for pair i, shape positions.shape + (head_dim/2,).

    Computed as ggml's rope cache does, in float32: theta starts at pos and is multiplied by
    powf(base, -2/head_dim) once per pair, so the rounding matches llama.cpp's at long positions too.
    """
    # powf(base, -2.0f/head_dim) as glibc gives it (correctly rounded, so the double pow rounded to float32),
    # held as a Python float (exact), so no CPU tensor enters a CUDA graph.
    scale = float(np.float32(math.pow(float(np.float32(base)), float(np.float32(-2.0 / head_dim)))))
    theta = positions.to(torch.float32)
    thetas = []
    for _ in range(head_dim // 2):
        thetas.append(theta)
        theta = theta * scale
    t = torch.stack(thetas, dim=-1)
    return t.cos(), t.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: [B, H, L, D]; cos/sin: [B, L, D/2]. Rotates adjacent pairs (2i, 2i+1) (LLAMA_ROPE_TYPE_NORM)."""
    x0 = wide(x[..., 0::2])
    x1 = wide(x[..., 1::2])
    c = cos[:, None]
    s = sin[:, None]
    out = torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1)
    return out.flatten(-2).to(x.dtype)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # In float32 even under autocast, as ggml_rms_norm does.
        xf = wide(x)
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (y * wide(self.weight)).to(x.dtype)


@dataclass
class Layout:
    """What each row may attend to, and at which positions; built once per batch, shared by all layers."""

    q_pos: torch.Tensor  # [B, L] positions the queries are rotated at
    k_pos: torch.Tensor  # [B, K] positions the keys are rotated at (K = L, or 2L for sparse rows)
    mask: torch.Tensor | None  # [B, 1, L, K] bool (True: may attend); None: plain causal
    doubled: bool  # keys are [placed; as encoded] (see layout)


def is_block(seg: torch.Tensor) -> torch.Tensor:
    return (seg >= 1) & (seg <= MAX_BLOCK)


def segment_rule(seg: torch.Tensor) -> torch.Tensor:
    """README rule, [B, L, L]: i may attend to j <= i when seg[i] is 255/254, seg[j] is 0, or seg[i] == seg[j]."""
    L = seg.shape[1]
    causal = torch.ones(L, L, dtype=torch.bool, device=seg.device).tril()
    si = seg[:, :, None]
    sj = seg[:, None, :]
    return causal & ((si == QUERY) | (si == PAD) | (sj == PREFIX) | (si == sj))


def encoding_positions(seg: torch.Tensor) -> torch.Tensor:
    """Position of each token when the engine encodes it: a block token at offset t of its block is at h + t
    (the engine encodes every block right after the shared prefix of h tokens, then shifts it into place);
    every other token is at its own index."""
    B, L = seg.shape
    idx = torch.arange(L, device=seg.device).expand(B, L)
    starts = torch.ones_like(seg, dtype=torch.bool)
    starts[:, 1:] = seg[:, 1:] != seg[:, :-1]
    run_start = torch.where(starts, idx, torch.zeros_like(idx)).cummax(dim=1).values
    h = (seg == PREFIX).sum(dim=1, keepdim=True)  # the prefix is the leading run (checked when loading samples)
    return torch.where(is_block(seg), h + idx - run_start, idx)


def layout(seg: torch.Tensor) -> Layout:
    """Attention layout of a batch of segment rows ([B, L], integer).

    Dense rows (no block bytes) are plain causal. With blocks, the engine computes a block's keys and values
    from the block encoded at [h, h+len) after the shared prefix, then shifts its keys (RoPE) to the block's
    place; the query sees the shifted keys. So a block token sees the prefix at the distance it had when
    encoded, not at its place in the row. To compute exactly that, the keys are doubled: the first L are
    rotated at the row's positions (what the query, prefix and padding see), the next L at the encoding
    positions (what block tokens see), and the mask picks one half per row.
    """
    B, L = seg.shape
    idx = torch.arange(L, device=seg.device).expand(B, L)
    blocks = is_block(seg)
    if not bool(blocks.any()):
        return Layout(q_pos=idx, k_pos=idx, mask=None, doubled=False)
    enc = encoding_positions(seg)
    rule = segment_rule(seg)
    row_block = blocks[:, :, None]
    mask = torch.cat((rule & ~row_block, rule & row_block), dim=2)
    return Layout(q_pos=enc, k_pos=torch.cat((idx, enc), dim=1), mask=mask[:, None], doubled=True)


def dense_layout(seg: torch.Tensor) -> Layout:
    """Every row plain causal (the ablation: block bytes ignored)."""
    B, L = seg.shape
    idx = torch.arange(L, device=seg.device).expand(B, L)
    return Layout(q_pos=idx, k_pos=idx, mask=None, doubled=False)


@dataclass
class Injection:
    """Softmax rows of one query head replaced, as the engine's setAttentionInjection does: where `rows` is True,
    the head's probabilities are `probs` (not renormalized); other rows keep the model's own attention."""

    layer: int
    head: int
    rows: torch.Tensor  # [L] bool
    probs: torch.Tensor  # [L, K], or [B, L, K] per sample: columns are key indices (KV cells of a fresh cache decoded in order)


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, use_sdpa: bool,
              inject: list[Injection] | None = None) -> torch.Tensor:
    """q: [B, H, L, D], k/v: [B, H, K, D]; mask [B, 1, L, K] or None for causal. `inject` (this layer's) needs the
    probabilities, so it takes the manual path."""
    if use_sdpa and HAS_SDPA and not inject:
        if mask is None:
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scale = 1.0 / math.sqrt(q.shape[-1])
    scores = torch.matmul(wide(q), wide(k).transpose(-1, -2)) * scale
    if mask is None:
        L, K = scores.shape[-2:]
        mask = torch.ones(L, K, dtype=torch.bool, device=q.device).tril()
    scores = scores.masked_fill(~mask, float("-inf"))
    probs = scores.softmax(dim=-1)
    if inject:
        probs = probs.clone()  # softmax's backward reads its output: rows are replaced in a copy
    for j in inject or ():
        probs[:, j.head, j.rows] = j.probs[..., j.rows, :].to(probs.dtype)
    return torch.matmul(probs, wide(v)).to(q.dtype)


class Block(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.c = c
        kv = c.head_dim * c.n_head_kv
        self.attn_norm = RMSNorm(c.n_embd, c.rms_eps)
        self.attn_q = nn.Linear(c.n_embd, c.n_embd, bias=False)
        self.attn_k = nn.Linear(c.n_embd, kv, bias=False)
        self.attn_v = nn.Linear(c.n_embd, kv, bias=False)
        self.attn_output = nn.Linear(c.n_embd, c.n_embd, bias=False)
        self.ffn_norm = RMSNorm(c.n_embd, c.rms_eps)
        self.ffn_gate = nn.Linear(c.n_embd, c.n_ff, bias=False)
        self.ffn_up = nn.Linear(c.n_embd, c.n_ff, bias=False)
        self.ffn_down = nn.Linear(c.n_ff, c.n_embd, bias=False)

    def forward(self, x: torch.Tensor, lay: Layout, rope: tuple, use_sdpa: bool, inject: list[Injection] | None = None) -> torch.Tensor:
        c = self.c
        B, L, _ = x.shape
        h = self.attn_norm(x)
        # Output features are head-major ([head, dim]), as llama.cpp reshapes them.
        q = self.attn_q(h).view(B, L, c.n_head, c.head_dim).transpose(1, 2)
        k = self.attn_k(h).view(B, L, c.n_head_kv, c.head_dim).transpose(1, 2)
        v = self.attn_v(h).view(B, L, c.n_head_kv, c.head_dim).transpose(1, 2)
        (qc, qs), (kc, ks) = rope
        q = apply_rope(q, qc, qs)
        if lay.doubled:
            k = torch.cat((k, k), dim=2)
            v = torch.cat((v, v), dim=2)
        k = apply_rope(k, kc, ks)
        rep = c.n_head // c.n_head_kv
        if rep > 1:
            # Query head i uses kv head i // rep (ggml's broadcast in mul_mat).
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        a = attention(q, k, v, lay.mask, use_sdpa, inject)
        x = x + self.attn_output(a.transpose(1, 2).reshape(B, L, c.n_embd))
        h = self.ffn_norm(x)
        return x + self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h))


class Llama(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.c = c
        self.token_embd = nn.Embedding(c.n_vocab, c.n_embd)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.n_layer))
        self.output_norm = RMSNorm(c.n_embd, c.rms_eps)
        self.output = None if c.tied_embeddings else nn.Linear(c.n_embd, c.n_vocab, bias=False)
        self.use_sdpa = True

    def init_weights(self, generator: torch.Generator | None = None, std: float = 0.02) -> None:
        """GPT-2 style: N(0, std); the projections back into the residual stream scaled by 1/sqrt(2 n_layer)."""
        out_std = std / math.sqrt(2 * self.c.n_layer)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if p.dim() == 1:
                    p.fill_(1.0)
                else:
                    s = out_std if name.endswith(("attn_output.weight", "ffn_down.weight")) else std
                    p.copy_(torch.randn(p.shape, generator=generator) * s)

    def forward(self, tokens: torch.Tensor, lay: Layout, inject: list[Injection] | None = None) -> torch.Tensor:
        """tokens [B, L] -> logits [B, L, n_vocab] (float32, or float64 for a float64 model); `inject` replaces
        chosen heads' attention rows (the same rows in every sample of the batch)."""
        c = self.c
        rope = (rope_tables(lay.q_pos, c.head_dim, c.rope_freq_base), rope_tables(lay.k_pos, c.head_dim, c.rope_freq_base))
        x = self.token_embd(tokens)
        for i, block in enumerate(self.blocks):
            x = block(x, lay, rope, self.use_sdpa, [j for j in inject or () if j.layer == i])
        x = self.output_norm(x)
        w = self.token_embd.weight if self.output is None else self.output.weight
        return wide(F.linear(x, w))

    def gguf_tensors(self) -> list[tuple[str, torch.Tensor]]:
        """Every weight under its GGUF name, in the order the exporter writes them."""
        out = [("token_embd.weight", self.token_embd.weight), ("output_norm.weight", self.output_norm.weight)]
        if self.output is not None:
            out.append(("output.weight", self.output.weight))
        for i, b in enumerate(self.blocks):
            for part in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"):
                out.append((f"blk.{i}.{part}.weight", getattr(b, part).weight))
        return out

    def load_gguf_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        mine = dict(self.gguf_tensors())
        missing = sorted(set(mine) - set(tensors))
        extra = sorted(set(tensors) - set(mine))
        if missing or extra:
            raise ValueError(f"weights do not fit the config: missing {missing[:5]}, unexpected {extra[:5]}")
        with torch.no_grad():
            for name, p in mine.items():
                t = tensors[name]
                if tuple(t.shape) != tuple(p.shape):
                    raise ValueError(f"{name}: shape {list(t.shape)}, the config wants {list(p.shape)}")
                p.copy_(t)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
