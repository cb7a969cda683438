"""``qualcode codebook import``: another tool's codebook file as a qualcode codebook, by kind."""

from __future__ import annotations

from pathlib import Path

from qualcode.codebook.model import Codebook
from qualcode.codebook.workbook import SUFFIXES


def import_codebook(path: Path) -> tuple[Codebook, list[str]]:
    """The codebook in a REFI-QDA .qdc / .qdpx / .qde file, MAXQDA's Code System printed as PDF,
    or a spreadsheet (.xlsx, .csv), with the warnings met reading it."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":  # MAXQDA's printed code system
        from qualcode.codebook.maxqda import read_code_system_pdf

        return read_code_system_pdf(path), []
    if suffix in SUFFIXES:
        from qualcode.codebook.sheet import read_codebook_sheet

        return read_codebook_sheet(path)
    from qualcode.codebook.refi import read_qdc

    return read_qdc(path), []
