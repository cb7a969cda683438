"""How well the codebook's rules agree with hand coding: per-code precision, recall, F1, kappa.

    python bench/rule_quality.py [--gold bench/gold/early-action-together.csv]
                                 [--codebook codebooks/early-action-together.yaml] [--json]

Copies the example project (transcripts, codebooks, qualcode.toml) into a temporary folder, so
the project's own store is never touched, ingests and codes it with the codebook's rules, and
compares the rule suggestions with the gold file turn by turn. The gold file lists every
participant turn of the gold interviews (``participant_id,turn,codes``; codes separated by ``;``,
empty for a turn with none), so a rule firing on a turn the coder left blank is a false positive.
See bench/gold/README.md for how the gold coding was made and kept apart from the rules.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.codebook import load_codebook  # noqa: E402
from qualcode.coding.run import code_project  # noqa: E402
from qualcode.ingest.run import ingest  # noqa: E402
from qualcode.project import open_project  # noqa: E402
from qualcode.review.scores import CodeScore, score_codes  # noqa: E402

METRICS = ("precision", "recall", "f1", "kappa")


def read_gold(path: Path) -> dict[tuple[str, int], set[str]]:
    gold: dict[tuple[str, int], set[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            codes = {c.strip() for c in (row["codes"] or "").split(";") if c.strip()}
            gold[(row["participant_id"], int(row["turn"]))] = codes
    return gold


def rule_codings(codebook: Path) -> tuple[dict[tuple[str, int], set[str]], set[tuple[str, int]]]:
    """(participant id, turn) -> codes suggested by the rules, and every participant turn seen."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "example"
        root.mkdir()
        for name in ("transcripts", "codebooks"):
            shutil.copytree(ROOT / name, root / name)
        shutil.copy(ROOT / "qualcode.toml", root / "qualcode.toml")
        project = open_project(root)
        try:
            ingest(project)
            code_project(project, codebook.resolve())
            got: dict[tuple[str, int], set[str]] = {}
            for item in project.store.codings():
                if item["kind"] == "rule":
                    got.setdefault((item["participant"], item["turn"]), set()).add(item["code"])
            turns = {
                (pid, idx)
                for doc in project.store.current_documents()
                for pid in [doc["participant_id"]]
                for t in project.store.document(doc["id"]).turns
                for idx in [t.index]
                if t.role == "participant"
            }
        finally:
            project.close()
    return got, turns


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--gold", type=Path, default=ROOT / "bench" / "gold" / "early-action-together.csv"
    )
    ap.add_argument(
        "--codebook", type=Path, default=ROOT / "codebooks" / "early-action-together.yaml"
    )
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args()

    codebook = load_codebook(args.codebook)
    gold = read_gold(args.gold)
    got, turns = rule_codings(args.codebook)
    missing = [k for k in gold if k not in turns]
    if missing:
        sys.exit(
            f"error: {args.gold}: {len(missing)} gold turns are not participant turns, "
            f"e.g. {missing[0]}; re-make the gold file for the current corpus"
        )
    docs = sorted({pid for pid, _ in gold})
    uncovered = [k for k in turns if k[0] in docs and k not in gold]
    if uncovered:
        sys.exit(
            f"error: {args.gold}: {len(uncovered)} participant turns of the gold interviews "
            f"are missing, e.g. {uncovered[0]}"
        )
    ids = [c.id for c in codebook.codes]
    unknown = sorted({c for codes in gold.values() for c in codes} - set(ids))
    if unknown:
        sys.exit(f"error: {args.gold}: unknown code ids {unknown}")
    units = {f"{p}:{t}": codes for (p, t), codes in gold.items()}
    other = {f"{p}:{t}": got.get((p, t), set()) for (p, t) in gold}
    scores = score_codes(units, other, ids)
    tp = sum(s.tp for s in scores)
    fp = sum(s.fp for s in scores)
    fn = sum(s.fn for s in scores)
    micro = CodeScore("micro", tp, fp, fn, sum(s.tn for s in scores))
    supported = [s for s in scores if s.support]
    macro = {k: sum(getattr(s, k) for s in supported) / len(supported) for k in METRICS}
    if args.json:
        out = {
            "gold_interviews": docs,
            "gold_turns": len(gold),
            "codes": [
                {
                    "code": s.code,
                    "support": s.support,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                    "precision": round(s.precision, 3),
                    "recall": round(s.recall, 3),
                    "f1": round(s.f1, 3),
                    "kappa": round(s.kappa, 3),
                }
                for s in scores
            ],
            "micro": {k: round(getattr(micro, k), 3) for k in METRICS},
            "macro": {k: round(v, 3) for k, v in macro.items()},
        }
        print(json.dumps(out, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Rules vs gold: {len(gold)} participant turns of {len(docs)} interviews")
    for col in ("code", "gold", "rules", "TP", "P", "R", "F1", "kappa"):
        table.add_column(col, justify="left" if col == "code" else "right")
    for s in scores:
        table.add_row(
            s.code,
            str(s.support),
            str(s.tp + s.fp),
            str(s.tp),
            f"{s.precision:.2f}",
            f"{s.recall:.2f}",
            f"{s.f1:.2f}",
            f"{s.kappa:.2f}",
        )
    table.add_section()
    table.add_row(
        "micro",
        str(tp + fn),
        str(tp + fp),
        str(tp),
        f"{micro.precision:.2f}",
        f"{micro.recall:.2f}",
        f"{micro.f1:.2f}",
        f"{micro.kappa:.2f}",
    )
    table.add_row(
        "macro (codes in gold)",
        "",
        "",
        "",
        f"{macro['precision']:.2f}",
        f"{macro['recall']:.2f}",
        f"{macro['f1']:.2f}",
        f"{macro['kappa']:.2f}",
    )
    Console().print(table)


if __name__ == "__main__":
    from qualcode.errors import QualcodeError

    try:
        main()
    except QualcodeError as exc:  # a broken codebook or project: one line, no traceback
        sys.exit(f"error: {exc}")
