"""The cheaper topic pipeline gives what the plain one gave: tokens from distinct chunks equal
spaCy's on whole texts, the counted phrases equal gensim's Phrases, and the same settings give
the same topics twice."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from qualcode.coding import topics as tp
from qualcode.coding.topics import model_topics
from qualcode.project import Project
from tests.test_topics import THEMES, _project

TEXTS = [
    "I don't think the kids' club—honestly—was funded; we couldn't keep it going.",
    "Well-being, e-mail, co-ordinator, the PCSO's referral (and the school's).",
    "Línea café naïve CAFÉ\ncafé\n\n  spaced   out\tand tabbed, 3pm, 10:30, U.S.A. etc.",
    "Universal Credit, Universal Credit again: people's money runs out by Friday.",
    "",
    "mm-hmm. yeah. right. the early help hub, early help panel, early help offer",
]


def _plain_tokens(texts: list[str]) -> tuple[list[list[str]], dict[str, Counter[str]]]:
    """tokens() as it was: spaCy's tokenizer on each whole text."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from qualcode.coding.nlp import load_pipeline, lower

    pipeline = load_pipeline()
    stop = STOP_WORDS | tp.FILLERS
    surface: dict[str, Counter[str]] = {}
    out = []
    for doc in map(pipeline.nlp.tokenizer, (lower(t) for t in texts)):
        kept = []
        for t in doc:
            w = t.norm_
            if len(w) > 2 and w.isalpha() and w not in stop:
                kept.append(w)
                surface.setdefault(w, Counter())[t.lower_] += 1
        out.append(kept)
    return out, surface


def test_tokens_from_distinct_chunks_are_spacys_on_whole_texts() -> None:
    texts = TEXTS * 3 + [t.upper() for t in TEXTS]
    surface: dict[str, Counter[str]] = {}
    got = tp.tokens(texts, surface)
    want, want_surface = _plain_tokens(texts)
    assert got == want
    assert surface == want_surface
    assert any("_" not in w and len(w) > 2 for doc in got for w in doc)  # not trivially empty
    assert tp.tokens([]) == []


def _corpus(seed: int, connectors: bool = True) -> list[list[str]]:
    rng = random.Random(seed)
    pairs = [["early", "help"], ["universal", "credit"]]
    pairs += [["bang", "for", "buck"]] if connectors else [["front", "door"]]
    words = " ".join(THEMES.values()).split()
    docs = []
    for _ in range(120):
        doc = [rng.choice(words) for _ in range(rng.randint(0, 14))]
        if rng.random() < 0.5:  # a collocation worth joining, sometimes with a connector
            doc[rng.randint(0, len(doc)) : 0] = rng.choice(pairs)
        docs.append(doc)
    return docs


@pytest.mark.parametrize("connectors", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counted_phrases_are_gensims(
    seed: int, connectors: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setattr(socket, "has_ipv6", False)  # urllib3, imported by gensim, probes ::1
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

    docs = _corpus(seed, connectors)
    model = Phrases(docs, min_count=5, threshold=10, connector_words=ENGLISH_CONNECTOR_WORDS)
    assert tp.CONNECTORS == ENGLISH_CONNECTOR_WORDS
    got = tp._phrased(docs)
    assert got == [model[d] for d in docs]
    assert any("early_help" in d for d in got)


def test_same_settings_give_the_same_topics(project: Project) -> None:
    project = _project(project, k=(2, 4))
    first = model_topics(project, store=False)
    again = model_topics(project, store=False)
    assert first.model == again.model and first.k == again.k and first.tried == again.tried
    assert [(t.terms, t.weight, t.quotes) for t in first.topics] == [
        (t.terms, t.weight, t.quotes) for t in again.topics
    ]


def test_a_tie_names_the_same_top_code_in_every_process() -> None:
    """Which code covers a topic was read from a set's order, which changes with the
    process's hash seed: a tie must be broken by the code's id."""
    import os
    import subprocess
    import sys

    code = (
        "from qualcode.coding.topics import _top_code;"
        "print(_top_code([{'b.two', 'a.one', 'c.three'}, {'c.three', 'b.two', 'a.one'}, {'b.two'}"
        ", {'a.one'}]))"
    )
    seen = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        seen.add(out.stdout.strip())
    assert seen == {"[('a.one', 3)]"}
    assert tp._top_code([]) == []


def _no_fit(*_: object) -> None:
    raise AssertionError("fitted again")


def test_the_same_turns_and_settings_reuse_the_kept_fit(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(project, k=(2, 4))
    first = model_topics(project, store=False)
    monkeypatch.setattr(tp, "fit_topics", _no_fit)
    again = model_topics(project, store=False)
    assert (again.k, again.tried, again.model) == (first.k, first.tried, first.model)
    assert [(t.terms, t.weight, t.quotes, t.top_code) for t in again.topics] == [
        (t.terms, t.weight, t.quotes, t.top_code) for t in first.topics
    ]


def test_other_settings_turns_or_a_damaged_file_fit_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from qualcode.segment import segments

    project = _project(project, k=(2, 4))
    texts = [t for _, t in segments(project.store.participant_turns(), "turn")]
    s = project.settings.topics
    fitted: list[object] = []
    real = tp.fit_topics

    def counting(texts: list[str], settings: object) -> object:
        fitted.append(settings)
        return real(texts, settings)  # type: ignore[arg-type]

    monkeypatch.setattr(tp, "fit_topics", counting)
    base = tp._fit_kept(project, texts, s)
    tp._fit_kept(project, texts, s)
    assert len(fitted) == 1
    other = tp._fit_kept(project, texts, dataclasses.replace(s, seed=s.seed + 1))
    assert len(fitted) == 2 and other[0] in (2, 3, 4)
    tp._fit_kept(project, texts[:-1], s)  # a turn less: other turns
    assert len(fitted) == 3
    (kept,) = (project.store_path.parent / tp.CACHE_DIR).glob("topics-*.npz")
    kept.write_bytes(b"PK\x03\x04 not a fit")
    again = tp._fit_kept(project, texts[:-1], s)
    assert len(fitted) == 4 and again[0] in (2, 3, 4)
    refit = tp._fit_kept(project, texts, s)
    assert refit[1] == base[1] and (refit[2] == base[2]).all() and refit[3:] == base[3:]
