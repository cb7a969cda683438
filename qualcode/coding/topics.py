"""Topic suggestions: themes in participants' talk that the codebook does not yet have.

A seeded topic model over participant turns, lemmatised with the rule coder's lookup lemmas,
stop words and interview fillers removed, and frequent word pairs joined as phrases (gensim).
NMF (qualcode.coding.nmf: the fit scikit-learn's NMF makes with init="nndsvda" and its
coordinate-descent solver, in numpy, so the step never imports scikit-learn) is the default
because it measured far more coherent on interview turns (bench/topics.py: NPMI about 0.24
against 0.05 for LDA, in a quarter of the time); gensim LDA stays available as ``[topics]
method = "lda"``. The number of topics is chosen by coherence (NPMI, each turn a window, from
one co-occurrence count for every k tried). Each topic gets its top terms, its most
representative turns, its prevalence by a participant attribute, and how much of it the
existing codes already cover; poorly covered topics become ``topic``
suggestions for review and can be adopted into the codebook as draft codes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain, pairwise
from pathlib import Path
from typing import Any

import numpy as np

from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.segment import Segment, segments, trim
from qualcode.settings import TopicSettings

# Words of interview talk that carry no theme (on top of spaCy's English stop words).
FILLERS = frozenset(
    """yeah yes yep no um umm uh er erm ah oh mm mhm hmm okay ok right well like just really
    actually basically obviously literally honestly know mean think thing things stuff sort
    kind bit lot lots got get go going gone come came say said tell told talk see look want
    way time times day week year years people person probably maybe sure quite pretty good
    bad big little lovely brilliant massive whole sometimes always never every everything
    something anything nothing someone somebody anyone anybody everyone thank thanks laugh
    laughs laughter inaudible crosstalk pause sigh sighs redacted cough interview question
    answer sorry fine course able try trying need needs make makes made take took put bite
    start half ring ask happen type let lets example examples instance usually generally often
    definitely certainly especially particular particularly different guess suppose""".split()  # noqa: SIM905
)


@dataclass
class Topic:
    number: int
    terms: list[str]
    weight: float  # share of the modelled turns' topic mass
    coverage: float  # share of its turns in coded interviews carrying its most common code
    top_code: str
    prevalence: dict[str, float]  # attribute value -> mean topic weight (x100)
    quotes: list[dict[str, Any]]  # the most representative turns
    candidate: bool = False
    coded_turns: int = 0  # its turns in interviews that carry any coding (coverage's base)


@dataclass
class TopicReport:
    method: str
    model: str  # hash
    k: int
    tried: list[dict[str, float]]  # per k: its npmi
    segments: int
    by: str
    topics: list[Topic] = field(default_factory=list)
    stored: int = 0
    coded_documents: int = 0  # interviews with any coding: coverage is counted over these
    weak: bool = False  # the best coherence is near chance: read the topics as hints only


def tokens(texts: list[str], surface: dict[str, Counter[str]] | None = None) -> list[list[str]]:
    """Lemmas of the content words of each text (lower case, alphabetic, 3+ letters).
    ``surface``, when given, collects how often each lemma was written in each form.

    spaCy's tokenizer cuts each whitespace-separated chunk on its own, so each distinct chunk
    is tokenized once (all of them in one call) and its lemmas reused wherever it recurs: the
    same tokens as tokenizing every text, at a fraction of the cost."""
    from qualcode.coding.nlp import import_spacy

    import_spacy()  # no socket at import (see there)
    from spacy.lang.en.stop_words import STOP_WORDS

    from qualcode.coding.nlp import load_pipeline, lower

    pipeline = load_pipeline()
    stop = STOP_WORDS | FILLERS
    chunked = [lower(t).split() for t in texts]
    kept: dict[str, list[tuple[str, str]]] = {}
    new = list(dict.fromkeys(c for chunks in chunked for c in chunks))
    if new:
        doc = pipeline.nlp.tokenizer(" ".join(new))
        starts = iter(np.cumsum([0] + [len(c) + 1 for c in new[:-1]]).tolist())
        ends = {}  # chunk start offset -> chunk
        for start, chunk in zip(starts, new, strict=True):
            ends[start] = chunk
            kept[chunk] = []
        current: list[tuple[str, str]] = []
        for t in doc:
            if t.idx in ends:
                current = kept[ends[t.idx]]
            w = t.norm_ if pipeline.attr == "NORM" else t.lemma_.lower()
            if len(w) > 2 and w.isalpha() and w not in stop:
                current.append((w, t.lower_))
    lemmas = {c: [w for w, _ in pairs] for c, pairs in kept.items()}
    out = [[w for c in chunks for w in lemmas[c]] for chunks in chunked]
    if surface is not None:  # each distinct chunk's forms, times how often it was said
        said = Counter(c for chunks in chunked for c in chunks)
        for c, n in said.items():
            for w, form in kept[c]:
                surface.setdefault(w, Counter())[form] += n
    return out


def surface_form(term: str, surface: dict[str, Counter[str]]) -> str:
    """A topic term as people said it: each lemma of a phrase in its most common written form
    ('datum_scientist' -> 'data scientist', 'machine_learn' -> 'machine learning')."""
    words = []
    for lemma in term.split("_"):
        forms = surface.get(lemma)
        words.append(min(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0] if forms else lemma)
    return " ".join(words)


# Function words that may sit inside a phrase ("bang_for_buck"); stop words never reach
# _phrased, so today they only keep the rule complete.
CONNECTORS = frozenset("a an and at by for from in of on or the to with without".split())  # noqa: SIM905
PHRASE_MIN = 5  # a pair seen fewer times than this is never a phrase
PHRASE_THRESHOLD = 10.0


def _phrased(docs: list[list[str]]) -> list[list[str]]:
    """Frequent word pairs joined as one term ('machine_learn'): a pair (with any connectors
    between) is a phrase when (pair count - PHRASE_MIN) / (count of a x count of b) x the
    number of distinct words and pairs exceeds PHRASE_THRESHOLD (Mikolov et al.'s score, as
    gensim's Phrases computes it), read greedily from the left."""
    words = Counter(chain.from_iterable(docs))
    if not any(w in CONNECTORS or "_" in w for w in words):
        return _phrased_pairs(docs, words)
    counts: Counter[str] = Counter()
    for doc in docs:
        start, between = "", []
        for word in doc:
            if word in CONNECTORS:
                if start:
                    between.append(word)
                continue
            counts[word] += 1
            if start:
                counts["_".join([start, *between, word])] += 1
            start, between = word, []
    size = len(counts)

    def phrase(a: str, b: str, between: list[str]) -> str:
        joined = "_".join([a, *between, b])
        n = counts.get(joined, 0)
        if n <= 0:
            return ""
        score = (n - PHRASE_MIN) / float(counts[a] * counts[b]) * size
        return joined if score > PHRASE_THRESHOLD else ""

    out = []
    for doc in docs:
        res: list[str] = []
        start, between = "", []
        for word in doc:
            if word in CONNECTORS:
                if start:
                    between.append(word)
                else:
                    res.append(word)
                continue
            if not start:
                start, between = word, []
                continue
            joined = phrase(start, word, between)
            if joined:
                res.append(joined)
                start, between = "", []
            else:
                res += [start, *between]
                start, between = word, []
        if start:
            res += [start, *between]
        out.append(res)
    return out


def _phrased_pairs(docs: list[list[str]], words: Counter[str]) -> list[list[str]]:
    """_phrased for turns with no connector word and no '_' in a word (as tokens() gives
    them): the same counts and scores, each distinct pair scored once."""
    pairs = Counter(pair for doc in docs for pair in pairwise(doc))
    size = len(words) + len(pairs)
    joined = {
        pair
        for pair, n in pairs.items()
        if (n - PHRASE_MIN) / float(words[pair[0]] * words[pair[1]]) * size > PHRASE_THRESHOLD
    }
    out = []
    for doc in docs:
        res: list[str] = []
        start = ""
        for word in doc:
            if start and (start, word) in joined:
                res.append(f"{start}_{word}")
                start = ""
            else:
                if start:
                    res.append(start)
                start = word
        if start:
            res.append(start)
        out.append(res)
    return out


WEAK_NPMI = 0.05  # best coherence below this: topics barely more coherent than chance
EPSILON = 1e-12  # as gensim: a pair never seen together scores NPMI -1


def npmi(topics_by_k: list[list[list[str]]], docs: list[list[str]]) -> list[float]:
    """Mean NPMI of each model's topics (top words, every pair), with each turn as the
    co-occurrence window. One pass over the corpus counts the candidate words of every k
    at once: a sparse turn x word matrix times its transpose."""
    from scipy.sparse import csr_matrix

    vocab = sorted({w for topics in topics_by_k for terms in topics for w in terms})
    column = {w: j for j, w in enumerate(vocab)}
    rows, cols = [], []
    for i, doc in enumerate(docs):
        for j in {column[w] for w in doc if w in column}:
            rows.append(i)
            cols.append(j)
    B = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(docs), len(vocab)))
    joint = (B.T @ B).toarray() / max(len(docs), 1)
    single = np.diag(joint)
    scores = []
    for topics in topics_by_k:
        values = []
        for terms in topics:
            ids = [column[w] for w in terms]
            for a in range(len(ids)):
                for b in range(a + 1, len(ids)):
                    p_ab = joint[ids[a], ids[b]] + EPSILON
                    pmi = np.log(p_ab / (single[ids[a]] * single[ids[b]]))
                    values.append(pmi / -np.log(p_ab))
        scores.append(round(float(np.mean(values)), 4) if values else 0.0)
    return scores


