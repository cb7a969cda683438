"""Bytes to text: UTF-8 (with or without BOM), UTF-16 (Word's "Unicode text"), cp1252 fallback.

Newlines are normalised to ``\\n`` and text to Unicode NFC before any offset is taken.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from qualcode.errors import InputFileError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _guess_utf16(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    return unicodedata.normalize("NFC", text)


# control characters no text file holds (newline, tab, form feed and vertical tab it may)
_CONTROLS_RE = re.compile("[\x00-\x08\x0d-\x1f]")


def looks_binary(text: str) -> bool:
    sample = text[:8000]
    if "\x00" in sample:
        return True
    controls = len(_CONTROLS_RE.findall(sample))
    return controls > max(8, len(sample) // 100)


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode ``data`` from ``path``; return (normalised text, encoding used)."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    encoding = encoding or _guess_utf16(data)
    if encoding is None:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputFileError(
                path, f"not valid {encoding} text", "re-save it as UTF-8 text"
            ) from exc
    text = normalise(text.lstrip("\ufeff"))
    if looks_binary(text):  # after normalising: a CRLF file's "\r" is no control character
        raise InputFileError(
            path,
            "looks like binary data, not a text transcript",
            "check the file; export the transcript as .txt, .docx, .vtt or .srt",
        )
    return text, encoding
