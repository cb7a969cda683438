"""Each term of a query as a regular expression over a turn's stored text: the exact hits.

Words are whole words (no letter or digit, nor an underscore, either side); a phrase's words may
have any punctuation between them; ``*`` and ``?`` stand for letters and digits within one word
(as the index splits words); an apostrophe matches either kind. Case is ignored by matching
lower-cased text (offsets unchanged) with lower-cased patterns.
"""

from __future__ import annotations

import re

from qualcode.analysis.query import Term

_APOSTROPHE = "['’]"


def word_regex(word: str, lower: bool = False) -> str:
    out = []
    for ch in lower_same_length(word) if lower else word:
        if ch == "*":  # letters and digits, as the index splits words (no underscore)
            out.append(r"[^\W_]*")
        elif ch == "?":
            out.append(r"[^\W_]")
        elif ch in "'’":
            out.append(_APOSTROPHE)
        else:
            out.append(re.escape(ch))
    return "".join(out)


_STARTS_WORD = r"(?<!\w)"
_STARTED_WORD = r"(?<!\w.)"  # after a first letter: no word character before that letter


def _word_start(regex: str, word: str) -> str:
    """``regex`` (of ``word``) that matches only at the start of a word. The check comes after
    the first letter when the word starts with one: a pattern that starts with a letter is
    found far faster than one that starts with a look-behind."""
    first = word[:1]
    if first.isalnum() and regex.startswith(re.escape(first)):
        return re.escape(first) + _STARTED_WORD + regex[len(re.escape(first)) :]
    return _STARTS_WORD + regex


def term_regex(term: Term, lower: bool = False) -> str:
    """The regular expression of a term's hits: whole words, phrase words separated by anything
    that is not a word character. ``lower``: the words lower-cased, for text lower-cased the
    same way."""
    if term.forms:
        forms = sorted(term.forms, key=lambda f: (-len(f), f))
        words = [lower_same_length(f) if lower else f for f in forms]
        body = "(?:" + "|".join(_word_start(word_regex(w), w) for w in words) + ")"
    else:
        words = [lower_same_length(w) if lower else w for w in term.text.split()]
        body = _word_start(r"\W+".join(word_regex(w) for w in words), words[0])
    return rf"{body}(?!\w)"


def term_pattern(term: Term, case: bool = False) -> re.Pattern[str]:
    """The term's pattern: for lower-cased text (:func:`lower_same_length`) unless ``case``."""
    return re.compile(term_regex(term, lower=not case))


def find(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def lower_same_length(text: str) -> str:
    """Lower-cased, each character staying one character (offsets stay offsets)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
