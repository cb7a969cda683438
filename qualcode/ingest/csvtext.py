"""CSV and tab-separated sheets as spreadsheets really write them.

Excel writes "CSV" in the Windows code page or UTF-8 with a BOM, "Unicode text" as UTF-16 with
tabs, and every row ends in CRLF; Python's csv module writes CRLF too. All of them are decoded
by :func:`qualcode.ingest.encoding.decode` and split on the delimiter the header row uses.
"""

from __future__ import annotations

import csv
import io

from qualcode.errors import InputFileError
from qualcode.ingest.encoding import decode

DELIMITERS = ",\t;"
MAX_FIELD_CHARS = 10_000_000  # one cell; the csv module's own limit (131,072) is below a long turn


def _delimiter(header: str, default: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else default


def read_rows(data: bytes, where: str, default: str = ",") -> list[list[str]]:
    """Rows of a delimited text sheet (the delimiter found from the header row)."""
    text, _ = decode(data, where)
    delimiter = _delimiter(text.split("\n", 1)[0], default)
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise InputFileError(
            where, f"is not a readable CSV file ({exc})", "save it again as CSV UTF-8 from Excel"
        ) from exc
