"""Finding a spreadsheet codebook's header row: the row, among the first HEADER_ROWS, that names
the most known columns, compared without case, spacing, punctuation, plurals, a trailing number
or a note in brackets ('Inclusion Criteria (when to use)' is 'inclusion criteria')."""

from __future__ import annotations

import re
import unicodedata

HEADER_ROWS = 15
# each field's column names, the preferred first (as header_key writes them)
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("code name", "code label", "name", "label", "code", "code title", "sub code",
             "subcode", "sub theme", "subtheme", "child code", "node", "node name"),
    "definition": ("definition", "code definition", "description", "code description",
                   "meaning", "operational definition", "descriptor"),
    "include": ("inclusion criteria", "inclusion criterion", "inclusion", "include",
                "when to use", "included"),
    "exclude": ("exclusion criteria", "exclusion criterion", "exclusion", "exclude",
                "when not to use", "do not use when", "excluded"),
    "typical": ("typical example", "typical", "example", "example quote", "typical quote",
                "exemplar", "typical exemplar"),
    "atypical": ("atypical example", "atypical", "atypical quote", "atypical exemplar"),
    "parent": ("parent", "parent code", "theme", "category", "group", "main theme", "main code",
               "parent theme", "code group", "overarching theme", "top level code"),
}  # fmt: skip
LISTS = ("include", "exclude", "typical", "atypical")
NAMES = "Code, Name or Label"
HEADER_HINT = (
    f"put the column names ({NAMES}, Description, Inclusion criteria, ...) in one row "
    f"within the first {HEADER_ROWS} rows"
)


def header_key(cell: str) -> str:
    """A column name as compared: 'Inclusion Criteria (when to use)' -> 'inclusion criteria',
    'Typical examples' -> 'typical example', 'Categories' -> 'category', 'Example 2' ->
    'example'."""
    text = unicodedata.normalize("NFKD", re.sub(r"\(.*?\)|\[.*?\]", " ", cell)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1 and words[-1].isdigit():
        words.pop()
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def columns(row: list[str]) -> dict[str, list[int]]:
    """Each known field's columns in this row, the preferred name first."""
    keys = [header_key(c) for c in row]
    found: dict[str, list[int]] = {}
    for name, phrases in FIELDS.items():
        cols = [i for p in phrases for i, k in enumerate(keys) if k == p]
        if cols:
            found[name] = cols
    return found


def find_header(rows: list[list[str]]) -> tuple[int, dict[str, list[int]]] | None:
    """The index of the row naming the most known columns (the first of equals), and its
    columns; None when no row among the first HEADER_ROWS names any."""
    best: tuple[int, dict[str, list[int]]] | None = None
    for i, row in enumerate(rows[:HEADER_ROWS]):
        cols = columns(row)
        if cols and (best is None or len(cols) > len(best[1])):
            best = (i, cols)
    return best
