"""Coded workbooks laid out one sheet per participant, as teams keep them in Excel.

Each sheet is named for its document ("Participant 3", "P03", the file name) and has a header
row, perhaps a few rows down (Question / Data chunk / Code / Memo, names matched in any case and
spacing). A chunk is followed by rows of further codes whose chunk cell is left empty: the chunk
is carried down over them. Codes sit in one cell (separated by ';', ',' or line breaks) or in
several columns (Code 1 ... Code N). Pure: rows of cells in, flat quote-level rows out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

HEADER_ROWS = 10  # the header row is looked for in this many first non-empty rows
CHUNK = ("datachunk", "chunk", "quote", "quotation", "excerpt", "segment", "codedsegment",
         "text", "data", "transcriptextract", "extract", "response")  # fmt: skip
QUESTION = ("question", "interviewquestion", "topic", "prompt")
MEMO = ("memo", "memos", "note", "notes", "comment", "comments")
CODE = re.compile(r"(?:sub)?(?:codes?|codename|theme|label)(?:\d+)?")
SPLIT = re.compile(r"[;\n]")
FIX = "put a header row with 'Data chunk' and 'Code' (or Code 1, Code 2 ...) above the chunks"
NAMING = (
    "name each sheet for its document: the participant id (P03), 'Participant 3' or the file name"
)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def workbook_sheets(data: bytes, where: str) -> list[tuple[str, list[list[str]]]]:
    """(name, rows as strings) of every worksheet, the package checked first."""
    from qualcode.ingest.workbook import xlsx_sheets

    return xlsx_sheets(data, where)


def find_header(rows: list[list[str]]) -> tuple[int, dict[str, list[int]]] | None:
    """(row index, columns by role) of the first row naming a chunk and a code column."""
    for i, row in enumerate(rows[: HEADER_ROWS + 5]):
        cols = _roles(row)
        if cols["chunk"] and cols["code"]:
            return i, cols
    return None


def _roles(row: list[str]) -> dict[str, list[int]]:
    cols: dict[str, list[int]] = {"chunk": [], "code": [], "question": [], "memo": []}
    for j, cell in enumerate(row):
        k = _key(cell)
        role = (
            "chunk" if k in CHUNK else "question" if k in QUESTION else "memo" if k in MEMO
            else "code" if CODE.fullmatch(k) else ""
        )  # fmt: skip
        if role:
            cols[role].append(j)
    return cols


def _no_header(rows: list[list[str]], sheet: str) -> str:
    """Why no header row was found, naming the row to fix."""
    filled = [(i, r) for i, r in enumerate(rows) if any(c.strip() for c in r)][:HEADER_ROWS]
    for i, row in filled:
        cols = _roles(row)
        known = [row[j].strip() for js in cols.values() for j in js]
        if known:
            lack = "Data chunk (or Quote, Excerpt)" if not cols["chunk"] else "Code"
            names = ", ".join(known)
            return f"sheet '{sheet}' row {i + 1}: the header ({names}) has no {lack} column"
    if filled:
        i, row = filled[0]
        names = ", ".join(c.strip() for c in row if c.strip())[:60]
        return (
            f"sheet '{sheet}' row {i + 1}: no known columns ({names}); no header row found "
            f"in the first {HEADER_ROWS} rows"
        )
    return f"sheet '{sheet}' row 1: the sheet is empty, no header row found"


def sheet_rows(
    rows: list[list[str]], sheet: str, resolves: Callable[[str], bool]
) -> tuple[list[tuple[str, dict[str, str]]], str]:
    """Flat rows (label, {quote, codes, question, memo}) of one sheet, or why it has none.
    ``resolves`` tells whether a whole cell names a code (then its commas are not separators)."""
    found = find_header(rows)
    if found is None:
        return [], _no_header(rows, sheet)
    top, cols = found
    out: list[tuple[str, dict[str, str]]] = []
    chunk = question = ""
    for i in range(top + 1, len(rows)):
        row = rows[i]

        def cell(j: int, row: list[str] = row) -> str:
            return row[j].strip() if j < len(row) else ""

        said = " ".join(cell(j) for j in cols["chunk"] if cell(j))
        asked = " ".join(cell(j) for j in cols["question"] if cell(j))
        question = asked or question
        if said:
            chunk = said
        codes = [c for j in cols["code"] for c in split_codes(cell(j), resolves)]
        if not codes:
            continue  # a chunk coded on the rows below, or a blank row
        label = f"sheet '{sheet}' row {i + 1}"
        if not chunk:
            return out, f"{label}: codes with no data chunk above them"
        memo = " ".join(cell(j) for j in cols["memo"] if cell(j))
        out.append((label, {"quote": chunk, "codes": ";".join(codes), "question": question,
                            "memo": memo}))  # fmt: skip
    return out, ""


def split_codes(cell: str, resolves: Callable[[str], bool]) -> list[str]:
    """The codes in one cell: separated by ';' or line breaks, and by ',' unless the part
    is itself a code's name ('Money, debt and housing')."""
    out = []
    for part in (p.strip() for p in SPLIT.split(cell)):
        if not part:
            continue
        if "," in part and not resolves(part):
            out += [p.strip() for p in part.split(",") if p.strip()]
        else:
            out.append(part)
    return out


