"""PDF text transcripts (exports from Word, MAXQDA, NVivo...): the text layer, page by page.

Page-number lines are dropped, tab-separated words (as some exporters write them) are joined with
single spaces, and hard-wrapped lines stay: the turn finder treats them as continuations.
"""

from __future__ import annotations

import io
import logging
import re

from qualcode.errors import InputFileError
from qualcode.ingest.encoding import normalise
from qualcode.ingest.turns import Line

PAGE_NUMBER_RE = re.compile(r"\s*(?:page\s+)?\d+\s*(?:(?:/|of)\s*\d+)?\s*", re.IGNORECASE)
SPACES_RE = re.compile(r"[ \t\u00a0]+")


def _page_lines(page_text: str) -> list[str]:
    out = []
    for raw in normalise(page_text).split("\n"):
        line = SPACES_RE.sub(" ", raw).strip()
        if not PAGE_NUMBER_RE.fullmatch(line):
            out.append(line)
    return out


def read_pdf(data: bytes, path: str) -> tuple[str, list[Line] | None]:
    import pypdf  # lazy: keeps 'qualcode --help' light
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputFileError(path, "is password-protected", "save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputFileError:
        raise
    except NotImplementedError as exc:  # e.g. an encryption filter pypdf does not know
        raise InputFileError(
            path, "uses a PDF feature that cannot be read (unknown encryption or filter)",
            "print it to a new PDF, or export the transcript as .docx or .txt",
        ) from exc  # fmt: skip
    except (PyPdfError, *READ_ERRORS) as exc:
        raise InputFileError(path, pdf_problem(exc, data), "export the PDF again") from exc
    lines = [line for page in pages for line in _page_lines(page)]
    text = "\n".join(lines).strip()
    if not text:
        raise InputFileError(
            path, "has no text layer (a scanned image?)", "run OCR on it or supply a .txt/.docx"
        )
    return text, None


READ_ERRORS = (
    ValueError,
    KeyError,
    OSError,
    RecursionError,
    MemoryError,
    IndexError,
    TypeError,
    AttributeError,
    LookupError,
    ArithmeticError,
    AssertionError,
    EOFError,
)  # fmt: skip  (and pypdf's own PyPdfError: what pypdf raises for a damaged file)
# pypdf's messages (which may quote the file's bytes, so they are never shown) -> what is wrong
_PDF_FAULTS = (
    ("startxref", "is truncated or incomplete (its cross-reference table at the end is missing)"),
    ("ended unexpectedly", "ends in the middle of an object: it is truncated or damaged"),
    ("Root object", "has no document catalogue (its /Root object is missing or damaged)"),
    ("Trailer", "has a damaged trailer (the dictionary that says where its objects are)"),
    ("xref", "has a damaged cross-reference table (where its objects are)"),
    ("/Pages", "has a damaged page tree (the list of its pages)"),
    ("endstream", "has a stream without its 'endstream' end: damaged or truncated"),
    ("exceeds allowed limit", "declares a stream larger than qualcode reads (a possible bomb)"),
    ("Error reading PDF file", "nests its objects too deeply, as only damaged or hostile files do"),
)


def pdf_problem(exc: BaseException, data: bytes) -> str:
    """What is wrong with a PDF pypdf could not read, without quoting any of its content."""
    from qualcode.ingest.zipsafe import looks_like

    if not data.strip():
        return "is empty"
    if b"%PDF-" not in data[:1024]:
        return f"is not a PDF: it starts like {looks_like(data)}"
    if b"%%EOF" not in data[-4096:]:  # every PDF writer ends the file with this marker
        return "is truncated or incomplete (no %%EOF marker at its end)"
    if isinstance(exc, RecursionError | MemoryError):
        return "nests its objects too deeply, as only damaged or hostile files do"
    message = str(exc)
    fault = next((says for key, says in _PDF_FAULTS if key in message), None)
    if fault:
        return fault
    at = re.search(r"@(\d+)|starting at (\d+)", message)
    where = f" at byte {at.group(1) or at.group(2)}" if at else ""
    if type(exc).__module__.startswith("pypdf"):
        return f"has a damaged object{where}: bytes PDF syntax does not allow"
    return f"has an object of the wrong kind{where} where PDF expects another (damaged)"
