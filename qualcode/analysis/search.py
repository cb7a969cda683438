"""Text search over the stored turns: hits as keyword-in-context lines, counted by group.

The full-text index (qualcode.store.search) narrows the turns to look at; every hit is then
found with a regular expression in the turn's stored text, so offsets are exact and counts do
not depend on the index. Filters: speaker role (participants by default), documents, attribute
values, and a code (only hits inside segments the findings' final coding gives that code, read
through qualcode.review.layers). Quotes are pseudonymised as the reports do it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from qualcode.analysis import fts, patterns
from qualcode.analysis import query as q
from qualcode.segment import segment_id, sentence_spans

SPEAKERS = ("participant", "interviewer", "all")
CONTEXT = 60  # characters of context each side of a hit
CUT = "\x00"  # between a line's pieces while the pseudonymiser reads it (once per line)
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchOptions:
    query: str
    regex: bool = False
    forms: bool = False
    case: bool = False
    speakers: str = "participant"
    documents: tuple[str, ...] = ()
    where: tuple[str, ...] = ()  # "attribute=value"
    code: str = ""
    by: str = ""


@dataclass(slots=True)
class Hit:
    participant: str
    document: str
    turn: int
    role: str
    start: int  # offsets into the document's text
    end: int
    group: str = ""  # the --by attribute's value
    segment: str = ""  # the coding unit holding the hit (fill_segments; '' on interviewer turns)
    left: str = ""  # pseudonymised keyword-in-context pieces (filled by kwic())
    hit: str = ""
    right: str = ""
    document_id: int = field(default=0, repr=False)
    turn_start: int = field(default=0, repr=False)
    turn_end: int = field(default=0, repr=False)


HIT_FIELDS = ("participant", "document", "turn", "role", "start", "end", "group", "segment",
              "left", "hit", "right")  # fmt: skip


@dataclass(frozen=True)
class GroupCount:
    group: str
    hits: int
    turns: int
    participants: int  # participants with a hit
    of: int  # participants searched in the group


@dataclass
class SearchResult:
    query: str
    mode: str  # words, forms or regex
    speakers: str
    filters: dict[str, Any]
    forms: dict[str, list[str]]
    hits: list[Hit]
    turns: int
    participants: int
    searched: int  # participants (or documents) searched
    by: str = ""
    groups: list[GroupCount] = field(default_factory=list)
    unit: str = "turn"  # the project's coding unit (turn or sentence)
    texts: dict[int, str] = field(default_factory=dict, repr=False)  # the hits' documents
    shas: dict[int, str] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """What --json prints: everything but the turns' texts and internal ids."""
        fill_segments(self)
        skip = ("texts", "shas", "hits", "groups")
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        out["groups"] = [asdict(g) for g in self.groups]
        out["hits"] = [{k: getattr(h, k) for k in HIT_FIELDS} for h in self.hits]
        return out


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


