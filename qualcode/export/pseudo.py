"""Pseudonymisation of quotes: names, places and identifying patterns replaced consistently.

The same name gets the same stand-in everywhere in a report ("Jade" is "[Name 1]" in every
table), so readers can follow a story without learning who it is about. Patterns catch e-mail
addresses, phone numbers, postcodes, dates of birth and street addresses. ``suspects`` lists
capitalised words that are left and look like names, for a person to check.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

_DATE = (
    r"(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
    r"\.?,?\s+\d{2,4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})"
)
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (  # UK numbers as people write them: 01234 567890, (01234) 567 890, +44 (0)1234 567890
        "phone",
        re.compile(
            r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)"
        ),
    ),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)),
    ("NHS number", re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b")),
    (
        "National Insurance number",
        re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I),
    ),
    (
        "date of birth",
        re.compile(rf"\b(?:DOB|D\.O\.B\.?|date of birth|born(?: on)?)[:\s]+{_DATE}", re.I),
    ),
    (
        "address",
        re.compile(
            r"\b\d{1,4}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Road|Rd|Lane|Avenue|Close|Drive|Way|"
            r"Terrace|Crescent|Place|Court|Gardens)\b"
            # Welsh street names put the kind first: 14 Heol y Felin, 3 Ffordd Glyndwr
            r"|\b\d{1,4}\s+(?:Heol|Ffordd|Stryd|L[oô]n|Rhodfa|Cilgant|Clos|Maes|Teras)"
            r"(?:\s+(?:y|yr|'r|[A-Z][\w’'-]+)){1,3}"
        ),
    ),
)

# Capitalised words that are common in these reports and are not people.
COMMON = frozenset(
    """I I'm I've I'll I'd Mum Dad Nan Mr Mrs Ms Dr Police PCSO PPN PPNs ACE ACEs MASH IAA TAF
    CAMHS NFA DA Niche WCCIS Teams Zoom Covid Christmas Monday Tuesday Wednesday Thursday
    Friday Saturday Sunday January February March April May June July August September
    October November December English Welsh Wales Cymraeg God OK Okay Yeah Yes No So And But
    Or Well Right Um Er The A An It That This They We You He She There Then When What Why How
    Who If Because Oh Sorry Inspector Sergeant Sarge Constable Early Help Families First
    Flying Start Act Government Council Children Services Social Hub Honestly Isn't""".split()  # noqa: SIM905
)
_WORD = re.compile(r"(?<![\w'’])([A-Z][a-z’']+(?:-[A-Z][a-z]+)?)\b")
_LOWER_WORD = re.compile(r"(?<![\w'’])([a-z][a-z]+)\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;—–-]\s*|[\"“‘'(\[]\s*|,\s+[\"“‘'])$")


_WORDS = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_ENDINGS = ("'s", "’s", "es", "s", "'", "’")


@dataclass
class Pseudonymiser:
    names: Iterable[str] = ()
    places: Iterable[str] = ()
    replacements: Counter[str] = field(default_factory=Counter)
    mapping: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        given = ((self.names, "Name"), (self.places, "Place"))
        clean = [(unicodedata.normalize("NFC", t.strip()), k) for ts, k in given for t in ts]
        clean = [(t, k) for t, k in clean if t]
        # one alternation, longest first across names and places, so that the place "Bryn
        # Eithin" is never half replaced as the name "Bryn"
        terms = sorted(dict(clean).items(), key=lambda tk: (-len(tk[0]), tk[0]))
        self.names = [t for t, k in terms if k == "Name"]
        self.places = [t for t, k in terms if k == "Place"]
        self._terms = {t.casefold(): (t, k) for t, k in terms}
        # a quick first look: the big alternation runs only on texts holding a listed word
        self._first = {t.split()[0].casefold() for t, _ in terms}
        alternation = "|".join(re.escape(t) for t, _ in terms)
        # whole words, any case, with plural or possessive endings: Shelleys, Brandon's
        self._regex = (
            re.compile(rf"(?<![\w'’])({alternation})(['’]s|['’]|es|s)?(?![\w])", re.IGNORECASE)
            if terms
            else None
        )

    def _stand_in(self, found: str) -> str:
        term, kind = self._terms[found.casefold()]
        if term not in self.mapping:
            n = sum(v.startswith(f"[{kind} ") for v in self.mapping.values()) + 1
            self.mapping[term] = f"[{kind} {n}]"
        return self.mapping[term]

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFC", text)
        for label, pattern in PATTERNS:
            text, n = pattern.subn(f"[{label}]", text)
            self.replacements[label] += n
        if self._regex is not None and self._mentions(text):

            def swap(m: re.Match[str]) -> str:
                self.replacements["name or place"] += 1
                return self._stand_in(m.group(1)) + (m.group(2) or "")  # keeps 's and plurals

            text = self._regex.sub(swap, text)
        return text

    def _mentions(self, text: str) -> bool:
        return any(self._listed(word) for word in _WORDS.findall(text.casefold()))

    def leaks(self, text: str) -> list[str]:
        """Listed names and places still in ``text`` (a written export, read back)."""
        if self._regex is None:
            return []
        if not unicodedata.is_normalized("NFC", text):  # (a copy only when needed)
            text = unicodedata.normalize("NFC", text)
        words = {m.group() for m in _WORDS.finditer(text.casefold())}  # one pass (a set, not a
        # list of every word: flat memory); the alternation then runs only where
        hits = {w for w in words if self._listed(w)}  # a listed word is
        if not hits:
            return []
        lines = [ln for ln in text.split("\n") if any(h in ln.casefold() for h in hits)]
        found = self._regex.findall("\n".join(lines))
        return sorted({self._terms[f[0].casefold()][0] for f in found})

    def _listed(self, word: str) -> bool:
        return word in self._first or any(
            word.endswith(end) and word[: -len(end)] in self._first for end in _ENDINGS
        )

    @property
    def total(self) -> int:
        return sum(self.replacements.values())


def suspects(texts: Iterable[str], keep: Iterable[str] = ()) -> Counter[str]:
    """Capitalised words, not at the start of a sentence and not known common words, that may
    be people's names left in the quotes: for a human to look at.

    Fewer false alarms: contractions ("Don't") are not names, and a word the same texts also
    use in lower case ("Like", "Funny") is an ordinary word capitalised, not a name."""
    from qualcode.coding.nlp import import_spacy

    import_spacy()  # no socket at import (see there)
    from spacy.lang.en.stop_words import STOP_WORDS

    texts = list(texts)
    lower = {w for text in texts for w in _LOWER_WORD.findall(text)}
    known = COMMON | set(keep)
    found: Counter[str] = Counter()
    for text in texts:
        for m in _WORD.finditer(text):
            word = re.sub(r"['’]s?$", "", m.group(1))
            base = re.split(r"['’]", word)[0]
            if word in known or base in known or base.lower() in STOP_WORDS:
                continue
            if re.search(r"['’](?:t|re|ve|ll|d|m)$", m.group(1)):  # Don't, They're, I'd
                continue
            if base.lower() in lower:  # used in lower case too: an ordinary word
                continue
            if _SENTENCE_START.search(text[: m.start()]):
                continue
            found[word] += 1
    return found
