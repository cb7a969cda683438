"""A codebook kept in a spreadsheet (an .xlsx workbook or a CSV file) as a qualcode codebook.

Each sheet's header row is looked for in its first HEADER_ROWS rows: the row naming the most of
the known columns (Code / Name / Label, Description / Definition, Inclusion and Exclusion
criteria, Typical and Atypical example, Parent / Theme / Category / Group), compared without
case, spacing, punctuation, plurals, a trailing number or a note in brackets. Each sheet is one
group named after the sheet (a CSV file: after the file), unless a parent column names groups
(carried down over the rows below it; a row with a parent and no code describes the group).
Ids are slugs of the names, ``group.code_name``, so importing the same sheet again gives the same
ids; a clash gets ``_2``, ``_3``... in row order. A code without a definition becomes a draft
(see qualcode.codebook.drafts). Every problem is one line naming the file, sheet, row and the fix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook.drafts import draft_definition, is_draft
from qualcode.codebook.model import Code, Codebook, Group
from qualcode.codebook.refi import _slug
from qualcode.codebook.sheetheader import HEADER_HINT, HEADER_ROWS, LISTS, NAMES, find_header
from qualcode.codebook.workbook import XLSX, Sheet, read_sheets
from qualcode.errors import InputFileError

_BULLET = re.compile(r"^\s*(?:[-•*·–—]|\d+[.)](?=\s))\s*")


def slug(name: str) -> str:
    """An id word for a name: 'Trust in staff' -> 'trust_in_staff', 'Café' -> 'cafe'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    word = _slug(plain)
    return "code" if word == "c_" else word


@dataclass
class Entry:
    row: int
    name: str
    definition: str
    lists: dict[str, tuple[str, ...]]


@dataclass
class Bucket:
    """The codes of one group as read: the sheet's, or one parent's within a sheet."""

    sheet: str
    name: str
    description: str = ""
    entries: list[Entry] = field(default_factory=list)


class SheetReader:
    def __init__(self, where: str, xlsx: bool) -> None:
        self.where, self.xlsx = where, xlsx
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.warnings: list[str] = []
        self.refused: list[InputFileError] = []  # sheets skipped that look like codebooks

    def at(self, sheet: str, row: int | None = None) -> str:
        place = [f"sheet '{sheet}'"] if self.xlsx else []
        return ", ".join([*place, f"row {row}"] if row else place)

    def fail(self, sheet: str, row: int | None, problem: str, hint: str) -> InputFileError:
        place = self.at(sheet, row)
        return InputFileError(self.where, f"{place}: {problem}" if place else problem, hint)

    def warn(self, sheet: str, message: str) -> None:
        place = self.at(sheet)
        self.warnings.append(f"{self.where}: {place + ': ' if place else ''}{message}")

    def header(self, sheet: str, rows: list[list[str]]) -> tuple[int, dict[str, list[int]]] | None:
        """The header row's index and its columns; None (with a warning) for a sheet with none."""
        best = find_header(rows)
        if best is not None and not ({"name", "parent"} & best[1].keys()):
            if len(best[1]) > 1:
                found = ", ".join(rows[best[0]][c[0]].strip() for c in best[1].values())
                problem = f"has columns {found} but no code column"
                hint = f"name the column that holds the codes' names {NAMES}"
                self.refused.append(self.fail(sheet, best[0] + 1, problem, hint))
                self.warn(sheet, f"row {best[0] + 1} {problem}; skipped ({hint})")
                return None
            best = None
        if best is None:
            if any(c.strip() for r in rows for c in r):
                first = f"its first {HEADER_ROWS} rows"
                self.warn(sheet, f"no header row with a {NAMES} column in {first}; skipped")
            return None
        if "name" not in best[1]:  # a list of themes: the theme column holds the codes
            best[1]["name"] = best[1].pop("parent")
        return best

    def read(self, sheet: str, rows: list[list[str]]) -> None:
        found = self.header(sheet, rows)
        if found is None:
            return
        start, cols = found
        self._unread(sheet, rows[start], cols)
        parent, before = "", sum(len(b.entries) for b in self.buckets.values())
        for index in range(start + 1, len(rows)):
            row, number = rows[index], index + 1
            own_parent = _text(row, cols.get("parent", []))
            parent = own_parent or parent
            bucket = self._bucket(sheet, parent)
            name = _text(row, cols["name"][:1])
            definition = _text(row, cols.get("definition", []))
            lists = {k: _items(row, cols.get(k, [])) for k in LISTS}
            if name:
                bucket.entries.append(Entry(number, name, definition, lists))
            elif own_parent:
                bucket.description = bucket.description or definition
            elif definition or any(lists.values()):
                problem = "has a definition or criteria but no code name"
                raise self.fail(sheet, number, problem, "write the code's name, or delete the row")
        if sum(len(b.entries) for b in self.buckets.values()) == before:
            self.warn(sheet, f"no codes under its header row (row {start + 1}); skipped")

    def _unread(self, sheet: str, header: list[str], cols: dict[str, list[int]]) -> None:
        used = {i for idx in cols.values() for i in idx}
        unread = [c.strip() for i, c in enumerate(header) if c.strip() and i not in used]
        if unread:
            self.warn(sheet, f"columns not read: {', '.join(unread)}")

    def _bucket(self, sheet: str, parent: str) -> Bucket:
        key = (sheet, parent)
        if key not in self.buckets:
            self.buckets[key] = Bucket(sheet, parent or sheet)
        return self.buckets[key]

    def groups(self) -> list[Group]:
        groups: list[Group] = []
        taken: set[str] = set()
        for bucket in self.buckets.values():
            if bucket.entries:
                gid = _unique(slug(bucket.name), taken)
                codes = self._codes(bucket, gid)
                groups.append(Group(gid, bucket.name, description=bucket.description, codes=codes))
        return groups

    def _codes(self, bucket: Bucket, gid: str) -> tuple[Code, ...]:
        codes: list[Code] = []
        taken: set[str] = set()
        first: dict[str, int] = {}
        for e in bucket.entries:
            same = first.setdefault(e.name.casefold(), e.row)
            if same != e.row:
                problem = f"code '{e.name}' is listed twice in group '{bucket.name}'"
                problem += f" (first at row {same})"
                raise self.fail(bucket.sheet, e.row, problem, "merge the two rows or rename one")
            cid = _unique(f"{gid}.{slug(e.name)}", taken)
            definition = e.definition or draft_definition(self.where)
            codes.append(Code(cid, e.name, definition, gid, **e.lists))  # type: ignore[arg-type]
        return tuple(codes)


