"""Throughput of 'qualcode code' against the bare spaCy tokenizer on the same text.

    python bench/coding_speed.py [--copies 4] [--codebook codebooks/early-action-together.yaml]

Builds a throwaway project holding the UK Covid-19 Inquiry transcripts (../shared/data) copied
--copies times (about 300k participant words each), codes it with the codebook, and prints the
words per second of the whole coding run (segmenting, spaCy, matchers, storing), of spaCy's
bare tokenizer over the same segment texts, their ratio, and the peak memory. Then it times
'qualcode code' on the example project itself (the repository root).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.coding.nlp import load_nlp, lower  # noqa: E402
from qualcode.coding.run import code_project  # noqa: E402
from qualcode.ingest.run import ingest  # noqa: E402
from qualcode.project import init_project, open_project  # noqa: E402
from qualcode.segment import segments  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "uk-covid-inquiry-oral-evidence"


def build(tmp: Path, copies: int, codebook: Path) -> Path:
    project = init_project(tmp / "bench")
    for k in range(copies):
        for f in sorted(DATA.glob("*/*.rst")):
            data = f.read_bytes() + f"\n\n.. copy {k}\n".encode()
            (project.root / "transcripts" / f"{k}-{f.name}").write_bytes(data)
    shutil.copy(codebook, project.root / "codebooks" / codebook.name)
    ingest(project)
    project.close()
    return project.root


def bare_tokenizer(texts: list[str]) -> float:
    """spaCy's English tokenizer, freshly loaded (cold caches, like the coding run)."""
    import spacy

    nlp = spacy.blank("en")
    t0 = time.perf_counter()
    for _ in nlp.tokenizer.pipe((lower(t) for t in texts), batch_size=256):
        pass
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument(
        "--codebook", type=Path, default=ROOT / "codebooks" / "early-action-together.yaml"
    )
    args = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} is absent")
    with tempfile.TemporaryDirectory() as tmp:
        root = build(Path(tmp), args.copies, args.codebook)
        project = open_project(root)
        texts = [t for _, t in segments(project.store.participant_turns())]
        tok = bare_tokenizer(texts)
        load_nlp("")  # loading the pipeline (~0.2 s, once per process) is not throughput
        t0 = time.perf_counter()
        report = code_project(project)
        secs = time.perf_counter() - t0
        project.close()
    words = report.words
    print(
        f"qualcode code : {words:,} words, {report.segments:,} segments, "
        f"{report.suggestions:,} suggestions in {secs:.2f} s = {words / secs:,.0f} words/s"
    )
    print(f"bare tokenizer: same texts in {tok:.2f} s = {words / tok:,.0f} words/s")
    print(f"ratio         : qualcode code runs at {tok / secs:.0%} of the bare tokenizer's speed")
    print(f"peak memory   : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    example = open_project(ROOT)
    if example.store.status()["documents"]:
        t0 = time.perf_counter()
        rep = code_project(example, args.codebook, dry_run=True)
        print(
            f"example corpus: {rep.segments:,} segments ({rep.words:,} words) coded in "
            f"{time.perf_counter() - t0:.2f} s (dry run, run 'qualcode ingest' first)"
        )
    example.close()


if __name__ == "__main__":
    from qualcode.errors import QualcodeError

    try:
        main()
    except QualcodeError as exc:  # a broken codebook or project: one line, no traceback
        sys.exit(f"error: {exc}")
