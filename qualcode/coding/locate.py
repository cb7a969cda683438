"""Finding a quoted excerpt in a document's text, as other tools export it: whitespace, line
breaks, punctuation, smart quotes and case may differ, and a few words may have been tidied.

Pure: texts in, character spans out. Words are compared, not characters, so "don't" and
"don’t", a line break and a space, or "police—and" and "police - and" all match. When the exact
word sequence is absent, the window of the document with the most words in common with the
quote is taken if it shares at least ``threshold`` of them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"',
                      "\u201d": '"', "\u2013": "-", "\u2014": "-"})  # fmt: skip
WORD = re.compile(r"\w+(?:'\w+)?")
THRESHOLD = 0.85  # share of the quote's words a fuzzy match must have


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    score: float  # 1.0 exact (by words), else the share of the quote's words found


def words(text: str) -> list[tuple[str, int, int]]:
    """(lower-case word, start, end) of each word; apostrophes folded, so "don't" is one."""
    folded = text.translate(FOLD)
    return [(m.group(0).lower(), m.start(), m.end()) for m in WORD.finditer(folded)]


def locate(
    text: str,
    quote: str,
    threshold: float = THRESHOLD,
    doc_words: list[tuple[str, int, int]] | None = None,
) -> Found | None:
    """Where ``quote`` is in ``text`` (character span), or None."""
    dw = doc_words if doc_words is not None else words(text)
    qw = [w for w, _, _ in words(quote)]
    if not qw or not dw:
        return None
    tokens = [w for w, _, _ in dw]
    n = len(qw)
    first = qw[0]
    for i, w in enumerate(tokens):  # exact word sequence
        if w == first and tokens[i : i + n] == qw:
            return Found(dw[i][1], dw[i + n - 1][2], 1.0)
    anchored = _anchored(tokens, qw)
    if anchored is not None:  # both ends found, in order, at about the quote's length
        i, j = anchored
        return Found(dw[i][1], dw[j][2], 0.99)
    if n > len(tokens):
        return None
    need = Counter(qw)
    window = Counter(tokens[:n])
    shared = sum(min(c, window[w]) for w, c in need.items())
    best, best_at = shared, 0
    for i in range(1, len(tokens) - n + 1):  # slide one word: update the shared count
        out, into = tokens[i - 1], tokens[i + n - 1]
        if out in need and window[out] <= need[out]:
            shared -= 1
        window[out] -= 1
        window[into] += 1
        if into in need and window[into] <= need[into]:
            shared += 1
        if shared > best:
            best, best_at = shared, i
    score = best / n
    if score < threshold:
        return None
    return Found(dw[best_at][1], dw[best_at + n - 1][2], round(score, 3))


ANCHOR = 6  # words at each end of a long quote that must match exactly


def _anchored(tokens: list[str], qw: list[str]) -> tuple[int, int] | None:
    """Word indices (first, last) of a long quote whose first and last ANCHOR words appear in
    order in the document, spanning 70% to 150% of its length: a quote whose middle was
    tidied (a dropped aside, an inaudible word) is still that passage."""
    n = len(qw)
    if n < 3 * ANCHOR:
        return None
    head, tail = qw[:ANCHOR], qw[-ANCHOR:]
    for i in range(len(tokens) - ANCHOR + 1):
        if tokens[i : i + ANCHOR] != head:
            continue
        lo, hi = i + int(0.7 * n) - ANCHOR, min(len(tokens) - ANCHOR, i + int(1.5 * n))
        for j in range(max(lo, i + ANCHOR), hi + 1):
            if tokens[j : j + ANCHOR] == tail:
                return i, j + ANCHOR - 1
    return None
