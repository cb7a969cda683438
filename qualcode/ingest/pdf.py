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
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise InputFileError(
            path, "is not a readable PDF (corrupt or truncated)", "export the PDF again"
        ) from exc
    except NotImplementedError as exc:  # e.g. an encryption filter pypdf does not know
        raise InputFileError(
            path, "uses a PDF feature that cannot be read (unknown encryption or filter)",
            "print it to a new PDF, or export the transcript as .docx or .txt",
        ) from exc  # fmt: skip
    except (RecursionError, MemoryError, IndexError, TypeError, AttributeError) as exc:
        raise InputFileError(
            path, f"is a malformed PDF ({type(exc).__name__})", "export the PDF again"
        ) from exc
    lines = [line for page in pages for line in _page_lines(page)]
    text = "\n".join(lines).strip()
    if not text:
        raise InputFileError(
            path, "has no text layer (a scanned image?)", "run OCR on it or supply a .txt/.docx"
        )
    return text, None
