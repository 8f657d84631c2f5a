"""On the GPU machine, in one prepared call (issue 12): trains v2 sized to 20 tokens per parameter (or as far as the
time budget goes, said in plan.json), then the ablation without block-sparse rows for the same steps (so the same
tokens), keeps each run's weights at its lowest held-out loss, and packs both as Q8_0 parts into OUT, for the device
tool to bring home (unpack_q8.py, then export, here).
--samples may be a packed folder (pack_rows.py; the rows are unpacked there first).
usage: python3 training/python/gpu_run.py --samples DIR --out OUT [--preset v2] [--budget-s 300] [--tokens-per-param 20]
  [--only main|ablation|both] [-- train.py arguments...]"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

import train
from data import SamplesError
from pack_q8 import pack
from pack_rows import unpack

PART_MIB = 15


def parameters(preset: str, extra: list[str], n_vocab: int, L: int) -> int:
    """Parameters of the model the preset and arguments make (without building it)."""
    c = train.build_config(train.parse_args(["--samples", ".", "--out", ".", "--preset", preset, *extra]))
    kv = c.n_embd // c.n_head * c.n_head_kv
    per_layer = 2 * c.n_embd * c.n_embd + 2 * c.n_embd * kv + 3 * c.n_embd * c.n_ff + 2 * c.n_embd
    return n_vocab * c.n_embd * (1 if c.tied_embeddings else 2) + c.n_layer * per_layer + c.n_embd


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--samples", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--preset", default="v2")
    p.add_argument("--budget-s", type=float, default=300.0, help="wall seconds for each training run")
    p.add_argument("--tokens-per-param", type=float, default=20.0)
    p.add_argument("--only", choices=["main", "ablation", "both"], default="both")
    p.add_argument("extra", nargs="*", help="train.py arguments (after --)")
    a = p.parse_args(argv)
    # Rows packed to travel (pack_rows.py) are unpacked in place, checked against the samples stage's sha256.
    if os.path.exists(os.path.join(a.samples, "packed.json")) and not os.path.exists(os.path.join(a.samples, "train.tokens.u16")):
        try:
            unpack(a.samples, a.samples)
        except SamplesError as e:
            print(f"gpu_run: {e}", file=sys.stderr)
            return 1
    with open(os.path.join(a.samples, "samples.json"), encoding="utf-8") as f:
        meta = json.load(f)
    L = meta["L"]
    n = parameters(a.preset, a.extra, meta["vocabSize"], L)
    c = train.build_config(train.parse_args(["--samples", ".", "--out", ".", "--preset", a.preset, *a.extra]))
    steps = math.ceil(a.tokens_per_param * n / (c.batch_size * L))
    plan = {"preset": a.preset, "parameters": n, "tokensPerParam": a.tokens_per_param, "plannedSteps": steps,
            "plannedTokens": steps * c.batch_size * L, "trainTokensInSamples": meta["splits"]["train"]["tokens"],
            "budgetS": a.budget_s}
    # How often the planned tokens go over the text that is not a repeat (samples.json `unique`, 50-gram count):
    # past about 4 epochs more steps buy little and the first GPU run memorised.
    unique = meta["splits"]["train"].get("unique", {}).get("uniqueTokens")
    if unique:
        plan["trainUniqueTokens"] = unique
        plan["plannedEpochsOfUnique"] = round(plan["plannedTokens"] / unique, 2)
    os.makedirs(a.out, exist_ok=True)
    work = os.path.join(a.samples, "gpu-run")
    runs = {}
    if a.only in ("main", "both"):
        rc = train.main(["--samples", a.samples, "--out", os.path.join(work, "v2"), "--preset", a.preset, *a.extra,
                         f"--max-steps={steps}", f"--time-budget-s={a.budget_s}"])
        if rc != 0:
            return rc
        runs["v2"] = os.path.join(work, "v2")
    if a.only in ("ablation", "both"):
        # The same steps as the trained run took (its budget may have stopped it early): the same tokens.
        with open(os.path.join(work, "v2", "run.json"), encoding="utf-8") as f:
            done = json.load(f)["steps"]
        rc = train.main(["--samples", a.samples, "--out", os.path.join(work, "ablation"), "--preset", a.preset, *a.extra,
                         "--ablation", f"--max-steps={done}", "--time-budget-s=0"])
        if rc != 0:
            return rc
        runs["ablation"] = os.path.join(work, "ablation")
    for name, run in runs.items():
        with open(os.path.join(run, "run.json"), encoding="utf-8") as f:
            record = json.load(f)
        plan[name] = {"steps": record["steps"], "tokens": record["tokens"], "tokensPerParam": record["tokens"] / n,
                      "stopReason": record["stopReason"], "best": record["best"], "final": record["finalLosses"]}
        # The weights at the lowest held-out loss; the run record and log beside them.
        pack(os.path.join(run, "best"), os.path.join(a.out, name), PART_MIB * 2**20)
        for file in ("run.json", "train-log.jsonl"):
            with open(os.path.join(run, file), "rb") as src, open(os.path.join(a.out, name, file), "wb") as dst:
                dst.write(src.read())
    with open(os.path.join(a.out, "plan.json"), "w", encoding="utf-8") as f:
        json.dump(plan, f, indent=1)
    print(json.dumps(plan, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
