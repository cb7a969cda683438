"""The search query language: words, "phrases", wildcards, NEAR/N, AND, OR, NOT, parentheses.

    safeguarding                 a word (any case; whole words only)
    "early help"                 a phrase: these words in this order (punctuation between is fine)
    refer*   organi?ation        wildcards: * any letters, ? one letter
    MASH NEAR/5 referral         both words at most 5 words apart, in either order
    police AND (MASH OR hub)     AND (also implied between terms), OR, NOT, parentheses

A query parses to a small tree (:func:`parse`); each term becomes a regular expression that finds
the hits in a turn's stored text (qualcode.analysis.patterns), and the tree becomes an FTS5 query
that narrows the turns to look at (qualcode.analysis.fts): always a superset of the turns that
match, so the index only saves time and never changes a count. A bad query raises
:class:`QueryError` naming the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualcode.errors import QualcodeError

HINT = 'e.g. refer*, "early help", MASH NEAR/5 referral, police AND NOT court'
OPERATORS = ("AND", "OR", "NOT")


class UsageError(QualcodeError):
    """A search asked for something that is not there (a code, an attribute): exit code 2."""

    exit_code = 2


class QueryError(UsageError):
    """A query that cannot be read; says what is wrong with it (exit code 2)."""

    def __init__(self, message: str, hint: str = HINT) -> None:
        super().__init__(f"search query: {message}", hint)


@dataclass(frozen=True)
class Term:
    text: str  # as typed (a word, a wildcard or a phrase's words)
    phrase: bool = False
    forms: tuple[str, ...] = ()  # with --forms: every form of the word found in the corpus
    indexed: tuple[str, ...] | None = None  # a wildcard's matches among the index's terms

    @property
    def wildcard(self) -> bool:
        return not self.phrase and ("*" in self.text or "?" in self.text)


@dataclass(frozen=True)
class Near:
    left: Term
    right: Term
    distance: int


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class Op:
    op: str  # AND / OR
    nodes: tuple[Node, ...]


Node = Term | Near | Not | Op

_TOKENS = re.compile(r'\s*(?:(")|(\()|(\))|(NEAR(?:/(\S*))?)(?=[\s()"]|$)|([^\s()"]+))')


def _tokens(query: str) -> list[tuple[str, str]]:
    """(kind, value): phrase, open, close, near (value = the distance), op, word."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        m = _TOKENS.match(query, pos)
        if m is None:  # pragma: no cover - the pattern matches any non-blank character
            raise QueryError(f"cannot read '{query[pos:]}'")
        if m.group(1):
            end = query.find('"', m.end())
            if end < 0:
                raise QueryError('a quote is not closed: every phrase needs its closing "')
            out.append(("phrase", query[m.end() : end]))
            pos = end + 1
            continue
        pos = m.end()
        if m.group(2) or m.group(3):
            out.append(("open" if m.group(2) else "close", ""))
        elif m.group(4):
            out.append(("near", _distance(m.group(5))))
        elif m.group(6) in OPERATORS:
            out.append(("op", m.group(6)))
        else:
            out.append(("word", m.group(6)))
    return out


