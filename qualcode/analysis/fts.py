"""The FTS5 query that narrows a search to the turns that may match: never fewer.

A word or phrase is the index's phrase; a wildcard its prefix (or, starting with a wildcard, its
matches among the index's terms); --forms the forms as alternatives; NEAR the index's NEAR with
room for words the index splits; NOT never narrows (the index's match of a term may be wider
than the term's own). A regular expression that starts a word with letters is narrowed by them.
"""

from __future__ import annotations

import re
from typing import Any

from qualcode.analysis.patterns import word_regex
from qualcode.analysis.query import Near, Node, Not, Op, Term


def regex_fts(pattern: str) -> str | None:
    """An FTS5 prefix query for a regular expression that starts a word with letters
    (``\\bsafeguard(ing|ed)``, ``(?<!\\w)refer``): every match starts an index term with them.
    None (every turn a candidate) for any other expression, or one with a top-level '|'."""
    m = re.match(r"(?:\\b|\(\?<!\\w\))([^\W_]{2,})", pattern)
    if m is None or _top_level_bar(pattern):
        return None
    word, rest = m.group(1), pattern[m.end() :]
    if rest[:1] in ("*", "?", "{"):  # the last letter is optional
        word = word[:-1]
    return f'"{word}" *' if len(word) >= 2 else None


def _top_level_bar(pattern: str) -> bool:
    depth, escaped, in_class = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


def _fts_words(text: str) -> str:
    return '"' + " ".join(re.findall(r"[^\W_]+", text)) + '"'


NOTHING = ""  # an FTS query no turn matches (a wildcard matching no word of the corpus)
MAX_INDEXED = 300  # a wildcard matching more of the index's terms is looked up by its prefix


def needs_terms(term: Term) -> bool:
    """Whether the index can narrow a wildcard only through its list of terms: one that starts
    with a wildcard, in one word of letters and digits (others are looked up by their prefix:
    reading the list of terms costs a pass over the whole index)."""
    return term.wildcard and bool(re.fullmatch(r"[*?]+[^\W_]*(?:[*?][^\W_]*)*", term.text))


def with_index_terms(node: Node, terms_of: Any) -> Node:
    """The tree with each wildcard :func:`needs_terms` says so given its matches among the
    index's terms (``terms_of()``: every term, read once and only when needed)."""
    if isinstance(node, Term):
        if not needs_terms(node):
            return node
        pattern = re.compile(word_regex(node.text, lower=True))
        found = tuple(t for t in terms_of() if pattern.fullmatch(t))
        return Term(
            node.text, node.phrase, node.forms, found if len(found) <= MAX_INDEXED else None
        )
    if isinstance(node, Near):
        left, right = with_index_terms(node.left, terms_of), with_index_terms(node.right, terms_of)
        return Near(left, right, node.distance)  # type: ignore[arg-type]
    if isinstance(node, Not):
        return Not(with_index_terms(node.node, terms_of))
    return Op(node.op, tuple(with_index_terms(n, terms_of) for n in node.nodes))


def _fts_term(term: Term) -> str | None:
    if term.forms or term.indexed is not None:
        words = term.forms or term.indexed or ()
        return "(" + " OR ".join(_fts_words(f) for f in sorted(words)) + ")" if words else NOTHING
    if not term.wildcard:
        return _fts_words(term.text)
    head = re.split(r"[*?]", term.text, maxsplit=1)[0]
    if not re.search(r"[^\W_]", head) or not re.match(r"[^\W_]", term.text):
        return None  # a leading wildcard: every turn is a candidate
    # the letters before the first wildcard, as a prefix ('re-fer*' -> "re fer" *)
    tail_cut = not re.search(r"[^\W_]$", head)
    return _fts_words(head) + ("" if tail_cut else " *")


def fts_query(node: Node) -> str | None:
    """An FTS5 query finding every turn the tree can match (perhaps more); None when the index
    cannot narrow the search (every turn is a candidate), NOTHING when no turn can match."""
    if isinstance(node, Term):
        return _fts_term(node)
    if isinstance(node, Near):
        return _fts_near(node)
    if isinstance(node, Not):
        return None  # never exclude by the index: its match may be wider than the term's
    parts = [fts_query(n) for n in node.nodes if not isinstance(n, Not)]
    if node.op == "OR":
        if any(p is None for p in parts):
            return None
        kept = [p for p in parts if p != NOTHING]
        return "(" + " OR ".join(kept) + ")" if kept else NOTHING  # type: ignore[arg-type]
    if NOTHING in parts:
        return NOTHING
    kept = [p for p in parts if p is not None]
    return "(" + " AND ".join(kept) + ")" if kept else None  # type: ignore[arg-type]


def _fts_near(node: Near) -> str | None:
    left, right = _fts_term(node.left), _fts_term(node.right)
    if NOTHING in (left, right):
        return NOTHING
    if left is None or right is None:
        return left or right
    if any(t.forms or t.indexed is not None for t in (node.left, node.right)):
        return f"{left} AND {right}"  # NEAR groups take no OR: both words will do
    return f"NEAR({left} {right}, {node.distance + _extra(node)})"


def _extra(node: Near) -> int:
    """Tokens the index may count that the query's words do not (a hyphenated or apostrophe word
    is several index tokens): added to NEAR's distance so the index never misses a turn."""
    split = re.compile(r"[^\W_]+")
    return sum(max(0, len(split.findall(t.text)) - 1) for t in (node.left, node.right)) + 2
