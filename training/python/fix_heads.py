"""Fine-tune with chosen heads fixed to an exact attention pattern, and measure how much loss it recovers (issue 13, item 7).

    /usr/bin/python3 training/python/fix_heads.py --weights <run> --heads 6.1,10.0,... --pattern previous-token \
        --samples <folder> --steps n --batch-size b [--threads 2] --out <folder>

Every forward replaces the softmax of the chosen heads (layer.head, as the profile names them) by the exact
pattern for the row's own layout (model.Injection, per sample): previous token = each row attends with weight 1
to the latest earlier token its mask allows (in a block-sparse row, a block's first token sees the end of the
shared prefix, not the previous block); a row with no earlier token (row 0) keeps its own attention, which the
mask already makes one-hot. Held-out loss on the same fixed eval rows in four conditions:
  (a) own attention, (b) heads fixed before fine-tuning, (c) heads fixed after --steps steps fine-tuned with the
  heads fixed, (d) control: own attention fine-tuned for the same steps on the same batches.
recovered share = (b - c) / (b - a); (d) - (a) shows what the fine-tune alone does to the model's own loss.
Writes fixed-heads.json to --out; the weights given are only read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from data import Batches, SamplesError, Split, check_rows, open_split, read_meta
from model import PAD, Injection, Layout, Llama, layout
from train import finetune_steps, to_batch
from weights import WeightsError, load_weights

PATTERNS = ("previous-token",)


class FixHeadsError(Exception):
    pass


def parse_heads(spec: str, model: Llama) -> list[tuple[int, int]]:
    """"6.1,10.0" -> [(6, 1), (10, 0)], each checked against the model's shape."""
    heads = []
    for part in spec.split(","):
        try:
            layer, head = (int(x) for x in part.strip().split("."))
        except ValueError:
            raise FixHeadsError(f"--heads: {part.strip()!r} is not layer.head (e.g. 6.1)") from None
        if not (0 <= layer < model.c.n_layer and 0 <= head < model.c.n_head):
            raise FixHeadsError(f"--heads: {layer}.{head} is not in the model ({model.c.n_layer} layers, {model.c.n_head} heads)")
        if (layer, head) in heads:
            raise FixHeadsError(f"--heads: {layer}.{head} is given twice")
        heads.append((layer, head))
    return heads


def previous_token_probs(lay: Layout, B: int, L: int) -> torch.Tensor:
    """[B, L, K] one-hot rows: the latest key before the row that its mask allows, or the row's own key if none."""
    K = lay.k_pos.shape[1]
    allowed = torch.ones(L, K, dtype=torch.bool).tril().expand(B, L, K) if lay.mask is None else lay.mask[:, 0]
    key_token = torch.arange(K) % L  # doubled layouts hold the same L tokens twice (README "layout")
    row = torch.arange(L)[:, None]
    col = torch.arange(K).expand(L, K)
    none = torch.full((L, K), -1)
    # Each row's allowed keys lie in one half, so within it a larger column is a later token.
    earlier = torch.where(allowed & (key_token < row), col, none).max(dim=-1).values
    own = torch.where(allowed & (key_token == row), col, none).max(dim=-1).values
    target = torch.where(earlier >= 0, earlier, own)
    return F.one_hot(target, K).float()


def fixed(heads: list[tuple[int, int]], lay: Layout, B: int, L: int) -> list[Injection]:
    if not heads:
        return []
    probs = previous_token_probs(lay, B, L)
    every_row = torch.ones(L, dtype=torch.bool)
    return [Injection(layer, head, every_row, probs) for layer, head in heads]


def token_losses(model: Llama, tokens: torch.Tensor, seg: torch.Tensor, heads: list[tuple[int, int]], autocast):
    """train.token_losses with the heads fixed: per-row loss sums and target counts (padding excluded)."""
    lay = layout(seg)
    B, L = tokens.shape
    with autocast():
        logits = model(tokens, lay, fixed(heads, lay, B, L))
    targets = tokens[:, 1:]
    weight = (seg[:, 1:] != PAD).float()
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none").view_as(weight)
    return (loss * weight).sum(dim=1), weight.sum(dim=1)


@torch.no_grad()
def evaluate(model: Llama, split: Split, rows: np.ndarray, heads: list[tuple[int, int]], batch_size: int, autocast) -> dict:
    model.eval()
    total = targets = 0.0
    for i in range(0, len(rows), batch_size):
        tokens, seg = to_batch(split, rows[i:i + batch_size], torch.device("cpu"), False)
        s, n = token_losses(model, tokens, seg, heads, autocast)
        total += float(s.sum())
        targets += float(n.sum())
    model.train()
    return {"evalLoss": total / targets, "evalRows": [int(r) for r in rows], "targets": int(targets)}