def _dictionary(docs: list[list[str]], s: TopicSettings) -> Any:
    from gensim.corpora import Dictionary

    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=3, no_above=s.common)
    return dictionary


def _lda(
    docs: list[list[str]], dictionary: Any, k: int, s: TopicSettings
) -> tuple[Any, np.ndarray]:
    from gensim.models import LdaModel

    corpus = [dictionary.doc2bow(d) for d in docs]
    lda = LdaModel(
        corpus,
        num_topics=k,
        id2word=dictionary,
        random_state=s.seed,
        passes=s.passes,
        iterations=50,
        alpha="asymmetric",
        eta="auto",
        minimum_probability=0.0,
    )
    theta = np.zeros((len(docs), k))
    for i, bow in enumerate(corpus):
        for t, p in lda.get_document_topics(bow, minimum_probability=0.0):
            theta[i, t] = p
    terms = [[dictionary[w] for w, _ in lda.get_topic_terms(t, topn=10)] for t in range(k)]
    return terms, theta


def _tfidf(docs: list[list[str]], s: TopicSettings) -> tuple[Any, np.ndarray]:
    """The turns' TF-IDF (words in at least 3 turns and at most the ``common`` share) and
    its vocabulary: one matrix for every k tried."""
    from qualcode.coding.nmf import tfidf

    return tfidf(docs, min_df=3, max_df=s.common)


