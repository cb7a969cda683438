"""Codings as CSV or JSON Lines: one row per code application, for other tools and benchmarks."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from qualcode.export import atomic_write
from qualcode.models import CODING_FIELDS

COLUMNS = CODING_FIELDS


def _write(rows: Sequence[dict[str, Any]], fmt: str, fh: IO[str]) -> None:
    if fmt == "jsonl":
        for row in rows:
            fh.write(json.dumps({c: row[c] for c in COLUMNS}, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def write_codings(rows: Sequence[dict[str, Any]], fmt: str, output: Path | None) -> int:
    """Write ``rows`` as ``csv`` or ``jsonl`` to ``output`` (atomically) or standard output."""
    if output is None:
        _write(rows, fmt, sys.stdout)
    else:
        with atomic_write(output) as fh:
            _write(rows, fmt, fh)
    return len(rows)
