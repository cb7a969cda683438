"""What suggesting and topic suggestions cost on a project with human coding (issue 26).

    python bench/suggest_cost.py [--sizes 53 212] [--repeat 3]

For each size a project is built as bench/scale.py builds it (copies of the example's
interviews; the shipped gold coding imported on every fifth copy, as coder 'gold'), ingested
and rule-coded; then, each as its own ``python -m qualcode`` process as a user runs them:
``suggest train``, ``suggest`` (scoring every uncoded turn with the trained model and storing
its suggestions), ``topics``, ``topics`` again (same turns and settings: the kept fit), and
``qualcode run`` on a fresh copy of the coded project (train, suggest and topics in one
process). Printed: the median CPU seconds (user + system) and wall seconds of --repeat
projects, and the load average, because on a shared machine CPU seconds grow with it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from scale import build, stage  # noqa: E402

STEPS = (
    ("suggest train", ["suggest", "train"]),
    ("suggest", ["suggest"]),
    ("topics", ["topics"]),
    ("topics again", ["topics"]),
)


def measure(size: int, tmp: Path) -> dict[str, tuple[float, float]]:
    coded = tmp / "coded"
    build(coded, size)
    q = ["-m", "qualcode"]
    for args in (
        ["ingest"],
        ["code"],
        ["import", "codings", str(coded / "gold.csv"), "--coder", "gold"],
    ):
        stage([*q, *args, "-p", str(coded)], coded)
    out: dict[str, tuple[float, float]] = {}
    daily = tmp / "daily"
    shutil.copytree(coded, daily)
    for name, args in STEPS:
        cpu, wall, _ = stage([*q, *args, "-p", str(daily)], daily)
        out[name] = (cpu, wall)
    fresh = tmp / "fresh"
    shutil.copytree(coded, fresh)
    cpu, wall, _ = stage([*q, "run", "-p", str(fresh)], fresh)
    out["run (coded project)"] = (cpu, wall)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[53, 212])
    ap.add_argument("--repeat", type=int, default=3)
    ns = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores", flush=True)
    for size in ns.sizes:
        runs = []
        for _ in range(ns.repeat):
            with tempfile.TemporaryDirectory(prefix="qualcode-suggest-") as tmp:
                runs.append(measure(size, Path(tmp)))
        for name in runs[0]:
            cpu = statistics.median(r[name][0] for r in runs)
            wall = statistics.median(r[name][1] for r in runs)
            spread = f"{min(r[name][0] for r in runs):.2f}-{max(r[name][0] for r in runs):.2f}"
            print(
                f"{size:>5} interviews  {name:<22} CPU {cpu:6.2f} s (spread {spread})  "
                f"wall {wall:6.2f} s",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end", flush=True)


if __name__ == "__main__":
    main()
