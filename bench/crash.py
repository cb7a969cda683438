"""Kill qualcode with SIGKILL mid-write, many times, and check the store each time.

    python bench/crash.py [--kills 40] [--export-kills 10] [--seed 0]

On a copy of the example project (ingested, coded, 60 review decisions committed), alternately
'qualcode code' (after a codebook change, so it rewrites its suggestions) and 'qualcode import
codings' (the gold coding, under a new coder name each time) are started and killed after a
random delay of 0.2-1.4 s. After each kill: SQLite's integrity check, the committed decisions,
and whether the import is whole or absent. Printed: kills that landed mid-command, and every
failure (none expected).

Leftover files: 'qualcode export codings -o outputs/c.csv' is killed after 20-80% of the time
a whole export takes, again and again (a kill during its write leaves a hidden temp file of
quotes), then one other export runs.
A failure is any hidden file left in outputs/ or in the model folder after it (none expected).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.crashing import build, change_codebook, kill_during  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=40)
    ap.add_argument("--export-kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    failures: list[str] = []
    landed = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "p"
        decisions = build(root)
        gold = ["import", "codings", str(root / "gold.csv"), "--coder"]
        whole = kill_during(root, [*gold, "whole"], 30, "whole").gold_codings
        for k in range(args.kills):
            delay = rng.uniform(0.2, 1.4)
            if k % 2 == 0:
                change_codebook(root, k)
                out = kill_during(root, ["code"], delay)
            else:
                out = kill_during(root, [*gold, f"coder{k}"], delay, f"coder{k}")
            landed += out.killed
            what = f"kill {k} ({'code' if k % 2 == 0 else 'import'}, {delay:.2f} s)"
            if out.integrity != "ok":
                failures.append(f"{what}: integrity check says {out.integrity}")
            if out.decisions != decisions:
                failures.append(f"{what}: {out.decisions} decisions, {decisions} committed")
            if k % 2 and out.gold_codings not in (0, whole):
                failures.append(f"{what}: {out.gold_codings} of {whole} codings stored")
        leftover = leftovers(root, rng, args.export_kills)
        failures += leftover
    print(f"{args.kills} kills, {landed} while the command was running; failures: {len(failures)}")
    for line in failures:
        print("  " + line)


def leftovers(root: Path, rng: random.Random, kills: int) -> list[str]:
    """Kill exports mid-command, then run one other export: the hidden files left after it."""
    outputs = root / "outputs"
    export = ["export", "codings", "-o", str(outputs / "c.csv")]
    began = time.perf_counter()
    kill_during(root, export, 60)  # how long a whole export takes (its write is mid-way)
    whole = time.perf_counter() - began
    hidden, seen = 0, set[str]()
    for _ in range(kills):
        kill_during(root, export, rng.uniform(0.2, 0.8) * whole)
        now = {p.name for p in outputs.iterdir() if p.name.startswith(".")}
        hidden += bool(now - seen)  # this kill left its temp file
        seen |= now
    kill_during(root, ["export", "codings", "-o", str(outputs / "other.csv")], 60)
    folders = [outputs, root / ".qualcode" / "models"]
    left = [p for f in folders if f.is_dir() for p in f.iterdir() if p.name.startswith(".")]
    print(
        f"leftover files: {kills} kills of 'export codings', {hidden} of them during its write "
        f"(a hidden temp file until the next command); after one other export: {len(left)} left"
    )
    return [f"leftover file {p.relative_to(root)}" for p in left]


if __name__ == "__main__":
    main()
