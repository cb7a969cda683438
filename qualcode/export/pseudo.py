"""Pseudonymisation of quotes: names, places and identifying patterns replaced consistently.

One pseudonymiser serves every output (reports, listings, ``export codings``, memos, the
server's pages and downloads, a pseudonymised .qdpx). It is built from everything the project
knows (:func:`qualcode.review.identifiers.project_pseudonymiser`): the ``[export]`` names and
places, every speaker label stored and its parts (first name, surname), identifying attribute
values, and the UK identifier patterns below. The same person gets the same stand-in
everywhere in an output ("Jade" is "[Name 1]" in every table; "Tomos", "Tomos Rees" and "Mr
Rees" are one person), so readers can follow a story without learning who it is about.

Known words are found whatever their case, accents (typed precomposed or with combining
marks), the punctuation or quote marks around them, and the spaces, hyphens or line breaks
inside them ("Gwenllian\\nPrice"). Speakers' name parts that are also ordinary English words
("Mark", "Price") are replaced unless written all in lower case ("mark it down").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from qualcode.export.patterns import KINDS, PATTERNS

__all__ = ["PATTERNS", "Pseudonymiser", "Term", "fold", "suspects"]

# Speakers' name parts that are also everyday words: replaced when capitalised, never when
# written all in lower case ("we'll mark it", "the price of it").
EVERYDAY = frozenset(
    """mark will may grace hope joy faith rose bill pat sue jack frank ray drew art guy rich
    don rob nick gill summer april june holly ivy iris daisy dawn eve sunny chase hunter price
    young long short white black brown green wood hill stone king hall bell fox page miles lane
    field cross park bishop butler porter walker fisher ward power good best hart cook baker
    carter mason bright sharp wise little lord love day may penny sky star moss rice bush
    brook marsh hunt gray grey booth cole parish church house shaw wells west north south
    east mills banks""".split()  # noqa: SIM905
)

_SEP = r"[\s\-\u2010\u2011\u2013\x02-\x05]+"  # inside a term: spaces, hyphens, line breaks
_WORD_AT = re.compile(r"(?<!\w)[^\W_]+")
_DIGIT, _BIRTH = re.compile(r"\d"), re.compile(r"(?i)born|birth|d\.?o\.?b")


def _patterns_for(text: str) -> list[tuple[str, re.Pattern[str]]]:
    """The identifier patterns that can match ``text`` at all: most spoken turns hold no
    digit and no @, and are spared the eight searches."""
    digit, at = _DIGIT.search(text) is not None, "@" in text
    birth = _BIRTH.search(text) is not None
    return [
        (label, p)
        for label, p in PATTERNS
        if (label in ("email", "handle") and at)
        or (label == "date of birth" and birth)
        or (label not in ("email", "handle", "date of birth") and digit)
    ]


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """One character for one: accented and capital Latin letters to their plain lower case,
    curly apostrophes to straight ones (so offsets in a folded text are the original's)."""
    table = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(code))[0].lower()
        if len(base) == 1 and "a" <= base <= "z":
            table[code] = base
    table.update({ord("’"): "'", ord("‘"): "'"})
    return table


