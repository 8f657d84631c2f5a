"""Trains the llama model on the samples files (training/README.md).

    /usr/bin/python3 training/python/train.py --samples out/training/run1 --out out/training/run1 --preset mini

Writes to --out: train-log.jsonl (appended), weights.bin + weights.json, run.json, and state.pt (model,
optimizer and data order, for --resume: the device runs one command for at most 10 minutes, so a longer
run is several segments of --segment-s seconds on the same machine).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch
import torch.nn.functional as F

from data import Batches, SamplesError, Split, check_rows, open_split, read_meta
from model import MAX_BLOCK, PAD, QUERY, Llama, ModelConfig, dense_layout, layout
from weights import WeightsError, load_weights, save_weights


@dataclass
class TrainConfig:
    # Model (n_vocab from tokenizer.json, n_ctx_train from the samples' L).
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 4
    n_head_kv: int = 2
    n_ff: int = 704
    rope_freq_base: float = 10000.0
    rms_eps: float = 1e-5
    tied_embeddings: bool = True
    # Optimisation.
    batch_size: int = 8
    lr: float = 3e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 30
    max_steps: int = 100000
    # Wall seconds of the run in all (across --resume segments, periodic evals included); 0: none. The loop
    # stops early enough for the final eval (as long as the last eval took). The cosine schedule runs to
    # whichever of max_steps and the budget comes first, so a time-limited run still ends at a low rate.
    time_budget_s: float = 540.0
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    # Evaluation and logging.
    eval_interval: int = 50
    eval_rows: int = 64
    eval_batch_size: int = 8
    log_interval: int = 10
    # Run.
    seed: int = 1
    threads: int = 0  # CPU threads; 0: all cores
    device: str = "auto"
    # Matrix products in bf16 under autocast (weights, optimizer and norms stay float32). "auto" is bf16:
    # on CUDA, and on CPUs with AVX512-BF16/AMX, where oneDNN's bf16 matmul is ~50x faster than the f32
    # path of Debian's torch (generic BLAS); "f32" for exact comparisons.
    precision: str = "auto"
    compile: bool = False  # torch.compile (CUDA only)
    ablation: bool = False  # every row trained as dense (block bytes ignored)
    weights_dtype: str = "f32"


PRESETS: dict[str, dict] = {
    # CPU, 2 threads, samples with L = 512: 4 x 256, 4 heads of 64, 2 KV heads, SwiGLU 704; 2.9M parameters
    # without the embedding, 4.0M with the 4096-token vocabulary. Measured on the shared 2-core dev machine
    # (Xeon with AMX, bf16 autocast, load 3 to 7 from other work): 700 to 5,400 tokens/s, 1,390 on average;
    # 9 minutes saw 0.74M tokens, train loss 8.3 -> 4.1, eval loss 6.6 (step 50) -> 5.5.
    "mini": {},
    # One H200, bf16, samples with L = 2048: 12 x 512, 8 heads of 64, 2 KV heads, SwiGLU 1376; 33.2M
    # parameters without the embedding, 35.3M with a 4096-token vocabulary (Q8_0 37.7 MB; each 1k more
    # tokens adds 0.5M parameters). About 400 MFLOP per token (6N, plus causal attention, 4x that on
    # block-sparse rows: doubled keys, masked kernel); at the 120-250 TFLOP/s so small matrices reach,
    # 0.3-0.6M tokens/s (an estimate: no GPU was lent when this was written), so 19 minutes see 0.35-0.7B
    # tokens. Batches of 32 x 2048 = 65k tokens: 5-10k steps.
    "full": {
        "n_embd": 512, "n_layer": 12, "n_head": 8, "n_head_kv": 2, "n_ff": 1376,
        "batch_size": 32, "lr": 1.5e-3, "warmup_steps": 300, "time_budget_s": 1140.0,
        "eval_interval": 500, "eval_rows": 512, "eval_batch_size": 32, "log_interval": 25, "compile": True,
    },
    # Issue 12, sized to one device session: 8 x 384, 6 heads of 64, 2 KV heads, SwiGLU 1024; 18.7M parameters
    # with the 16,384-token vocabulary (Q8_0 about 20 MB, so the model and its ablation come home in one call).
    # The first GPU run's compute (41.6M x 188M tokens) at 20 tokens per parameter is about 20M parameters and
    # 0.4B tokens; gpu_run.py sets the steps for 20 tokens per parameter.
    "v2": {
        "n_embd": 384, "n_layer": 8, "n_head": 6, "n_head_kv": 2, "n_ff": 1024,
        "batch_size": 32, "lr": 2e-3, "warmup_steps": 200, "time_budget_s": 300.0,
        "eval_interval": 250, "eval_rows": 512, "eval_batch_size": 32, "log_interval": 25, "compile": True,
    },
}


def build_config(args: argparse.Namespace) -> TrainConfig:
    values: dict = {}
    if args.preset:
        if args.preset not in PRESETS:
            raise SystemExit(f"unknown preset {args.preset!r} (known: {', '.join(PRESETS)})")
        values.update(PRESETS[args.preset])
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            values.update(json.load(f))
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise SystemExit(f"unknown config keys: {', '.join(unknown)}")
    for name in known:
        v = getattr(args, name, None)
        if v is not None:
            values[name] = v
    return TrainConfig(**values)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def device_name(device: torch.device, threads: int) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({platform.processor() or platform.machine()}, {threads} threads)"


def lr_at(c: TrainConfig, step: int, seconds: float) -> float:
    if step < c.warmup_steps:
        return c.lr * (step + 1) / c.warmup_steps
    progress = (step - c.warmup_steps) / max(1, c.max_steps - c.warmup_steps)
    if c.time_budget_s > 0:
        progress = max(progress, seconds / c.time_budget_s)
    progress = min(1.0, progress)
    return c.lr * (c.min_lr_ratio + (1 - c.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def to_batch(split: Split, rows: np.ndarray, device: torch.device, ablation: bool) -> tuple[torch.Tensor, torch.Tensor]:
    tokens = torch.from_numpy(np.asarray(split.tokens[rows]).astype(np.int64))
    seg = torch.from_numpy(np.asarray(split.segments[rows]).astype(np.int64))
    if ablation:
        seg = torch.where((seg >= 1) & (seg <= MAX_BLOCK), torch.full_like(seg, QUERY), seg)
    return tokens.to(device, non_blocking=True), seg.to(device, non_blocking=True)


def token_losses(model: torch.nn.Module, tokens: torch.Tensor, seg: torch.Tensor, ablation: bool, autocast) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row sums of the loss and counts of targets (every target that is not padding)."""
    lay = dense_layout(seg) if ablation else layout(seg)
    with autocast():
        logits = model(tokens, lay)
    targets = tokens[:, 1:]
    weight = (seg[:, 1:] != PAD).float()
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none").view_as(weight)
    return (loss * weight).sum(dim=1), weight.sum(dim=1)


