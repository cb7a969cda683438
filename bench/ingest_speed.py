"""Ingest throughput and memory on the UK Covid-19 Inquiry transcripts, and CLI start-up time.

    python bench/ingest_speed.py [--repeat 5] [--data ../shared/data/uk-covid-inquiry-oral-evidence]

Prints: words per second for parsing alone (bytes -> turns) and for a full 'qualcode ingest'
into a fresh project store, the peak memory of the process, and the median wall time of
'qualcode --help' with the heavy modules it must not import.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.ingest import parse_bytes  # noqa: E402
from qualcode.ingest.run import ingest  # noqa: E402
from qualcode.project import init_project  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "uk-covid-inquiry-oral-evidence"


def parse_rate(files: list[Path], repeat: int) -> tuple[int, float]:
    blobs = [(p.name, p.read_bytes()) for p in files]
    words, best = 0, float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        words = sum(parse_bytes(data, name).words for name, data in blobs)
        best = min(best, time.perf_counter() - t0)
    return words, best


def ingest_rate(files: list[Path], repeat: int) -> tuple[int, float]:
    best, words = float("inf"), 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            project = init_project(Path(tmp) / "p")
            for f in files:
                shutil.copy(f, project.root / "transcripts" / f.name)
            t0 = time.perf_counter()
            report = ingest(project)
            best = min(best, time.perf_counter() - t0)
            words = sum(f.words for f in report.files)
            project.close()
    return words, best


def help_time(repeat: int) -> tuple[float, list[str]]:
    code = (
        "import sys; from qualcode.cli import main; main(['--help']);"
        "heavy={'spacy','gensim','sklearn','textual','docx','pypdf','openpyxl','numpy'};"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}), file=sys.stderr)"
    )
    times, heavy = [], ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
        )
        times.append(time.perf_counter() - t0)
        heavy = out.stderr.strip().splitlines()[-1]
    return statistics.median(times), [heavy]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    files = sorted(args.data.glob("**/*.rst"))
    if not files:
        sys.exit(f"no .rst transcripts under {args.data}")
    words, secs = parse_rate(files, args.repeat)
    print(
        f"parse only : {words:,} words in {secs:.3f} s = {words / secs:,.0f} words/s "
        f"({len(files)} files, best of {args.repeat})"
    )
    words, secs = ingest_rate(files, max(1, args.repeat // 2))
    print(
        f"full ingest: {words:,} words in {secs:.3f} s = {words / secs:,.0f} words/s "
        "(parse + SQLite store, fresh project)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB (max RSS of this process)")
    median, heavy = help_time(args.repeat)
    print(
        f"qualcode --help: median {median * 1000:.0f} ms over {args.repeat} runs; "
        f"heavy modules imported: {heavy[0]}"
    )


if __name__ == "__main__":
    main()
