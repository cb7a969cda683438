"""``export --check``: what is left in pseudonymised quotes that a person should look at.

The pseudonymiser replaces what the project knows; this lists what it cannot know: every
remaining capitalised sequence that may be a name (at a sentence start or after an opening
quote mark too, unless it is an English word), school- and place-like phrases ("Ysgol Gymraeg
Bro Hafren", "Pencoed Primary School"), surnames with a title ("Mrs Hughes"), @handles,
e-mail addresses and street addresses spelled out ("jo dot smith at gmail dot com", "number
fourteen Acacia Avenue", "on Heol y Felin"). ``[export] keep`` silences words that are fine.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Capitalised words that are common in these reports and are not people.
COMMON = frozenset(
    """I I'm I've I'll I'd Mum Dad Nan Mr Mrs Ms Dr Police PCSO PPN PPNs ACE ACEs MASH IAA TAF
    CAMHS NFA DA Niche WCCIS Teams Zoom Covid Christmas Monday Tuesday Wednesday Thursday
    Friday Saturday Sunday January February March April May June July August September
    October November December English Welsh Wales Cymraeg God OK Okay Yeah Yes No So And But
    Or Well Right Um Er The A An It That This They We You He She There Then When What Why How
    Who If Because Oh Sorry Inspector Sergeant Sarge Constable Early Help Families First
    Flying Start Act Government Council Children Services Social Hub Honestly Isn't Ah Aw Eh
    Erm Hmm Hiya Huh Mhm Mm Nah Ooh Uh Yep Yup Cheers""".split()  # noqa: SIM905
)
_CAP = r"[A-ZÀ-ÖØ-ÞŴŶ][\w'’-]*"
_CY = r"(?:y|yr|'r|’r|" + _CAP + ")"
_PLACE_KINDS = (
    r"Primary|Infants?|Junior|Nursery|High|Secondary|Comprehensive|Grammar|Catholic|School|"
    r"Academy|College|Surgery|Hospital|Centre|Center|Health|Medical|Family|Children's|Leisure|"
    r"Community|Youth|Practice|Clinic|Library|Chapel|Church|Estate"
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred"
)
_STREETS = (
    r"Street|Road|Lane|Avenue|Close|Drive|Terrace|Crescent|Gardens|Grove|Mews|Parade|Square|Way"
)
CHECKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "spelled-out e-mail",
        re.compile(
            r"\b[\w.-]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[\w-]+)*\s+(?:at|@)\s+[\w-]+(?:\s+dot\s+(?:com|co|uk|org|net|"
            r"gov|ac|nhs|wales|cymru|[\w-]+))+\b",
            re.I,
        ),
    ),
    (
        "handle",
        re.compile(
            r"(?<![\w\]])@\s?[A-Za-z0-9_][\w.]*|\b(?i:handle|username|user name)"
            r"\s+is\s+\S+"
        ),
    ),
    (
        "spelled-out address",
        re.compile(
            rf"\b(?i:number\s+)?(?i:(?:{_NUMBER_WORDS})[\s-]?)+\s+(?:{_CAP}\s+){{0,3}}"
            rf"(?:{_STREETS})\b"
            rf"|\b(?:Heol|Ffordd|Stryd|L[oô]n|Rhodfa|Cilgant|Teras)(?:[\s-]+{_CY}){{1,3}}"
            rf"|(?:{_CAP}\s+){{1,3}}(?:{_STREETS})\b",
        ),
    ),
    (
        "school or place",
        re.compile(
            rf"\b(?:Ysgol|Canolfan|Meddygfa|Ysbyty|Capel|Eglwys|Cylch\s+Meithrin|Meithrinfa|Coleg"
            rf"|Prifysgol)(?:[\s-]+{_CY}){{1,4}}"
            rf"|(?:\b(?:St\.?|Saint)\s+)?(?:{_CAP}\s+){{1,4}}(?:(?:{_PLACE_KINDS})\s+)*"
            r"(?:School|Academy|College|Comprehensive|Surgery|Hospital|Centre|Center|Clinic|"
            r"Practice|Library|Chapel|Church)\b"
        ),
    ),
    (
        "name with a title",
        re.compile(
            rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|MR|MRS|MS|MISS|DR)\.?\s+{_CAP}"
            r"|\b(?:mr|mrs|dr)\.?\s+(?!(?:and|or|the|a)\b)[a-z][\w'’-]+"
        ),
    ),
)
_STOP = frozenset("The A An In On Up It It's Now You You'll There There's No Gets Get".split())  # noqa: SIM905
_KIND_WORDS = frozenset(
    (
        "ysgol canolfan meddygfa ysbyty capel eglwys cylch meithrin meithrinfa coleg prifysgol "
        "st saint y yr 'r mr mrs ms miss mx dr prof number " + _PLACE_KINDS.replace("|", " ")
    )
    .lower()
    .split()
)
_WORD = re.compile(r"(?<!\w)(?<!\w['’])([A-ZÀ-ÖØ-ÞŴŶ][a-zß-öø-ÿŵŷ’']+(?:-[A-Z][a-zß-öø-ÿŵŷ]+)?)\b")
_LOWER_WORD = re.compile(r"(?<!\w)(?<!\w['’])([a-z][a-z]+)\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;—–-]\s*|[\"“‘'(\[]\s*|,\s+[\"“‘'])$")


@dataclass(frozen=True)
class Suspect:
    kind: str
    text: str
    count: int


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words and their inflected forms (spaCy's lookup tables), to tell a
    capitalised word at a sentence start ("Honestly") from a name ("Sandra")."""
    import gzip
    import json
    from importlib.resources import files

    data = files("spacy_lookups_data") / "data"
    words: set[str] = set()
    with gzip.open(str(data / "en_lemma_index.json.gz"), "rt", encoding="utf-8") as fh:
        for forms in json.load(fh).values():
            words.update(forms)
    with gzip.open(str(data / "en_lemma_lookup.json.gz"), "rt", encoding="utf-8") as fh:
        words.update(json.load(fh))
    return frozenset(w for w in words if w.islower())


