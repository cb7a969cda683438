"""Text search over the stored turns: hits as keyword-in-context lines, counted by group.

The full-text index (qualcode.store.search) narrows the turns to look at; every hit is then
found with a regular expression in the turn's stored text, so offsets are exact and counts do
not depend on the index. Filters: speaker role (participants by default), documents, attribute
values, and a code (only hits inside segments the findings' final coding gives that code, read
through qualcode.review.layers). Quotes are pseudonymised as the reports do it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from qualcode.analysis import fts
from qualcode.analysis import query as q
from qualcode.segment import segment_id, sentence_spans

SPEAKERS = ("participant", "interviewer", "all")
CONTEXT = 60  # characters of context each side of a hit
CUT = "\x00"  # between a line's pieces while the pseudonymiser reads it (once per line)


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


def search(project: Any, options: SearchOptions) -> SearchResult:
    """Every hit of the query in the project's current turns, with the filters applied."""
    from qualcode.analysis.forms import word_forms
    from qualcode.analysis.matcher import Matcher
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
