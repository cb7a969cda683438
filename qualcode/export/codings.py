"""Codings as CSV or JSON Lines: one row per code application, for other tools and benchmarks."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from qualcode.export import atomic_write
from qualcode.models import CODING_FIELDS

COLUMNS = CODING_FIELDS


def _write(rows: Iterable[dict[str, Any]], fmt: str, fh: IO[str]) -> int:
    n = 0
    if fmt == "jsonl":
        for row in rows:
            fh.write(json.dumps({c: row[c] for c in COLUMNS}, ensure_ascii=False) + "\n")
            n += 1
        return n
    writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:  # streamed: a large project's codings are never all in memory at once
        writer.writerow(row)
        n += 1
    return n


KINDS = ("rule", "model", "topic", "human", "import")
# A row's status: a person's coding ('coded'), a suggestion nobody decided ('unreviewed'), or
# the latest decision on it.
STATUSES = ("coded", "unreviewed", "accept", "reject", "recode")


def filter_codings(
    rows: Iterable[dict[str, Any]],
    kinds: Collection[str] = (),
    coders: Collection[str] = (),
    documents: Collection[str] = (),
    statuses: Collection[str] = (),
) -> Iterator[dict[str, Any]]:
    """The rows of the chosen kinds, coders (a human or imported coding's source), documents
    (by stored source name) and statuses; an empty choice keeps every row. Streamed."""
    for row in rows:
        if kinds and row["kind"] not in kinds:
            continue
        if coders and (row["kind"] not in ("human", "import") or row["source"] not in coders):
            continue
        if documents and row["document"] not in documents:
            continue
        if statuses and row["status"] not in statuses:
            continue
        yield row


def write_codings(rows: Iterable[dict[str, Any]], fmt: str, output: Path | None) -> int:
    """Write ``rows`` as ``csv`` or ``jsonl`` to ``output`` (atomically) or standard output;
    returns how many were written."""
    if output is None:
        return _write(rows, fmt, sys.stdout)
    with atomic_write(output) as fh:
        return _write(rows, fmt, fh)
