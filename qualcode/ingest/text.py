"""Plain text, Markdown and reST transcripts: the decoded text is stored as it is."""

from __future__ import annotations

from qualcode.ingest.encoding import decode
from qualcode.ingest.turns import Line


def read_text(data: bytes, path: str) -> tuple[str, list[Line] | None]:
    text, _ = decode(data, path)
    return text, None