def finetune_steps(model: torch.nn.Module, split: Split, batches: Batches, steps: int, lr: float, losses_of,
                   after_step=lambda: None, log=lambda step, losses, seconds: None) -> dict:
    """A short fine-tune on the CPU (pruning's recovery, fixed heads): `steps` AdamW steps (no weight decay, gradients
    clipped at 1) on `batches` of `split`; `losses_of(tokens, seg)` gives per-row loss sums and target counts, as
    token_losses does; `after_step` runs after each optimizer step. Returns the train losses, the loss targets (not
    padding) trained on, and the seconds."""
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    model.train()
    losses, tokens_seen, started = [], 0, time.time()
    for step in range(steps):
        tokens, seg = to_batch(split, batches.next(), torch.device("cpu"), False)
        sums, counts = losses_of(tokens, seg)
        loss = sums.sum() / counts.sum().clamp(min=1)
        tokens_seen += int(counts.sum())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        after_step()
        losses.append(float(loss))
        log(step + 1, losses, time.time() - started)
    return {"trainLosses": losses, "tokensSeen": tokens_seen, "seconds": round(time.time() - started, 1)}


@torch.no_grad()
def evaluate(model, split: Split, rows: np.ndarray, c: TrainConfig, device, autocast) -> dict:
    """Mean loss per target over the eval rows, and over its sparse and dense rows. Always with the rows' own
    layout, so an ablation model shows what the block-sparse layout costs it."""
    model.eval()
    sums = {"sparse": 0.0, "dense": 0.0}
    counts = {"sparse": 0.0, "dense": 0.0}
    for i in range(0, len(rows), c.eval_batch_size):
        chunk = rows[i:i + c.eval_batch_size]
        tokens, seg = to_batch(split, chunk, device, False)
        sparse = ((seg >= 1) & (seg <= MAX_BLOCK)).any(dim=1)
        # Sparse and dense rows apart: a dense row in a sparse batch is exact too, but slower.
        for kind, pick in (("sparse", sparse), ("dense", ~sparse)):
            if bool(pick.any()):
                s, n = token_losses(model, tokens[pick], seg[pick], False, autocast)
                sums[kind] += float(s.sum())
                counts[kind] += float(n.sum())
    model.train()
    total = counts["sparse"] + counts["dense"]
    out = {"evalLoss": (sums["sparse"] + sums["dense"]) / total if total else None}
    for kind in ("sparse", "dense"):
        out[f"evalLoss{kind.capitalize()}"] = sums[kind] / counts[kind] if counts[kind] else None
    return out


