"""The record as CSV or JSON Lines: one row per person's coding and per machine suggestion, for
other tools and benchmarks (the rows: qualcode.store.record_rows)."""

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
# A row's status: a person's coding ('coded'); a machine suggestion nobody decided
# ('unreviewed'), the latest decision on it ('accepted', 'rejected', 'changed'), or
# 'superseded' (a rule suggestion the latest model took over: never shown to anyone).
STATUSES = ("coded", "unreviewed", "accepted", "rejected", "changed", "superseded")
# the statuses of decided suggestions as earlier exports named them, still accepted by --status
OLD_STATUSES = {"accept": "accepted", "reject": "rejected", "recode": "changed"}


def filter_codings(
    rows: Iterable[dict[str, Any]],
    kinds: Collection[str] = (),
    coders: Collection[str] = (),
    documents: Collection[str] = (),
    statuses: Collection[str] = (),
) -> Iterator[dict[str, Any]]:
    """The rows of the chosen kinds, people (the rows of each one's layer: imported, accepted,
    added, changed or blind codings; 'resolved' for the reconciled coding), documents (by
    stored source name) and statuses (the decisions' old names accept, reject and recode
    too); an empty choice keeps every row. Streamed."""
    wanted = {OLD_STATUSES.get(s, s) for s in statuses}
    for row in rows:
        if kinds and row["kind"] not in kinds:
            continue
        if coders and row["person"] not in coders:
            continue
        if documents and row["document"] not in documents:
            continue
        if wanted and row["status"] not in wanted:
            continue
        yield row


def write_codings(rows: Iterable[dict[str, Any]], fmt: str, output: Path | None) -> int:
    """Write ``rows`` as ``csv`` or ``jsonl`` to ``output`` (atomically) or standard output;
    returns how many were written."""
    if output is None:
        return _write(rows, fmt, sys.stdout)
    with atomic_write(output) as fh:
        return _write(rows, fmt, fh)
