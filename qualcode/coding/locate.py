"""Finding a quoted excerpt in a document's text, as other tools export it: whitespace, line
breaks, punctuation, smart quotes and case may differ, and a few words may have been tidied.

Pure: texts in, character spans out. Words are compared, not characters, so "don't" and
"don’t", a line break and a space, or "police—and" and "police - and" all match. When the exact
word sequence is absent, the window of the document with the most words in common with the
quote is taken if it shares at least ``threshold`` of them, or, when several words were
mistyped (``typos``), if it shares 65% of them and nine tenths of its letters (difflib).

Indexed: a document's words and where each occurs (``Index``) are built once and asked every
quote of a sheet, and each search starts from the quote's rarest words, so a quote that is not
there is known to be absent after looking at a few places, not after sliding over the document.
The answers are those of the plain scan (the earliest best window), only found faster.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"',
                      "\u201d": '"', "\u2013": "-", "\u2014": "-"})  # fmt: skip
WORD = re.compile(r"\w+(?:'\w+)?")
THRESHOLD = 0.85  # share of the quote's words a fuzzy match must have
ANCHOR = 6  # words at each end of a long quote that must match exactly
TYPO_WORDS = 5  # a quote this long may have slips of typing in several words
TYPO_SHARE = 0.65  # of its words a quote with slips must still share exactly
TYPO_RATIO = 0.9  # letters in common (difflib) a quote with slips must have with its passage


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    score: float  # 1.0 exact (by words), else the share of the quote's words found


def words(text: str) -> list[tuple[str, int, int]]:
    """(lower-case word, start, end) of each word; apostrophes folded, so "don't" is one."""
    folded = text.translate(FOLD)
    return [(m.group(0).lower(), m.start(), m.end()) for m in WORD.finditer(folded)]


class Index:
    """A document's words, and the word positions of each distinct word (ascending)."""

    def __init__(self, text: str = "", doc_words: list[tuple[str, int, int]] | None = None):
        self.words = doc_words if doc_words is not None else words(text)
        self.tokens = [w for w, _, _ in self.words]
        self.at: dict[str, list[int]] = {}
        for i, w in enumerate(self.tokens):
            self.at.setdefault(w, []).append(i)

    def count(self, word: str) -> int:
        return len(self.at.get(word, ()))

    def starts(self, seq: list[str]) -> list[int]:
        """Word indices where ``seq`` occurs, ascending (looked up by its rarest word)."""
        k = min(range(len(seq)), key=lambda i: self.count(seq[i]))
        n, tokens = len(seq), self.tokens
        return [
            p - k for p in self.at.get(seq[k], ()) if p >= k and tokens[p - k : p - k + n] == seq
        ]


def locate(
    text: str,
    quote: str,
    threshold: float = THRESHOLD,
    doc_words: list[tuple[str, int, int]] | None = None,
    index: Index | None = None,
    after: int = 0,
    typos: bool = False,
) -> Found | None:
    """Where ``quote`` is in ``text`` (character span), or None. Pass the document's ``index``
    when asking many quotes of one text; ``after``, a character offset the quote starts at or
    after (the parts of a quote cut with '...' are found in order); ``typos``, to accept a
    passage that differs from the quote by slips of typing (see ``_misspelt``)."""
    ix = index if index is not None else Index(text, doc_words)
    qw = [w for w, _, _ in words(quote)]
    if not qw or not ix.tokens:
        return None
    dw, n = ix.words, len(qw)
    w0 = bisect_left([s for _, s, _ in dw], after) if after else 0
    exact = [p for p in ix.starts(qw) if p >= w0]
    if exact:  # the exact word sequence
        return Found(dw[exact[0]][1], dw[exact[0] + n - 1][2], 1.0)
    anchored = _anchored(ix, qw, w0)
    if anchored is not None:  # both ends found, in order, at about the quote's length
        i, j = anchored
        return Found(dw[i][1], dw[j][2], 0.99)
    if n > len(ix.tokens):
        return None
    best, best_at = best_window(ix, qw, _needed(n, threshold), w0)
    score = best / n
    if score < threshold:
        return _misspelt(ix, qw, w0) if typos else None
    return Found(dw[best_at][1], dw[best_at + n - 1][2], round(score, 3))


