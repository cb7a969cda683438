"""Importing another coder's turn-level codings (from a spreadsheet or another tool)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.coding.run import resolve_codebook
from qualcode.errors import InputFileError, QualcodeError
from qualcode.ingest.csvtext import read_rows
from qualcode.models import Document
from qualcode.project import Project
from qualcode.segment import segment_id


@dataclass
class ImportReport:
    coder: str
    units: int = 0
    codings: int = 0
    added: int = 0


# Names the machine and the reconciled coding go by: a person cannot import codings as them.
RESERVED_CODERS = frozenset({"rule", "model", "topic", "resolved", "imported", "machine"})


def check_coder_name(coder: str) -> None:
    """Refuse an empty coder name or one the machine's codings go by."""
    name = coder.strip()
    if not name:
        raise QualcodeError("the coder name is empty", "give --coder NAME, e.g. --coder ann")
    if name.lower() in RESERVED_CODERS or len(name) > 100:
        raise QualcodeError(
            f"'{name[:40]}' cannot be a coder's name (it names the machine's or the reconciled "
            "coding, or is too long)",
            "give a person's name or initials, e.g. --coder ann",
        )


def import_codings(
    project: Project, path: Path, coder: str, codebook_path: Path | None = None
) -> ImportReport:
    """Read a coder's turn-level codings (CSV: participant_id or document, turn, codes) and
    store them as ``import`` applications; every listed turn counts as reviewed by the coder,
    so a row with no codes says "none of the codes". All rows are checked before anything is
    stored: one bad row stores nothing."""
    check_coder_name(coder)
    codebook, _ = resolve_codebook(project, codebook_path)
    known = {c.id for c in codebook.codes}
    rows = _read_rows(path)
    store = project.store
    units: dict[tuple[int, int], set[str]] = {}
    problems = []
    texts: dict[int, Document] = {}
    keys = store.document_keys()  # one lookup for every row, never a scan per row
    for n, row in rows:
        key = (row.get("participant_id") or row.get("document") or "").strip()
        codes = {c.strip() for c in (row.get("codes") or row.get("code") or "").split(";")}
        codes.discard("")
        ids = keys.get(key, set())
        if len(ids) != 1:
            what = "no document" if not ids else f"{len(ids)} documents for"
            problems.append(f"row {n}: {what} '{key}' in the project")
            continue
        doc_id = next(iter(ids))
        if doc_id not in texts:
            texts[doc_id] = store.document(doc_id)
        doc = texts[doc_id]
        turns = {t.index: t for t in doc.turns}
        turn = turns.get(_int(row.get("turn")))
        if turn is None or turn.role != "participant":
            problems.append(f"row {n}: turn '{row.get('turn')}' is not a participant turn of {key}")
            continue
        unknown = sorted(codes - known)
        if unknown:
            problems.append(f"row {n}: unknown code(s) {', '.join(unknown)}")
            continue
        units.setdefault((doc.id, turn.index), set()).update(codes)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputFileError(
            str(path),
            problems[0] + more,
            "fix the rows (codes are the codebook's ids); nothing was stored",
        )
    report = ImportReport(coder, units=len(units))
    run_id = store.start_run("import", {"file": path.name, "coder": coder})
    seg_rows, apps, reviewed = [], [], []
    for (doc_id, idx), codes in sorted(units.items()):
        doc = texts[doc_id]
        turn = next(t for t in doc.turns if t.index == idx)
        sid = segment_id(doc.sha256, turn.start, turn.end)
        seg_rows.append((sid, doc_id, idx, turn.start, turn.end))
        reviewed.append((sid, coder, run_id))
        for code in sorted(codes):
            apps.append((sid, code, turn.start, turn.end, "import", coder, None, run_id, None))
    report.codings = len(apps)
    report.added = store.add_imported(seg_rows, apps, reviewed)
    store.finish_run(run_id, {"units": report.units, "codings": report.codings})
    return report


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return -1


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(str(path), "does not exist", "check the path") from exc
    except OSError as exc:
        raise InputFileError(str(path), f"cannot be read ({exc.strerror})") from exc
    table = read_rows(data, str(path))
    header = [h.strip() for h in table[0]] if table else []
    fields = set(header)
    rows = [
        (i + 2, dict(zip(header, r, strict=False)))
        for i, r in enumerate(table[1:])
        if any(c.strip() for c in r)
    ]
    if not (
        {"participant_id", "document"} & fields and "turn" in fields and {"codes", "code"} & fields
    ):
        raise InputFileError(
            str(path),
            "needs columns participant_id (or document), turn, and codes (or code)",
            "e.g. 'participant_id,turn,codes' with codes separated by ';'",
        )
    return rows
