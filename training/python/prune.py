"""2:4 semi-structured magnitude pruning of Steerway's own model (issue 16), with an optional recovery fine-tune.

    /usr/bin/python3 training/python/prune.py --weights <run> --out <pruned> [--samples <folder> --steps 200]

Reads the f32 weights (weights.bin + weights.json, weights.py), keeps the 2 largest |w| of every 4 consecutive
weights along the INPUT dimension of every linear layer (attention and feed-forward projections; not the
embedding, which the tied output shares, and not the norms), and writes the pruned weights to --out. With
--samples, fine-tunes on them for --steps steps with the masks held fixed (train.py's batches and loss), so the
pruned model can recover some of what it lost. prune.json records the sparsity and the losses.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from types import SimpleNamespace

import numpy as np
import torch

from data import Batches, SamplesError, check_rows, open_split, read_meta
from model import Llama
from train import evaluate, finetune_steps, token_losses
from weights import WeightsError, load_weights, save_weights

# GGUF names of the linear weights that are pruned.
PRUNED = re.compile(r"^blk\.\d+\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight$")
GROUP = 4
KEEP = 2


class PruneError(Exception):
    pass


def mask_2_4(w: torch.Tensor) -> torch.Tensor:
    """Boolean mask of w ([out, in], PyTorch's layout): True for the 2 largest |w| of each 4 consecutive inputs."""
    if w.dim() != 2 or w.shape[1] % GROUP:
        raise PruneError(f"2:4 pruning needs a matrix whose input dimension is a multiple of {GROUP}, got {list(w.shape)}")
    groups = w.detach().abs().reshape(w.shape[0], -1, GROUP)
    keep = groups.topk(KEEP, dim=-1).indices
    mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, keep, True)
    return mask.reshape(w.shape)


def prune(model: Llama) -> dict[str, torch.Tensor]:
    """Zeroes the pruned half of every linear weight in place; returns the masks by GGUF name."""
    masks = {}
    with torch.no_grad():
        for name, p in model.gguf_tensors():
            if PRUNED.match(name):
                masks[name] = mask_2_4(p)
                p.mul_(masks[name])
    if not masks:
        raise PruneError("the model has no linear weights to prune")
    return masks


def apply_masks(model: Llama, masks: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for name, p in model.gguf_tensors():
            if name in masks:
                p.mul_(masks[name])


def sparsity(model: Llama) -> dict:
    pruned = total = 0
    for name, p in model.gguf_tensors():
        total += p.numel()
        if PRUNED.match(name):
            pruned += int((p == 0).sum())
    return {"zeroWeights": pruned, "parameters": total, "share": pruned / total}


def recover(model: Llama, masks: dict[str, torch.Tensor], samples: str, steps: int, lr: float, batch_size: int,
            eval_rows: int, seed: int, bf16: bool = True, log=lambda message: None) -> dict:
    """Fine-tunes for `steps` batches of the samples' train split; after every optimizer step the pruned weights are
    set to zero again, so the 2:4 pattern is exactly the one prune() chose. Returns the eval loss before and after."""
    meta = read_meta(samples)
    train_split, eval_split = open_split(samples, "train", meta["L"]), open_split(samples, "eval", meta["L"])
    for s in (train_split, eval_split):
        check_rows(s, model.c.n_vocab)
    batches = Batches(train_split, batch_size, seed, False)
    rows = np.sort(np.random.default_rng(seed + 1).permutation(eval_split.rows)[:eval_rows])
    device = torch.device("cpu")
    eval_config = SimpleNamespace(eval_batch_size=batch_size)  # all of TrainConfig that evaluate() reads

    def autocast():
        # bf16 matrix products as train.py's default precision (oneDNN's bf16 path is far faster on CPU than f32).
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)

    before = evaluate(model, eval_split, rows, eval_config, device, autocast)["evalLoss"]
    def report(step: int, losses: list[float], seconds: float) -> None:
        if step % 10 == 0:
            log(f"recover step {step}/{steps} loss {np.mean(losses[-10:]):.4f} ({seconds:.0f} s)")

    trained = finetune_steps(model, train_split, batches, steps, lr, lambda tokens, seg: token_losses(model, tokens, seg, False, autocast),
                             after_step=lambda: apply_masks(model, masks), log=report)
    losses = trained["trainLosses"]
    after = evaluate(model, eval_split, rows, eval_config, device, autocast)["evalLoss"]
    return {"steps": steps, "lr": lr, "batchSize": batch_size, "L": meta["L"], "tokensSeen": trained["tokensSeen"], "evalRows": len(rows),
            "evalLossBefore": before, "evalLossAfter": after, "trainLossFirst": losses[0] if losses else None,
            "trainLossLast": float(np.mean(losses[-10:])) if losses else None, "seconds": trained["seconds"]}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", required=True, help="folder with weights.bin + weights.json (f32 or f16)")
    p.add_argument("--out", required=True, help="folder for the pruned weights.bin + weights.json and prune.json")
    p.add_argument("--samples", help="samples folder (training/samples) for the recovery fine-tune; none: no recovery")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--eval-rows", type=int, default=32)
    p.add_argument("--threads", type=int, default=0, help="CPU threads; 0: all cores")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if os.path.abspath(args.out) == os.path.abspath(args.weights):
        print("prune: --out must differ from --weights (the dense weights are kept)", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    try:
        model = load_weights(args.weights)
        masks = prune(model)
        record: dict = {"pattern": "2:4 along the input dimension", "pruned": sorted(masks), "sparsity": sparsity(model)}
        if args.samples:
            record["recovery"] = recover(model, masks, args.samples, args.steps, args.lr, args.batch_size, args.eval_rows,
                                         args.seed, log=lambda m: print(m, file=sys.stderr))
    except (WeightsError, PruneError, SamplesError) as e:
        print(f"prune: {e}", file=sys.stderr)
        return 1
    save_weights(model, args.out, "f32")
    with open(os.path.join(args.out, "prune.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    print(f"prune: {record['sparsity']['zeroWeights']:,} of {record['sparsity']['parameters']:,} weights are zero"
          + (f"; recovery {record['recovery']['evalLossBefore']:.4f} -> {record['recovery']['evalLossAfter']:.4f}" if "recovery" in record else ""),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
