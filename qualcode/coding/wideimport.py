"""Importing one coder's wide file (:mod:`qualcode.coding.wide`) as that coder's coding.

Each row's unit id names a document (a survey respondent's id, a participant id, or a file
name). The row's codes go on the participant turn it is about:

- the answer to the row's question, when the file has a question column (or its text column
  is headed by a question's text): the participant turn right after that question;
- else the turn whose text is the row's text, when the file has the text;
- else the document's only participant turn;
- else every participant turn of the document (a coder who coded a whole interview or
  respondent at once).

A row without codes records that the coder saw the unit; one about a question the respondent
left unanswered is passed over. Every row is checked first: one bad row stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.coding.wide import WideRow, read_wide
from qualcode.errors import InputFileError, QualcodeError
from qualcode.models import Document

if TYPE_CHECKING:
    from qualcode.coding.imports import ImportReport

Units = dict[tuple[int, int], set[str]]


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _turns(doc: Document, row: WideRow, question: str) -> list[int] | str:
    """The participant turns a row's codes go on, or why none can be found."""
    answers = [t for t in doc.turns if t.role == "participant"]
    asked = row.question or question
    if asked:
        for before, after in zip(doc.turns, doc.turns[1:], strict=False):
            if before.role != "participant" and _same(doc.turn_text(before), asked):
                return [after.index] if after.role == "participant" else []
        return []  # not asked, or left unanswered
    if row.text:
        from qualcode.coding.imports import _same_text

        exact = [t.index for t in answers if _same(doc.turn_text(t), row.text)]
        if exact:
            return exact[:1]
        close = [t.index for t in answers if _same_text(doc.turn_text(t), row.text)]
        if close:
            return close[:1]
        return f"no answer of {row.unit} says what the row's text says"
    return [t.index for t in answers]


def wide_units(
    project: Any, path: Path, codebook: Any, noticed: Any = None
) -> tuple[Units, dict[int, Document]]:
    """(document id, turn) -> code ids of every row, checked; refuses with the first problem."""
    from qualcode.coding.imports import _did_you_mean, _Problems, code_resolver

    resolve = code_resolver(codebook)

    wide = read_wide(path)
    store = project.store
    keys = store.document_keys()
    docs: dict[int, Document] = {}
    units: Units = {}
    problems = _Problems(noticed)
    header_question = _text_header(path)
    for row in wide.rows:
        codes = {c: resolve(c) for c in row.codes}
        unknown = sorted(c for c, v in codes.items() if v is None)
        if unknown:
            hint = _did_you_mean(unknown[0], codebook)
            problems.append(f"row {row.n}: unknown code(s) {', '.join(unknown)}{hint}")
            continue
        ids = keys.get(row.unit, set())
        if len(ids) != 1:
            many = f"{len(ids)} documents" if ids else "no document"
            problems.append(f"row {row.n}: '{row.unit}' names {many} in the project")
            continue
        doc_id = next(iter(ids))
        doc = docs.get(doc_id) or docs.setdefault(doc_id, store.document(doc_id))
        found = _turns(doc, row, header_question)
        if isinstance(found, str):
            problems.append(f"row {row.n}: {found}")
            continue
        if not found and codes:
            asked = (row.question or header_question)[:50]
            problems.append(f"row {row.n}: {row.unit} has no answer to '{asked}'")
        for index in found:
            units.setdefault((doc_id, index), set()).update(v for v in codes.values() if v)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputFileError(
            str(path),
            problems[0] + more,
            "ids are respondents' or participants' ids ('qualcode status'), codes the "
            "codebook's ids or names; nothing was stored",
        )
    return units, docs


def _text_header(path: Path) -> str:
    """The text column's header when it is a question (longer than a plain 'Answer')."""
    from qualcode.coding.wide import QUESTION_COLUMNS, TEXT_COLUMNS, _norm, read_table

    rows = [r for r in read_table(path) if any(c.strip() for c in r)]
    names = [_norm(h) for h in rows[0]] if rows else []
    if any(n in QUESTION_COLUMNS for n in names):
        return ""
    header = rows[0] if rows else []
    long = [
        h.strip()
        for h, n in zip(header, names, strict=False)
        if len(n.split()) >= 3 and n not in TEXT_COLUMNS and not n.startswith("code")
    ]
    return long[0] if len(long) == 1 else ""


def import_wide(
    project: Any,
    path: Path,
    coders: tuple[str, ...],
    codebook_path: Path | None = None,
    noticed: Callable[[str], None] | None = None,
) -> ImportReport:
    """Store one coder's wide file as their ``import`` codings (see the module docstring)."""
    from qualcode.coding.imports import ImportReport, check_coder_name
    from qualcode.coding.run import resolve_codebook
    from qualcode.segment import segment_id

    if len(coders) != 1:
        raise QualcodeError(
            f"{path.name} is one coder's file (a unit id and Code 1..N columns)",
            "give one --coder NAME; import each coder's file in turn",
        )
    check_coder_name(coders[0])
    codebook, _ = resolve_codebook(project, codebook_path)
    units, docs = wide_units(project, path, codebook, noticed)
    who = coders[0]
    store = project.store
    report = ImportReport(who, units=len(units))
    run_id = store.start_run("import", {"file": path.name, "coder": who})
    seg_rows: list[tuple[Any, ...]] = []
    apps: list[tuple[Any, ...]] = []
    reviewed: list[tuple[Any, ...]] = []
    for (doc_id, idx), codes in sorted(units.items()):
        doc = docs[doc_id]
        t = next(t for t in doc.turns if t.index == idx)
        sid = segment_id(doc.sha256, t.start, t.end)
        seg_rows.append((sid, doc_id, idx, t.start, t.end))
        reviewed.append((sid, who, run_id))
        apps.extend(
            (sid, c, t.start, t.end, "import", who, None, run_id, None) for c in sorted(codes)
        )
    report.codings = len(apps)
    with store.action(who, "import codings", mode="import", via="cli"):
        report.added = store.add_imported(seg_rows, apps, reviewed)
    store.finish_run(run_id, {"units": report.units, "codings": report.codings})
    return report
