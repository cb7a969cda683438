"""Learning from human coding: import codings, train the suggester, suggest, evaluate, queue.

The model learns from what humans decided: human and imported codings and accepted or added
suggestions are positives; rejected (or changed) suggestions are negatives, and so is every
code not given on a segment someone coded blind, imported or reconciled. A code a reviewer was
never shown and did not give was not judged: it counts as absent with the weight ``[suggest]
unjudged`` (1 by default; 0 leaves the segment out of that code's model: partial labels, which
``bench/variants.py`` measured far worse on the example). Suggestions are stored as
``model`` applications whose source is the model's hash; they never become codings without a
reviewer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qualcode.codebook import Codebook
from qualcode.coding import modelfile, sources
from qualcode.coding.run import resolve_codebook
from qualcode.errors import QualcodeError
from qualcode.export import atomic_write_bytes, sweep
from qualcode.models import PARTICIPANT
from qualcode.project import Project
from qualcode.segment import Segment, segments

MODEL_DIR = "models"
MODEL_FORMAT = "qualcode-model/3"  # 3: rule features x0.25, the previous turn's margins
# The rule coder's match scores (1 - 0.5^matches) are extra inputs to the model, scaled down so
# that they inform it without drowning the text: on all 53 of the example's interviews (10
# folds grouped by interview, bench/variants.py) x0.25 beat x0.5 by +0.011 macro-F1, and x1
# lost 0.04 (on the first 417 hand-coded turns x0.5 had beaten x1 and x0.3).
RULE_WEIGHT = 0.25
RETRAIN = "run 'qualcode suggest train'"
EMBED_WEIGHT = 1.0  # sentence embeddings (unit vectors) beside the text: see bench/variants.py
BATCH = 2_000  # segments scored at a time: memory stays flat however large the project


@dataclass
class TrainReport:
    model: str  # hash
    path: str
    segments: int
    seeds: int = 0  # examples taken from the codebook itself (cold start)
    trained: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # code -> positives (too few)
    precision: dict[str, float] = field(default_factory=dict)  # estimated on unseen interviews
    output: str = ""
    shown: str = "rules"  # "model": the model's suggestions are shown for some codes
    compared: dict[str, float] = field(default_factory=dict)  # macro-F1 on unseen interviews
    sources: dict[str, str] = field(default_factory=dict)  # code -> model, rules or none
    states: dict[str, int] = field(default_factory=dict)  # how many codes in each state
    f1: dict[str, dict[str, float]] = field(default_factory=dict)  # code -> model/rules F1
    embeddings: str = ""  # one line: the sentence embeddings used, or what they would add


@dataclass
class SuggestReport:
    model: str
    scored: int
    suggestions: int
    added: int
    dry_run: bool
    not_suggested: list[str] = field(default_factory=list)  # codes too rare to learn
    shown: str = "model"  # "rules": the model was not shown better, its suggestions are held
    compared: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # code -> model, rules or none


@dataclass(frozen=True)
class Unit:
    """A segment to code, its text, and what was asked before it and said just before it."""

    segment: Segment
    text: str
    question: str
    previous: str

    @property
    def context(self) -> tuple[str, str]:
        return self.question, self.previous


# training ----------------------------------------------------------------------------------
def _units(project: Project) -> list[tuple[Segment, str]]:
    return [(u.segment, u.text) for u in units(project)]


def units(project: Project) -> list[Unit]:
    """Every participant segment with its context: the interviewer's last turn before it and
    the participant's segment before it (in the same document)."""
    out: list[Unit] = []
    question: dict[int, str] = {}
    previous: dict[int, str] = {}
    unit = project.settings.coding.unit
    for row in project.store.participant_turns():
        doc_id, _, text, _, start, end, role = row
        if role != PARTICIPANT:
            question[doc_id] = text[start:end]
            continue
        for seg, said in segments([row], unit):
            out.append(Unit(seg, said, question.get(doc_id, ""), previous.get(doc_id, "")))
            previous[doc_id] = said
    return out


