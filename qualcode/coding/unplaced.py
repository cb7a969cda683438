"""Quotes an import could not place, each with the passage most like it, written as a CSV the
user fixes the sheet from (``import codings --report FILE.csv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.models import Document

COLUMNS = ("sheet", "row", "document", "quote_start", "problem", "candidate_document",
           "candidate_turn", "candidate_excerpt", "similarity")  # fmt: skip
EXCERPT = 120  # characters of the candidate passage shown


@dataclass(frozen=True)
class Miss:
    label: str  # "row 7" or "sheet 'Participant 3' row 7"
    document: str  # what the row or sheet named
    quote: str
    problem: str
    doc: Document | None = None  # the document it was looked for in, when one was found


def _where(label: str) -> tuple[str, str]:
    """(sheet, row number) of a row label."""
    head, _, number = label.rpartition("row ")
    return head.strip().removeprefix("sheet ").strip("'"), number.strip()


def best_candidate(
    quote: str, own: Document | None, others: list[Document], indexes: dict[int, Any]
) -> tuple[Document, int, str, float] | None:
    """(document, turn index, excerpt, share of the quote's words found there) of the window
    of document words most like the quote: in its own document, else a better one elsewhere."""
    from qualcode.coding.locate import Index, best_window, words

    qw = [w for w, _, _ in words(quote)]
    if not qw:
        return None
    best: tuple[int, Document, int] | None = None
    for doc in ([own] if own else []) + [d for d in others if d is not own]:
        if doc.id not in indexes:
            indexes[doc.id] = Index(doc.text)
        ix = indexes[doc.id]
        if not ix.tokens:
            continue
        need = 0 if best is None else best[0] + 1  # elsewhere only a strictly better window
        shared, at = best_window(ix, qw, need)
        if shared and (best is None or shared > best[0]):
            best = (shared, doc, at)
    if best is None:
        return None
    shared, doc, at = best
    ix = indexes[doc.id]
    last = min(at + len(qw), len(ix.words)) - 1
    start, end = ix.words[at][1], ix.words[last][2]
    turn = max(doc.turns, key=lambda t: min(end, t.end) - max(start, t.start), default=None)
    excerpt = " ".join(doc.text[start:end].split())
    excerpt = excerpt if len(excerpt) <= EXCERPT else excerpt[: EXCERPT - 3] + "..."
    return doc, (turn.index if turn else -1), excerpt, round(shared / len(qw), 2)


def write_report(
    path: Path, misses: list[Miss], documents: list[Document], indexes: dict[int, Any]
) -> None:
    """Write one row per unplaced quote (atomically): where it is, how it starts, and the best
    candidate passage with its similarity."""
    from qualcode.export import atomic_write

    with atomic_write(path) as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for miss in misses:
            sheet, row = _where(miss.label)
            found = best_candidate(miss.quote, miss.doc, documents, indexes)
            start = " ".join(miss.quote.split())[:60]
            cand = ["", "", "", ""]
            if found is not None:
                doc, turn, excerpt, score = found
                cand = [doc.participant_id or doc.name, str(turn), excerpt, f"{score:.2f}"]
            problem = miss.problem.split(": '")[0]  # the quote is in its own column
            out.writerow([sheet, row, miss.document, start, problem, *cand])
