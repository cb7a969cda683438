"""How many planted identifiers leak into the outputs, and how many --check lists.

    python bench/pseudonymise_leaks.py [--json]

Builds the held-out project of tests/fixtures/planted.py (three fictional interviews with 66
identifiers the README claims are replaced and 13 it does not claim) in a temporary folder,
writes every output a user can share (reports in each format, the codings record, quotes,
memos, a pseudonymised .qdpx where the version has one) and prints, per output, how many of
the claimed identifiers are still in it; then how many of the unclaimed ones ``export matrix
--check`` lists, and its exit code. Run it on an older checkout (PYTHONPATH=that checkout) to
compare: outputs an older version cannot write are shown as such. It touches no project of
yours.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("planted", HERE.parent / "tests/fixtures/planted.py")
assert _spec and _spec.loader
planted: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(planted)

OUTPUTS: list[tuple[str, list[str]]] = [
    *((f"matrix.{f}", ["export", "matrix", "-f", f]) for f in ("docx", "xlsx", "csv", "md")),
    ("matrix long.csv", ["export", "matrix", "-f", "csv", "--long"]),
    ("themes.docx", ["export", "themes"]),
    ("draft matrix.md", ["export", "matrix", "-f", "md", "--include-suggestions"]),
    ("codings.csv", ["export", "codings"]),
    ("codings.jsonl", ["export", "codings", "-f", "jsonl"]),
    ("quotes.csv", ["quotes", "factors.funding", "-f", "csv"]),
    ("memos.md", ["memos", "-f", "md"]),
    ("pseudonymised.qdpx", ["export", "qdpx", "--pseudonymise"]),
]


def _section(toml: str, name: str, body: str) -> str:
    toml = re.sub(rf"(?ms)^\[{name}\]\n.*?(?=^\[|\Z)", "", toml)
    return toml.rstrip("\n") + f"\n\n[{name}]\n{body}"


def build(root: Path) -> Path:
    from qualcode.coding.imports import import_codings
    from qualcode.coding.run import code_project
    from qualcode.ingest.run import ingest
    from qualcode.project import init_project, open_project
    from qualcode.settings import ExportSettings

    project = init_project(root / "proj")
    for name, text in planted.files().items():
        (project.root / "transcripts" / name).write_text(text)
    (project.root / "codebooks" / "toy.yaml").write_text(planted.CODEBOOK)
    toml = (project.root / "qualcode.toml").read_text()
    toml = toml.replace('attributes = ""', 'attributes = "transcripts/people.csv"')
    sections = planted.settings(identifying=hasattr(ExportSettings(), "identifying"))
    for name, body in sections.items():
        toml = _section(toml, name, body)
    (project.root / "qualcode.toml").write_text(toml)
    project.close()
    project = open_project(root / "proj")
    ingest(project)
    code_project(project)
    import_codings(project, planted.gold(root / "gold.csv"), "ann")
    segment = next(iter(project.store.current_segments()))[0]
    project.store.add_mark(segment, "ann", "memo", planted.MEMO)
    project.close()
    return root / "proj"


def run(args: list[str]) -> tuple[int, str]:
    from qualcode.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue() + err.getvalue()


def measure() -> dict[str, Any]:
    from qualcode.export.leakgate import written_text

    with tempfile.TemporaryDirectory() as tmp:
        root = build(Path(tmp))
        rows: dict[str, Any] = {}
        leaked: set[str] = set()
        for name, args in OUTPUTS:
            path = Path(tmp) / name.replace(" ", "-")
            code, said = run([*args, "-o", str(path), "-p", str(root)])
            if code != 0 or not path.exists():
                refused = "refused and removed" in said
                rows[name] = "refused by the leak gate" if refused else "cannot be written"
                continue
            found = planted.leaked({name: written_text(path)})
            leaked |= set(found)
            rows[name] = len(found)
        code, said = run(["export", "matrix", "-f", "md", "-o", f"{tmp}/c.md", "--check",
                          "-p", str(root)])  # fmt: skip
        missed = planted.unlisted(said)
    return {
        "claimed": len(planted.CLAIMED),
        "unclaimed": len(planted.UNCLAIMED),
        "leaked per output": rows,
        "claimed identifiers leaked into any output": len(leaked),
        "leaked": sorted(leaked),
        "unclaimed listed by --check": len(planted.UNCLAIMED) - len(missed),
        "--check exit code": code,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    figures = measure()
    if parser.parse_args().json:
        json.dump(figures, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return
    print(f"planted: {figures['claimed']} claimed, {figures['unclaimed']} unclaimed identifiers")
    for name, n in figures["leaked per output"].items():
        print(f"  {name:<22} {n if isinstance(n, str) else f'{n} claimed identifiers leak'}")
    leaked = figures["claimed identifiers leaked into any output"]
    print(f"claimed identifiers leaked into any output: {leaked} of {figures['claimed']}")
    print(f"unclaimed listed by export --check: {figures['unclaimed listed by --check']} of "
          f"{figures['unclaimed']} (exit code {figures['--check exit code']})")  # fmt: skip


if __name__ == "__main__":
    main()