def word_forms(project: Any, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each word -> every form of it in the corpus: the index's terms with the same lemma, by
    the lemmatiser the rule coder uses (qualcode.coding.nlp)."""
    from qualcode.coding.nlp import load_pipeline

    wanted = {w.casefold() for w in words}
    if not wanted:
        return {}
    pipe = load_pipeline(project.settings.coding.spacy_model)
    terms = project.store.search_terms()
    if pipe.attr == "NORM":
        vocab = pipe.nlp.vocab
        lemmas = [vocab[t].norm_ for t in terms]
        lemma_of = {w: vocab[w].norm_ for w in wanted}
    else:  # a trained pipeline: its own lemmas, one word at a time
        docs = pipe.nlp.pipe(terms)
        lemmas = [d[0].lemma_.lower() if len(d) else t for t, d in zip(terms, docs, strict=True)]
        lemma_of = {w: pipe.nlp(w)[0].lemma_.lower() for w in wanted}
    by_lemma: dict[str, set[str]] = {}
    for term, lemma in zip(terms, lemmas, strict=True):
        by_lemma.setdefault(lemma, set()).add(term)
    return {w: tuple(sorted(by_lemma.get(lemma_of[w], set()) | {w})) for w in wanted}


def search(project: Any, options: SearchOptions) -> SearchResult:
    """Every hit of the query in the project's current turns, with the filters applied."""
    from qualcode.analysis.scope import Scope

    if options.speakers not in SPEAKERS:
        raise q.UsageError(f"--speakers {options.speakers}", "use participant, interviewer or all")
    forms: dict[str, tuple[str, ...]] = {}
    if options.forms and not options.regex:
        plain = [t.text for t in q.terms(q.parse(options.query)) if not t.phrase and not t.wildcard]
        if not plain:
            raise q.QueryError("--forms needs a plain word (not a phrase or a wildcard)")
        forms = word_forms(project, plain)
    terms: list[str] = []

    def terms_of() -> list[str]:  # the index's terms, read once if a wildcard needs them
        if not terms:
            terms.extend(project.store.search_terms())
        return terms

    matcher = Matcher(options, forms, terms_of)
    scope = Scope(project, options)
    role = "" if options.speakers == "all" else options.speakers
    match = matcher.fts()
    texts: dict[int, str] = {}
    turns: Iterable[tuple[int, int, int, int, str]] = ()
    if match != fts.NOTHING:
        texts = {d: t for d, t in project.store.search_texts(match).items() if scope.wants(d)}
        source = {d: scope.docs[d]["source"] for d in texts}
        found = (t for t in project.store.search_turns(match, role) if t[0] in texts)
        turns = sorted(found, key=lambda t: (source[t[0]], t[1]))
    hits: list[Hit] = []
    for doc_id, idx, start, end, turn_role in turns:
        spans = matcher(matcher.prepare(texts[doc_id][start:end]))
        if spans:
            who, name, group = scope.shown(doc_id)
            for s, e in spans:
                if scope.within(doc_id, start + s, start + e):
                    hit = Hit(who, name, idx, turn_role, start + s, start + e, group)
                    hit.document_id, hit.turn_start, hit.turn_end = doc_id, start, end
                    hits.append(hit)
    result: SearchResult = scope.result(options, hits, {k: list(v) for k, v in forms.items()})
    result.texts = {d: texts[d] for d in {h.document_id for h in hits}}
    result.unit, result.shas = scope.unit, {d: scope.docs[d]["sha256"] for d in result.texts}
    return result


def fill_segments(result: SearchResult) -> None:
    """Each hit's coding unit (segment id) on a participant turn, by the project's unit."""
    for h in result.hits:
        if h.role == "participant" and not h.segment:
            text = result.texts[h.document_id][h.turn_start : h.turn_end]
            spans = turn_spans(result.unit, h.turn_start, h.turn_end, text)
            h.segment = unit_of(result.shas[h.document_id], spans, h.start)


def kwic(result: SearchResult, pseudo: Any, width: int = CONTEXT, limit: int = 0) -> None:
    """Fill the hits' left context, hit and right context (within the turn, cut at a word,
    pseudonymised as the reports do): all of them, or the first ``limit``."""
    for h in result.hits[:limit] if limit else result.hits:
        text = result.texts[h.document_id][h.turn_start : h.turn_end]
        s, e = h.start - h.turn_start, h.end - h.turn_start
        pieces = [_left(text[:s], width), " ".join(text[s:e].split()), _right(text[e:], width)]
        done = pseudo(CUT.join(p.replace(CUT, "") for p in pieces)).split(CUT)
        h.left, h.hit, h.right = done if len(done) == 3 else [pseudo(p) for p in pieces]


def _left(text: str, width: int) -> str:
    if len(text) <= width:
        return " ".join(text.split()) + (" " if text[-1:].isspace() else "")
    cut = text[-width:]
    cut = cut[cut.find(" ") + 1 :] if " " in cut else cut
    return "… " + " ".join(cut.split()) + (" " if text[-1:].isspace() else "")


def _right(text: str, width: int) -> str:
    lead = " " if text[:1].isspace() else ""
    if len(text) <= width:
        return lead + " ".join(text.split())
    cut = text[:width]
    cut = cut[: cut.rfind(" ")] if " " in cut.strip() else cut
    return lead + " ".join(cut.split()) + " …"


def turn_spans(unit: str, start: int, end: int, text: str) -> list[tuple[int, int]]:
    """The coding units of one participant turn (its text ``text``), as document offsets."""
    if unit != "sentence":
        return [(start, end)]
    return [(start + s, start + e) for s, e in sentence_spans(text, 0, len(text))]


def unit_of(sha: str, spans: list[tuple[int, int]], s: int) -> str:
    """The segment id of the unit holding document offset ``s``."""
    for a, b in spans:
        if a <= s < b:
            return segment_id(sha, a, b)
    a, b = spans[-1]
    return segment_id(sha, a, b)


def pseudonymiser(project: Any) -> Any:
    """The reports' pseudonymiser: the project's listed names and places replaced in quotes."""
    from qualcode.export.pseudo import Pseudonymiser

    settings = project.settings.export
    return Pseudonymiser(settings.names, settings.places)