def _chosen_labels(
    project: Project, coders: tuple[str, ...], documents: tuple[str, ...]
) -> tuple[list[tuple[str, int]], dict[str, set[str]], dict[str, set[str] | None]]:
    """(segment id, document id) of the labelled segments to learn from, their codes, and the
    codes people judged on each (None: all of them): every human's, or only the chosen
    coders' (their codes pooled, every code judged), in every or the chosen documents."""
    from qualcode.review.layers import labelled_judged

    store = project.store
    segs, labels, judged = labelled_judged(project)
    rows = [(s[0], s[1]) for s in segs]
    if coders:
        by_coder = store.coder_codings()
        unknown = [c for c in coders if c not in by_coder]
        if unknown:
            raise QualcodeError(
                f"no coding by {', '.join(unknown)} in this project",
                f"coders here: {', '.join(sorted(by_coder)) or 'none yet'}",
            )
        labels = {}
        for coder in coders:
            for seg, codes in by_coder[coder].items():
                labels.setdefault(seg, set()).update(codes)
        judged = {}
        rows = [r for r in rows if r[0] in labels]
    if documents:
        keep: set[int] = set()
        for key in documents:
            keep.add(store.find_document(key).id)
        rows = [r for r in rows if r[1] in keep]
    return rows, labels, judged


def training_set(
    project: Project,
    codebook: Codebook,
    coders: tuple[str, ...] = (),
    documents: tuple[str, ...] = (),
    partial: bool = True,
) -> tuple[list[Unit], np.ndarray, np.ndarray, np.ndarray]:
    """(units, Y, interview of each unit, which labels were judged) of every segment a human
    has labelled (or the chosen coders, in the chosen documents), over the codebook's codes.
    With ``partial`` (the default) a code counts as absent only where a person judged it
    (gave it, rejected its suggestion, or coded the segment blind or in an import); a code a
    reviewer was never shown and did not give is unknown, not a negative."""
    rows, labels, judged = _chosen_labels(project, coders, documents)
    wanted = {seg for seg, _ in rows}
    chosen = [u for u in units(project) if u.segment.id in wanted]
    codes = [c.id for c in codebook.codes]
    Y = np.array([[c in labels[u.segment.id] for c in codes] for u in chosen], dtype=np.int8)
    Y = Y.reshape(-1, len(codes))
    known = np.ones(Y.shape, dtype=bool)
    if partial:
        for i, u in enumerate(chosen):
            seen = judged.get(u.segment.id)
            if seen is not None:
                known[i] = [c in seen or c in labels[u.segment.id] for c in codes]
    groups = np.array([u.segment.document_id for u in chosen], dtype=np.int64)
    return chosen, Y, groups, known


def seed_examples(codebook: Codebook) -> tuple[list[str], np.ndarray]:
    """The codebook's own words as training examples (the cold start): each code's typical and
    atypical examples, inclusion criteria and definition are positives for that code and
    negatives for the others. Exclusion criteria are left out: they describe other codes."""
    texts: list[str] = []
    rows: list[int] = []
    for j, code in enumerate(codebook.codes):
        for text in (*code.typical, *code.atypical, *code.include, code.definition):
            if text.strip():
                texts.append(text)
                rows.append(j)
    Y = np.zeros((len(texts), len(codebook.codes)), dtype=np.int8)
    Y[np.arange(len(texts)), rows] = 1
    return texts, Y


def rule_features(codebook: Codebook, texts: list[str], model: str = "") -> np.ndarray:
    """How strongly the codebook's rules suggest each code for each text (texts x codes)."""
    from qualcode.coding.rules import RuleCoder

    codes = {c.id: j for j, c in enumerate(codebook.codes)}
    out = np.zeros((len(texts), len(codes)))
    for i, matches in enumerate(
        RuleCoder(codebook, model).match([(t, "participant") for t in texts])
    ):
        for m in matches:
            out[i, codes[m.code_id]] = RULE_WEIGHT * m.score
    return out


def project_rule_features(
    project: Project, codebook: Codebook, ids: list[str], texts: list[str]
) -> np.ndarray:
    """Rule features of the segments ``ids``: read from the stored rule matches when the latest
    'code' run made them with this codebook, else found by running the rules on ``texts``."""
    stored = project.store.stored_rule_codes(codebook.hash, project.settings.coding.unit)
    if stored is None:
        return rule_features(codebook, texts, project.settings.coding.spacy_model)
    column = {c.id: j for j, c in enumerate(codebook.codes)}
    out = np.zeros((len(ids), len(column)))
    for i, seg in enumerate(ids):
        for code, score in stored.get(seg, {}).items():
            if code in column:
                out[i, column[code]] = RULE_WEIGHT * score
    return out


def _model_dir(project: Project) -> Path:
    """The project's model folder, cleared of partial model files killed trainings left."""
    path = project.store_path.parent / MODEL_DIR
    path.mkdir(mode=0o700, exist_ok=True)
    sweep(path)
    return path