def folded(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded one character for one (see :func:`_fold_table`); where it holds
    combining accents they are dropped and the second value maps each folded position (and
    the end) back to the original's."""
    if _COMBINING.search(text) is None:
        return text.translate(_fold_table()), None
    keep = [i for i, c in enumerate(text) if not _COMBINING.match(c)]
    return "".join(text[i] for i in keep).translate(_fold_table()), [*keep, len(text)]


def fold(text: str) -> str:
    """Text compared without case or accents: 'Ffión' and 'FFION' fold alike."""
    return folded(unicodedata.normalize("NFC", text))[0].casefold()


def key(text: str) -> str:
    """A known word's key: folded, separators one space."""
    return re.sub(r"[\s\-\u2010\u2011\u2013\x02-\x05]+", " ", fold(text)).strip()


def _pattern(term: str) -> str:
    """A regular expression for a term's key in a folded text: any separator between words."""
    return _SEP.join(re.escape(w) for w in key(term).split(" "))


@dataclass(frozen=True)
class Term:
    """A word the project knows identifies someone or somewhere."""

    text: str
    kind: str  # the stand-in's word: "Name", "Place", or an attribute's name ("School")
    source: str  # what the leak gate calls it: "a listed name or place", "a speaker's name"...
    person: str  # terms of one person share a stand-in: "Tomos", "Rees", "Tomos Rees"
    lower_ok: bool = True  # False: an everyday word, replaced only when capitalised


LISTED = "a listed name or place"
SPEAKER = "a speaker's name"
IDENTIFYING = "an identifying attribute value"


@dataclass
class Pseudonymiser:
    names: Iterable[str] = ()
    places: Iterable[str] = ()
    speakers: Iterable[str] = ()  # speaker labels as stored: "Tomos Rees", "STACEY"
    identifying: Mapping[str, Iterable[str]] = field(default_factory=dict)  # attribute: values
    replacements: Counter[str] = field(default_factory=Counter)
    mapping: dict[str, str] = field(default_factory=dict)
    allowed: set[str] = field(default_factory=set)  # names an output shows on purpose

    def allow(self, names: Iterable[str]) -> None:
        """Let the leak gate pass these names (reviewers in a memo listing's 'by' column)."""
        for name in names:
            self.allowed |= {key(name), *(key(w) for w in name.split())}

    def __post_init__(self) -> None:
        from qualcode.export.speakers import label_terms, name_parts

        names = [n for n in (unicodedata.normalize("NFC", t).strip() for t in self.names) if n]
        places = [p for p in (unicodedata.normalize("NFC", t).strip() for t in self.places) if p]
        terms: dict[str, Term] = {}

        def add(term: Term) -> None:
            k = key(term.text)
            if k and k not in terms:
                terms[k] = term

        for text, kind in sorted(
            [(n, "Name") for n in names] + [(p, "Place") for p in places],
            key=lambda tk: (-len(tk[0]), tk[0]),
        ):  # longest first: the place "Bryn Eithin" is never half replaced as the name "Bryn"
            add(Term(text, kind, LISTED, key(text)))
        for label in sorted({unicodedata.normalize("NFC", s).strip() for s in self.speakers}):
            for term in label_terms(label, SPEAKER, EVERYDAY):
                add(term)
        for n in names:  # a listed full name's parts: "Gwenllian" and "Price" alone too
            if len(n.split()) > 1:
                for part in name_parts(n):
                    add(Term(part, "Name", LISTED, key(n), fold(part) not in EVERYDAY))
        for attribute, values in sorted(self.identifying.items()):
            kind = attribute.replace("_", " ").strip().capitalize() or "Value"
            for v in sorted({str(v).strip() for v in values if str(v).strip()}):
                add(Term(v, kind, IDENTIFYING, key(v)))
        self.names = names
        self.places = places
        self.terms = terms
        self._first = {m.group() for k in terms if (m := re.match(r"[^\W_]+", k))}
        alternation = "|".join(_pattern(k) for k in sorted(terms, key=lambda k: (-len(k), k)))
        # whole words in a folded text (any case or accent), with plural or possessive
        # endings: Shelleys, Brandon's; after an opening quote mark too ('Tomos, ...), never
        # inside a contraction or a longer word. Tried only where a known first word starts.
        self._regex = (
            re.compile(rf"(?<!\w)(?<!\w')({alternation})('s|'|es|s)?(?!\w)") if terms else None
        )

    # -- finding --------------------------------------------------------------------------
    def _term_hits(self, text: str) -> list[tuple[int, int, Term, str]]:
        if self._regex is None:
            return []
        flat, back = folded(text)
        first = self._first
        hits = {
            w
            for w in set(_WORD_AT.findall(flat))
            if w in first or w[:-1] in first or w[:-2] in first
        }  # fmt: skip  (a known first word, or it with s, es)
        if not hits:
            return []
        out: list[tuple[int, int, Term, str]] = []
        at = 0
        for w in _words_among(flat, hits):
            if w.start() < at:
                continue
            m = self._regex.match(flat, w.start())
            if m is None:
                continue
            term = self.terms.get(key(m.group(1)))
            a, b = (m.start(), m.end()) if back is None else (back[m.start()], back[m.end()])
            core = text[a : b - len(m.group(2) or "")]
            if term is None or (not term.lower_ok and core.islower()):
                continue
            out.append((a, b, term, text[b - len(m.group(2) or "") : b]))
            at = m.end()
        return out

    def edits(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, stand-in) for every identifier in ``text``, in order, not overlapping:
        where a pattern and a known word overlap, the one starting first (then the longer)
        wins (an e-mail address holding a name is one [email])."""
        found: list[tuple[int, int, str, Term | None, str]] = []
        for label, pattern in _patterns_for(text):
            found += [(m.start(), m.end(), label, None, "") for m in pattern.finditer(text)]
        found += [(a, b, "name or place", t, s) for a, b, t, s in self._term_hits(text)]
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        out, at = [], 0
        for start, end, label, term, suffix in found:
            if start < at:
                continue
            self.replacements[label] += 1
            out.append((start, end, self._stand_in(term) + suffix if term else f"[{label}]"))
            at = end
        return out

    def _stand_in(self, term: Term) -> str:
        if term.person not in self.mapping:
            n = sum(v.startswith(f"[{term.kind} ") for v in self.mapping.values()) + 1
            self.mapping[term.person] = f"[{term.kind} {n}]"
        return self.mapping[term.person]

    def __call__(self, text: str) -> str:
        return apply(text, self.edits(text))

    # -- checking what was written -------------------------------------------------------
    def leaks(self, text: str) -> list[str]:
        """The kinds of identifier still in ``text`` (a written export, read back): 'a listed
        name or place', 'a speaker's name', 'a phone number'... never the identifier itself."""
        hits = self._term_hits(text)
        kinds = {t.source for a, b, t, s in hits if key(text[a : b - len(s)]) not in self.allowed}
        kinds |= {KINDS[label] for label, p in _patterns_for(text) if p.search(text)}
        return sorted(kinds)

    @property
    def total(self) -> int:
        return sum(self.replacements.values())


LONG_TEXT = 20_000  # characters from which a text's known words are found by one search


def _words_among(flat: str, hits: set[str]) -> Iterator[re.Match[str]]:
    """The words of ``flat`` (as ``_WORD_AT`` finds them, in order) that are in ``hits``.
    A long text (a written report, read back by the leak gate: hundreds of thousands of
    words) is searched for those words alone: a word there is a run of letters and digits
    not preceded by a word character, so one of ``hits`` is a word where it starts so and
    no letter or digit follows (the same matches, without a Python step per word)."""
    if len(flat) < LONG_TEXT:
        return (w for w in _WORD_AT.finditer(flat) if w.group() in hits)
    either = "|".join(re.escape(h) for h in sorted(hits, key=lambda h: (-len(h), h)))
    return re.finditer(rf"(?<!\w)(?:{either})(?![^\W_])", flat)


def apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    parts, at = [], 0
    for start, end, new in edits:
        parts += [text[at:start], new]
        at = end
    return "".join([*parts, text[at:]])


def remap(edits: list[tuple[int, int, str]], offset: int, end: bool = False) -> int:
    """Where ``offset`` of the original text is in the pseudonymised one: an offset inside a
    replaced identifier moves to the start of its stand-in (a selection's end: to its end)."""
    shift = 0
    for start, stop, new in edits:
        if offset <= start:
            break
        if offset < stop:
            return start + shift + (len(new) if end else 0)
        shift += len(new) - (stop - start)
    return offset + shift


def suspects(texts: Iterable[str], keep: Iterable[str] = ()) -> Counter[str]:
    """Capitalised words that may be names (kept for callers of the old API; ``export
    --check`` lists more: see :mod:`qualcode.export.check`)."""
    from qualcode.export.check import capitalised

    return capitalised(list(texts), keep)
