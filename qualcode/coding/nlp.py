"""The spaCy pipeline: a trained English pipeline if the user has one, else blank English with
a lookup lemmatizer (spacy-lookups-data). Texts are lower-cased before lemmatising because the
lookup tables are case-sensitive."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from qualcode.errors import QualcodeError


@lru_cache(maxsize=4)
def load_nlp(model: str = "") -> Any:
    import spacy

    if model:
        try:
            return spacy.load(model, exclude=["ner", "parser", "textcat"])
        except OSError as exc:
            raise QualcodeError(
                f"spaCy pipeline '{model}' is not installed",
                "install it, or leave [coding] spacy_model empty for the built-in lemmatizer",
            ) from exc
    nlp = spacy.blank("en")
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    except (ValueError, OSError) as exc:
        raise QualcodeError(
            "spaCy's lookup tables are missing", "pip install spacy-lookups-data"
        ) from exc
    return nlp


def lower(text: str) -> str:
    """Lower-case without changing length (so token offsets stay offsets into the original)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
