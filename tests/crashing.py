"""Killing qualcode mid-write (SIGKILL) and checking what is left: shared by tests/test_crash.py
and bench/crash.py. A killed command must leave a store that opens, passes SQLite's integrity
check, holds every decision committed before it, and holds an import wholly or not at all."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "bench" / "gold" / "early-action-together.csv"


def build(root: Path) -> int:
    """The example project (settings, codebook, transcripts) ingested and coded, with some
    review decisions committed; returns how many decisions."""
    from qualcode.coding.run import code_project
    from qualcode.ingest.run import ingest
    from qualcode.project import open_project

    root.mkdir(parents=True)
    shutil.copy(ROOT / "qualcode.toml", root)
    shutil.copytree(ROOT / "codebooks", root / "codebooks")
    shutil.copytree(ROOT / "transcripts", root / "transcripts")
    project = open_project(root)
    ingest(project)
    code_project(project)
    queue = project.store.queue_applications()[:60]
    rows = [(a[0], a[1], a[2], "ann", "accept" if i % 2 else "reject", "") for i, a in
            enumerate(queue)]  # fmt: skip
    project.store.add_decisions(rows)
    project.close()
    with GOLD.open(encoding="utf-8") as fh:
        gold = list(csv.DictReader(fh))
    with (root / "gold.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["participant_id", "turn", "codes"])
        writer.writeheader()
        writer.writerows(gold)
    return len(rows)


def change_codebook(root: Path, n: int) -> None:
    """A new codebook version (another definition), so 'code' rewrites its suggestions."""
    path = root / "codebooks" / "early-action-together.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "definition: "
    i = text.index(marker) + len(marker)
    path.write_text(text[:i] + f"(v{n}) " + text[i:], encoding="utf-8")


@dataclass
class Outcome:
    killed: bool  # False: the command finished before the kill
    integrity: str
    decisions: int
    gold_codings: int


def kill_during(root: Path, args: list[str], delay: float, coder: str = "gold") -> Outcome:
    """Run ``python -m qualcode ARGS -p ROOT``, SIGKILL it after ``delay`` seconds, inspect."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qualcode", *args, "-p", str(root)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay)
        killed = False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = True
    return inspect(root, killed, coder)


def inspect(root: Path, killed: bool = False, coder: str = "gold") -> Outcome:
    from qualcode.project import open_project

    project = open_project(root)
    conn = project.store.conn
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    decisions = conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
    gold = conn.execute(
        "SELECT count(*) FROM applications WHERE kind = 'import' AND source = ?", (coder,)
    ).fetchone()[0]
    project.close()
    return Outcome(killed, str(integrity), int(decisions), int(gold))
