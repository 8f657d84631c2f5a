"""Samples files (training/README.md, "Samples"): memory-mapped rows of tokens and segment bytes."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from model import MAX_BLOCK, PAD, PREFIX, QUERY


class SamplesError(Exception):
    pass


@dataclass
class Split:
    name: str
    tokens: np.ndarray  # [rows, L] uint16 (memory-mapped)
    segments: np.ndarray  # [rows, L] uint8 (memory-mapped)

    @property
    def rows(self) -> int:
        return self.tokens.shape[0]

    def sparse_rows(self) -> np.ndarray:
        """Indices of the rows that hold document blocks."""
        out = []
        for start in range(0, self.rows, 4096):
            seg = self.segments[start:start + 4096]
            out.append(start + np.nonzero(((seg >= 1) & (seg <= MAX_BLOCK)).any(axis=1))[0])
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def read_meta(folder: str) -> dict:
    path = os.path.join(folder, "samples.json")
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except FileNotFoundError:
        raise SamplesError(f"{path} not found: run the samples stage first") from None
    except json.JSONDecodeError as e:
        raise SamplesError(f"{path} is not JSON: {e}") from None
    if not isinstance(meta.get("L"), int) or meta["L"] < 2:
        raise SamplesError(f"{path}: L (the row length) must be an integer >= 2, got {meta.get('L')!r}")
    return meta


def open_split(folder: str, name: str, L: int) -> Split:
    tok_path = os.path.join(folder, f"{name}.tokens.u16")
    seg_path = os.path.join(folder, f"{name}.segments.u8")
    for p in (tok_path, seg_path):
        if not os.path.exists(p):
            raise SamplesError(f"{p} not found")
    tok_bytes = os.path.getsize(tok_path)
    seg_bytes = os.path.getsize(seg_path)
    if tok_bytes % (2 * L) or seg_bytes % L or tok_bytes // (2 * L) != seg_bytes // L:
        raise SamplesError(f"{name}: {tok_bytes} token bytes and {seg_bytes} segment bytes are not the same number of rows of L={L}")
    rows = seg_bytes // L
    if rows == 0:
        raise SamplesError(f"{name}: no rows")
    tokens = np.memmap(tok_path, dtype="<u2", mode="r", shape=(rows, L))
    segments = np.memmap(seg_path, dtype=np.uint8, mode="r", shape=(rows, L))
    return Split(name, tokens, segments)


def check_rows(split: Split, n_vocab: int, chunk: int = 4096) -> None:
    """Every row follows the README layout the model relies on: tokens in the vocabulary, the shared prefix a
    leading run, each block one contiguous run (the mask compares ids), padding only at the end."""
    L = split.tokens.shape[1]
    idx = np.arange(L)
    for start in range(0, split.rows, chunk):
        tok = np.asarray(split.tokens[start:start + chunk])
        seg = np.asarray(split.segments[start:start + chunk])
        where = lambda bad: f"{split.name} row {start + int(np.nonzero(bad)[0][0])}"  # noqa: E731
        bad = (tok >= n_vocab).any(axis=1)
        if bad.any():
            raise SamplesError(f"{where(bad)}: token id >= n_vocab {n_vocab}")
        h = (seg == PREFIX).sum(axis=1, keepdims=True)
        bad = ((seg == PREFIX) & (idx >= h)).any(axis=1)
        if bad.any():
            raise SamplesError(f"{where(bad)}: segment 0 (the shared prefix) must be one run at the start")
        pad = seg == PAD
        first_pad = np.where(pad.any(axis=1), pad.argmax(axis=1), L)[:, None]
        bad = (~pad & (idx >= first_pad)).any(axis=1)
        if bad.any():
            raise SamplesError(f"{where(bad)}: padding (254) must run to the end of the row")
        block = (seg >= 1) & (seg <= MAX_BLOCK)
        starts = np.ones_like(block)
        starts[:, 1:] = seg[:, 1:] != seg[:, :-1]
        runs = (starts & block).sum(axis=1)
        ids = np.sort(np.where(block, seg, 0), axis=1)
        distinct = ((ids[:, 1:] != ids[:, :-1]) & (ids[:, 1:] > 0)).sum(axis=1) + (ids[:, 0] > 0)
        bad = runs != distinct
        if bad.any():
            raise SamplesError(f"{where(bad)}: a block id appears in two runs (each block must be contiguous)")
        bad = block.any(axis=1) & ~(seg == QUERY).any(axis=1)
        if bad.any():
            raise SamplesError(f"{where(bad)}: blocks without a final file (255)")


class Batches:
    """Endless shuffled batches of row indices, each batch all sparse or all dense, so every batch has one
    attention shape (fixed shapes for torch.compile; dense batches take the fast causal kernel)."""

    def __init__(self, split: Split, batch_size: int, seed: int, ablation: bool) -> None:
        self.split = split
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        sparse = np.zeros(split.rows, dtype=bool)
        if not ablation:
            sparse[split.sparse_rows()] = True
        self.groups = [np.nonzero(sparse)[0], np.nonzero(~sparse)[0]]
        self.groups = [g for g in self.groups if len(g) >= batch_size]
        if not self.groups:
            raise SamplesError(f"{split.name}: fewer rows than one batch of {batch_size} (sparse and dense batches are separate)")
        self.weights = np.array([len(g) for g in self.groups], dtype=np.float64)
        self.weights /= self.weights.sum()
        self.order = [self.rng.permutation(g) for g in self.groups]
        self.pos = [0 for _ in self.groups]

    def next(self) -> np.ndarray:
        g = int(self.rng.choice(len(self.groups), p=self.weights))
        if self.pos[g] + self.batch_size > len(self.order[g]):
            self.order[g] = self.rng.permutation(self.groups[g])
            self.pos[g] = 0
        rows = self.order[g][self.pos[g]:self.pos[g] + self.batch_size]
        self.pos[g] += self.batch_size
        return np.sort(rows)  # sorted reads from the memory map
