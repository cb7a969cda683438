"""Importing another coder's turn-level codings (from a spreadsheet or another tool)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.codebook import Codebook
from qualcode.codebook.refi import _slug
from qualcode.coding import sheets
from qualcode.coding.run import resolve_codebook
from qualcode.coding.sheets import document_ids, workbook_rows, workbook_sheets
from qualcode.coding.unplaced import Miss, write_report
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
    unplaced: list[str] = field(default_factory=list)  # quotes left out (--skip-unplaced)
    on_interviewer_turns: int = 0  # codings kept on interviewer turns (question markers)
    drafts: list[str] = field(default_factory=list)  # codes added to the codebook as drafts
    skipped_sheets: list[str] = field(default_factory=list)  # no header, names no document
    report: str = ""  # the --report file written, if any


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


# Column names other tools' coded-segment exports use (matched in any case): MAXQDA's "Coded
# segments" (Document name, Code as "Parent\\Child", Segment), ATLAS.ti's quotation export
# (Document, Codes one per line, Quotation Content), NVivo's coding exports (File, Hierarchical
# Name or Node, Coded Text), Delve (Transcript, Code, Excerpt), and plain sheets.
QUOTE_COLUMNS = ("quote", "excerpt", "quotation", "quotation content", "content",
                 "coded segment", "segment", "coded text", "reference text", "text")  # fmt: skip
DOCUMENT_COLUMNS = ("participant_id", "document", "document name", "file", "file name",
                    "source", "transcript", "transcript name")  # fmt: skip
CODE_COLUMNS = ("codes", "code", "code name", "hierarchical name", "node", "code system")
CODE_SPLIT = re.compile(r"[;\n]")
ELLIPSIS = re.compile(r"\s*(?:\[\s*)?(?:\.\s?\.\s?\.|\u2026)(?:\s*\])?\s*")
MISSING = "\0"  # marks a code name the codebook lacks, until its draft is written
PATH_SEPARATORS = re.compile(r"\s*(?:>|\\|::|/)\s*")


def _norm(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


def code_resolver(codebook: Codebook) -> Any:
    """A function from what another tool calls a code (its id, its name in any case, or a
    hierarchical path such as 'Pathways > Referral sources') to the code's id, or None."""
    by_name: dict[str, str] = {}
    for code in codebook.codes:
        by_name.setdefault(_norm(code.name), code.id)
        by_name[_norm(code.id)] = code.id

    ids = {c.id for c in codebook.codes}

    def resolve(given: str) -> str | None:
        given = " ".join(given.split())  # a path wrapped over lines in a printed report
        found = by_name.get(_norm(given))
        if found is None:
            parts = [p for p in PATH_SEPARATORS.split(given) if p.strip()]
            path = ".".join(_slug(p) for p in parts)  # a code system imported from this tool
            found = path if path in ids else None
            if found is None and len(parts) > 1:
                found = by_name.get(_norm(parts[-1]))
        return found

    return resolve


def _column(row: dict[str, str], names: tuple[str, ...]) -> str:
    lowered = {k.strip().casefold(): v for k, v in row.items() if k}
    for name in names:
        if name in lowered:
            return (lowered[name] or "").strip()
    return ""


