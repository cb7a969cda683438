"""How every stage grows with the project: 50 to 2,000 interviews and a review history.

    python bench/scale.py [--sizes 50 200 800 2000] [--keep DIR]

For each size, a project is built from copies of the example's 53 interviews (renamed, with
their attribute rows), then every stage runs as a user would run it, each as its own
``python -m qualcode`` process: ingest, code, import codings (the shipped gold coding on every
fifth copy of its interviews, as coder 'gold'), suggest train, suggest, topics, review export,
review import (a reviewer deciding a fifth of the suggestions: about 11,000 decisions at
800 interviews), agreement, opening the review queue, export codings, export matrix (Word) and the
whole 'qualcode run'; then the daily stages again after the review history. Printed per
stage: CPU seconds (user + system), wall seconds and peak memory of that process; then the
growth exponent of CPU time between consecutive sizes (1.0 = linear), and how much slower
each daily stage is with the review history than without it.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "transcripts"
GOLD = ROOT / "bench" / "gold" / "early-action-together.csv"
OPEN_QUEUE = (
    "import sys; from qualcode.project import open_project; "
    "from qualcode.cli.review import open_session; "
    "s = open_session(open_project(sys.argv[1]), 'lead', order='document'); print(len(s.items))"
)


def _settings(root: Path) -> None:
    toml = (ROOT / "qualcode.toml").read_text(encoding="utf-8")
    (root / "qualcode.toml").write_text(toml, encoding="utf-8")


def distinct_copy(src: Path, dest: Path, copy: int) -> None:
    """A copy that is not byte-identical (ingest refuses a second copy of one file): trailing
    blank lines for text and subtitles, a zip comment for Word (the turns are unchanged)."""
    data = src.read_bytes()
    if src.suffix == ".docx":
        import zipfile

        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                zout.writestr(item, zin.read(item.filename))
            zout.comment = f"copy {copy}".encode()
        return
    newline = {b"\xff\xfe": b"\n\x00", b"\xfe\xff": b"\x00\n"}.get(data[:2], b"\n")
    dest.write_bytes(data + newline * (copy + 1))  # trailing blank lines: the same turns


def build(root: Path, size: int) -> None:
    """A project of ``size`` interviews: copies of the example's, with attribute rows."""
    (root / "transcripts").mkdir(parents=True)
    (root / "codebooks").mkdir()
    (root / "outputs").mkdir()
    shutil.copy(ROOT / "codebooks" / "early-action-together.yaml", root / "codebooks")
    _settings(root)
    with (EXAMPLE / "participants.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    gold = list(csv.DictReader(GOLD.open(encoding="utf-8")))
    gold_out = ["participant_id,turn,codes"]
    for n in range(size):
        row = dict(rows[n % len(rows)])
        copy = n // len(rows)
        name = f"C{copy:03d}_{row['file']}"
        distinct_copy(EXAMPLE / row["file"], root / "transcripts" / name, copy)
        pid = row["participant_id"]
        row.update(participant_id=f"{pid}-{copy}", file=name)
        writer.writerow(row)
        if copy % 5 == 0:
            gold_out += [
                f"{pid}-{copy},{g['turn']},{g['codes']}" for g in gold if g["participant_id"] == pid
            ]
    (root / "transcripts" / "participants.csv").write_text(out.getvalue(), encoding="utf-8")
    (root / "gold.csv").write_text("\n".join(gold_out) + "\n", encoding="utf-8")


def decide_a_fifth(sheet: Path, out: Path, seed: int = 0) -> int:
    """Fill the decision column of a fifth of a review sheet's rows (accept or reject)."""
    rng = random.Random(seed)
    with sheet.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    col = header.index("decision")
    decided = 0
    for row in body:
        if rng.random() < 0.2:
            row[col] = rng.choice(["accept", "reject"])
            decided += 1
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *body])
    return decided


