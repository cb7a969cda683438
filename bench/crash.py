"""Kill qualcode with SIGKILL mid-write, many times, and check the store each time.

    python bench/crash.py [--kills 40] [--seed 0]

On a copy of the example project (ingested, coded, 60 review decisions committed), alternately
'qualcode code' (after a codebook change, so it rewrites its suggestions) and 'qualcode import
codings' (the gold coding, under a new coder name each time) are started and killed after a
random delay of 0.2-1.4 s. After each kill: SQLite's integrity check, the committed decisions,
and whether the import is whole or absent. Printed: kills that landed mid-command, and every
failure (none expected).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.crashing import build, change_codebook, kill_during  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=40)
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
    print(f"{args.kills} kills, {landed} while the command was running; failures: {len(failures)}")
    for line in failures:
        print("  " + line)


if __name__ == "__main__":
    main()