def import_codings(
    project: Project,
    path: Path,
    coder: str | tuple[str, ...],
    codebook_path: Path | None = None,
    numbering: str = "all",
    skip_unplaced: bool = False,
    progress: Callable[[int, int], None] | None = None,
    noticed: Callable[[str], None] | None = None,
    report_path: Path | None = None,
    add_missing: bool = False,
) -> ImportReport:
    """Read a coder's codings and store them as ``import`` applications.

    Two layouts: turn-level rows (participant_id or document, turn, codes), where every listed
    turn counts as reviewed by the coder, so a row with no codes says "none of the codes"; and
    quote-level rows (document, quote, code), where each quote is found in its document's text
    and coded on the participant turn it lies in, and every participant turn of a document the
    file names counts as seen by the coder. Codes are ids or names (or a tool's path such as
    'Aim > Code'). Turn numbers count every turn (``numbering='all'``) or participant turns
    only (``'participant'``). All rows are checked before anything is stored: one bad row
    stores nothing (with ``skip_unplaced``, quotes that cannot be placed are listed and left
    out instead).

    A wide turn-level sheet gives several coders at once, one column each, headed by the coder's
    name (document, turn, ann, bob): pass every coder, and each column is that coder's codes.

    A workbook of one sheet per participant (qualcode.coding.sheets) reads as quote-level rows,
    each sheet's name giving the document; a quote cut with '...' is placed as its parts, in
    order. ``report_path`` gets every quote not placed with the passage most like it (written
    whether or not the import refuses); ``add_missing`` adds codes the codebook lacks to it as
    drafts instead of refusing them.

    ``progress(done, total)`` is told how many rows are checked as it goes, and ``noticed``
    each of the first few problem rows as soon as it is found (the refusal comes at the end)."""
    coders = (coder,) if isinstance(coder, str) else tuple(coder)
    from qualcode.coding.wide import is_wide

    if is_wide(path):  # one coder's file: a unit id and Code 1..N (qualcode.coding.wideimport)
        from qualcode.coding.wideimport import import_wide

        return import_wide(project, path, coders, codebook_path, noticed)
    for who in coders:
        check_coder_name(who)
    if numbering not in ("all", "participant"):
        raise QualcodeError(f"numbering '{numbering}'", "use all or participant")
    codebook, cb_path = resolve_codebook(project, codebook_path)
    resolve = code_resolver(codebook)
    store = project.store
    keys = store.document_keys()  # one lookup for every row, never a scan per row
    problems = _Problems(noticed)
    rows, header, skipped = _read_rows(path, coders, keys, resolve, problems)
    lowered = {h.casefold() for h in header}
    quote_level = "turn" not in lowered
    wide = len(coders) > 1 or (coders[0] in header and not set(CODE_COLUMNS) & lowered)
    if wide:
        absent = [c for c in coders if c not in header]
        if absent or quote_level:
            raise InputFileError(
                str(path),
                f"has no column for coder {', '.join(absent)}"
                if absent
                else "a sheet of several coders needs a turn column",
                "a wide sheet has document, turn and one column per coder, headed by the name",
            )
    texts: dict[int, Document] = {}

    def document(key: str) -> Document | None:
        ids = document_ids(keys, key)
        if len(ids) != 1:
            return None
        doc_id = next(iter(ids))
        if doc_id not in texts:
            texts[doc_id] = store.document(doc_id)
        return texts[doc_id]

    by_coder: dict[str, dict[tuple[int, int], set[str]]] = {who: {} for who in coders}
    unplaced: list[str] = []
    if skip_unplaced:  # a sheet named for no document: its quotes are left out and listed
        unplaced = [p for p in problems if sheets.NO_DOCUMENT in p]
        problems[:] = [p for p in problems if sheets.NO_DOCUMENT not in p]
    misses: list[Miss] = []  # for the --report file
    missing: dict[str, str] = {}  # codes the codebook lacks (--add-missing-codes): key -> name
    misplaced = 0  # problems that are quotes not found (--skip-unplaced would pass them)
    cells = (
        [(who, (lambda r, w=who: r.get(w, ""))) for who in coders]
        if wide
        else [(coders[0], (lambda r: _column(r, CODE_COLUMNS)))]
    )
    place = _Placer()
    for k, (n, row, who, cell) in enumerate((n, r, w, c) for n, r in rows for w, c in cells):
        if progress and k % 50 == 0:
            progress(k, len(rows) * len(cells))
        units = by_coder[who]
        key = _column(row, DOCUMENT_COLUMNS)
        given = {c.strip() for c in CODE_SPLIT.split(cell(row))} - {""}
        codes = {c: resolve(c) for c in given}
        unknown = sorted(c for c, found in codes.items() if found is None)
        if unknown and add_missing:
            for c in unknown:  # 'Lantern lore' and 'lantern  lore' are one draft
                missing.setdefault(_norm(c), " ".join(c.split()))
                codes[c] = MISSING + _norm(c)
        elif unknown:
            hint = _did_you_mean(unknown[0], codebook)
            problems.append(f"{n}: unknown code(s) {', '.join(unknown)}{hint}")
            continue
        doc = document(key)
        if doc is None:
            problems.append(f"{n}: no single document '{key}' in the project")
            if quote_level:
                misses.append(Miss(n, key, _column(row, QUOTE_COLUMNS), "no such document"))
            continue
        if quote_level:
            quote = _column(row, QUOTE_COLUMNS)
            placed = place.turns(doc, quote)
            if isinstance(placed, str):
                (unplaced if skip_unplaced else problems).append(f"{n}: {placed}")
                misses.append(Miss(n, key, quote, placed, doc))
                misplaced += 0 if skip_unplaced else 1
                continue
            for t in doc.turns:  # the coder read the whole document
                if t.role == "participant":
                    units.setdefault((doc.id, t.index), set())
            for at in placed:
                units.setdefault((doc.id, at), set()).update(v for v in codes.values() if v)
            continue
        index, why = _turn(doc, row, numbering)
        if index is None:
            problems.append(f"{n}: {why}")
            continue
        units.setdefault((doc.id, index), set()).update(v for v in codes.values() if v)
    if progress:
        progress(len(rows) * len(cells), len(rows) * len(cells))
    if report_path is not None:
        everything = [store.document(d["id"]) for d in store.current_documents()] if misses else []
        write_report(report_path, misses, everything, place.indexes)
    if problems:
        listed = report_path if misses else None
        _refuse(path, problems, numbering, quote_level and misplaced == len(problems), listed)
    report = ImportReport(", ".join(coders), units=len({u for us in by_coder.values() for u in us}))
    report.unplaced = unplaced
    report.skipped_sheets = skipped
    report.report = str(report_path or "")
    drafts = _add_drafts(cb_path, codebook, list(missing.values()), path) if missing else {}
    report.drafts = [d["id"] for d in drafts.values()]
    new_ids = {MISSING + k: drafts[name]["id"] for k, name in missing.items()}
    run_id = store.start_run("import", {"file": path.name, "coder": ", ".join(coders)})
    seg_rows, apps, reviewed = [], [], []
    for who, units in by_coder.items():
        for (doc_id, idx), codes_here in sorted(units.items()):
            doc = texts[doc_id]
            t = next(t for t in doc.turns if t.index == idx)
            sid = segment_id(doc.sha256, t.start, t.end)
            seg_rows.append((sid, doc_id, idx, t.start, t.end))
            reviewed.append((sid, who, run_id))
            for code in sorted(new_ids.get(c, c) for c in codes_here):
                apps.append((sid, code, t.start, t.end, "import", who, None, run_id, None))
    report.codings = len(apps)
    asking = {(d.id, t.index) for d in texts.values() for t in d.turns if t.role != "participant"}
    report.on_interviewer_turns = sum(
        len(cs) for us in by_coder.values() for u, cs in us.items() if u in asking
    )
    with store.action(", ".join(sorted(by_coder)), "import codings", mode="import", via="cli"):
        report.added = store.add_imported(seg_rows, apps, reviewed)  # every coder, one unit
    store.finish_run(run_id, {"units": report.units, "codings": report.codings})
    return report