def _stop_words() -> frozenset[str]:
    from qualcode.coding.nlp import import_spacy

    import_spacy()  # no socket at import (see there)
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


Spans = list[tuple[int, int]]


def _suspicious(texts: list[str], keep: Iterable[str]) -> Iterable[tuple[int, Spans]]:
    """(text index, spans of capitalised words that may be names) for each text: two or more
    in a row always ("Bethany Morgan"); one alone unless it is an ordinary word."""
    stop, english = _stop_words(), english_words()
    lower = {w for text in texts for w in _LOWER_WORD.findall(text)}
    known = COMMON | set(keep)
    for i, text in enumerate(texts):
        words = []  # (start, end, ordinary)
        for m in _WORD.finditer(text):
            word = re.sub(r"['’]s?$", "", m.group(1))
            base = re.split(r"['’]", word)[0]
            if m.group(1) in known or word in known or base in known or base.lower() in stop:
                continue  # (kept as written: "Women's", "Clare's")
            if re.search(r"['’](?:t|re|ve|ll|d|m)$", m.group(1)):  # Don't, They're, I'd
                continue
            ordinary = (
                base.lower() in lower
                or (  # used in lower case too: an ordinary word
                    _SENTENCE_START.search(text[: m.start()]) is not None
                    and base.lower() in english
                )
            )  # "Honestly, ..." at a sentence start; never "Sandra, ..."
            words.append((m.start(), m.start() + len(word), ordinary))
        spans = []
        for k, (a, b, ordinary) in enumerate(words):
            paired = any(
                0 <= j < len(words) and text[min(b, words[j][1]) : max(a, words[j][0])] == " "
                for j in (k - 1, k + 1)
            )
            if paired or not ordinary:
                spans.append((a, b))
        yield i, spans


def capitalised(texts: list[str], keep: Iterable[str] = ()) -> Counter[str]:
    """Capitalised words that may be names, one by one (see :func:`check` for sequences)."""
    found: Counter[str] = Counter()
    for i, spans in _suspicious(texts, keep):
        found.update(texts[i][a:b] for a, b in spans)
    return found


def _fine(phrase: str, known: frozenset[str]) -> bool:
    """A phrase whose every word is a kind word, a kept or common word, or a stand-in."""
    words = [w.strip(".,'’") for w in re.findall(r"[\w'’.]+", phrase)]
    return all(w.lower() in _KIND_WORDS or w in known or not w[:1].isupper() for w in words)


_STAND_IN = re.compile(r"\[[^\[\]\n]{1,40}\]")


def check(texts: Iterable[str], keep: Iterable[str] = ()) -> list[Suspect]:
    """Everything in ``texts`` (pseudonymised quotes) for a person to look at, by kind."""
    texts = [_STAND_IN.sub(lambda m: "_" * len(m.group()), t) for t in texts]  # "[Name 3]"
    keep = tuple(keep)
    known = frozenset(COMMON | set(keep))
    found: Counter[tuple[str, str]] = Counter()
    covered: dict[int, list[tuple[int, int]]] = {}
    for i, text in enumerate(texts):
        for kind, pattern in CHECKS:
            for m in pattern.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in covered.get(i, [])):
                    continue
                phrase = " ".join(m.group().split())
                if kind == "name with a title" and phrase.split()[-1] in known:
                    continue
                if kind == "school or place" and _fine(phrase, known):
                    continue
                if (
                    kind == "spelled-out address"
                    and _fine(phrase, known | _STOP)
                    and not re.match(rf"(?i)(?:number\s+)?(?:{_NUMBER_WORDS})", phrase)
                ):
                    continue
                found[(kind, phrase)] += 1
                covered.setdefault(i, []).append(m.span())
    for i, spans in _suspicious(texts, keep):
        said, run = texts[i], []  # type: tuple[str, Spans]
        for a, b in [*spans, (-1, -1)]:
            if run and (a < 0 or said[run[-1][1] : a] not in (" ", "-")):
                start, end = run[0][0], run[-1][1]
                if not any(x < end and start < y for x, y in covered.get(i, [])):
                    found[("capitalised words", said[start:end])] += 1
                run = []
            if a >= 0:
                run.append((a, b))
    order = [k for k, _ in CHECKS] + ["capitalised words"]
    ranked = sorted(found.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1]))
    return [Suspect(kind, phrase, n) for (kind, phrase), n in ranked]