@dataclass
class _Data:
    """Everything a fit needs: texts, context, rule features, labels; seed rows last."""

    texts: list[str]
    context: list[tuple[str, str]]
    rules: np.ndarray
    Y: np.ndarray
    groups: np.ndarray  # interview of each row (-1 for seed rows)
    known: np.ndarray | None = None  # which labels a person judged (rows x codes; None: all)
    vectors: np.ndarray | None = None  # sentence embeddings of the texts (optional: embed.py)

    def extra(self) -> np.ndarray:
        """The model's dense inputs: the rules' scores, and the embeddings when there are."""
        if self.vectors is None:
            return self.rules
        return np.hstack([self.rules, EMBED_WEIGHT * self.vectors])

    @property
    def real(self) -> np.ndarray:
        return np.asarray(self.groups >= 0)

    @property
    def judged(self) -> np.ndarray:
        return np.ones(self.Y.shape, dtype=bool) if self.known is None else self.known

    def rows(self, index: np.ndarray) -> _Data:
        return _Data(
            [self.texts[i] for i in index],
            [self.context[i] for i in index],
            self.rules[index],
            self.Y[index],
            self.groups[index],
            None if self.known is None else self.known[index],
            None if self.vectors is None else self.vectors[index],
        )

    def fit(self, **params: Any) -> Any:
        from qualcode.coding.classifier import CodeSuggester

        return CodeSuggester(**params).fit(
            self.texts, self.Y, self.extra(), self.context, self.real, self.known, self.groups
        )


def _data(
    project: Project,
    codebook: Codebook,
    coders: tuple[str, ...] = (),
    documents: tuple[str, ...] = (),
    seed: bool = True,
    partial: bool = True,
) -> _Data:
    chosen, Y, groups, known = training_set(project, codebook, coders, documents, partial)
    texts = [u.text for u in chosen]
    data = _Data(
        texts,
        [u.context for u in chosen],
        project_rule_features(project, codebook, [u.segment.id for u in chosen], texts),
        Y,
        groups,
        None if known.all() else known,
    )
    if seed:
        seeds, seedY = seed_examples(codebook)
        spacy_model = project.settings.coding.spacy_model
        data = _Data(
            data.texts + seeds,
            data.context + [("", "")] * len(seeds),
            np.vstack([data.rules, _seed_rules(project, codebook, seeds, spacy_model)]),
            np.vstack([data.Y, seedY]),
            np.concatenate([data.groups, np.full(len(seeds), -1, dtype=np.int64)]),
            None if data.known is None else np.vstack([data.known, np.ones(seedY.shape, bool)]),
        )
    if project.settings.suggest.embeddings:
        data.vectors = _vectors(project, data.texts)
    return data


def _vectors(project: Project, texts: list[str]) -> np.ndarray:
    """Sentence embeddings of ``texts`` ([suggest] embeddings; cached per text hash beside the
    models). Without the optional all-MiniLM-L6-v2 files: one line saying how to add them."""
    from threadpoolctl import threadpool_limits

    from qualcode.coding import embed

    if not embed.available():
        raise QualcodeError(embed.MISSING, "or set [suggest] embeddings = false")
    with threadpool_limits(1):
        return embed.cached(texts, _model_dir(project))


def _seed_rules(
    project: Project, codebook: Codebook, seeds: list[str], spacy_model: str
) -> np.ndarray:
    """The rules' features of the codebook's own examples, kept beside the models once found
    (finding them loads spaCy: seconds of every training, for the same codebook each time)."""
    key = json.dumps([codebook.hash, spacy_model, RULE_WEIGHT, seeds]).encode()
    path = _model_dir(project) / f"seed-rules-{hashlib.sha256(key).hexdigest()[:16]}.npy"
    shape = (len(seeds), len(codebook.codes))
    try:
        kept = np.load(path, allow_pickle=False)
        if kept.shape == shape and kept.dtype.kind == "f":
            return np.asarray(kept)
    except (OSError, ValueError):
        pass  # absent or damaged: found again below
    found = rule_features(codebook, seeds, spacy_model)
    import io

    out = io.BytesIO()
    np.save(out, found, allow_pickle=False)
    atomic_write_bytes(path, out.getvalue())
    return found


