"""The spaCy pipeline for the rule coder.

By default: blank English whose vocabulary normalises every word to its lookup lemma
(spacy-lookups-data). The lemma is computed once per distinct word, when spaCy first sees it,
and stored as the word's NORM, so matching on lemmas costs nothing per token: the coder runs
near the bare tokenizer's speed. Texts are lower-cased first because the lookup table is
case-sensitive. A trained pipeline the user has installed ([coding] spacy_model) is used as it
is, matching on its own LEMMA attribute instead.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError


def import_spacy() -> Any:
    """Import spaCy without its command line and without opening a socket.

    spaCy's __init__ imports its command line (spacy.cli: model downloads, project templates;
    requests, urllib3, httpx, weasel...) only to offer ``spacy.info``: a quarter of the
    import's time, and urllib3 probes for IPv6 at import by binding a socket to ::1. qualcode
    never uses either, so a stand-in module serves that one import and is then removed:
    ``import spacy.cli`` still loads the real one, and ``spacy.info`` loads it when called.
    Should a spaCy version need more of spacy.cli at import, it is imported as usual. The
    IPv6 probe is skipped either way (urllib3 checks socket.has_ipv6 first), and urllib3 is
    imported here, so that a later import of it (gensim's, for topics) does not probe."""
    import sys

    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    import socket

    saved = socket.has_ipv6
    socket.has_ipv6 = False
    try:
        if "spacy.cli" in sys.modules:
            return _import()
        spacy = _without_cli()
        # gensim (topics) imports it later, where no one skips the probe: import it here
        with contextlib.suppress(ImportError):
            import urllib3  # noqa: F401
        return spacy
    finally:
        socket.has_ipv6 = saved


def _import() -> Any:
    import spacy

    return spacy


def _without_cli() -> Any:
    import sys
    from types import ModuleType

    def info(*args: Any, **kwargs: Any) -> Any:
        from spacy.cli.info import info as real

        return real(*args, **kwargs)

    cli, cli_info = ModuleType("spacy.cli"), ModuleType("spacy.cli.info")
    cli_info.info = info  # type: ignore[attr-defined]
    cli.info = cli_info  # type: ignore[attr-defined]
    sys.modules["spacy.cli"], sys.modules["spacy.cli.info"] = cli, cli_info
    try:
        spacy = _import()
    except ImportError:  # a spaCy whose import needs more of its command line
        for name in [m for m in sys.modules if m == "spacy" or m.startswith("spacy.")]:
            del sys.modules[name]
        return _import()
    finally:
        for name in ("spacy.cli", "spacy.cli.info"):
            if sys.modules.get(name) in (cli, cli_info):
                del sys.modules[name]
    if getattr(spacy, "cli", None) is cli:
        del spacy.cli  # the next 'import spacy.cli' sets the real one
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

    table = lemma_table()
    nlp = spacy.blank("en")

    def lemma(word: str) -> str:
        low = word.lower()
        return table.get(low, low)

    nlp.vocab.lex_attr_getters[NORM] = lemma
    for lex in nlp.vocab:
        lex.norm_ = lemma(lex.orth_)
    return Pipeline(nlp, "NORM")


def lemma_table() -> dict[str, str]:
    """English word -> lemma, spacy-lookups-data's lemma_lookup table, read from the installed
    package's file: what spacy.lookups.load_lookups("en", ["lemma_lookup"]) returns, without
    its search of every installed package's entry points (five times the cost of reading)."""
    import gzip
    import json
    from importlib.util import find_spec

    spec = find_spec("spacy_lookups_data")
    folders = list(spec.submodule_search_locations or ()) if spec else []
    for folder in folders:
        path = Path(folder) / "data" / "en_lemma_lookup.json.gz"
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                table = json.load(fh)
        except (OSError, ValueError):
            continue
        if isinstance(table, dict):
            return {str(k): str(v) for k, v in table.items()}
    raise QualcodeError("spaCy's lookup tables are missing", "pip install spacy-lookups-data")


def load_nlp(model: str = "") -> Any:
    return load_pipeline(model).nlp


def lower(text: str) -> str:
    """Lower-case without changing length (so token offsets stay offsets into the original)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