def _nmf(X: Any, vocab: np.ndarray, k: int, s: TopicSettings) -> tuple[list[list[str]], np.ndarray]:
    from qualcode.coding.nmf import nmf

    # tol 1e-3 (scikit-learn's NMF default is 1e-4): the fits stop at about half the iterations,
    # the example's chosen topics are the same and 93-100% of each k's top terms too (issue 26)
    W, H = nmf(X, k, seed=s.seed, max_iter=400, tol=1e-3)
    terms = [[str(vocab[i]) for i in np.argsort(-row)[:10]] for row in H]
    theta = W / np.maximum(W.sum(axis=1, keepdims=True), 1e-12)
    return terms, theta


def fit_topics(
    texts: list[str], settings: TopicSettings
) -> tuple[int, list[list[str]], np.ndarray, list[dict[str, float]], list[int]]:
    """Fit models for each k tried; return the chosen k, its topics' terms, the turn x topic
    weights, the coherence of every k, and the indices of the turns that were modelled."""
    from threadpoolctl import threadpool_limits

    surface: dict[str, Counter[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # library notices are not the user's business
        docs = _phrased(tokens(texts, surface))
    keep = [i for i, d in enumerate(docs) if len(d) >= settings.min_words]
    docs = [docs[i] for i in keep]
    if len(docs) < 20:
        raise QualcodeError(
            f"only {len(docs)} participant turns long enough to model topics",
            "ingest more transcripts, or lower [topics] min_words",
        )
    df = Counter(w for d in docs for w in set(d))
    words = sum(3 <= n <= int(settings.common * len(docs)) for n in df.values())
    if words < settings.k_max:
        raise QualcodeError(
            f"only {words} distinct content words to model",
            "ingest more transcripts, or raise [topics] common",
        )
    lda = settings.method == "lda"  # gensim's LDA, on gensim's dictionary of the same words
    dictionary = _dictionary(docs, settings) if lda else None
    X, vocab = (None, np.array([])) if lda else _tfidf(docs, settings)
    fits = []
    with threadpool_limits(1), warnings.catch_warnings():
        # an NMF that stops at max_iter still gives usable topics; its ConvergenceWarning (and
        # any other library notice) is noise on the user's terminal
        warnings.simplefilter("ignore")
        for k in range(settings.k_min, settings.k_max + 1, settings.k_step):
            if lda:
                fits.append((k, *_lda(docs, dictionary, k, settings)))
            else:
                fits.append((k, *_nmf(X, vocab, k, settings)))
    scores = npmi([terms for _, terms, _ in fits], docs)
    tried = [{"k": k, "npmi": score} for (k, _, _), score in zip(fits, scores, strict=True)]
    best = max(range(len(fits)), key=lambda i: (scores[i], -i))  # the first of equals
    k, terms, theta = fits[best]
    shown = [[surface_form(t, surface) for t in topic] for topic in terms]
    return k, shown, theta, tried, keep


CACHE_FORMAT = "qualcode-topics/1"  # change when tokens, phrases or the models change
CACHE_DIR = "cache"
Fit = tuple[int, list[list[str]], np.ndarray, list[dict[str, float]], list[int]]


def _fit_kept(project: Project, texts: list[str], settings: TopicSettings) -> Fit:
    """fit_topics, or what it returned last time on the same turns with the same settings and
    library versions (kept beside the project's database): the fit is deterministic, so a
    'qualcode run' with no new transcripts does not fit every k again."""
    from importlib.metadata import PackageNotFoundError, version

    # the libraries whose code the fit runs (NMF is qualcode's own, in numpy and scipy.sparse;
    # a change to it is a change of CACHE_FORMAT)
    versions = []
    for package in ("spacy", "spacy-lookups-data", "numpy", "scipy", "gensim"):
        try:
            versions.append(version(package))
        except PackageNotFoundError:
            versions.append("")
    key = hashlib.sha256(
        json.dumps(
            [CACHE_FORMAT, versions, sorted(FILLERS), settings.__dict__, texts], sort_keys=True
        ).encode()
    ).hexdigest()[:24]
    folder = project.store_path.parent / CACHE_DIR
    path = folder / f"topics-{key}.npz"
    kept = _read_fit(path)
    if kept is not None:
        return kept
    fit = fit_topics(texts, settings)
    with contextlib.suppress(OSError):  # a read-only project folder: fitted each time
        _write_fit(folder, path, fit)
    return fit


def _write_fit(folder: Path, path: Path, fit: Fit) -> None:
    import io

    from qualcode.export import atomic_write_bytes, sweep

    folder.mkdir(mode=0o700, exist_ok=True)
    sweep(folder)
    for old in folder.glob("topics-*.npz"):  # the latest fit only
        old.unlink(missing_ok=True)
    k, terms, theta, tried, keep = fit
    header = json.dumps({"k": k, "terms": terms, "tried": tried, "keep": keep}).encode()
    out = io.BytesIO()
    np.savez(out, theta=np.asarray(theta, dtype=np.float64), header=np.frombuffer(header, np.uint8))
    atomic_write_bytes(path, out.getvalue())


def _read_fit(path: Path) -> Fit | None:
    """A kept fit, or None (absent, damaged, or not what a fit looks like)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            theta = np.array(data["theta"], dtype=np.float64)
            header = json.loads(data["header"].tobytes().decode("utf-8"))
        k, terms, tried, keep = header["k"], header["terms"], header["tried"], header["keep"]
        ok = (
            isinstance(k, int)
            and theta.ndim == 2
            and theta.shape == (len(keep), k)
            and len(terms) == k
            and all(isinstance(t, list) and all(isinstance(w, str) for w in t) for t in terms)
            and all(isinstance(i, int) for i in keep)
            and all(isinstance(t, dict) for t in tried)
        )
        return (k, terms, theta, tried, keep) if ok else None
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None


def model_topics(project: Project, by: str = "", store: bool = True) -> TopicReport:
    """Fit the topic model on the project's participant turns and describe each topic."""
    s = project.settings.topics
    units: list[tuple[Segment, str]] = list(
        segments(project.store.participant_turns(), project.settings.coding.unit)
    )
    k, terms, theta, tried, keep = _fit_kept(project, [t for _, t in units], s)
    units = [units[i] for i in keep]
    codes = project.store.segment_codes()
    people = {d["id"]: d["participant_id"] for d in project.store.current_documents()}
    attrs = project.store.participant_attributes()
    by = by or ("sector" if any("sector" in a for a in attrs.values()) else "")
    digest = hashlib.sha256(
        json.dumps([s.__dict__, [seg.id for seg, _ in units], k], sort_keys=True).encode()
    ).hexdigest()[:16]
    report = TopicReport(s.method, digest, k, tried, len(units), by)
    report.weak = max(t["npmi"] for t in tried) < WEAK_NPMI
    # Coverage is counted over interviews somebody (or the rules) coded: turns of interviews
    # nobody has coded yet say nothing about whether the codebook has the theme.
    coded_docs = {seg.document_id for seg, _ in units if codes.get(seg.id)}
    report.coded_documents = len(coded_docs)
    dominant = theta.argmax(axis=1)
    for t in range(k):
        mine = [i for i in range(len(units)) if dominant[i] == t]
        base = [i for i in mine if units[i][0].document_id in coded_docs]
        top_code = _top_code([codes.get(units[i][0].id, set()) for i in base])
        # covered = its turns mostly carry one existing code; a theme the codebook lacks
        # spreads over whatever codes its turns happen to touch
        coverage = top_code[0][1] / len(base) if base and top_code else 0.0
        prevalence: dict[str, list[float]] = {}
        for i in range(len(units)):
            group = attrs.get(people.get(units[i][0].document_id) or "", {}).get(by, "")
            if group:
                prevalence.setdefault(group, []).append(float(theta[i, t]))
        best = sorted(mine, key=lambda i: -theta[i, t])[:3]
        report.topics.append(
            Topic(
                number=t + 1,
                terms=terms[t],
                weight=round(float(theta[:, t].mean()), 4),
                coverage=round(coverage, 3),
                top_code=top_code[0][0] if top_code else "",
                prevalence={
                    g: round(100 * float(np.mean(v)), 1) for g, v in sorted(prevalence.items())
                },
                quotes=[
                    {
                        "segment": units[i][0].id,
                        "document_id": units[i][0].document_id,
                        "participant": people.get(units[i][0].document_id) or "",
                        "turn": units[i][0].turn_index,
                        "weight": round(float(theta[i, t]), 3),
                        "text": units[i][1],
                    }
                    for i in best
                ],
                # with no coding at all, every theme is one the project does not have yet
                candidate=bool(mine)
                and (not coded_docs or (bool(base) and coverage < s.uncovered)),
                coded_turns=len(base),
            )
        )
    if store:
        report.stored = _store(project, report, units, theta)
    return report


def _top_code(coded: list[set[str]]) -> list[tuple[str, int]]:
    """The code most of these turns carry, with its count (ties: the first by id, so the same
    topics name the same code in every process, whatever the order of a set)."""
    counts = Counter(c for cs in coded for c in cs)
    return [min(counts.items(), key=lambda kv: (-kv[1], kv[0]))] if counts else []


def _store(
    project: Project, report: TopicReport, units: list[tuple[Segment, str]], theta: np.ndarray
) -> int:
    """Candidate topics' most typical turns become ``topic`` suggestions (code id
    ``topic.<model>.<n>``); the run keeps the topics so that one can be adopted later."""
    run_id = project.store.start_run("topics", {"method": report.method, "k": report.k})
    source = f"topics:{report.model}"
    seg_rows, rows = [], []
    for topic in report.topics:
        if not topic.candidate:
            continue
        t = topic.number - 1
        for i in np.argsort(-theta[:, t], kind="stable")[:25]:
            if theta[i, t] < 0.5:
                break
            seg = units[i][0]
            seg_rows.append((seg.id, seg.document_id, seg.turn_index, seg.start, seg.end))
            code = f"topic.{report.model}.{topic.number}"
            score = round(float(theta[i, t]), 4)
            rows.append((seg.id, code, seg.start, seg.end, "topic", source, score, run_id, None))
    added = project.store.add_machine_applications(seg_rows, rows, run_id, "topic", source)
    summary = {
        "model": report.model,
        "k": report.k,
        "tried": report.tried,
        "topics": [
            {
                "number": tp.number,
                "terms": tp.terms,
                "candidate": tp.candidate,
                "quotes": [q["segment"] for q in tp.quotes],
            }
            for tp in report.topics
        ],
    }
    project.store.finish_run(run_id, summary)
    return added


def adopt(
    project: Project, number: int, code_id: str, group: str = "emerging", codebook_path: Any = None
) -> str:
    """Write topic ``number`` of the latest topic run into the codebook as a draft code (name,
    definition from its top terms, example quotes, keyword rules), keeping the file's comments
    and order. Returns the codebook path."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

    from qualcode.codebook.loader import ID_RE
    from qualcode.coding.addcodes import add_codes
    from qualcode.coding.run import resolve_codebook

    latest = project.store.latest_run("topics")
    if latest is None:
        raise QualcodeError("no topics yet", "run 'qualcode topics' first")
    topic = next((t for t in latest[1]["topics"] if t["number"] == number), None)
    if topic is None:
        raise QualcodeError(f"no topic {number} in the latest topic run", "see 'qualcode topics'")
    if not ID_RE.fullmatch(code_id) or not code_id.startswith(group + "."):
        raise QualcodeError(
            f"'{code_id}' is not a valid id for group '{group}'",
            f"use lower-case words joined by dots starting '{group}.', e.g. {group}.welsh_language",
        )
    codebook, path = resolve_codebook(project, codebook_path)
    if codebook.code(code_id) is not None:
        raise QualcodeError(f"{path}: code {code_id} already exists", "choose another --id")
    terms = [t.replace("_", " ") for t in topic["terms"]]
    quotes = [q for q in (project.store.segment_text(s) for s in topic["quotes"]) if q]
    code = {
        "id": code_id,
        "name": " / ".join(terms[:3]).capitalize(),
        "definition": (
            f"DRAFT from topic {number} of topic model {latest[1]['model']}: talk about "
            f"{', '.join(terms[:6])}. Rewrite this definition before using the code."
        ),
        "examples": {"typical": [Quoted(trim(q[0], 240)) for q in quotes[:2]]},
        "rules": {"keywords": terms[:5]},
    }
    add_codes(path, group, "Emerging themes", [code])
    return str(path)
