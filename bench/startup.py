"""Start-up of the command line against a bare typer app (issue 26: within 1.15x).

    python bench/startup.py [--repeat 15]

Each probe runs in a fresh interpreter; printed: the median wall and CPU milliseconds of
'qualcode --help', 'qualcode status --help' and a bare typer app with one command printing
its --help, and each qualcode figure as a ratio of the bare app's (CPU: user + system of
the child, from os.wait4).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = (
    "import typer\n"
    "app = typer.Typer(add_completion=False, rich_markup_mode='rich')\n"
    "@app.command()\n"
    "def hello(name: str = 'x') -> None:\n"
    "    'Say hello.'\n"
    "@app.command()\n"
    "def bye() -> None:\n"
    "    'Say bye.'\n"
    "app(['--help'])\n"
)
PROBES = {
    "bare typer app --help": ["-c", BARE],
    "qualcode --help": ["-m", "qualcode", "--help"],
    "qualcode status --help": ["-m", "qualcode", "status", "--help"],
}


def once(args: list[str]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    results: dict[str, tuple[float, float]] = {}
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in PROBES}
    for _ in range(args.repeat):  # interleaved, so the machine's load falls on all alike
        for name, probe in PROBES.items():
            runs[name].append(once(probe))
    for name, got in runs.items():
        results[name] = (
            statistics.median(w for w, _ in got),
            statistics.median(c for _, c in got),
        )
    bare_wall, bare_cpu = results["bare typer app --help"]
    for name, (wall, cpu) in results.items():
        print(
            f"{name:24s} wall {wall * 1000:6.0f} ms ({wall / bare_wall:4.2f}x)  "
            f"CPU {cpu * 1000:6.0f} ms ({cpu / bare_cpu:4.2f}x)"
        )


if __name__ == "__main__":
    main()
