"""Samples rows packed to travel to the GPU machine in one call (issue 12; training/README.md, "The GPU call").

v2's train rows are 990 MB as stored and about 123 MB with xz -9, twice what one device call carries, although
most of it repeats: each file is in about three rows (once as the final file, about twice as a document). The
rows are shuffled, so a repeat is usually far beyond xz's 64 MiB window. Packed, the rows of one package (the same
leading `<|repo_name|>package\\n` tokens, everything before the first `<|file_sep|>`) lie together, so xz finds
each repeat, and each row's index in the samples files travels beside them. Unpacking writes every row back to
its own index and checks the files' sha256 against the samples stage's, so training reads exactly the rows the
samples stage built, in its order.

A packed folder holds samples.json (as written by the samples stage), packed.json (row counts and sha256 per
split) and, per split, `<split>.order.u32.xz` (the samples-file index of each packed row, uint32 LE),
`<split>.tokens.u16.xz` and `<split>.segments.u8.xz` (the rows in packed order).

usage: python3 training/python/pack_rows.py pack SAMPLES PACKED | unpack PACKED SAMPLES
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import shutil
import subprocess
import sys

import numpy as np

from data import SamplesError, open_split, read_meta

FORMAT = "steerway-packed-rows/1"
SPLITS = ("train", "eval")
CHUNK_ROWS = 1024


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            h.update(block)
    return h.hexdigest()


def package_order(tokens: np.ndarray, file_sep: int) -> np.ndarray:
    """Row indices with each package's rows together (packages in the order of a hash of their prefix, rows of one
    package in index order). A row without `<|file_sep|>` is keyed by its whole text (it only costs compression)."""
    keys = np.zeros(tokens.shape[0], dtype=np.uint64)
    for start in range(0, tokens.shape[0], 4096):
        t = np.asarray(tokens[start:start + 4096])
        has = (t == file_sep).any(axis=1)
        first = np.where(has, (t == file_sep).argmax(axis=1), t.shape[1])
        for i in range(t.shape[0]):
            digest = hashlib.blake2b(t[i, :first[i]].tobytes(), digest_size=8).digest()
            keys[start + i] = int.from_bytes(digest, "little")
    return np.lexsort((np.arange(len(keys)), keys))


def compress_rows(source: np.ndarray, order: np.ndarray, path: str) -> None:
    """The rows in `order` as one .xz file (preset 9): through the xz program on all cores where there is one (v2's
    rows take an hour in one thread), else Python's lzma. Python's lzma reads either."""
    chunks = (np.ascontiguousarray(source[order[start:start + CHUNK_ROWS]]).tobytes() for start in range(0, len(order), CHUNK_ROWS))
    with open(path + ".tmp", "wb") as f:
        if shutil.which("xz"):
            xz = subprocess.Popen(["xz", "-9", "-T0", "-c"], stdin=subprocess.PIPE, stdout=f)
            assert xz.stdin is not None
            for chunk in chunks:
                xz.stdin.write(chunk)
            xz.stdin.close()
            if xz.wait() != 0:
                raise SamplesError(f"xz exited {xz.returncode} compressing {path}")
        else:
            c = lzma.LZMACompressor(format=lzma.FORMAT_XZ, preset=9)
            for chunk in chunks:
                f.write(c.compress(chunk))
            f.write(c.flush())
    os.replace(path + ".tmp", path)


def pack(samples: str, packed: str) -> dict:
    meta = read_meta(samples)
    L = meta["L"]
    # The control tokens are the vocabulary's last seven, `<|file_sep|>` last (training/README.md, tokenizer.json).
    file_sep = meta.get("vocabSize", 1 << 16) - 1
    os.makedirs(packed, exist_ok=True)
    record = {"format": FORMAT, "L": L, "fileSep": file_sep, "splits": {}}
    for name in SPLITS:
        split = open_split(samples, name, L)
        order = package_order(split.tokens, file_sep)
        with open(os.path.join(packed, f"{name}.order.u32.xz"), "wb") as f:
            f.write(lzma.compress(order.astype("<u4").tobytes(), format=lzma.FORMAT_XZ, preset=9))
        compress_rows(split.tokens, order, os.path.join(packed, f"{name}.tokens.u16.xz"))
        compress_rows(split.segments, order, os.path.join(packed, f"{name}.segments.u8.xz"))
        record["splits"][name] = {
            "rows": split.rows,
            "tokensSha256": file_sha256(os.path.join(samples, f"{name}.tokens.u16")),
            "segmentsSha256": file_sha256(os.path.join(samples, f"{name}.segments.u8")),
        }
    shutil.copyfile(os.path.join(samples, "samples.json"), os.path.join(packed, "samples.json"))
    record["bytes"] = {f: os.path.getsize(os.path.join(packed, f)) for f in sorted(os.listdir(packed))}
    record["totalBytes"] = sum(record["bytes"].values())
    with open(os.path.join(packed, "packed.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    return record


def unpack_rows(path: str, order: np.ndarray, out: np.memmap) -> None:
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    row_bytes = out.shape[1] * out.dtype.itemsize
    pending = bytearray()
    done = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            pending += d.decompress(block)
            n = min(len(pending) // row_bytes, len(order) - done)
            if n:
                rows = np.frombuffer(bytes(pending[:n * row_bytes]), dtype=out.dtype).reshape(n, -1)
                out[order[done:done + n]] = rows
                del pending[:n * row_bytes]
                done += n
    if done != len(order) or pending or not d.eof:
        raise SamplesError(f"{path}: holds {done} whole rows (+{len(pending)} bytes), packed.json says {len(order)}")


def unpack(packed: str, samples: str) -> None:
    """Writes `<split>.tokens.u16` and `<split>.segments.u8` (and samples.json) into SAMPLES, each row at its
    samples-file index; refuses (SamplesError, removing what it wrote) when a file's sha256 is not the packed one."""
    path = os.path.join(packed, "packed.json")
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except (FileNotFoundError, json.JSONDecodeError) as e:
        raise SamplesError(f"{path}: not a packed samples folder ({e})") from None
    if record.get("format") != FORMAT:
        raise SamplesError(f"{path}: format {record.get('format')!r}, this reader knows {FORMAT}")
    L = record["L"]
    os.makedirs(samples, exist_ok=True)
    if os.path.abspath(packed) != os.path.abspath(samples):
        shutil.copyfile(os.path.join(packed, "samples.json"), os.path.join(samples, "samples.json"))
    for name, s in record["splits"].items():
        with open(os.path.join(packed, f"{name}.order.u32.xz"), "rb") as f:
            order = np.frombuffer(lzma.decompress(f.read()), dtype="<u4").astype(np.int64)
        if len(order) != s["rows"] or not np.array_equal(np.sort(order), np.arange(s["rows"])):
            raise SamplesError(f"{name}.order.u32.xz is not an order of {s['rows']} rows")
        for kind, suffix, dtype, sha in (("tokens", "u16", "<u2", s["tokensSha256"]), ("segments", "u8", np.uint8, s["segmentsSha256"])):
            target = os.path.join(samples, f"{name}.{kind}.{suffix}")
            rows = np.memmap(target + ".tmp", dtype=dtype, mode="w+", shape=(s["rows"], L))
            try:
                unpack_rows(os.path.join(packed, f"{name}.{kind}.{suffix}.xz"), order, rows)
                rows.flush()
                del rows
                got = file_sha256(target + ".tmp")
                if got != sha:
                    raise SamplesError(f"{name}.{kind}.{suffix}: unpacked sha256 {got[:12]}… is not the samples stage's {sha[:12]}…")
            except BaseException:
                os.remove(target + ".tmp")
                raise
            os.replace(target + ".tmp", target)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("pack", "unpack"):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        if argv[0] == "pack":
            r = pack(argv[1], argv[2])
            print(f"packed {argv[1]} into {argv[2]}: {r['totalBytes']} bytes ({r['totalBytes'] / 2**20:.1f} MiB)")
        else:
            unpack(argv[1], argv[2])
            print(f"unpacked {argv[1]} into {argv[2]}")
    except SamplesError as e:
        print(f"pack_rows: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
