"""How long `qualcode search` takes to answer at 50, 800 and 2,000 interviews.

    python bench/search.py [--sizes 50 800 2000] [--repeat 5]

The example's 53 interviews are ingested once; each corpus is then made by storing copies of
their documents under new names and participant ids (C000_P01..., P01-0, with the example's
attribute rows), as bench/scale.py does with files, but through the store, so that the search
index is filled by the same triggers as at ingest. For each size and query it prints the
median time of the search itself (index lookup, reading the candidate turns, exact hits with
offsets, keyword-in-context lines for the first 50, counts by group) over ``--repeat`` runs, in
the process that opened the project (wall and CPU time: on a busy machine the CPU time is the
steadier figure; --forms is timed after spaCy's lookup tables are loaded, about 1 s once per
process), plus the hits found; then the wall and CPU time of one whole
`qualcode search ... --json` process (Python's start-up included) for the first query.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES: list[tuple[str, dict[str, object]]] = [
    ("MASH", {}),
    ("hub", {"by": "sector"}),
    ('"early help"', {}),
    ("refer*", {}),
    ("refer*", {"where": ("sector=policing",)}),
    ("hub NEAR/5 referral*", {}),
    ("school AND NOT police", {}),
    ("refer", {"forms": True}),
    ("*agency", {}),
    (r"\bsafeguard(ing|ed)\b", {"regex": True}),
    (r"safeguard(ing|ed)\b", {"regex": True}),
]


def template(root: Path) -> Path:
    """The example project, ingested once."""
    from qualcode.ingest.run import ingest
    from qualcode.project import open_project

    for name in ("transcripts", "codebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "qualcode.toml", root / "qualcode.toml")
    project = open_project(root)
    ingest(project)
    project.close()
    return root


def corpus(example: Path, root: Path, size: int) -> Path:
    """A project of ``size`` interviews: copies of the example's stored documents."""
    from qualcode.models import ParsedDocument
    from qualcode.project import open_project

    root.mkdir(parents=True)
    shutil.copytree(example / "codebooks", root / "codebooks")
    toml = (example / "qualcode.toml").read_text(encoding="utf-8")
    toml = toml.replace('attributes = "transcripts/participants.csv"', 'attributes = ""')
    (root / "qualcode.toml").write_text(toml, encoding="utf-8")
    source = open_project(example)
    docs = [source.store.document(d["id"]) for d in source.store.current_documents()]
    attrs = source.store.participant_attributes()
    source.close()
    project = open_project(root)
    run = project.store.start_run("ingest", {"bench": "search"})
    people: dict[str, dict[str, str]] = {}
    links: dict[int, str] = {}
    for n in range(size):
        doc = docs[n % len(docs)]
        copy = n // len(docs)
        parsed = ParsedDocument(
            source=f"transcripts/C{copy:03d}_{doc.name}",
            name=f"C{copy:03d}_{doc.name}",
            format=doc.format,
            sha256=f"{doc.sha256[:56]}{copy:08d}",
            text=doc.text,
            turns=doc.turns,
            preamble_end=doc.preamble_end,
        )
        doc_id, _, _ = project.store.add_document(parsed, run)
        pid = f"{doc.participant_id}-{copy}"
        people[pid] = attrs.get(doc.participant_id or "", {})
        links[doc_id] = pid
    project.store.set_participants(people, links)
    project.store.finish_run(run, {"documents": size})
    project.close()
    return root


def time_queries(root: Path, repeat: int) -> list[tuple[str, float, float, int]]:
    from qualcode.analysis.search import SearchOptions, kwic, pseudonymiser, search
    from qualcode.project import open_project

    project = open_project(root)
    out = []
    for query, extra in QUERIES:
        options = replace(SearchOptions(query), **extra)  # type: ignore[arg-type]
        search(project, options)  # warm: the lemmatiser loads once per process
        walls, cpus = [], []
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            result = search(project, options)
            kwic(result, pseudonymiser(project), limit=50)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        label = query + "".join(f" {k}={v}" for k, v in extra.items())
        wall, cpu = statistics.median(walls) * 1000, statistics.median(cpus) * 1000
        out.append((label, wall, cpu, len(result.hits)))
    project.close()
    return out


def whole_command(root: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one `qualcode search` process (the CPU time is steadier on a
    shared machine)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "qualcode", "search", QUERIES[0][0], "--json", "-p", str(root)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(args)} failed")
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 800, 2000])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        example = template(Path(tmp) / "example")
        results = {}
        for size in args.sizes:
            t0 = time.perf_counter()
            root = corpus(example, Path(tmp) / f"c{size}", size)
            built = time.perf_counter() - t0
            results[size] = time_queries(root, args.repeat)
            wall, cpu = whole_command(root)
            print(f"{size:,} interviews: built and indexed in {built:.1f} s; one whole "
                  f"'qualcode search {QUERIES[0][0]} --json' process: {wall * 1000:.0f} ms wall, "
                  f"{cpu * 1000:.0f} ms CPU", flush=True)  # fmt: skip
            shutil.rmtree(root)
    width = max(len(r[0]) for r in results[args.sizes[0]])
    print(f"\nmedian ms per search, wall / CPU (hits), over {args.repeat} runs, in the process")
    print(f"{'query':<{width}}  " + "  ".join(f"{s:>24,}" for s in args.sizes))
    for i, row in enumerate(results[args.sizes[0]]):
        cells = [
            f"{results[s][i][1]:6.0f} /{results[s][i][2]:6.0f} ({results[s][i][3]:>6,})"
            for s in args.sizes
        ]
        print(f"{row[0]:<{width}}  " + "  ".join(f"{c:>24}" for c in cells))


if __name__ == "__main__":
    main()
