"""The order in which unreviewed segments are shown: a pure function of their uncertainty and
interview, shared by the review queue (``review/session.py``) and the suggester's active-learning
queue (``coding/learn.py``) so that neither imports the other."""

from __future__ import annotations

import heapq


def diverse_order(
    items: list[int], uncertainty: list[float], documents: list[int], window: int = 3
) -> list[int]:
    """Most uncertain first, but not from an interview among the last ``window`` picked while
    another interview's item is waiting: one long interview the model is unsure about would
    otherwise fill the first hundred reviews, and the model learns more from a spread of
    interviews (uncertainty with diversity). Ties keep the given order; deterministic."""
    by_doc: dict[int, list[tuple[float, int, int]]] = {}
    for rank, (item, unsure, doc) in enumerate(zip(items, uncertainty, documents, strict=True)):
        by_doc.setdefault(doc, []).append((-unsure, rank, item))
    for queue in by_doc.values():
        queue.sort()
    heads = [(q[0], doc) for doc, q in by_doc.items()]
    heapq.heapify(heads)
    recent: list[int] = []
    out: list[int] = []
    held: list[tuple[tuple[float, int, int], int]] = []  # heads of recently picked interviews
    while heads or held:
        if heads:
            head, doc = heapq.heappop(heads)
            if doc in recent:
                held.append((head, doc))
                continue
        else:  # only recently picked interviews are left: the most uncertain of them
            held.sort()
            head, doc = held.pop(0)
        out.append(head[2])
        by_doc[doc].pop(0)
        recent = [*recent, doc][-window:]
        for h in held:
            heapq.heappush(heads, h)
        held = []
        if by_doc[doc]:
            heapq.heappush(heads, (by_doc[doc][0], doc))
    return out