def stage(args: list[str], cwd: Path) -> tuple[float, float, float]:
    """(CPU s, wall s, peak MB) of one process; exits on failure."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{err[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def stages(root: Path) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """(stages that build the project, stages a team runs every day)."""
    q = ["-m", "qualcode"]
    p = ["-p", str(root)]
    build_up = [
        ("ingest", [*q, "ingest", *p]),
        ("code", [*q, "code", *p]),
        ("import codings", [*q, "import", "codings", str(root / "gold.csv"), "--coder", "gold"]),
    ]
    daily = [
        ("suggest train", [*q, "suggest", "train", *p]),
        ("suggest", [*q, "suggest", *p]),
        ("topics", [*q, "topics", *p]),
        ("review export", [*q, "review", "export", str(root / "queue.csv"), *p]),
        ("agreement", [*q, "agreement", "gold", "--machine", "rule", "--samples", "200", *p]),
        ("review queue", ["-c", OPEN_QUEUE, str(root)]),
        ("export codings", [*q, "export", "codings", "--format", "csv", "-o", "c.csv", *p]),
        ("export matrix", [*q, "export", "matrix", "-f", "docx", *p]),
        ("run", [*q, "run", *p]),
    ]
    build_up[2][1].extend(p)
    return build_up, daily


Result = dict[str, tuple[float, float, float]]


def _timed(size: int, name: str, args: list[str], root: Path, out: Result) -> None:
    out[name] = stage(args, root)
    cpu, wall, mb = out[name]
    print(f"  {size:>5} {name:<22} cpu {cpu:7.2f} s  wall {wall:7.2f} s  {mb:7.0f} MB", flush=True)


def measure(size: int, tmp: Path) -> tuple[Result, Result]:
    """Every stage on a project of ``size`` interviews; the daily stages again after a review
    history (a fifth of the suggestions decided in a review sheet)."""
    root = tmp / f"p{size}"
    build(root, size)
    before: Result = {}
    after: Result = {}
    build_up, daily = stages(root)
    for name, args in build_up + daily:
        _timed(size, name, args, root, before)
    stage(["-m", "qualcode", "review", "export", str(root / "queue.csv"), "-p", str(root)], root)
    decided = decide_a_fifth(root / "queue.csv", root / "decided.csv")
    review = ["-m", "qualcode", "review", "import", str(root / "decided.csv"), "--as", "lead"]
    _timed(size, f"review import ({decided:,})", [*review, "-p", str(root)], root, before)
    for name, args in daily:
        _timed(size, f"{name} (history)", args, root, after)
    return before, after


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 800, 2000])
    ap.add_argument("--keep", type=Path, help="build the projects here and keep them")
    args = ap.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-scale-"))
    try:
        runs = {size: measure(size, tmp) for size in args.sizes}
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    sizes = args.sizes
    table = {s: {k.split(" (")[0]: v for k, v in runs[s][0].items()} for s in sizes}
    print("\nCPU seconds by interviews")
    print("stage            " + "".join(f"{s:>9}" for s in sizes) + "   growth exponent")
    for name in table[sizes[0]]:
        cpus = [table[s][name][0] for s in sizes]
        exps = [
            math.log(max(b, 1e-3) / max(a, 1e-3)) / math.log(n2 / n1)
            for a, b, n1, n2 in zip(cpus, cpus[1:], sizes, sizes[1:], strict=False)
        ]
        mem = table[sizes[-1]][name][2]
        print(
            f"{name:<17}" + "".join(f"{c:9.2f}" for c in cpus)
            + "   " + " ".join(f"{e:4.2f}" for e in exps) + f"   peak {mem:.0f} MB"
        )  # fmt: skip
    print("\nWith the review history: CPU after / before, by interviews")
    for name in runs[sizes[0]][1]:
        base = name.replace(" (history)", "")
        ratios = [runs[s][1][name][0] / max(runs[s][0][base][0], 1e-3) for s in sizes]
        print(f"{base:<17}" + "".join(f"{r:9.2f}" for r in ratios))


if __name__ == "__main__":
    main()
