"""Pseudonymisation of quotes: names, places and identifying patterns replaced consistently.

The same name gets the same stand-in everywhere in a report ("Jade" is "[Name 1]" in every
table), so readers can follow a story without learning who it is about. Patterns catch e-mail
addresses, phone numbers, postcodes, dates of birth and street addresses. ``suspects`` lists
capitalised words that are left and look like names, for a person to check.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("phone", re.compile(r"(?<!\d)(?:\+44\s?|0)(?:\d[\s-]?){8,9}\d(?!\d)")),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")),
    (
        "date of birth",
        re.compile(
            r"\b(?:DOB|D\.O\.B\.?|date of birth|born on)[:\s]+[\w/.,\s-]{6,20}?\d{2,4}\b", re.I
        ),
    ),
    (
        "address",
        re.compile(
            r"\b\d{1,4}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Road|Rd|Lane|Avenue|Close|Drive|Way|"
            r"Terrace|Crescent|Place|Court|Gardens|Heol|Ffordd|Stryd)\b"
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
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;—–-]\s*|[\"“‘'(\[]\s*|,\s+[\"“‘'])$")


@dataclass
class Pseudonymiser:
    names: Iterable[str] = ()
    places: Iterable[str] = ()
    replacements: Counter[str] = field(default_factory=Counter)
    mapping: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = sorted({n.strip() for n in self.names if n.strip()}, key=lambda n: -len(n))
        self.places = sorted({p.strip() for p in self.places if p.strip()}, key=lambda p: -len(p))
        terms = [(n, "Name") for n in self.names] + [(p, "Place") for p in self.places]
        self._terms = dict(terms)
        alternation = "|".join(re.escape(t) for t, _ in terms)
        self._regex = re.compile(rf"(?<![\w'’])({alternation})(?![\w])") if terms else None

    def _stand_in(self, term: str) -> str:
        if term not in self.mapping:
            kind = self._terms[term]
            n = sum(v.startswith(f"[{kind} ") for v in self.mapping.values()) + 1
            self.mapping[term] = f"[{kind} {n}]"
        return self.mapping[term]

    def __call__(self, text: str) -> str:
        for label, pattern in PATTERNS:
            text, n = pattern.subn(f"[{label}]", text)
            self.replacements[label] += n
        if self._regex is not None:

            def swap(m: re.Match[str]) -> str:
                self.replacements["name or place"] += 1
                return self._stand_in(m.group(1))

            text = self._regex.sub(swap, text)
        return text

    @property
    def total(self) -> int:
        return sum(self.replacements.values())


def suspects(texts: Iterable[str], keep: Iterable[str] = ()) -> Counter[str]:
    """Capitalised words, not at the start of a sentence and not known common words, that may
    be people's names left in the quotes: for a human to look at."""
    from qualcode.coding.nlp import import_spacy

    import_spacy()  # no socket at import (see there)
    from spacy.lang.en.stop_words import STOP_WORDS

    known = COMMON | set(keep)
    found: Counter[str] = Counter()
    for text in texts:
        for m in _WORD.finditer(text):
            word = re.sub(r"['’]s?$", "", m.group(1))
            base = re.split(r"['’]", word)[0]
            if word in known or base in known or base.lower() in STOP_WORDS:
                continue
            if _SENTENCE_START.search(text[: m.start()]):
                continue
            found[word] += 1
    return found
