"""What a query finds in one turn's text: the hits' spans, by the query's boolean tree.

A turn matches when its tree does (AND: every part, OR: any, NOT: not its part, NEAR: both
terms at most N words apart, in either order, counting the words between them as the index
does); its hits are the spans of the terms that matched (overlapping spans merged into one).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from qualcode.analysis import fts, patterns
from qualcode.analysis import query as q

if TYPE_CHECKING:
    from qualcode.analysis.search import SearchOptions

_TOKEN = re.compile(r"[^\W_]+")


class Matcher:
    """What a query finds in one turn's text: the hits' (start, end), or none."""

    def __init__(
        self,
        options: SearchOptions,
        forms: dict[str, tuple[str, ...]],
        terms_of: Callable[[], list[str]] | None = None,
    ) -> None:
        self.regex = q.check_regex(options.query, options.case) if options.regex else None
        self.node = None if options.regex else q.with_forms(q.parse(options.query), forms)
        if self.node is not None and terms_of is not None:
            self.node = fts.with_index_terms(self.node, terms_of)
        self.case = options.case
        self.patterns = (
            {t: patterns.term_pattern(t, options.case) for t in q.terms(self.node)}
            if self.node
            else {}
        )

    def fts(self) -> str | None:
        if self.regex is not None:
            return fts.regex_fts(self.regex.pattern)
        return None if self.node is None else fts.fts_query(self.node)

    def prepare(self, text: str) -> str:
        """A turn's text as the patterns read it (lower-cased unless case matters)."""
        return text if self.case or self.regex is not None else patterns.lower_same_length(text)

    def __call__(self, text: str) -> list[tuple[int, int]]:
        """The hits in one turn's text (as :meth:`prepare` gives it)."""
        if self.regex is not None:
            return [m.span() for m in self.regex.finditer(text) if m.end() > m.start()]
        assert self.node is not None
        if isinstance(self.node, q.Term):  # one word or phrase: the spans as found
            return patterns.find(self.patterns[self.node], text)
        found, spans = self._eval(self.node, text)
        return _merged(spans) if found else []

    def _eval(self, node: q.Node, text: str) -> tuple[bool, list[tuple[int, int]]]:
        if isinstance(node, q.Term):
            spans = patterns.find(self.patterns[node], text)
            return bool(spans), spans
        if isinstance(node, q.Near):
            return self._near(node, text)
        if isinstance(node, q.Not):
            return not self._eval(node.node, text)[0], []
        results = [self._eval(n, text) for n in node.nodes]
        if node.op == "AND" and not all(ok for ok, _ in results):
            return False, []
        spans = [s for ok, ss in results if ok for s in ss]
        return any(ok for ok, _ in results), spans

    def _near(self, node: q.Near, text: str) -> tuple[bool, list[tuple[int, int]]]:
        left = patterns.find(self.patterns[node.left], text)
        right = patterns.find(self.patterns[node.right], text) if left else []
        if not right:
            return False, []
        starts = [m.start() for m in _TOKEN.finditer(text)]
        spans = set()
        for a in left:
            for b in right:
                first, second = (a, b) if a[0] <= b[0] else (b, a)
                if first[1] > second[0]:
                    continue  # overlapping: one word, not two near each other
                between = bisect_left(starts, second[0]) - bisect_left(starts, first[1])
                if between <= node.distance:
                    spans.add((first[0], second[1]))
        return bool(spans), sorted(spans)


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(set(spans)):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