def finetune(model: Llama, split: Split, heads: list[tuple[int, int]], steps: int, lr: float, batch_size: int, seed: int,
             autocast, log=lambda message: None) -> dict:
    """`steps` AdamW steps on the train split with the heads fixed in every forward; the batches depend on `seed`
    only, so two calls with the same seed train on the same rows."""
    def report(step: int, losses: list[float], seconds: float) -> None:
        log(f"fix_heads: {'fixed' if heads else 'own'} step {step}/{steps} loss {losses[-1]:.4f} ({seconds:.0f} s)")

    trained = finetune_steps(model, split, Batches(split, batch_size, seed, False), steps, lr,
                             lambda tokens, seg: token_losses(model, tokens, seg, heads, autocast), log=report)
    return {"steps": steps, **trained}


def run(weights: str, heads_spec: str, samples: str, steps: int, lr: float, batch_size: int, eval_rows: int, seed: int,
        bf16: bool, log=lambda message: None) -> dict:
    own_model = load_weights(weights)
    heads = parse_heads(heads_spec, own_model)
    meta = read_meta(samples)
    train_split, eval_split = open_split(samples, "train", meta["L"]), open_split(samples, "eval", meta["L"])
    for s in (train_split, eval_split):
        check_rows(s, own_model.c.n_vocab)
    rows = np.sort(np.random.default_rng(seed + 1).permutation(eval_split.rows)[:eval_rows])

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)

    def ev(model, with_heads):
        out = evaluate(model, eval_split, rows, with_heads, batch_size, autocast)
        log(f"fix_heads: eval {'fixed' if with_heads else 'own'} {out['evalLoss']:.4f}")
        return out

    a = ev(own_model, [])
    b = ev(own_model, heads)
    fixed_model = load_weights(weights)
    fixed_run = finetune(fixed_model, train_split, heads, steps, lr, batch_size, seed, autocast, log)
    c = ev(fixed_model, heads)
    own_run = finetune(own_model, train_split, [], steps, lr, batch_size, seed, autocast, log)
    d = ev(own_model, [])
    conditions = {"ownAttention": a, "fixedBefore": b, "fixedAfter": c, "ownFinetuned": d}
    gap = b["evalLoss"] - a["evalLoss"]
    return {
        "heads": [f"{layer}.{head}" for layer, head in heads], "pattern": "previous-token", "L": meta["L"],
        "steps": steps, "lr": lr, "batchSize": batch_size, "seed": seed, "precision": "bf16 autocast" if bf16 else "f32",
        "evalRows": a["evalRows"], "evalTargets": a["targets"],
        "losses": {k: v["evalLoss"] for k, v in conditions.items()},
        "gapBefore": gap, "gapAfter": c["evalLoss"] - a["evalLoss"],
        "gapAfterVsControl": c["evalLoss"] - d["evalLoss"],
        "recoveredShare": (b["evalLoss"] - c["evalLoss"]) / gap if gap else None,
        "controlChange": d["evalLoss"] - a["evalLoss"],
        "finetune": {"fixed": fixed_run, "own": own_run},
        "sameEvalRows": all(v["evalRows"] == a["evalRows"] and v["targets"] == a["targets"] for v in conditions.values()),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", required=True, help="folder with weights.bin + weights.json (only read)")
    p.add_argument("--heads", required=True, help="heads to fix, layer.head comma-separated (e.g. 6.1,10.0)")
    p.add_argument("--pattern", default="previous-token", choices=PATTERNS)
    p.add_argument("--samples", required=True, help="samples folder (train split for the fine-tune, eval split for the losses)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--eval-rows", type=int, default=32)
    p.add_argument("--threads", type=int, default=0, help="CPU threads; 0: all cores")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--f32", action="store_true", help="f32 matrix products (default: bf16 autocast, as train.py)")
    p.add_argument("--out", required=True, help="folder for fixed-heads.json")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    started = time.time()
    try:
        record = run(args.weights, args.heads, args.samples, args.steps, args.lr, args.batch_size, args.eval_rows, args.seed,
                     not args.f32, log=lambda m: print(m, file=sys.stderr, flush=True))
    except (WeightsError, SamplesError, FixHeadsError) as e:
        print(f"fix_heads: {e}", file=sys.stderr)
        return 1
    record["weights"] = args.weights
    record["samples"] = args.samples
    record["threads"] = torch.get_num_threads()
    record["seconds"] = round(time.time() - started, 1)
    with open("/proc/loadavg", encoding="utf-8") as f:
        record["loadAverageAtEnd"] = f.read().split()[:3]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "fixed-heads.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    losses = record["losses"]
    print(f"fix_heads: own {losses['ownAttention']:.4f}, fixed {losses['fixedBefore']:.4f} -> {losses['fixedAfter']:.4f} "
          f"after {args.steps} steps (recovered {record['recoveredShare']:.1%}); control own -> {losses['ownFinetuned']:.4f}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