def _did_you_mean(given: str, codebook: Codebook) -> str:
    from difflib import get_close_matches

    names = [c.name for c in codebook.codes] + [c.id for c in codebook.codes]
    close = get_close_matches(given, names, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Problems(list[str]):
    """The problem rows found so far; the first few are passed on as soon as they are found."""

    SHOWN = 5

    def __init__(self, noticed: Callable[[str], None] | None) -> None:
        super().__init__()
        self.noticed = noticed

    def append(self, problem: str) -> None:
        if self.noticed and len(self) < self.SHOWN:
            self.noticed(problem)
        super().append(problem)


class _Placer:
    """Places quotes, with each document's word index built once and each (document, quote)
    looked up once: a sheet of thousands of quotes is checked in seconds."""

    def __init__(self) -> None:
        self.indexes: dict[int, Any] = {}
        self.seen: dict[tuple[int, str], list[int] | str] = {}

    def __call__(self, doc: Document, quote: str) -> int | str:
        """The turn a quote lies in (the first, for a quote cut with '...'), or why not."""
        found = self.turns(doc, quote)
        return found if isinstance(found, str) else found[0]

    def turns(self, doc: Document, quote: str) -> list[int] | str:
        """Every turn a quote lies in (one per part of a quote cut with '...'), or why not."""
        key = (doc.id, quote)
        if key not in self.seen:
            from qualcode.coding.locate import Index

            if doc.id not in self.indexes:
                self.indexes[doc.id] = Index(doc.text)
            self.seen[key] = _place(doc, quote, self.indexes[doc.id])
        return self.seen[key]


def _place(doc: Document, quote: str, index: Any = None) -> list[int] | str:
    """The turns a quote lies in, or why it cannot be placed: one turn, or for a quote cut with
    '...' the turn of each part (the parts found in order). A quote that starts with the
    interviewer's question and runs into the answer is the answer's; one wholly on an
    interviewer's turn is that turn's."""
    from qualcode.coding.locate import locate

    if not quote:
        return "the quote is empty"
    where = doc.participant_id or doc.name
    found = locate(doc.text, quote, index=index, typos=True)
    parts = [p for p in ELLIPSIS.split(quote) if any(c.isalnum() for c in p)]
    if found is not None or len(parts) < 2:
        turn = _turn_of(doc, found) if found else None
        return [turn] if turn is not None else _why(quote, where, found)
    turns, after = [], 0
    for k, part in enumerate(parts):
        hit = locate(doc.text, part, index=index, after=after, typos=True)
        turn = _turn_of(doc, hit) if hit else None
        if hit is None or turn is None:
            return f"part {k + 1} of {len(parts)} of a quote cut with '...' not found in " + (
                f"{where}{' after part ' + str(k) if k else ''}: '{part[:40]}...'"
            )
        turns.append((turn, next(t.role for t in doc.turns if t.index == turn)))
        after = hit.end
    said = [t for t, role in turns if role == "participant"]
    return sorted(set(said or [t for t, _ in turns]))


def _why(quote: str, where: str, found: Any) -> str:
    if found is None:
        return f"quote not found in {where}: '{quote[:40]}...'"
    return f"quote is outside the turns of {where}"


def _turn_of(doc: Document, found: Any) -> int | None:
    """The turn a found span lies in most (a participant's turn before an interviewer's)."""
    overlap = []
    for t in doc.turns:
        shared = min(found.end, t.end) - max(found.start, t.start)
        if shared > 0:
            overlap.append((t.role == "participant", shared, -t.index, t.index))
    if not overlap:
        return None
    # kept on the interviewer's turn when it lies wholly there (a question marker): such
    # codings count in agreement and reports only with [coding] interviewer_units
    return max(overlap)[3]


def _turn(doc: Document, row: dict[str, str], numbering: str) -> tuple[int | None, str]:
    """The turn a turn-level row points at, checked: a participant turn, whose text matches
    the row's text column when there is one."""
    number = _int(row.get("turn"))
    key = doc.participant_id or doc.name
    if numbering == "participant":
        answers = [t for t in doc.turns if t.role == "participant"]
        turn = answers[number - 1] if 1 <= number <= len(answers) else None
    else:
        turn = next((t for t in doc.turns if t.index == number), None)
    if turn is None:
        return None, f"turn '{row.get('turn')}' is not a turn of {key}"
    if turn.role != "participant":
        return None, f"turn {number} of {key} is the interviewer's"
    said = _column(row, ("text", "quote", "segment"))
    if said and not _same_text(doc.text[turn.start : turn.end], said):
        return None, f"turn {number} of {key} does not say what the row's text says"
    return turn.index, ""


def _same_text(turn_text: str, said: str) -> bool:
    from qualcode.coding.locate import words

    have = {w for w, _, _ in words(turn_text)}
    want = [w for w, _, _ in words(said)][:40]
    return bool(want) and sum(w in have for w in want) >= 0.8 * len(want)


def _refuse(
    path: Path, problems: list[str], numbering: str, only_unplaced: bool, report: Path | None
) -> None:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    if report is not None:
        more += f"; unplaced quotes and their nearest passages are listed in {report}"
    hint = "fix the rows (codes are the codebook's ids or names); nothing was stored"
    if "header" in problems[0] or "no known columns" in problems[0]:
        hint = f"{sheets.FIX}; nothing was stored"
    elif sheets.NO_DOCUMENT in problems[0]:
        hint = f"{sheets.NAMING}; nothing was stored"
    elif "no data chunk above" in problems[0]:
        hint = "put the chunk in the row of its first code; nothing was stored"
    elif any(": unknown code(s) " in p for p in problems):
        hint = (
            "add the codes to the codebook (or use its names or ids), or pass "
            "--add-missing-codes to add them as draft codes; nothing was stored"
        )
    elif only_unplaced:
        hint = (
            "fix the quotes, or pass --skip-unplaced to import the rest and list these; "
            "nothing was stored"
        )
    elif any("interviewer's" in p or "does not say" in p for p in problems):
        other = "participant" if numbering == "all" else "all"
        hint = (
            f"the turn numbers may count {other} turns: try --numbering {other}; nothing was stored"
        )
    raise InputFileError(str(path), problems[0] + more, hint)


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return -1


Rows = list[tuple[str, dict[str, str]]]


def _read_rows(
    path: Path,
    coders: tuple[str, ...] = (),
    keys: dict[str, set[int]] | None = None,
    resolve: Any = None,
    problems: list[str] | None = None,
) -> tuple[Rows, list[str], list[str]]:
    """(rows labelled 'row N' or "sheet 'P03' row N", header, sheets skipped). A workbook
    whose first sheet is no flat table reads as one sheet per participant (its problems
    added to ``problems``)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(str(path), "does not exist", "check the path") from exc
    except OSError as exc:
        raise InputFileError(str(path), f"cannot be read ({exc.strerror})") from exc
    if path.suffix.lower() in (".xlsx", ".xlsm"):  # MAXQDA's and ATLAS.ti's exports
        book = workbook_sheets(data, str(path))
        table = book[0][1] if book else []
        if not _flat(table[0] if table else [], coders):  # one sheet per participant
            named = (lambda c: resolve(c) is not None) if resolve else (lambda c: False)
            rows, found, skipped = workbook_rows(book, keys or {}, named)
            if problems is not None:
                problems += found
            return rows, ["document", "quote", "codes"], skipped
    elif data[:5] == b"%PDF-":  # MAXQDA's printed "Coded Segments" report
        from qualcode.ingest.pdftable import pdf_table

        table = pdf_table(data, str(path), "Document name")
    else:
        table = read_rows(data, str(path))
    header = [h.strip() for h in table[0]] if table else []
    rows = [
        (f"row {i + 2}", dict(zip(header, r, strict=False)))
        for i, r in enumerate(table[1:])
        if any(c.strip() for c in r)
    ]
    if not _flat(header, coders):
        raise InputFileError(
            str(path),
            "needs columns participant_id (or document), code (or codes), and turn or quote",
            "e.g. 'participant_id,turn,codes' (codes separated by ';') or 'document,quote,code', "
            "or a workbook of one sheet per participant (Data chunk, Code)",
        )
    return rows, header, []


def _flat(header: list[str], coders: tuple[str, ...]) -> bool:
    """Whether a header row is a flat table's: a document, codes, and a turn or a quote."""
    fields = {h.strip().casefold() for h in header}
    has_doc = bool(set(DOCUMENT_COLUMNS) & fields)
    has_code = bool(set(CODE_COLUMNS) & fields) or any(c.casefold() in fields for c in coders)
    placed = "turn" in fields or bool(set(QUOTE_COLUMNS) & fields)
    return has_doc and has_code and placed


def _add_drafts(
    cb_path: Path, codebook: Codebook, names: list[str], source: Path
) -> dict[str, dict[str, Any]]:
    """Write the codes a coding uses that the codebook lacks into it as drafts."""
    from qualcode.coding.addcodes import IMPORTED, add_codes, draft_codes

    drafts = draft_codes(names, {c.id for c in codebook.codes}, str(source))
    add_codes(cb_path, IMPORTED[0], IMPORTED[1], list(drafts.values()))
    return drafts
