"""What 'qualcode run' costs on a fresh copy of the example, and on the example x4 (issue 26:
below 5 and 8 CPU-s), with where the time goes.

    python bench/run_cost.py [--sizes 53 212] [--repeat 3] [--phases]

For each size a fresh project is built (bench/scale.py's copies of the example's interviews with
their attribute rows), and 'python -m qualcode run' runs in its own process, as a new user runs
it, then once more on the same project (as a team runs it every day): printed, the median CPU
seconds (user + system, from os.wait4) and wall seconds of --repeat runs, each on a fresh copy.
--phases also runs it once in this process with the run's steps wrapped, and prints each
step's CPU seconds, imports included where the step first needs them (module imports,
ingest, rule coding, learning, topics, the Word reports, the methods appendix).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import build  # noqa: E402


def once(root: Path) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "run", "-p", str(root)],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"qualcode run failed in {root}:\n{err[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def phases(root: Path) -> list[tuple[str, float]]:
    """Each step of 'run' in this process, by wrapping the functions the command calls."""
    t_start = time.process_time()
    from qualcode.cli import commands, load

    app = load()
    got: list[tuple[str, float]] = [("command line modules", time.process_time() - t_start)]

    def wrap(owner: object, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*a: object, **k: object) -> object:
            t0 = time.process_time()
            try:
                return inner(*a, **k)
            finally:
                got.append((label, time.process_time() - t0))

        setattr(owner, name, timed)

    import qualcode.cli.coding as cli_coding
    import qualcode.cli.topics as cli_topics

    wrap(commands, "_ingest", "ingest")
    wrap(cli_coding, "run_coding", "rule coding")
    wrap(commands, "_learn", "learn (train + suggest)")
    wrap(cli_topics, "run_topics", "topics")
    wrap(commands, "_run_reports", "Word matrix + themes")
    wrap(commands, "_run_methods", "methods appendix")
    from typer.testing import CliRunner

    t0 = time.process_time()
    result = CliRunner().invoke(app, ["run", "-p", str(root)])
    total = time.process_time() - t0
    if result.exit_code != 0:
        sys.exit(f"qualcode run failed: {result.output[-2000:]}")
    named = sum(s for _, s in got[1:])
    got.append(("the rest (status, printing)", total - named))
    got.append(("total in process", total + got[0][1]))
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[53, 212])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--phases", action="store_true")
    ns = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    for size in ns.sizes:
        first, again = [], []
        for _ in range(ns.repeat):
            with tempfile.TemporaryDirectory(prefix="qualcode-run-") as tmp:
                root = Path(tmp) / "p"
                build(root, size)
                first.append(once(root))
                again.append(once(root))
        for label, runs in (("fresh project", first), ("run again", again)):
            cpu = statistics.median(c for c, _ in runs)
            wall = statistics.median(w for _, w in runs)
            spread = f"{min(c for c, _ in runs):.2f}-{max(c for c, _ in runs):.2f}"
            print(
                f"{size:>5} interviews, {label:<13}: qualcode run  CPU {cpu:6.2f} s "
                f"(spread {spread})  wall {wall:6.2f} s",
                flush=True,
            )
    if ns.phases:
        for size in ns.sizes:
            with tempfile.TemporaryDirectory(prefix="qualcode-run-") as tmp:
                root = Path(tmp) / "p"
                build(root, size)
                script = (
                    "import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/bench'];"
                    "from run_cost import phases; from pathlib import Path;"
                    "[print(f'  {n:<30} {s:6.2f} CPU-s') for n, s in phases(Path(sys.argv[2]))]"
                )
                print(f"{size} interviews, by step (one run in one process):", flush=True)
                subprocess.run(
                    [sys.executable, "-c", script, str(ROOT), str(root)],
                    check=True,
                    env={**os.environ, "COLUMNS": "200"},
                )


if __name__ == "__main__":
    main()