def _grouped_predictions(
    data: _Data, folds: int, states: Any = None, **params: Any
) -> tuple[np.ndarray, int, np.ndarray]:
    """Out-of-fold predictions for the real (non-seed) rows, folds grouped by interview; seed
    rows are always in the training part. Returns (the model's predictions of the real rows,
    folds, what reviewers would be shown there: each code from the source each fold's own
    check chose, ``states(data, model)``)."""
    from qualcode.coding.linsvm import group_folds

    real = np.nonzero(data.real)[0]
    seeds = np.nonzero(~data.real)[0]
    groups = data.groups[real]
    folds = min(folds, len(set(groups.tolist())))
    P = np.zeros((len(real), data.Y.shape[1]), dtype=np.int8)
    S = np.zeros_like(P)
    fold_of = group_folds(groups, folds)
    for f in range(folds):
        train_i, test_i = np.nonzero(fold_of != f)[0], np.nonzero(fold_of == f)[0]
        part = data.rows(np.concatenate([real[train_i], seeds]))
        model = part.fit(**params)
        test = data.rows(real[test_i])
        P[test_i] = model.predict(test.texts, test.extra(), test.context)
        if states is not None:
            S[test_i] = sources.shown(states(part, model), P[test_i], (test.rules > 0))
    return P, folds, S


def _check(data: _Data, model: Any) -> sources.Check:
    """On interviews the model did not see (the grouped check its fit ran, when at least two
    interviews are labelled): each code's F1 and precision, shown to the reviewer beside its
    suggestions, and the F1 of the rules alone on the same turns, which decide each code's
    source (``sources``); empty when not checked."""
    held = np.asarray(model.folds_ >= 0) & data.real
    if not held.any():
        return sources.Check()
    R = (data.rules[held] > 0).astype(np.int8)
    found, _, _ = sources.check(model.held_out_[held], R, data.Y[held], data.judged[held])
    return found


def _states(
    data: _Data, model: Any, codebook: Codebook, settings: Any
) -> tuple[sources.Check, list[str]]:
    """The grouped check and each code's source, from a fitted model."""
    found = _check(data, model)
    has_rules = [not c.rules.empty for c in codebook.codes]
    states = sources.choose(found, model.trained_, has_rules, settings.min_f1, settings.show)
    if found.compared:
        held = np.asarray(model.folds_ >= 0) & data.real
        R = (data.rules[held] > 0).astype(np.int8)
        S = sources.shown(states, model.held_out_[held], R)
        f1 = sources.f1_by_code(S, data.Y[held], data.judged[held])
        found.compared["shown"] = sources.macro(f1)
    return found, states


def _as_sets(X: np.ndarray, codes: list[str] | None = None) -> dict[str, set[str]]:
    """A 0/1 matrix (units x codes) as each unit's set of codes (by id, or by column)."""
    names = codes or [str(j) for j in range(X.shape[1])]
    return {str(k): {names[j] for j in np.nonzero(row)[0]} for k, row in enumerate(X)}


def _params(project: Project, params: dict[str, Any]) -> dict[str, Any]:
    s = project.settings.suggest
    return {"floor": s.floor, "min_positives": s.min_positives, "unjudged": s.unjudged, **params}


