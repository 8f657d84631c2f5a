"""Synthetic samples files in the README layout, for tests and for measuring speed without a corpus.

Tokens follow a Markov chain with a few successors per token (learnable: the loss can fall from ln(n_vocab)
to about ln(successors)); a sparse row is a shared prefix, document blocks and a final file, a dense row the
prefix and one final file; the final file repeats a stretch of a block, so attending to blocks pays.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

from model import PAD, PREFIX, QUERY


def make_rows(rows: int, L: int, n_vocab: int, seed: int, sparse_share: float, block: int, successors: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Same chain for every split (seed-independent), so eval measures what training learned.
    table = np.random.default_rng(12345).integers(3, n_vocab, size=(n_vocab, successors))
    tokens = np.zeros((rows, L), dtype=np.uint16)
    segs = np.zeros((rows, L), dtype=np.uint8)
    for r in range(rows):
        t = int(rng.integers(3, n_vocab))
        seq = []
        for _ in range(L):
            seq.append(t)
            t = int(table[t, rng.integers(successors)])
        row = np.array(seq, dtype=np.uint16)
        seg = np.full(L, QUERY, dtype=np.uint8)
        h = 3
        row[:h] = (1, 2, r % 7 + 3)
        seg[:h] = PREFIX
        pad = int(rng.integers(0, L // 8))
        end = L - pad
        if rng.random() < sparse_share:
            query_len = max(8, (end - h) // 3)
            n_blocks = max(1, (end - h - query_len) // block)
            for b in range(n_blocks):
                seg[h + b * block:h + (b + 1) * block] = b + 1
            q0 = h + n_blocks * block
            # The final file copies part of the first block.
            n = min(block, end - q0) // 2
            row[q0:q0 + n] = row[h:h + n]
        row[end:] = 0
        seg[end:] = PAD
        tokens[r] = row
        segs[r] = seg
    return tokens, segs


def write_samples(folder: str, L: int = 64, n_vocab: int = 256, train_rows: int = 64, eval_rows: int = 16, seed: int = 1,
                  sparse_share: float = 0.5, block: int = 16) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, rows, s in (("train", train_rows, seed), ("eval", eval_rows, seed + 1000)):
        tokens, segs = make_rows(rows, L, n_vocab, s, sparse_share, block)
        tokens.astype("<u2").tofile(os.path.join(folder, f"{name}.tokens.u16"))
        segs.tofile(os.path.join(folder, f"{name}.segments.u8"))
    meta = {"L": L, "trainRows": train_rows, "evalRows": eval_rows, "padId": 0, "composition": {"synthetic": True, "sparseShare": sparse_share}}
    with open(os.path.join(folder, "samples.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="write synthetic samples files")
    p.add_argument("--out", required=True)
    p.add_argument("--L", type=int, default=256)
    p.add_argument("--n-vocab", type=int, default=16384)
    p.add_argument("--train-rows", type=int, default=2048)
    p.add_argument("--eval-rows", type=int, default=64)
    p.add_argument("--block", type=int, default=48)
    a = p.parse_args()
    write_samples(a.out, a.L, a.n_vocab, a.train_rows, a.eval_rows, block=a.block)
    sys.exit(0)
