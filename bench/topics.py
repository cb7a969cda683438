"""Topic models on real-sized corpora: coherence of the chosen model and run time, NMF and LDA.

    python bench/topics.py [--json]

Corpora: the example project (53 fictional interviews, ~104k participant words) and the UK
Covid-19 Inquiry oral-evidence transcripts in ../shared/data (witness turns, ~300k words; skipped
when absent). For each corpus and method the project's default [topics] settings are used
(k = 6, 8, ..., 14, best by NPMI); printed: the k chosen, its NPMI (each turn a window), and
the seconds the whole 'qualcode topics' step took (tokenising, phrases, every k, coherence).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.coding.topics import model_topics  # noqa: E402
from qualcode.ingest.run import ingest  # noqa: E402
from qualcode.project import Project, init_project, open_project  # noqa: E402

INQUIRY = ROOT.parent / "shared" / "data" / "uk-covid-inquiry-oral-evidence"


def example(tmp: Path) -> Project:
    root = tmp / "example"
    root.mkdir()
    for name in ("transcripts", "codebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "qualcode.toml", root / "qualcode.toml")
    project = open_project(root)
    ingest(project)
    return project


def inquiry(tmp: Path) -> Project:
    project = init_project(tmp / "inquiry")
    for f in sorted(INQUIRY.glob("*/*.rst")):
        shutil.copy(f, project.root / "transcripts" / f.name)
    toml = (project.root / "qualcode.toml").read_text()
    toml = toml.replace(
        "interviewer = []", 'interviewer = ["counsel.*", "lead .*", "lady hallett"]'
    )
    (project.root / "qualcode.toml").write_text(toml)
    project.close()
    project = open_project(project.root)
    ingest(project)
    return project


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpora = [("example", example(Path(tmp)))]
        if INQUIRY.exists():
            corpora.append(("inquiry", inquiry(Path(tmp))))
        for name, project in corpora:
            words = project.store.status()["participant_words"]
            for method in ("nmf", "lda"):
                topics = dataclasses.replace(project.settings.topics, method=method)
                project.settings = dataclasses.replace(project.settings, topics=topics)
                t0 = time.perf_counter()
                report = model_topics(project, store=False)
                secs = time.perf_counter() - t0
                best = next(t for t in report.tried if t["k"] == report.k)
                results.append(
                    {
                        "corpus": name,
                        "participant_words": words,
                        "turns": report.segments,
                        "method": method,
                        "k": report.k,
                        "npmi": best["npmi"],
                        "seconds": round(secs, 1),
                        "tried": report.tried,
                    }
                )
            project.close()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(
            f"{r['corpus']:8s} ({r['participant_words']:,} words, {r['turns']:,} turns) "
            f"{r['method']}: k={r['k']} NPMI {r['npmi']:.3f} "
            f"in {r['seconds']} s"
        )


if __name__ == "__main__":
    main()
