"""The leak gate: every pseudonymised export is read back after it is written, and refused
(removed) if anything the project knows identifies someone is still in it: a listed name or
place, a speaker's name, an identifying attribute value, or an identifier pattern (phone,
postcode, NI number...). A name left in a report is the worst mistake a pseudonymised export
can make, so it is checked on the file a reader will open, not only on the data that went in.

The refusal names the file and the KIND of identifier, never the identifier itself (an error
message is copied into tickets and chats). Files are read as a reader sees them: a Word
paragraph whole (a name split across runs or a line break inside is found), an Excel string
cell whole, a CSV record whole (a quote with a line break inside is one record), a JSON line's
strings decoded.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.export.pseudo import Pseudonymiser

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_APART = "\x00"  # between fields: no pattern or name crosses it
# A REFI-QDA attribute that is structure, not words: a GUID, an offset, a time stamp, a file
# path inside the archive (a GUID's "0123-4567-8901" would read as a phone number).
_STRUCTURAL = re.compile(
    r"\{?[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?"
    r"|\d{1,9}|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?"
    r"|(?:internal|relative|absolute)://[^\x00]*|#[0-9A-Fa-f]{6}|true|false"
)


def _paragraph(p: Any) -> str:
    out = []
    for el in p.iter():
        if el.tag == f"{_W}t" and el.text:
            out.append(el.text)
        elif el.tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif el.tag == f"{_W}tab":
            out.append("\t")
    return "".join(out)


def _xml_items(name: str, root: Any) -> Iterator[str]:
    if name.startswith("word/"):
        for p in root.iter(f"{_W}p"):
            yield _paragraph(p)
    elif name.endswith("sharedStrings.xml"):
        for si in root.iter(f"{_S}si"):
            yield "".join(t.text or "" for t in si.iter(f"{_S}t"))
    elif name.startswith("xl/worksheets/"):
        for el in root.iter(f"{_S}is", f"{_S}oddHeader", f"{_S}oddFooter"):
            yield "".join(el.itertext())
    elif name == "xl/workbook.xml":
        for sheet in root.iter(f"{_S}sheet"):
            yield sheet.get("name", "")
    else:  # document properties: title, subject
        yield "\n".join(t for t in root.itertext() if t.strip())


def _zip_items(data: bytes) -> Iterator[str]:
    from lxml import etree

    from qualcode.codebook.refi import safe_parser

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in sorted(z.namelist()):
            if name.endswith(".xml") and not name.endswith(("styles.xml", "theme1.xml")):
                yield from _xml_items(name, etree.fromstring(z.read(name), safe_parser()))


def _qdpx_items(data: bytes) -> Iterator[str]:
    """A REFI-QDA project: each source's text, and every text and attribute of the .qde."""
    from lxml import etree

    from qualcode.codebook.refi import safe_parser

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in sorted(z.namelist()):
            if name.endswith(".txt"):
                yield z.read(name).decode("utf-8", errors="replace")
            elif name.endswith(".qde"):
                root = etree.fromstring(z.read(name), safe_parser())
                values = (v for el in root.iter() for v in el.attrib.values())
                yield _APART.join(
                    [*root.itertext(), *(v for v in values if not _STRUCTURAL.fullmatch(v))]
                )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def records(path: Path) -> Iterator[str]:
    """What a reader sees in a written export, a record at a time (fields kept apart)."""
    suffix = path.suffix.lower()
    if suffix in (".docx", ".xlsx"):
        yield _APART.join(_zip_items(path.read_bytes()))
        return
    if suffix == ".qdpx":
        yield from _qdpx_items(path.read_bytes())
        return
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        if suffix == ".csv":
            for row in csv.reader(fh):
                yield _APART.join(row)
        elif suffix in (".jsonl", ".json"):
            for line in fh:
                try:
                    yield _APART.join(_strings(json.loads(line)))
                except ValueError:
                    yield line
        else:  # Markdown, text: paragraph by paragraph
            block: list[str] = []
            for line in fh:
                if line.strip():
                    block.append(line)
                    continue
                yield "".join(block)
                block = []
            yield "".join(block)


def written_text(path: Path) -> str:
    """The text a reader sees in a written export (.docx, .xlsx, .csv, .md, ...)."""
    return "\n".join(r.replace(_APART, "\n") for r in records(path))


def check_written(path: Path, known: Pseudonymiser | Iterable[str] | None) -> None:
    """Refuse (remove ``path``, raise) if anything ``known`` identifies is still in it.

    ``known``: the pseudonymiser the output was made with (everything the project knows and
    the identifier patterns), or just names and places; empty or None: a raw output (nothing
    to check)."""
    if known is None:
        return
    if not isinstance(known, Pseudonymiser):
        names = [n for n in known if n.strip()]
        if not names:
            return
        known = Pseudonymiser(names, [])
    kinds: set[str] = set()
    for record in records(path):
        kinds.update(known.leaks(record))
    if kinds:
        path.unlink(missing_ok=True)
        first, *rest = sorted(kinds)
        raise QualcodeError(
            f"{path}: refused and removed: it still holds {first}"
            + (f" (and {', '.join(rest)})" if rest else ""),
            "please report it: a pseudonymised export must never hold an identifier the "
            "project knows",
        )
