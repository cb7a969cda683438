"""The leak gate: every pseudonymised export is read back after it is written, and refused
(removed, with the name it still holds) if a listed name or place is in it. A name left in a
report is the worst mistake a pseudonymised export can make, so it is checked on the file a
reader will open, not only on the data that went in."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.export.pseudo import Pseudonymiser


def written_text(path: Path) -> str:
    """The text a reader sees in a written export (.docx, .xlsx, .csv, .md, ...)."""
    data = path.read_bytes()
    if path.suffix.lower() in (".docx", ".xlsx"):
        parts = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                if name.endswith(".xml"):  # document, headers, shared strings, sheets
                    parts.append(z.read(name).decode("utf-8", errors="replace"))
        from lxml import etree

        from qualcode.codebook.refi import safe_parser

        texts = []
        for xml in parts:
            root = etree.fromstring(xml.encode("utf-8"), safe_parser())
            texts.append(" ".join(t for t in root.itertext()))
        return "\n".join(texts)
    return data.decode("utf-8-sig", errors="replace")


def _leaks_in(path: Path, pseudo: Pseudonymiser) -> list[str]:
    if path.suffix.lower() in (".docx", ".xlsx"):  # reports: small enough to read at once
        return pseudo.leaks(written_text(path))
    found: set[str] = set()
    with path.open(encoding="utf-8-sig", errors="replace") as fh:  # data files: line by line
        for line in fh:
            found.update(pseudo.leaks(line))
    return sorted(found)


def check_written(path: Path, listed: Iterable[str]) -> None:
    """Refuse (remove ``path``, raise) if any of the ``listed`` names or places is in it."""
    names = [n for n in listed if n.strip()]
    if not names:
        return
    left = _leaks_in(path, Pseudonymiser(names, []))
    if left:
        path.unlink(missing_ok=True)
        raise QualcodeError(
            f"{path}: refused and removed: the listed name or place '{left[0]}' is still in "
            f"it{f' (and {len(left) - 1} more)' if len(left) > 1 else ''}",
            "please report it: a pseudonymised export must never hold a listed name",
        )