def _distance(given: str | None) -> str:
    if not given:
        raise QueryError("NEAR needs a number of words: write A NEAR/5 B")
    if not given.isdigit() or not 0 < int(given) <= 100:
        raise QueryError(f"NEAR/{given}: the distance must be a number of words from 1 to 100")
    return given


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while self.peek() == ("op", "OR"):
            self.take()
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Op("OR", tuple(nodes))

    def parse_and(self) -> Node:
        nodes = [self.parse_not()]
        while (tok := self.peek()) is not None and tok[0] != "close" and tok != ("op", "OR"):
            if tok == ("op", "AND"):
                self.take()
            nodes.append(self.parse_not())
        if all(isinstance(n, Not) for n in nodes):
            raise QueryError("NOT needs something to keep: write A NOT B or A AND NOT B")
        return nodes[0] if len(nodes) == 1 else Op("AND", tuple(nodes))

    def parse_not(self) -> Node:
        if self.peek() == ("op", "NOT"):
            self.take()
            return Not(self.parse_near())
        return self.parse_near()

    def parse_near(self) -> Node:
        left = self.parse_atom()
        tok = self.peek()
        if tok is None or tok[0] != "near":
            return left
        self.take()
        right = self.parse_atom()
        if not isinstance(left, Term) or not isinstance(right, Term):
            raise QueryError("NEAR joins two words or phrases: write A NEAR/5 B")
        if self.peek() is not None and self.peek()[0] == "near":  # type: ignore[index]
            raise QueryError("NEAR joins two words or phrases, not three")
        return Near(left, right, int(tok[1]))

    def parse_atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QueryError("the query ends where a word was expected")
        kind, value = self.take()
        if kind == "open":
            node = self.parse_or()
            if self.peek() != ("close", ""):
                raise QueryError("a bracket is not closed: every ( needs its )")
            self.take()
            return node
        if kind in ("phrase", "word"):
            return _term(value, kind == "phrase")
        if kind == "close":
            raise QueryError("a ) with no ( before it")
        if kind == "near":
            raise QueryError("NEAR needs a word on each side: write A NEAR/5 B")
        raise QueryError(f"{value} needs a word on each side")


def _term(text: str, phrase: bool) -> Term:
    words = text.split()
    if not any(re.search(r"[^\W_]", w) for w in words):
        what = f'the phrase "{text}"' if phrase else f"'{text}'"
        raise QueryError(f"{what} has no letters or digits to search for")
    if phrase and any(c in text for c in "*?"):
        raise QueryError(f'wildcards work on single words, not inside the phrase "{text}"')
    return Term(" ".join(words), phrase=phrase or len(words) > 1)


def parse(query: str) -> Node:
    """The query's tree; QueryError for an empty or malformed query."""
    if not query.strip():
        raise QueryError('the query is empty: give a word, a "phrase" or a pattern')
    parser = _Parser(_tokens(query))
    node = parser.parse_or()
    if parser.peek() is not None:
        kind, value = parser.peek()  # type: ignore[misc]
        raise QueryError("a ) with no ( before it" if kind == "close" else f"unexpected {value}")
    return node


def terms(node: Node) -> list[Term]:
    """Every term of the query, in order (NOT's too)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [node.left, node.right]
    if isinstance(node, Not):
        return terms(node.node)
    return [t for n in node.nodes for t in terms(n)]


def with_forms(node: Node, forms: dict[str, tuple[str, ...]]) -> Node:
    """The tree with each plain word's forms filled in (``forms``: word -> its forms)."""
    if isinstance(node, Term):
        got = forms.get(node.text.casefold(), ())
        return Term(node.text, node.phrase, got) if got and not node.wildcard else node
    if isinstance(node, Near):
        left, right = with_forms(node.left, forms), with_forms(node.right, forms)
        return Near(left, right, node.distance)  # type: ignore[arg-type]
    if isinstance(node, Not):
        return Not(with_forms(node.node, forms))
    return Op(node.op, tuple(with_forms(n, forms) for n in node.nodes))


def check_regex(pattern: str, case: bool = False) -> re.Pattern[str]:
    """A --regex query compiled, or QueryError naming what is wrong with it."""
    if not pattern.strip():
        raise QueryError('the query is empty: give a word, a "phrase" or a pattern')
    try:
        compiled = re.compile(pattern, 0 if case else re.IGNORECASE)
    except re.error as exc:
        raise QueryError(
            f"not a valid regular expression: {exc.msg} at position {exc.pos}",
            "Python's re syntax, e.g. 'refer(ral|red)s?'; drop --regex for plain words",
        ) from exc
    if compiled.search(""):
        raise QueryError(
            f"the regular expression '{pattern}' matches empty text", "make it match something"
        )
    return compiled
