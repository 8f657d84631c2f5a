"""Packed rows (pack_rows.py): unpacked, they are the samples files byte for byte, in their order; a damaged pack
is refused and leaves nothing; the GPU call trains from a packed folder alone."""

import contextlib
import io
import json
import lzma
import os
import shutil
import tempfile
import unittest

import numpy as np

import gpu_run
from data import SamplesError
from pack_rows import main as pack_rows_main
from pack_rows import pack, unpack
from synthetic import write_samples
from test_gpu_run import TINY

L, N_VOCAB, FILE_SEP = 32, 64, 63


def write_grouped_samples(folder: str) -> None:
    """Synthetic rows whose `<|repo_name|>` prefix (before FILE_SEP) names one of 7 packages, interleaved."""
    write_samples(folder, L=L, n_vocab=N_VOCAB, train_rows=64, eval_rows=16, block=8)
    for name in ("train", "eval"):
        path = os.path.join(folder, f"{name}.tokens.u16")
        tokens = np.fromfile(path, dtype="<u2").reshape(-1, L)
        tokens[tokens == FILE_SEP] = 5
        tokens[:, 3] = FILE_SEP
        tokens.tofile(path)
    with open(os.path.join(folder, "samples.json"), encoding="utf-8") as f:
        meta = json.load(f)
    meta["vocabSize"] = N_VOCAB
    meta["splits"] = {"train": {"tokens": 64 * L, "unique": {"uniqueTokens": 1000}}}
    with open(os.path.join(folder, "samples.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


class PackRows(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="steerway-pack-rows-")
        self.samples, self.packed = os.path.join(self.tmp, "samples"), os.path.join(self.tmp, "packed")
        write_grouped_samples(self.samples)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_unpacked_rows_are_the_samples_rows_in_order(self):
        record = pack(self.samples, self.packed)
        self.assertEqual(record["splits"]["train"]["rows"], 64)
        with open(os.path.join(self.packed, "train.order.u32.xz"), "rb") as f:
            order = np.frombuffer(lzma.decompress(f.read()), dtype="<u4")
        # Rows of one package lie together (7 packages: 6 changes of package along the packed order).
        tokens = np.fromfile(os.path.join(self.samples, "train.tokens.u16"), dtype="<u2").reshape(-1, L)
        packages = tokens[order, 2]
        self.assertEqual(int((packages[1:] != packages[:-1]).sum()), 6)
        self.assertFalse(np.array_equal(order, np.arange(64)))
        out = os.path.join(self.tmp, "unpacked")
        unpack(self.packed, out)
        for f in ("train.tokens.u16", "train.segments.u8", "eval.tokens.u16", "eval.segments.u8", "samples.json"):
            self.assertEqual(read_bytes(os.path.join(out, f)), read_bytes(os.path.join(self.samples, f)), f)

    def test_a_damaged_pack_is_refused_and_leaves_nothing(self):
        pack(self.samples, self.packed)
        path = os.path.join(self.packed, "train.tokens.u16.xz")
        rows = np.frombuffer(lzma.decompress(read_bytes(path)), dtype="<u2").copy()
        rows[100] ^= 1
        with open(path, "wb") as f:
            f.write(lzma.compress(rows.tobytes(), format=lzma.FORMAT_XZ))
        out = os.path.join(self.tmp, "unpacked")
        with self.assertRaisesRegex(SamplesError, r"train\.tokens\.u16: unpacked sha256 .* is not the samples stage's"):
            unpack(self.packed, out)
        self.assertFalse(any(f.startswith("train.tokens") for f in os.listdir(out)))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(pack_rows_main(["unpack", self.packed, out]), 1)
        self.assertEqual(len(err.getvalue().strip().splitlines()), 1)

    def test_the_gpu_call_trains_from_the_packed_folder_alone(self):
        pack(self.samples, self.packed)
        out = os.path.join(self.tmp, "OUT")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = gpu_run.main(["--samples", self.packed, "--out", out, "--preset", "mini", "--budget-s", "0",
                               "--tokens-per-param", "0.5", "--only", "main", "--", *TINY])
        self.assertEqual(rc, 0, err.getvalue())
        for f in ("train.tokens.u16", "train.segments.u8", "eval.tokens.u16", "eval.segments.u8"):
            self.assertEqual(read_bytes(os.path.join(self.packed, f)), read_bytes(os.path.join(self.samples, f)), f)
        with open(os.path.join(out, "plan.json"), encoding="utf-8") as f:
            plan = json.load(f)
        self.assertEqual(plan["v2"]["steps"], plan["plannedSteps"])


if __name__ == "__main__":
    unittest.main()
