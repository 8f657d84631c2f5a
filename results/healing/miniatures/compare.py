"""The two miniatures compared as the app would ask each: the healed-rows model asked with healing against the
as-typed model asked as typed, paired over the same tasks (95% bootstrap interval, 2,000 resamples, seed 1).
python3 results/healing/miniatures/compare.py   (reads eval.json.xz here)"""
import json
import lzma
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
with lzma.open(os.path.join(here, "eval.json.xz"), "rt") as f:
    reports = {r["label"]: r["report"] for r in json.load(f)}
healed, typed = reports["trained"], reports["typed rows (control), no token healing"]


def interval(diffs: list[float]) -> tuple[float, float, float]:
    rnd = random.Random(1)
    means = sorted(sum(diffs[rnd.randrange(len(diffs))] for _ in diffs) / len(diffs) for _ in range(2000))
    return sum(diffs) / len(diffs), means[50], means[1949]


def tasks(report: dict, kind: str) -> list[dict]:
    return [t for t in report["results"] if t["kind"] == kind and t["setting"] == "no-documents"]


pairs = {kind: (tasks(healed, kind), tasks(typed, kind)) for kind in ("single-line", "multi-line")}
pairs["idioms"] = (healed["idioms"]["results"], typed["idioms"]["results"])
for name, (a, b) in pairs.items():
    assert [x["id"] for x in a] == [y["id"] for y in b]
    mean, lo, hi = interval([x["similarity"] - y["similarity"] for x, y in zip(a, b)])
    print(f"{name}: ES {100 * mean:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]")
