"""What an export costs on the example project: best wall and CPU time of a few runs.

    python bench/export_cost.py [--runs 3] [-- export matrix -f xlsx --include-suggestions]

Runs ``qualcode <args> -o <temp file>`` (default: ``export matrix``) as a user would, on the
project in this checkout (build it first with ``qualcode run``), and prints the best wall time
and the best CPU time (user + system) of ``--runs`` runs. CPU time is steadier than wall time
on a shared machine. To compare versions, run it with PYTHONPATH set to each checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def once(args: list[str], out: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "qualcode", *args, "-o", str(out), "-p", str(ROOT)],
        check=True, capture_output=True, env=os.environ.copy(), cwd=out.parent,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("command", nargs="*", default=["export", "matrix"])
    ns = parser.parse_args()
    suffix = "." + (ns.command[ns.command.index("-f") + 1] if "-f" in ns.command else "docx")
    with tempfile.TemporaryDirectory() as tmp:
        times = [once(ns.command, Path(tmp) / f"out{suffix}") for _ in range(ns.runs)]
    wall, cpu = min(t[0] for t in times), min(t[1] for t in times)
    print(f"qualcode {' '.join(ns.command)}: best of {ns.runs}: {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