def train(
    project: Project,
    codebook_path: Path | None = None,
    coders: tuple[str, ...] = (),
    documents: tuple[str, ...] = (),
    output: Path | None = None,
    **params: Any,
) -> TrainReport:
    """Fit the suggester on what humans decided, seeded with the codebook's own examples
    (unless [suggest] seed_from_codebook is off); with no human coding yet, the codebook alone
    makes a first model (a cold start)."""
    codebook, _ = resolve_codebook(project, codebook_path)
    seed = project.settings.suggest.seed_from_codebook
    data = _data(project, codebook, coders, documents, seed)
    params = _params(project, params)
    n_real = int(data.real.sum())
    if not n_real and not seed:
        raise QualcodeError(
            "no human coding to learn from yet",
            "review some suggestions, or 'qualcode import codings FILE --coder NAME'",
        )
    codes = [c.id for c in codebook.codes]
    suggest_settings = project.settings.suggest
    digest = hashlib.sha256(
        json.dumps(
            [
                MODEL_FORMAT,
                codes,
                data.texts[:n_real],
                data.Y.tolist(),
                np.packbits(data.judged).tobytes().hex(),  # partial labels: what was judged
                params,
                codebook.hash,
                RULE_WEIGHT,
                list(coders),
                [suggest_settings.min_f1, suggest_settings.show],  # they choose the sources
                data.vectors is not None and EMBED_WEIGHT,
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    path = _model_dir(project) / f"{digest[:16]}.npz"
    # The same labels, settings and codebook make the same model: a retrain with nothing new
    # (a second 'qualcode run', a review session's retrain before any decision) reuses it,
    # grouped check and all, instead of fitting it again.
    blob, saved = _reused(path)
    if saved is None:
        model = data.fit(**params)
        # Each code's suggestions come from the model only where the grouped check shows it
        # useful and at least as good as the rules; a model from the codebook alone (or from
        # one interview) cannot be checked, so it orders the review queue while the rules
        # suggest.
        found, states = _states(data, model, codebook, suggest_settings)
        saved = {
            "format": MODEL_FORMAT,
            "codes": codes,
            "codebook": codebook.hash,
            "model": model,
            "precision": {codes[j]: round(p, 3) for j, p in found.precision.items()},
            "coders": list(coders),
            "documents": list(documents),
            "segments": n_real,
            "shown": "model" if sources.MODEL in states else "rules",
            "compared": found.compared,
            "sources": dict(zip(codes, states, strict=True)),
            "f1": _f1_by_code(found, codes),
        }
        if data.vectors is not None:
            from qualcode.coding import embed

            saved["embeddings"] = {
                "model": "all-MiniLM-L6-v2", "sha256": embed.WEIGHTS_SHA256,
                "licence": embed.LICENCE, "weight": EMBED_WEIGHT,
            }  # fmt: skip
        blob = modelfile.dumps(saved)  # arrays and JSON: loading it cannot run code
        atomic_write_bytes(path, blob)  # a killed training never leaves half a model
    modelfile.keep(blob, saved)  # 'qualcode run' suggests next: no reading it back
    model, shown = saved["model"], str(saved["shown"])
    compared, by_code = dict(saved["compared"]), dict(saved["sources"])
    if output is not None:
        atomic_write_bytes(output, blob)
    project.store.save_codebook_version(codebook.hash, codebook.source, codebook.content())
    settings = {"codebook": codebook.source, **params, "coders": list(coders)}
    run_id = project.store.start_run("train", settings | {"documents": list(documents)})
    report = TrainReport(digest[:16], str(path), n_real, len(data.texts) - n_real)
    report.output = str(output) if output is not None else ""
    report.precision = dict(saved["precision"])
    report.shown, report.compared = shown, compared
    report.sources, report.states = by_code, sources.counts(by_code)
    report.f1 = dict(saved["f1"])
    report.embeddings = _embeddings_note(saved)
    for j, code in enumerate(codes):
        if model.trained_[j]:
            report.trained.append(code)
        else:
            report.skipped[code] = int(data.Y[:, j].sum())
    summary: dict[str, Any] = {
        "model": report.model,
        "file": path.name,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "segments": n_real,
        "seeds": report.seeds,
        "trained": report.trained,
        "min_positives": params["min_positives"],
        "compared": compared,  # macro-F1 of model and rules on unseen interviews
        "shown": shown,
        "sources": by_code,  # code -> whose suggestions reviewers see: model, rules or none
        "states": report.states,
        "f1": report.f1,
    }
    project.store.finish_run(run_id, summary)
    return report


def _embeddings_note(saved: dict[str, Any]) -> str:
    from qualcode.coding import embed

    used = saved.get("embeddings")
    if isinstance(used, dict):
        return (
            f"Sentence embeddings: {used['model']} (weights sha256 {str(used['sha256'])[:16]}..., "
            f"{used['licence']})."
        )
    if embed.available():
        return "Sentence embeddings are installed but off ([suggest] embeddings = true)."
    return embed.MISSING[0].upper() + embed.MISSING[1:] + "."


def _reused(path: Path) -> tuple[bytes, dict[str, Any] | None]:
    """The model file an identical training wrote before, read back (none: absent, or not
    one this version reads)."""
    try:
        blob = path.read_bytes()
        saved = modelfile.loads(blob, str(path))
    except (OSError, QualcodeError):
        return b"", None
    return blob, saved if isinstance(saved.get("sources"), dict) else None


def _f1_by_code(found: sources.Check, codes: list[str]) -> dict[str, dict[str, float]]:
    """code -> {"model": F1, "rules": F1, "chance": F1 of suggesting it everywhere} on unseen
    interviews (codes with support only)."""
    out: dict[str, dict[str, float]] = {}
    for j, code in enumerate(codes):
        pairs = (("model", found.model_f1), ("rules", found.rules_f1))
        got = {k: v[j] for k, v in pairs if j in v}
        if got:
            out[code] = got | {"chance": found.chance.get(j, 0.0)}
    return out


def load_model(project: Project, model_file: Path | None = None) -> tuple[str, dict[str, Any]]:
    """The latest trained model, after checking its file is the one training wrote; or the
    model in ``model_file`` (trained elsewhere: its codebook is checked where it is used).
    Model files are arrays and JSON (``modelfile``): loading one never runs code. A pickle is
    read only when it is the project's own model as training recorded it (and is then
    rewritten in the new format, with a warning); any other pickle is refused."""
    folder = _model_dir(project)  # cleared of partial files killed trainings left
    latest = project.store.latest_run("train")
    own = folder / latest[1]["file"] if latest is not None else None
    if model_file is not None:
        try:
            blob = model_file.read_bytes()
        except OSError as exc:
            raise QualcodeError(
                f"{model_file}: cannot read the model file ({exc.strerror})",
                "check the path",
            ) from exc
        if not modelfile.is_pickle(blob):
            return hashlib.sha256(blob).hexdigest()[:16], modelfile.loads(blob, str(model_file))
        if own is None or not _same_file(model_file, own):
            raise QualcodeError(f"{model_file}: {modelfile.REFUSED_PICKLE}", modelfile.REFUSED_HINT)
    if latest is None or own is None:
        raise QualcodeError("no trained model yet", "run 'qualcode suggest train' first")
    return latest[1]["model"], modelfile.read_own(own, latest[1]["sha256"])


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _its_codebook(project: Project, saved: dict[str, Any], codebook_path: Path | None) -> Codebook:
    """The project's codebook, when it is the one the model was trained with (else one line)."""
    codebook, path = resolve_codebook(project, codebook_path)
    if codebook.hash != saved["codebook"]:
        raise QualcodeError(
            f"{path} is not the codebook the model was trained with (its codes and rules are "
            "model inputs)",
            RETRAIN + " with this codebook, or pass --codebook with the model's",
        )
    return codebook


def _predict(
    project: Project,
    saved: dict[str, Any],
    chosen: list[Unit],
    codebook_path: Path | None = None,
) -> np.ndarray:
    """The saved model's probabilities (segments x codes), with rule features from the
    codebook it was trained on, scored in batches of BATCH segments."""
    codebook = _its_codebook(project, saved, codebook_path)
    texts = [u.text for u in chosen]
    extra = project_rule_features(project, codebook, [u.segment.id for u in chosen], texts)
    used = saved.get("embeddings")
    if isinstance(used, dict):  # trained with sentence embeddings: scored with them too
        extra = np.hstack([extra, float(used["weight"]) * _vectors(project, texts)])
    context = [u.context for u in chosen]
    out = np.zeros((len(chosen), len(saved["codes"])))
    model = saved["model"]
    for start in range(0, len(chosen), BATCH):
        end = start + BATCH
        out[start:end] = model.predict_proba(texts[start:end], extra[start:end], context[start:end])
    return out


def _scored(
    project: Project,
    codebook_path: Path | None = None,
    model_file: Path | None = None,
    shown_only: bool = False,
    skip_done: bool = False,
) -> tuple[str, dict[str, Any], list[Unit], np.ndarray, set[str]]:
    """The model (name, saved state), the segments no human has labelled, the model's
    probabilities for them (segments x codes), and the labelled segments left out.
    ``shown_only``: when no code's suggestions come from the model, nothing is scored;
    ``skip_done``: nor when the latest suggest run stored this model's on these segments."""
    name, saved = load_model(project, model_file)
    from qualcode.review.layers import labelled as labelled_segments

    labelled = set(labelled_segments(project)[1])
    chosen = [u for u in units(project) if u.segment.id not in labelled]
    _its_codebook(project, saved, codebook_path)  # before anything is scored or skipped
    idle = shown_only and sources.MODEL not in _saved_sources(saved).values()
    if not chosen or idle or (skip_done and _already(project, name, chosen)):
        return name, saved, chosen, np.zeros((len(chosen), len(saved["codes"]))), labelled
    return name, saved, chosen, _predict(project, saved, chosen, codebook_path), labelled


def _segments_key(chosen: list[Unit]) -> str:
    return hashlib.sha256("\n".join(u.segment.id for u in chosen).encode()).hexdigest()[:16]


def _already(project: Project, name: str, chosen: list[Unit]) -> bool:
    """Whether the latest suggest run stored this model's suggestions on these very segments
    (stored suggestions stand until a new model or new segments: scoring again adds none)."""
    latest = project.store.latest_run("suggest")
    return bool(
        latest is not None
        and latest[1].get("model") == name
        and latest[1].get("segments_key") == _segments_key(chosen)
        and "suggestions" in latest[1]
    )


def suggest(
    project: Project,
    dry_run: bool = False,
    codebook_path: Path | None = None,
    model_file: Path | None = None,
) -> SuggestReport:
    """Score every segment no human has labelled; store the codes at or above each code's
    threshold (never below the probability floor). The score combines the rules' evidence and
    the text, so on the segments scored here the model's suggestion is the only one a reviewer
    sees for each code; where the rules matched, their words are its highlighted evidence."""
    scored = _scored(project, codebook_path, model_file, shown_only=True, skip_done=not dry_run)
    return _store_suggestions(project, scored, dry_run)


def _store_suggestions(
    project: Project,
    scored: tuple[str, dict[str, Any], list[Unit], np.ndarray, set[str]],
    dry_run: bool = False,
) -> SuggestReport:
    name, saved, chosen, proba, labelled = scored
    model, codes = saved["model"], saved["codes"]
    report = SuggestReport(name, len(chosen), 0, 0, dry_run)
    report.not_suggested = [c for c, ok in zip(codes, model.trained_, strict=True) if not ok]
    report.shown = saved.get("shown", "model")
    report.compared = dict(saved.get("compared", {}))
    report.sources = _saved_sources(saved)
    if not chosen:
        return report
    if not dry_run and _already(project, name, chosen):
        latest = project.store.latest_run("suggest")
        report.suggestions = int(latest[1]["suggestions"]) if latest else 0
        return report  # stored already, by the latest suggest run (nothing new to add)
    evidence = project.store.rule_evidence()
    rows = []
    source = f"model:{name}"
    hits = proba >= model.thresholds_
    for j, code in enumerate(codes):
        if report.sources.get(code) != sources.MODEL:
            hits[:, j] = False  # held back: the rules' suggestions or none (see train)
    for i, j in zip(*np.nonzero(hits), strict=True):
        seg = chosen[i].segment
        start, end = evidence.get((seg.id, codes[j]), (seg.start, seg.end))
        rows.append((seg.id, codes[j], start, end, "model", source, round(float(proba[i, j]), 4)))
    report.suggestions = len(rows)
    if not dry_run:
        settings = {"model": name, "codebook_hash": saved["codebook"]}
        run_id = project.store.start_run("suggest", settings)
        seg_rows = [
            (u.segment.id, u.segment.document_id, u.segment.turn_index, u.segment.start,
             u.segment.end) for u in chosen
        ]  # fmt: skip
        full = [(*r, run_id, saved["codebook"]) for r in rows]
        report.added = project.store.add_machine_applications(
            seg_rows, full, run_id, "model", source
        )
        summary = {
            "model": name,
            "segments_key": _segments_key(chosen),
            "suggestions": report.suggestions,
            "scored": len(chosen),
            "added": report.added,
            "codebook_hash": saved["codebook"],
            "unscored": sorted(labelled),  # the rules' suggestions still stand on these
            "shown": report.shown,
            "sources": report.sources,  # the rules' suggestions of "model" codes are taken over
            "precision": saved.get("precision", {}),
        }
        project.store.finish_run(run_id, summary)
    return report


def _saved_sources(saved: dict[str, Any]) -> dict[str, str]:
    """Each code's source as the model recorded it (models from before per-code sources: the
    model's verdict for every learned code)."""
    if isinstance(saved.get("sources"), dict):
        return {str(k): str(v) for k, v in saved["sources"].items()}
    shown = saved.get("shown", "model")
    trained = saved["model"].trained_
    return {
        c: sources.MODEL if shown == "model" and ok else sources.RULES
        for c, ok in zip(saved["codes"], trained, strict=True)
    }


@dataclass
class Relearned:
    train: TrainReport
    suggest: SuggestReport
    uncertainty: dict[str, float]  # segment -> how unsure the new model is (queue order)


def relearn(project: Project, codebook_path: Path | None = None) -> Relearned:
    """Train on every decision so far, store the new model's suggestions (superseding the old
    model's undecided ones) and return its uncertainty per segment: what the review app runs
    in the background every few segments, so the queue learns from the reviewer."""
    trained = train(project, codebook_path)
    scored = _scored(project, codebook_path)
    report = _store_suggestions(project, scored)
    _, saved, chosen, proba, _ = scored
    unsure = saved["model"].uncertainty(proba) if chosen else []
    return Relearned(
        trained,
        report,
        {u.segment.id: float(x) for u, x in zip(chosen, unsure, strict=True)},
    )


@dataclass
class Evaluation:
    segments: int
    interviews: int
    folds: int
    scores: list[Any]  # per-code scores of what reviewers see (each code from its source)
    sources: dict[str, dict[str, float]]  # summary of rules alone, text model alone, combined
    seeds: int = 0


def evaluate(
    project: Project,
    codebook_path: Path | None = None,
    folds: int = 10,
    coders: tuple[str, ...] = (),
    documents: tuple[str, ...] = (),
    **params: Any,
) -> Evaluation:
    """Scores of the suggestions against the humans' labels, cross-validated with folds grouped
    by interview: no interview is in both the training and the test part of a fold, so
    neighbouring turns of one interview never flatter the figures. The combined suggester
    (what is stored and shown) is compared with each of its sources alone: the rules, and the
    model on the text without the rules."""
    from qualcode.review.scores import score_codes, summary

    codebook, _ = resolve_codebook(project, codebook_path)
    data = _data(project, codebook, coders, documents, project.settings.suggest.seed_from_codebook)
    params = _params(project, params)
    real = data.real
    groups = data.groups[real]
    n = int(real.sum())
    interviews = len(set(groups.tolist()))
    if interviews < 2 or n < 10:
        raise QualcodeError(
            f"only {n} human-labelled segments from {interviews} interview(s): too few to "
            "evaluate on interviews the model has not seen",
            "code or review segments of at least two interviews first",
        )
    codes = [c.id for c in codebook.codes]
    Y = data.Y[real]
    settings = project.settings.suggest

    def states(part: _Data, model: Any) -> list[str]:
        return _states(part, model, codebook, settings)[1]

    combined, used, shown = _grouped_predictions(data, folds, states, **params)
    text_only = _Data(
        data.texts, data.context, np.zeros_like(data.rules), data.Y, data.groups, data.known
    )
    text, _, _ = _grouped_predictions(text_only, folds, **params)
    rules = (data.rules[real] > 0).astype(np.int8)

    ref = _as_sets(Y, codes)
    per_code = score_codes(ref, _as_sets(shown, codes), codes)
    by_source = {
        "rules": summary(score_codes(ref, _as_sets(rules, codes), codes)),
        "model (text)": summary(score_codes(ref, _as_sets(text, codes), codes)),
        "combined": summary(score_codes(ref, _as_sets(combined, codes), codes)),
        "shown": summary(per_code),
    }
    return Evaluation(n, interviews, used, per_code, by_source, int((~real).sum()))


def uncertainty_by_segment(project: Project) -> dict[str, float]:
    """The latest model's uncertainty about every segment no human has labelled."""
    _, saved, chosen, proba, _ = _scored(project)
    unsure = saved["model"].uncertainty(proba) if chosen else []
    return {u.segment.id: float(x) for u, x in zip(chosen, unsure, strict=True)}


def queue(
    project: Project,
    limit: int = 20,
    codebook_path: Path | None = None,
    model_file: Path | None = None,
) -> list[dict[str, Any]]:
    """Unreviewed segments, least certain first with no two from the same interview in a row
    while others remain (uncertainty with diversity: active learning)."""
    from qualcode.review.order import diverse_order

    _, saved, chosen, proba, _ = _scored(project, codebook_path, model_file)
    model, codes = saved["model"], saved["codes"]
    if not chosen:
        return []
    unsure = model.uncertainty(proba)
    docs = [u.segment.document_id for u in chosen]
    order = diverse_order(list(range(len(chosen))), unsure.tolist(), docs)[:limit]
    out = []
    for i in order:
        u = chosen[i]
        top = np.argsort(-(proba[i] - model.thresholds_), kind="stable")[:3]
        out.append(
            {
                "segment": u.segment.id,
                "document_id": u.segment.document_id,
                "turn": u.segment.turn_index,
                "uncertainty": round(float(unsure[i]), 3),
                "codes": {codes[j]: round(float(proba[i, j]), 3) for j in top},
                "words": len(u.text.split()),
            }
        )
    return out
