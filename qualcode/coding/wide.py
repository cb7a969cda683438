"""One file per coder, wide: a unit id, optionally the question and the text, Code 1..N.

A coder's file has one row per unit they coded: an id column (ResponseId, id, participant_id,
respondent, unit, ...), optionally a question column and the coded text (answer, text,
response), and several code columns (Code 1, Code 2 ... or Codes; a cell may hold
several codes separated by ';'). Codes are ids or names; empty cells are ignored, and a row
with no codes says the coder saw the unit and gave it none.

A header with a turn, quote, excerpt, data chunk or code column is another layout's (turn-level,
quote-level, one sheet per participant): never taken as wide.

A unit is the id, or (id, question) when the file has a question column. In agreement
(:func:`read_coder_files`) units are every unit any file lists: a unit in one file only counts
as seen by that coder and is not double-coded (kappa, alpha and AC1 pair only units both coders
coded, as with ``--from-csv``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputFileError

ID_COLUMNS = ("responseid", "response id", "respondent id", "respondentid", "respondent",
              "participant id", "participant", "pid", "id", "unit", "unit id", "case",
              "case id", "record id")  # fmt: skip
QUESTION_COLUMNS = ("question", "question text", "item")
TEXT_COLUMNS = ("answer", "text", "response", "answer text", "response text")
# columns of the other layouts (turn-level, quote-level, one sheet per participant): never wide
NOT_WIDE = ("turn", "data chunk", "chunk", "document", "quote", "quotation", "excerpt",
            "coded segment", "segment", "coded text", "code", "codes")  # fmt: skip
CODE_HEADER = re.compile(r"^(?:codes?|themes?|categor(?:y|ies)|labels?)[\s_#.-]*\d+$")
SPLIT = re.compile(r"[;\n]")


def _norm(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


@dataclass
class WideRow:
    n: int  # the row number in the file
    unit: str
    question: str
    text: str
    codes: list[str]


@dataclass
class WideFile:
    where: str
    coder: str  # the file's stem
    rows: list[WideRow] = field(default_factory=list)


def wide_columns(header: list[str]) -> tuple[int, list[int]] | None:
    """(id column, code columns) when ``header`` is a wide coder file's, else None."""
    names = [_norm(h) for h in header]
    codes = [i for i, h in enumerate(names) if CODE_HEADER.match(h)]
    ident = next((names.index(c) for c in ID_COLUMNS if c in names), None)
    if not codes or ident is None or any(h in NOT_WIDE for h in names):
        return None
    return ident, codes


def read_table(path: Path) -> list[list[str]]:
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})", "check the path") from exc
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from qualcode.ingest.attributes import xlsx_rows

        return xlsx_rows(data, where)
    from qualcode.ingest.csvtext import read_rows

    return read_rows(data, where)


def is_wide(path: Path) -> bool:
    """Whether ``path`` looks like one coder's wide file (a cheap look at its header)."""
    if path.suffix.lower() not in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
        return False
    try:
        table = read_table(path)
    except InputFileError:
        return False  # the other importers say what is wrong with it
    header = next((r for r in table if any(c.strip() for c in r)), [])
    return wide_columns([h.strip() for h in header]) is not None


def read_wide(path: Path) -> WideFile:
    """The rows of one coder's wide file, or one clear error naming the file."""
    where = str(path)
    table = [r for r in read_table(path) if any(c.strip() for c in r)]
    if not table:
        raise InputFileError(
            where, "is empty", "a header row (ResponseId, Code 1, Code 2 ...) and a row per unit"
        )
    header = [h.strip() for h in table[0]]
    found = wide_columns(header)
    if found is None:
        raise InputFileError(
            where,
            "has no unit id column and Code 1..N columns",
            "head the columns e.g. ResponseId, Answer, Code 1, Code 2 (one file per coder)",
        )
    ident, code_cols = found
    names = [_norm(h) for h in header]
    question = next((names.index(c) for c in QUESTION_COLUMNS if c in names), None)
    text = next((names.index(c) for c in TEXT_COLUMNS if c in names), None)
    out = WideFile(where, path.stem)
    for n, raw in enumerate(table[1:], start=2):
        row = raw + [""] * (len(header) - len(raw))
        unit = row[ident].strip()
        if not unit:
            raise InputFileError(where, f"row {n} has no unit id", "fill it or delete the row")
        codes = [c.strip() for i in code_cols for c in SPLIT.split(row[i]) if c.strip()]
        q = row[question].strip() if question is not None else ""
        t = row[text].strip() if text is not None else ""
        out.rows.append(WideRow(n, unit, q, t, codes))
    return out


def unit_key(row: WideRow) -> str:
    return f"{row.unit} | {row.question}" if row.question else row.unit


def read_coder_files(
    paths: list[Path], resolve: Callable[[str], str | None] | None = None
) -> tuple[list[str], list[str], dict[str, dict[str, set[str]]]]:
    """(units, coders, coder -> unit -> codes) from one wide file per coder, coders named by
    the files' stems. Codes are compared in any case and spacing (shown as most often spelt);
    with ``resolve`` (a codebook's, see ``imports.code_resolver``) an id and a name of one code
    are one code, shown by id (codes the codebook lacks stay as written)."""
    if len(paths) < 2:
        raise InputFileError(
            str(paths[0]) if paths else "--from-files",
            "is one file: agreement needs two coders",
            "name one file per coder: --from-files ann.csv bob.csv",
        )
    files = [read_wide(p) for p in paths]
    coders = [f.coder for f in files]
    if len(set(coders)) < len(coders):  # same stems in different folders
        coders = [f"{f.coder} ({i + 1})" for i, f in enumerate(files)]
    spellings: dict[str, Counter[str]] = {}
    units: dict[str, None] = {}
    data: dict[str, dict[str, set[str]]] = {}
    for coder, f in zip(coders, files, strict=True):
        mine = data.setdefault(coder, {})
        for row in f.rows:
            key = unit_key(row)
            units.setdefault(key)
            codes = mine.setdefault(key, set())
            for c in row.codes:
                c = (resolve(c) if resolve else None) or c
                spellings.setdefault(_norm(c), Counter())[" ".join(c.split())] += 1
                codes.add(_norm(c))
    shown = {k: c.most_common(1)[0][0] for k, c in spellings.items()}  # the usual spelling
    named = {w: {u: {shown[c] for c in cs} for u, cs in by.items()} for w, by in data.items()}
    return list(units), coders, named