NUMBERED = re.compile(r"([^\W\d_]*)[ _-]*0*(\d+)(?!\d)", re.IGNORECASE)
# what a participant's number follows in a sheet name ('Sheet1' or 'Codebook 2' name none)
PREFIXES = {"", "p", "participant", "interviewee", "respondent", "r", "int", "interview", "case",
            "id", "pid", "transcript", "person"}  # fmt: skip
NO_DOCUMENT = "document(s) of the project"
SHEET_NAME = 31  # Excel's longest sheet name: a longer file name arrives cut to this


def document_ids(keys: dict[str, set[int]], name: str) -> set[int]:
    """The documents a sheet name or a ``document`` cell names: a key the store knows (source,
    file name, its stem, participant id; in any case), a file name cut to a sheet name's 31
    characters, else the same number ('Participant 3' and 'P3 (coded)' are P03): first among
    id-like keys (letters and a number), then among keys starting so."""
    name = name.strip()
    tries = (name, Path(name).name, Path(name).stem)
    ids = next((keys[k] for k in tries if k in keys), set())
    if ids or not name:
        return ids
    folded = {k.casefold(): v for k, v in keys.items()}
    ids = next((folded[k.casefold()] for k in tries if k.casefold() in folded), set())
    if not ids and len(name) >= SHEET_NAME:
        cut = {i for k, v in folded.items() if k.startswith(name.casefold()) for i in v}
        ids = cut if len(cut) == 1 else set()
    given = NUMBERED.match(Path(name).stem.strip())
    if ids or given is None:
        return ids
    number, prefix = int(given.group(2)), given.group(1).casefold()

    def same(m: re.Match[str] | None) -> bool:
        if m is None or int(m.group(2)) != number:
            return False
        return prefix in PREFIXES or prefix == m.group(1).casefold()

    for match in (NUMBERED.fullmatch, NUMBERED.match):
        found = {i for k, v in keys.items() if same(match(k)) for i in v}
        if found:
            return found
    return set()


Rows = list[tuple[str, dict[str, str]]]


def workbook_rows(
    sheets: list[tuple[str, list[list[str]]]],
    keys: dict[str, set[int]],
    resolves: Callable[[str], bool],
) -> tuple[Rows, list[str], list[str]]:
    """(flat rows with their sheet's name as ``document``, problems, sheets skipped). A sheet
    with no header row is skipped when its name names no document (a notes or codebook sheet)
    and is a problem when it does; a sheet whose name matches no single document is a problem
    (all or nothing, like any row)."""
    rows: Rows = []
    problems: list[str] = []
    skipped: list[str] = []
    for name, cells in sheets:
        named = document_ids(keys, name)
        flat, why = sheet_rows(cells, name, resolves)
        if find_header(cells) is None:
            if len(named) == 1:
                problems.append(why)
            else:
                skipped.append(name)
            continue
        if why:
            problems.append(why)
        if len(named) != 1:
            problems.append(
                f"sheet '{name}' matches {'no' if not named else 'several'} {NO_DOCUMENT} "
                f"(by participant id, file name or number): its {len(flat)} coded rows"
            )
            continue
        rows += [(label, {"document": name, **row}) for label, row in flat]
    if sheets and len(skipped) == len(sheets):  # no sheet of coded chunks at all
        problems.append(_no_header(sheets[0][1], sheets[0][0]))
    return rows, problems, skipped
