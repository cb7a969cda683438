"""What the topic step of 'qualcode run' costs on a fresh copy of the example, imports included
(issue 26: the step no longer imports scikit-learn).

    python bench/topics_cost.py [--checkout PATH ...] [--repeat 3]

For each checkout (default: this one; name another, e.g. the main branch before a change, to
compare; the checkouts take turns) and each repeat: a fresh copy of the example is ingested by
that checkout's 'qualcode ingest', then a new Python process opens it and runs the topic step
(importing the topic module, tokenising, phrases, TF-IDF, every k tried, coherence; nothing
kept from an earlier fit). Printed per checkout: the median and spread of that step's CPU
seconds (user + system of the process, from time.process_time), whether scikit-learn was
imported, the k chosen and whether its topics' top terms are the same as the first checkout's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STEP = """
import json, sys, time
from qualcode.project import open_project
project = open_project(sys.argv[1])
t0 = time.process_time()
from qualcode.coding.topics import model_topics
report = model_topics(project, store=False)
cpu = time.process_time() - t0
print(json.dumps({"cpu": cpu, "sklearn": "sklearn" in sys.modules, "k": report.k,
                  "terms": [t.terms for t in report.topics]}))
"""


def fresh_example(tmp: Path, checkout: Path) -> Path:
    root = tmp / "example"
    root.mkdir()
    for name in ("transcripts", "codebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "qualcode.toml", root / "qualcode.toml")
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-m", "qualcode", "ingest", "-p", str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"ingest failed with {checkout}:\n{done.stderr[-2000:]}")
    return root


def topic_step(root: Path, checkout: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", STEP, str(root)], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"the topic step failed with {checkout}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkout", type=Path, nargs="+", default=[ROOT])
    ap.add_argument("--repeat", type=int, default=3)
    ns = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    runs: dict[Path, list[dict]] = {c: [] for c in ns.checkout}
    for _ in range(ns.repeat):  # the checkouts take turns, so a busy spell hits them alike
        for checkout in ns.checkout:
            with tempfile.TemporaryDirectory(prefix="qualcode-topics-") as tmp:
                root = fresh_example(Path(tmp), checkout.resolve())
                runs[checkout].append(topic_step(root, checkout))
    first_terms = runs[ns.checkout[0]][0]["terms"]
    for checkout, done in runs.items():
        cpu = [r["cpu"] for r in done]
        same = all(r["terms"] == first_terms for r in done)
        print(
            f"{checkout!s:<24} topic step CPU {statistics.median(cpu):5.2f} s "
            f"(spread {min(cpu):.2f}-{max(cpu):.2f})  scikit-learn imported: "
            f"{'yes' if done[0]['sklearn'] else 'no'}  k={done[0]['k']}  "
            f"topics {'the same' if same else 'DIFFERENT'}"
        )


if __name__ == "__main__":
    main()