def read_json_or_none(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", required=True, help="folder with samples.json, train.* and eval.*")
    p.add_argument("--tokenizer", help="tokenizer.json (default: <samples>/tokenizer.json); gives n_vocab")
    p.add_argument("--n-vocab", type=int, help="vocabulary size when there is no tokenizer.json (tests)")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument("--preset", choices=sorted(PRESETS), default="mini")
    p.add_argument("--config", help="JSON file of TrainConfig fields (over the preset)")
    p.add_argument("--resume", action="store_true", help="continue from <out>/state.pt")
    p.add_argument("--init", help="start from these weights (a folder with weights.json): a fine-tune; the model's shape is theirs, not the preset's")
    p.add_argument("--segment-s", type=float, default=0.0, help="stop this invocation after so many seconds (state.pt lets --resume go on)")
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            p.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None)
        else:
            kind = {"int": int, "float": float, "str": str}[f.type if isinstance(f.type, str) else f.type.__name__]
            p.add_argument(flag, dest=f.name, type=kind, default=None)
    return p.parse_args(argv)


def n_vocab_of(args: argparse.Namespace) -> int:
    path = args.tokenizer or os.path.join(args.samples, "tokenizer.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            tokens = json.load(f).get("tokens")
        if not isinstance(tokens, list) or not tokens:
            raise SystemExit(f"{path}: no tokens list")
        if args.n_vocab is not None and args.n_vocab != len(tokens):
            raise SystemExit(f"--n-vocab {args.n_vocab} disagrees with {path} ({len(tokens)} tokens)")
        return len(tokens)
    if args.n_vocab is None:
        raise SystemExit(f"{path} not found: give --tokenizer or --n-vocab")
    return args.n_vocab


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    c = build_config(args)
    started = time.time()
    device = pick_device(c.device)
    threads = c.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    torch.manual_seed(c.seed)
    try:
        meta = read_meta(args.samples)
        L = meta["L"]
        train_split = open_split(args.samples, "train", L)
        eval_split = open_split(args.samples, "eval", L)
        n_vocab = n_vocab_of(args)
        for s in (train_split, eval_split):
            check_rows(s, n_vocab)
        batches = Batches(train_split, c.batch_size, c.seed, c.ablation)
    except SamplesError as e:
        print(f"train: {e}", file=sys.stderr)
        return 1

    if args.init:
        try:
            model = load_weights(args.init)
        except (WeightsError, ValueError) as e:
            print(f"train: --init {args.init}: {e}", file=sys.stderr)
            return 1
        if model.c.n_vocab != n_vocab:
            print(f"train: --init {args.init} has {model.c.n_vocab} tokens, the samples' tokenizer {n_vocab}", file=sys.stderr)
            return 1
        # The context it was trained for stays what it was when the fine-tune's rows are shorter.
        mc = replace(model.c, n_ctx_train=max(model.c.n_ctx_train, L))
        model.c = mc
    else:
        mc = ModelConfig(n_vocab=n_vocab, n_embd=c.n_embd, n_layer=c.n_layer, n_head=c.n_head, n_head_kv=c.n_head_kv,
                         n_ff=c.n_ff, n_ctx_train=L, rope_freq_base=c.rope_freq_base, rms_eps=c.rms_eps,
                         tied_embeddings=c.tied_embeddings)
        model = Llama(mc)
        model.init_weights(torch.Generator().manual_seed(c.seed))
    model.to(device)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    if c.precision not in ("auto", "bf16", "f32"):
        raise SystemExit(f"precision must be auto, bf16 or f32, got {c.precision!r}")
    bf16 = c.precision != "f32"

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": c.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    extra = {"fused": True} if cuda and "fused" in inspect.signature(torch.optim.AdamW).parameters else {}
    opt = torch.optim.AdamW(groups, lr=c.lr, betas=(c.beta1, c.beta2), **extra)

    os.makedirs(args.out, exist_ok=True)
    state_path = os.path.join(args.out, "state.pt")
    step, tokens_seen, train_seconds, prior_seconds = 0, 0, 0.0, 0.0
    if args.resume:
        if not os.path.exists(state_path):
            print(f"train: --resume but {state_path} does not exist", file=sys.stderr)
            return 1
        state = torch.load(state_path, map_location=device, weights_only=False)
        if state["model_config"] != asdict(mc):
            print("train: state.pt was trained with another model config", file=sys.stderr)
            return 1
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, tokens_seen, train_seconds, prior_seconds = state["step"], state["tokens"], state["train_seconds"], state["wall_seconds"]
        batches.rng.bit_generator.state = state["batches"]["rng"]
        batches.order, batches.pos = state["batches"]["order"], state["batches"]["pos"]

    forward = model
    if c.compile and cuda and hasattr(torch, "compile"):
        forward = torch.compile(model)

    eval_rows = np.random.default_rng(c.seed + 1).permutation(eval_split.rows)[: c.eval_rows]
    eval_rows.sort()
    # The weights at the lowest held-out loss so far (issue 12: the first GPU run's final step had overfit), in
    # <out>/best/, with that evaluation in best.json; kept across --resume segments.
    best_dir = os.path.join(args.out, "best")
    best_path = os.path.join(best_dir, "best.json")
    best = read_json_or_none(best_path) if args.resume else None

    def keep_if_best(ev: dict, at_step: int, at_tokens: int) -> None:
        nonlocal best
        if ev.get("evalLoss") is None or (best is not None and ev["evalLoss"] >= best["evalLoss"]):
            return
        save_weights(model, best_dir, c.weights_dtype)
        best = {"step": at_step, "tokens": at_tokens, **ev}
        with open(best_path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(best, f, indent=1)
        os.replace(best_path + ".tmp", best_path)

    log_path = os.path.join(args.out, "train-log.jsonl")
    log = open(log_path, "a", encoding="utf-8")

    def write_log(entry: dict) -> None:
        log.write(json.dumps(entry) + "\n")
        log.flush()

    print(f"train: {model.n_params():,} parameters, {train_split.rows} train rows of {L}, {len(batches.groups)} batch kinds, device {device_name(device, threads)}", file=sys.stderr)
    stop_reason = "max_steps"
    last_eval: dict = {}
    eval_seconds = 0.0
    elapsed = lambda: prior_seconds + time.time() - started  # noqa: E731
    window_loss, window_n, window_tokens, window_start = 0.0, 0, 0, time.time()
    while step < c.max_steps:
        if c.time_budget_s > 0 and elapsed() + eval_seconds >= c.time_budget_s:
            stop_reason = "time_budget"
            break
        if args.segment_s > 0 and time.time() - started + eval_seconds >= args.segment_s:
            stop_reason = "segment"
            break
        lr = lr_at(c, step, elapsed())
        for g in opt.param_groups:
            g["lr"] = lr
        tokens, seg = to_batch(train_split, batches.next(), device, c.ablation)
        sums, counts = token_losses(forward, tokens, seg, c.ablation, autocast)
        loss = sums.sum() / counts.sum().clamp(min=1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if c.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
        opt.step()
        step += 1
        tokens_seen += tokens.numel()
        window_loss += loss.detach()  # a device tensor: no sync until the log line
        window_n += 1
        window_tokens += tokens.numel()
        if step % c.log_interval == 0 or step % c.eval_interval == 0:
            train_loss = float(window_loss) / window_n  # waits for the device, so the time below is real
            window_seconds = time.time() - window_start
            train_seconds += window_seconds
            entry = {"step": step, "tokens": tokens_seen, "trainLoss": train_loss, "lr": lr,
                     "seconds": round(elapsed(), 3), "tokensPerSecond": round(window_tokens / window_seconds, 1)}
            if step % c.eval_interval == 0:
                e0 = time.time()
                last_eval = evaluate(model, eval_split, eval_rows, c, device, autocast)
                keep_if_best(last_eval, step, tokens_seen)
                eval_seconds = time.time() - e0
                entry.update(last_eval)
            write_log(entry)
            print(f"step {step} loss {entry['trainLoss']:.4f} lr {lr:.2e} {entry['tokensPerSecond']:.0f} tok/s"
                  + (f" eval {last_eval['evalLoss']:.4f}" if 'evalLoss' in entry else ""), file=sys.stderr)
            window_loss, window_n, window_tokens, window_start = 0.0, 0, 0, time.time()

    # Final evaluation, checkpoint and run record, whatever stopped the loop.
    train_loss = float(window_loss) / window_n if window_n else None
    if window_n:
        train_seconds += time.time() - window_start
    # (The uncompiled module: eval batches have other shapes than training's.)
    last_eval = evaluate(model, eval_split, eval_rows, c, device, autocast)
    keep_if_best(last_eval, step, tokens_seen)
    write_log({"step": step, "tokens": tokens_seen, "trainLoss": train_loss,
               "lr": lr_at(c, max(step - 1, 0), elapsed()), "seconds": round(elapsed(), 3), **last_eval, "final": True})
    log.close()
    save_weights(model, args.out, c.weights_dtype)
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "tokens": tokens_seen,
                "train_seconds": train_seconds, "wall_seconds": elapsed(), "model_config": asdict(mc),
                "batches": {"rng": batches.rng.bit_generator.state, "order": batches.order, "pos": batches.pos}}, state_path)
    run = {
        "config": asdict(c), "model": mc.to_json(), "parameters": model.n_params(), "seed": c.seed,
        "device": device_name(device, threads), "torch": torch.__version__, "python": platform.python_version(),
        "samples": {"folder": os.path.abspath(args.samples), "L": L, "trainRows": train_split.rows, "evalRows": eval_split.rows,
                    "evalRowsUsed": len(eval_rows), "composition": meta.get("composition")},
        "steps": step, "tokens": tokens_seen, "trainSeconds": round(train_seconds, 3),
        "wallSeconds": round(elapsed(), 3), "tokensPerSecond": round(tokens_seen / train_seconds, 1) if train_seconds else None,
        "stopReason": stop_reason, "resumed": bool(args.resume), "init": os.path.abspath(args.init) if args.init else None,
        "finalLosses": last_eval, "best": best,
    }
    with open(os.path.join(args.out, "run.json.tmp"), "w", encoding="utf-8") as f:
        json.dump(run, f, indent=1)
    os.replace(os.path.join(args.out, "run.json.tmp"), os.path.join(args.out, "run.json"))
    print(f"train: stopped ({stop_reason}) at step {step}, {tokens_seen} tokens, eval loss {last_eval.get('evalLoss')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