def _misspelt(ix: Index, qw: list[str], w0: int) -> Found | None:
    """A quote of TYPO_WORDS or more whose words were retyped with slips ('recieved', 'wardns'):
    the window sharing at least TYPO_SHARE of its words whose letters match the quote's (difflib's
    ratio over the joined words) at TYPO_RATIO or more."""
    from difflib import SequenceMatcher

    n = len(qw)
    if n < TYPO_WORDS:
        return None
    need = _needed(n, TYPO_SHARE)
    shared, at = best_window(ix, qw, need, w0)
    if shared < need:
        return None
    seen = " ".join(ix.tokens[at : at + n])
    ratio = SequenceMatcher(None, " ".join(qw), seen, autojunk=False).ratio()
    if ratio < TYPO_RATIO:
        return None
    return Found(ix.words[at][1], ix.words[at + n - 1][2], round(ratio * 0.9, 3))


def _needed(n: int, threshold: float) -> int:
    """The fewest shared words out of ``n`` whose share reaches ``threshold``."""
    need = max(0, int(threshold * n))
    while need > 0 and (need - 1) / n >= threshold:
        need -= 1
    while need / n < threshold and need <= n:
        need += 1
    return need


def _anchored(ix: Index, qw: list[str], w0: int = 0) -> tuple[int, int] | None:
    """Word indices (first, last) of a long quote whose first and last ANCHOR words appear in
    order in the document, spanning 70% to 150% of its length: a quote whose middle was
    tidied (a dropped aside, an inaudible word) is still that passage."""
    n = len(qw)
    if n < 3 * ANCHOR:
        return None
    heads = [p for p in ix.starts(qw[:ANCHOR]) if p >= w0]
    tails = ix.starts(qw[-ANCHOR:]) if heads else []
    for i in heads:
        lo, hi = i + int(0.7 * n) - ANCHOR, min(len(ix.tokens) - ANCHOR, i + int(1.5 * n))
        k = bisect_left(tails, max(lo, i + ANCHOR))
        if k < len(tails) and tails[k] <= hi:
            return i, tails[k] + ANCHOR - 1
    return None


def best_window(ix: Index, qw: list[str], need: int = 0, w0: int = 0) -> tuple[int, int]:
    """(shared words, first word index) of the earliest window of ``len(qw)`` document words
    sharing the most words with the quote, among windows that could share ``need``. A window
    sharing ``need`` words misses at most n - need of the quote's words, so it holds one of
    the quote's n - need + 1 rarest words: only windows around those are slid over."""
    tokens, n = ix.tokens, min(len(qw), len(ix.tokens))
    wanted = Counter(qw)
    if w0 > len(tokens) - n:
        return 0, w0
    if need <= 0:
        return _slide(tokens, wanted, n, [(w0, len(tokens) - n)])
    if sum(min(c, ix.count(w)) for w, c in wanted.items()) < need:
        return 0, 0  # the document does not hold enough of the quote's words anywhere
    rarest = sorted(qw, key=lambda w: (ix.count(w), w))[: n - need + 1]
    last = len(tokens) - n
    spans = sorted(
        (max(w0, p - n + 1), min(p, last)) for w in set(rarest) for p in ix.at.get(w, ())
    )
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if a > b:
            continue
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return _slide(tokens, wanted, n, merged)


def _slide(
    tokens: list[str], need: Counter[str], n: int, spans: list[tuple[int, int]]
) -> tuple[int, int]:
    """Slide a window of n words over each span of first-word indices, counting shared words."""
    top, top_at = 0, 0
    for a, b in spans:
        window = Counter(tokens[a : a + n])
        shared = sum(min(c, window[w]) for w, c in need.items())
        if shared > top:
            top, top_at = shared, a
        for i in range(a + 1, b + 1):  # slide one word: update the shared count
            out, into = tokens[i - 1], tokens[i + n - 1]
            if out in need and window[out] <= need[out]:
                shared -= 1
            window[out] -= 1
            window[into] += 1
            if into in need and window[into] <= need[into]:
                shared += 1
            if shared > top:
                top, top_at = shared, i
    return top, top_at
