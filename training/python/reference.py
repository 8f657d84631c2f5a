"""Reference computations for the export tests: random weights, and logits computed in float64.

    reference.py init --out DIR --n-vocab 1024 --n-embd 64 --n-layer 2 --n-head 4 --n-head-kv 2 --n-ff 128 --n-ctx 512
    reference.py logits --weights DIR --jobs jobs.json --out logits.json

jobs.json: [{"tokens": [...], "segments": [...] (default all 255), "layout": "engine" | "literal", "positions": [...]
(default all), "inject": [{"layer", "head", "rows": [[token, [[col, weight], ...]], ...]}] (default none)}];
`logits` writes {"results": [[[n_vocab floats] per position] per job]}, computed in float64 (the weights as float32
values). Layouts: `engine` is training's (model.layout); `literal` is the README rule with every token at its row
position, kept to show what the engine's encoding positions change. `inject` replaces the softmax probabilities of
one query head for the rows listed (weights written into those key columns, every other column 0, not
renormalized), as the engine's setAttentionInjection does; columns are key indices (a fresh cache's KV cells).
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from model import Injection, Layout, Llama, ModelConfig, layout, segment_rule
from weights import load_weights, save_weights


def cmd_init(a: argparse.Namespace) -> None:
    c = ModelConfig(n_vocab=a.n_vocab, n_embd=a.n_embd, n_layer=a.n_layer, n_head=a.n_head, n_head_kv=a.n_head_kv, n_ff=a.n_ff,
                    n_ctx_train=a.n_ctx, rope_freq_base=a.rope_base, rms_eps=a.rms_eps, tied_embeddings=not a.untied)
    m = Llama(c)
    g = torch.Generator().manual_seed(a.seed)
    with torch.no_grad():
        for p in m.parameters():
            # Norm weights around 1, matrices wide enough that attention is far from uniform.
            p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g) if p.dim() == 1 else a.std * torch.randn(p.shape, generator=g))
    save_weights(m, a.out, a.dtype)


def injections(m: Llama, job: dict, n_keys: int) -> list[Injection]:
    """The job's "inject" entries as Injection rows over L queries and n_keys keys; out-of-range entries stop it."""
    L = len(job["tokens"])
    out = []
    for spec in job.get("inject") or ():
        layer, head = spec["layer"], spec["head"]
        if not (0 <= layer < m.c.n_layer and 0 <= head < m.c.n_head):
            raise SystemExit(f"inject: layer {layer} head {head} is not in the model ({m.c.n_layer} layers, {m.c.n_head} heads)")
        rows = torch.zeros(L, dtype=torch.bool)
        probs = torch.zeros(L, n_keys, dtype=torch.float64)
        for token, cells in spec["rows"]:
            if not 0 <= token < L:
                raise SystemExit(f"inject: row {token} is not a token of the job (0..{L - 1})")
            rows[token] = True
            for col, weight in cells:
                if not 0 <= col < n_keys:
                    raise SystemExit(f"inject: column {col} is not a key (0..{n_keys - 1})")
                probs[token, col] += weight
        out.append(Injection(layer=layer, head=head, rows=rows, probs=probs))
    return out


def logits_of(m: Llama, job: dict) -> list:
    tokens = torch.tensor([job["tokens"]])
    L = tokens.shape[1]
    seg = torch.tensor([job["segments"]]) if job.get("segments") else torch.full((1, L), 255)
    if seg.shape != tokens.shape:
        raise SystemExit(f"{seg.shape[1]} segments for {L} tokens")
    if job.get("layout", "engine") == "engine":
        lay = layout(seg)
    else:
        idx = torch.arange(L)[None]
        lay = Layout(q_pos=idx, k_pos=idx, mask=segment_rule(seg)[:, None], doubled=False)
    with torch.no_grad():
        out = m(tokens, lay, injections(m, job, lay.k_pos.shape[1]))[0]
    positions = job.get("positions") or list(range(L))
    return [out[p].tolist() for p in positions]


def cmd_logits(a: argparse.Namespace) -> None:
    m = load_weights(a.weights).double()
    with open(a.jobs, encoding="utf-8") as f:
        jobs = json.load(f)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump({"results": [logits_of(m, job) for job in jobs]}, f)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("init")
    i.add_argument("--out", required=True)
    for name, default in (("n-vocab", None), ("n-embd", None), ("n-layer", None), ("n-head", None), ("n-head-kv", None), ("n-ff", None), ("n-ctx", 512), ("seed", 1)):
        i.add_argument(f"--{name}", type=int, required=default is None, default=default)
    i.add_argument("--std", type=float, default=0.15)
    i.add_argument("--rope-base", type=float, default=10000.0)
    i.add_argument("--rms-eps", type=float, default=1e-5)
    i.add_argument("--untied", action="store_true")
    i.add_argument("--dtype", choices=("f32", "f16"), default="f32")
    g = sub.add_parser("logits")
    g.add_argument("--weights", required=True)
    g.add_argument("--jobs", required=True, help='JSON list of {"tokens", "segments"?, "layout"?: "engine"|"literal", "positions"?, "inject"?}')
    g.add_argument("--out", required=True)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    {"init": cmd_init, "logits": cmd_logits}[a.cmd](a)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
