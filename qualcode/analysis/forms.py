"""--forms: every form of a word in the corpus, by the lemmatiser the rule coder uses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


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
