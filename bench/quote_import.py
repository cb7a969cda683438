"""How long a large quote sheet whose quotes cannot be placed takes to be refused.

    python bench/quote_import.py [--rows 5000]

On a copy of the example project (settings, codebook, transcripts; ingested), a sheet of
``--rows`` quote-level rows is written whose quotes are real sentences of the corpus put on the
wrong interview, half of them with a word changed to one no interview has (the other half is
the hard case: most words are common in the document they are checked against, and a few short
ones do fit there). 'qualcode import codings' must refuse it; printed: the time it
took and whether the refusal was the clear one. Target: under 20 s for 5,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def unplaceable_sheet(root: Path, path: Path, rows: int, seed: int = 0) -> int:
    """A sheet of quotes each cut from one interview and put on another."""
    from qualcode.project import open_project

    rng = random.Random(seed)
    project = open_project(root)
    docs = [project.store.document(d["id"]) for d in project.store.current_documents()]
    project.close()
    turns = [(d, t) for d in docs for t in d.turns if t.role == "participant"]
    out: list[list[str]] = []
    while len(out) < rows:
        doc, turn = rng.choice(turns)
        words = doc.text[turn.start : turn.end].split()
        if len(words) < 8:
            continue
        start = rng.randrange(0, max(1, len(words) - 25))
        quote = words[start : start + rng.randint(8, 25)]
        if len(out) % 2:  # a word no interview has, or only the wrong interview
            quote[rng.randrange(len(quote))] = "zyxwv"
        other = rng.choice([d for d in docs if d.id != doc.id])
        out.append([Path(other.source).name, " ".join(quote), "Funding"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Document name", "Quote", "Code"])
        writer.writerows(out)
    return len(out)


def main() -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.errors import InputFileError
    from qualcode.ingest.run import ingest
    from qualcode.project import open_project

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "p"
        root.mkdir()
        for name in ("qualcode.toml", "transcripts", "codebooks"):
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
        project = open_project(root)
        ingest(project)
        codebook, _ = resolve_codebook(project, None)
        project.close()
        sheet = Path(tmp) / "quotes.csv"
        n = unplaceable_sheet(root, sheet, args.rows)
        from qualcode.coding.imports import import_codings

        project = open_project(root)
        began = time.perf_counter()
        try:
            import_codings(project, sheet, "ann")
            verdict = "ACCEPTED (expected a refusal)"
        except InputFileError as exc:
            verdict = "refused: " + exc.problem[:70]
        seconds = time.perf_counter() - began
        project.close()
        del codebook
    print(
        f"{n:,} unplaceable quotes on {len(list((ROOT / 'transcripts').iterdir()))} files: "
        f"{seconds:.1f} s ({seconds / n * 1000:.2f} ms a row); {verdict}"
    )


if __name__ == "__main__":
    main()