def _text(row: list[str], cols: list[int]) -> str:
    """The first non-empty cell of these columns, its whitespace collapsed."""
    for i in cols:
        text = " ".join(row[i].split()) if i < len(row) else ""
        if text:
            return text
    return ""


def _items(row: list[str], cols: list[int]) -> tuple[str, ...]:
    """Every line of these columns' cells as a list item, bullets and numbering dropped."""
    cells = [row[i] for i in cols if i < len(row)]
    lines = (_BULLET.sub("", ln) for cell in cells for ln in cell.splitlines())
    return tuple(dict.fromkeys(" ".join(ln.split()) for ln in lines if ln.strip()))


def _unique(wanted: str, taken: set[str]) -> str:
    found, n = wanted, 1
    while found in taken:
        n += 1
        found = f"{wanted}_{n}"
    taken.add(found)
    return found


def read_codebook_sheet(path: Path, source: str | None = None) -> tuple[Codebook, list[str]]:
    """The codebook in a spreadsheet and the warnings met reading it (sheets skipped, columns
    not read, codes without a definition)."""
    where = source or str(path)
    sheets: list[Sheet] = read_sheets(path, where)
    reader = SheetReader(where, path.suffix.lower() in XLSX)
    for name, rows in sheets:
        reader.read(name, rows)
    groups = reader.groups()
    if not groups and reader.refused:
        raise reader.refused[0]
    if not groups:
        listed = ", ".join(f"'{name}'" for name, _ in sheets)
        what = f"no sheet ({listed}) has" if reader.xlsx else "has no"
        problem = f"{what} codes under a header row with a {NAMES} column"
        raise InputFileError(where, problem, HEADER_HINT)
    stem = Path(where).stem
    codebook = Codebook(stem, stem, where, tuple(groups))
    drafts = sum(1 for c in codebook.codes if is_draft(c))
    if drafts:
        reader.warnings.append(
            f"{where}: {drafts} of {len(codebook.codes)} codes have no definition: imported as "
            "drafts ('DRAFT: ...'); write their definitions"
        )
    return codebook, reader.warnings
