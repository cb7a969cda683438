"""Listings (memos, the quotes of a code) as Markdown, CSV or Word. Pure writers over data."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from qualcode.export import atomic_write_bytes

FORMATS = ("md", "csv", "docx")


def _md(listing: Any) -> bytes:
    out = [f"# {listing.title}", "", "| " + " | ".join(listing.headers) + " |"]
    out.append("|" + "---|" * len(listing.headers))
    for row in listing.rows:
        out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in row) + " |")
    return ("\n".join(out) + "\n").encode("utf-8")


def _csv(listing: Any) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(listing.headers)
    writer.writerows(listing.rows)
    return buf.getvalue().encode("utf-8-sig")


def _docx(listing: Any) -> bytes:
    import docx

    from qualcode.export.report import _stable_zip, _table

    doc = docx.Document()
    doc.add_heading(listing.title, level=1)
    usable = 16.0  # cm across A4 portrait inside Word's default margins
    text_col = next((i for i, h in enumerate(listing.headers) if h in ("quote", "text")), -1)
    fixed = 2.2
    widths = [fixed] * len(listing.headers)
    widths[text_col] = usable - fixed * (len(widths) - 1)
    _table(doc, listing.headers, listing.rows, widths)
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


def write_listing(listing: Any, fmt: str, path: Path) -> Path:
    from qualcode.export.leakgate import check_written

    writer = {"md": _md, "csv": _csv, "docx": _docx}[fmt]
    atomic_write_bytes(path, writer(listing))
    check_written(path, getattr(listing, "listed", ()))
    return path
