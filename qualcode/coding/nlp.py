"""The spaCy pipeline for the rule coder.

By default: blank English whose vocabulary normalises every word to its lookup lemma
(spacy-lookups-data). The lemma is computed once per distinct word, when spaCy first sees it,
and stored as the word's NORM, so matching on lemmas costs nothing per token: the coder runs
near the bare tokenizer's speed. Texts are lower-cased first because the lookup table is
case-sensitive. A trained pipeline the user has installed ([coding] spacy_model) is used as it
is, matching on its own LEMMA attribute instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from qualcode.errors import QualcodeError


def import_spacy() -> Any:
    """Import spaCy without opening a socket. spaCy's __init__ imports its model downloader,
    whose urllib3 probes for IPv6 at import by binding a socket to ::1. qualcode never goes on
    the network, so the probe is skipped (urllib3 checks socket.has_ipv6 first)."""
    import sys

    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    import socket

    saved = socket.has_ipv6
    socket.has_ipv6 = False
    try:
        import spacy
    finally:
        socket.has_ipv6 = saved
    return spacy


@dataclass(frozen=True)
class Pipeline:
    nlp: Any
    attr: str  # the token attribute holding lemmas: "NORM" (lookup) or "LEMMA" (trained)


def load_pipeline(model: str = "") -> Pipeline:
    """The pipeline for ``model`` (empty: blank English, lookup lemmas), once per process."""
    return _load(model)


@lru_cache(maxsize=4)
def _load(model: str) -> Pipeline:
    spacy = import_spacy()

    if model:
        try:
            return Pipeline(spacy.load(model, exclude=["ner", "parser", "textcat"]), "LEMMA")
        except OSError as exc:
            raise QualcodeError(
                f"spaCy pipeline '{model}' is not installed",
                "install it, or leave [coding] spacy_model empty for the built-in lemmatizer",
            ) from exc
    from spacy.attrs import NORM
    from spacy.lookups import load_lookups

    try:
        table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except (ValueError, OSError) as exc:
        raise QualcodeError(
            "spaCy's lookup tables are missing", "pip install spacy-lookups-data"
        ) from exc
    nlp = spacy.blank("en")

    def lemma(word: str) -> str:
        low = word.lower()
        return str(table.get(low, low))

    nlp.vocab.lex_attr_getters[NORM] = lemma
    for lex in nlp.vocab:
        lex.norm_ = lemma(lex.orth_)
    return Pipeline(nlp, "NORM")


def load_nlp(model: str = "") -> Any:
    return load_pipeline(model).nlp


def lower(text: str) -> str:
    """Lower-case without changing length (so token offsets stay offsets into the original)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
