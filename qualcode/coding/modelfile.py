"""Model files that cannot run code when they are loaded: numbers in arrays and a JSON header.

A model file is a NumPy ``.npz`` (a zip of ``.npy`` arrays, with fixed dates, so the same model
gives the same bytes) read with ``allow_pickle=False``. Its ``header`` array holds JSON bytes:
the settings and what the model was trained on. Its other arrays hold the learned state of the
suggester (``CodeSuggester``), each named for what it is: every TF-IDF vectorizer's vocabulary
(UTF-8 terms and where each ends) and idf weights, and every trained code's linear SVM (coef,
intercept, classes) with its Platt scaling (a, b in the header) and threshold. Loading rebuilds
the model from those numbers, so its predictions are the trained model's, bit for bit: as
``lightmodel``'s objects, which score without importing scikit-learn (its own classes where a
vectorizer setting is one lightmodel does not reproduce). Anything else in a file (another
member, an object array, a setting that is not a plain value or not allowed, an unknown
analyzer) is refused with one line: nothing in a model file is ever run. A pickle (qualcode's
model format before) is read only by ``read_own``: the project's own model file, unchanged
since training wrote it, once, to rewrite it.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from qualcode.coding import lightmodel
from qualcode.errors import QualcodeError
from qualcode.export import stable_zip

FORMAT = "qualcode-model/4"  # 4: calibration on the neighbouring turns' margins
HINT = "pass a file 'qualcode suggest train --output' wrote"
# The TfidfVectorizer settings a model file may carry, and the values each may take.
NONE = type(None)
VECTOR_KEYS: dict[str, tuple[type, ...]] = {
    "analyzer": (str,), "binary": (bool,), "decode_error": (str,), "dtype": (str,),
    "encoding": (str,), "input": (str,), "lowercase": (bool,), "max_df": (int, float),
    "max_features": (int, NONE), "min_df": (int, float), "ngram_range": (list,),
    "norm": (str, NONE), "smooth_idf": (bool,), "strip_accents": (str, NONE),
    "sublinear_tf": (bool,), "token_pattern": (str, NONE), "use_idf": (bool,),
}  # fmt: skip
CHOICES = {  # settings whose values are names: only these (input "filename" would read files)
    "analyzer": ("word", "char", "char_wb"), "dtype": ("float64", "float32"),
    "input": ("content",), "decode_error": ("strict", "ignore", "replace"),
    "strip_accents": (None, "ascii", "unicode"), "norm": (None, "l1", "l2"),
}  # fmt: skip
SUGGESTER_KEYS = {"C", "word_min_df", "char_min_df", "tune_thresholds", "inner_folds", "floor",
                  "min_positives", "random_state", "outer_folds", "balanced",
                  "unjudged"}  # fmt: skip


def is_pickle(blob: bytes) -> bool:
    """A pickle of protocol 2 or later (what qualcode wrote before), by its first byte."""
    return blob[:1] == b"\x80"


class _Refused(ValueError):
    """A model file that is not what it should be."""


def dumps(saved: dict[str, Any]) -> bytes:
    """The bytes of a model file: ``saved`` is train's dict (its "model" a fitted
    CodeSuggester, every other value plain JSON)."""
    model = saved["model"]
    arrays: dict[str, np.ndarray] = {}
    word, char = (t for _, t in model.features_.transformer_list)
    features = [_vector_out(word, "word", arrays), _vector_out(char, "char", arrays)]
    context = [None if v is None else _vector_out(v, f"context{k}", arrays)
               for k, v in enumerate(getattr(model, "context_", []))]  # fmt: skip
    svms: list[dict[str, Any] | None] = []
    for j, fitted in enumerate(model.models_):
        if fitted is None:
            svms.append(None)
            continue
        svm, platt = fitted
        arrays[f"coef{j}"] = np.asarray(svm.coef_, dtype=np.float64)
        arrays[f"intercept{j}"] = np.asarray(svm.intercept_, dtype=np.float64)
        arrays[f"classes{j}"] = np.asarray(svm.classes_)
        svms.append({"a": float(platt[0]), "b": float(platt[1]), "C": float(svm.C),
                     "random_state": svm.random_state,
                     "more": [float(c) for c in platt[2:]]})  # fmt: skip
    arrays["thresholds"] = np.asarray(model.thresholds_, dtype=np.float64)
    arrays["trained"] = np.asarray(model.trained_, dtype=bool)
    arrays["positives"] = np.asarray(model.positives_, dtype=np.int64)
    header = {
        "format": FORMAT,
        "saved": {k: v for k, v in saved.items() if k != "model"},
        "params": model.get_params(),
        "features": features,
        "context": context,
        "n_codes": int(model.n_codes_),
        "neighbours": int(getattr(model, "neighbours_", 0)),
        "svms": svms,
    }
    arrays["header"] = np.frombuffer(json.dumps(header, sort_keys=True).encode(), np.uint8)
    return stable_zip([(f"{name}.npy", _npy(arrays[name])) for name in sorted(arrays)])


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)
    return out.getvalue()


def _vector_out(vec: Any, name: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    encoded = [t.encode("utf-8") for t in terms]
    arrays[f"{name}.terms"] = np.frombuffer(b"".join(encoded), np.uint8)
    arrays[f"{name}.ends"] = np.cumsum([len(t) for t in encoded], dtype=np.int64)
    arrays[f"{name}.idf"] = np.asarray(vec.idf_, dtype=np.float64)
    params = {k: v for k, v in vec.get_params().items() if k in VECTOR_KEYS}
    params["dtype"] = np.dtype(vec.dtype).name
    params["ngram_range"] = list(params["ngram_range"])
    return {"name": name, "params": params}


def loads(blob: bytes, where: str) -> dict[str, Any]:
    """train's dict from a model file's bytes; a file that is anything else is refused with
    one line (QualcodeError)."""
    from qualcode.ingest.zipsafe import read_members

    if not blob.startswith(b"PK\x03\x04"):
        raise QualcodeError(f"{where}: not a qualcode model file", HINT)
    try:
        members = read_members(blob, where, what="model file")
        arrays = {_key(name): _array(data) for name, data in members.items()}
        return _rebuild(arrays)
    except QualcodeError as exc:  # a damaged zip, or a member too large to be a model's
        why = getattr(exc, "problem", exc.message)
        raise QualcodeError(f"{where}: not a qualcode model file ({why})", HINT) from None
    except (_Refused, ValueError, KeyError, TypeError, OSError) as exc:
        why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise QualcodeError(f"{where}: not a qualcode model file ({why})", HINT) from None


def _key(member: str) -> str:
    if not member.endswith(".npy"):
        raise _Refused(f"unexpected member {member[:60]}")
    return member[: -len(".npy")]


def _array(data: bytes) -> np.ndarray:
    array = np.load(io.BytesIO(data), allow_pickle=False)  # object arrays are refused here
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
        raise _Refused("an array that is not numbers")
    return array


def _rebuild(arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    header = json.loads(_take(arrays, "header", "u").tobytes().decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _Refused(f"format {str(header.get('format'))[:40]!r}, expected {FORMAT}")
    from qualcode.coding.classifier import CodeSuggester

    params = _plain(header["params"], dict)
    if set(params) - SUGGESTER_KEYS:
        raise _Refused("unknown model settings")
    model = CodeSuggester(**params)
    features = [_vector_in(spec, arrays) for spec in _plain(header["features"], list)]
    model.features_ = _union(features)
    model.context_ = [None if spec is None else _vector_in(spec, arrays)
                      for spec in _plain(header["context"], list)]  # fmt: skip
    model.n_codes_ = _plain(header["n_codes"], int)
    model.neighbours_ = _plain(header["neighbours"], int)
    if not 0 <= model.neighbours_ <= 2:
        raise _Refused("neighbours must be 0, 1 or 2")
    model.thresholds_ = _take(arrays, "thresholds", "f", (model.n_codes_,))
    model.trained_ = _take(arrays, "trained", "b", (model.n_codes_,))
    model.positives_ = _take(arrays, "positives", "i", (model.n_codes_,)).astype(int)
    svms = _plain(header["svms"], list)
    if len(svms) != model.n_codes_:
        raise _Refused("one linear model per code expected")
    model.models_ = [None if s is None else _svm(j, s, arrays) for j, s in enumerate(svms)]
    if any(m is not None and len(m[1]) - 2 not in (0, model.neighbours_) for m in model.models_):
        raise _Refused("a calibration with the wrong number of inputs")
    if arrays:
        raise _Refused(f"unexpected array {sorted(arrays)[0][:40]}")
    saved = _plain(header["saved"], dict)
    if not isinstance(saved.get("codes"), list) or len(saved["codes"]) != model.n_codes_:
        raise _Refused("its codes do not match its models")
    return {**saved, "model": model}


def _plain(value: Any, *kinds: type) -> Any:
    """``value`` when it is one of ``kinds`` (a bool only where bool is one of them)."""
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise _Refused(f"{' or '.join(k.__name__ for k in kinds)} expected in the header")
    return value


def _take(
    arrays: dict[str, np.ndarray], name: str, kinds: str, shape: tuple[int, ...] | None = None
) -> np.ndarray:
    array = arrays.pop(name, None)
    if array is None:
        raise _Refused(f"array {name} is missing")
    if array.dtype.kind not in kinds or (shape is not None and array.shape != shape):
        raise _Refused(f"array {name} has the wrong type or shape")
    return array


def _vector_in(spec: Any, arrays: dict[str, np.ndarray]) -> Any:
    name = _plain(_plain(spec, dict).get("name"), str)
    params = _plain(spec.get("params"), dict)
    for key, value in params.items():
        kinds = VECTOR_KEYS.get(key, ())
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise _Refused(f"vectorizer setting {key[:40]} is not allowed")
    for key, allowed in CHOICES.items():
        if params.get(key, allowed[0]) not in allowed:
            raise _Refused(f"vectorizer setting {key} is not allowed")
    ngrams = params.get("ngram_range")
    if not (isinstance(ngrams, list) and len(ngrams) == 2 and all(type(n) is int for n in ngrams)):
        raise _Refused("ngram_range must be two whole numbers")
    terms = _take(arrays, f"{name}.terms", "u")
    ends = _take(arrays, f"{name}.ends", "i")
    idf = _take(arrays, f"{name}.idf", "f", (len(ends),))
    text = terms.tobytes()
    if terms.ndim != 1 or ends.ndim != 1 or (len(ends) and int(ends[-1]) != len(text)):
        raise _Refused(f"vocabulary {name} is damaged")
    starts = [0, *ends[:-1].tolist()]
    words = [text[a:b].decode("utf-8") for a, b in zip(starts, ends.tolist(), strict=True)]
    if len(set(words)) != len(words) or not words:
        raise _Refused(f"vocabulary {name} is damaged")
    vocabulary = {w: i for i, w in enumerate(words)}
    if lightmodel.supported(params):  # scored without importing scikit-learn (lightmodel)
        return lightmodel.Tfidf(vocabulary, idf, {**params, "ngram_range": tuple(ngrams)})
    from sklearn.feature_extraction.text import TfidfVectorizer

    settings = {**params, "ngram_range": tuple(ngrams), "dtype": np.dtype(params["dtype"]).type}
    vec = TfidfVectorizer(**settings, vocabulary=vocabulary)
    vec.idf_ = idf  # scikit-learn's documented way to give a vectorizer its weights
    return vec


def _union(features: list[Any]) -> Any:
    if len(features) != 2:
        raise _Refused("two feature sets expected")
    parts = [("word", features[0]), ("char", features[1])]
    if all(isinstance(f, lightmodel.Tfidf) for f in features):
        return lightmodel.Union(parts)
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(parts)


def _svm(j: int, spec: Any, arrays: dict[str, np.ndarray]) -> tuple[Any, tuple[float, ...]]:
    spec = _plain(spec, dict)
    a, b, c = (float(_plain(spec.get(k), int, float)) for k in ("a", "b", "C"))
    seed = spec.get("random_state")
    if seed is not None and type(seed) is not int:
        raise _Refused("a seed that is not a whole number")
    coef = _take(arrays, f"coef{j}", "f")
    intercept = _take(arrays, f"intercept{j}", "f", (1,))
    classes = _take(arrays, f"classes{j}", "biu", (2,))
    if coef.ndim != 2 or coef.shape[0] != 1:
        raise _Refused(f"array coef{j} has the wrong shape")
    more = [float(_plain(c, int, float)) for c in _plain(spec.get("more", []), list)]
    return lightmodel.Linear(coef, intercept, classes, c, seed), (a, b, *more)


class ModelConverted(UserWarning):
    """A project's own model file, a pickle from an earlier version, was rewritten."""


RETRAIN = "run 'qualcode suggest train'"
REFUSED_PICKLE = (
    "is a pickle (a model file from an earlier qualcode, or another program's): loading one can "
    "run any code it holds, so it is refused"
)
REFUSED_HINT = (
    "in the project it came from, run 'qualcode suggest train --output FILE' again, or run "
    "'qualcode suggest' there once and share its converted .qualcode/models/*.npz"
)


_KEPT: dict[str, dict[str, Any]] = {}  # sha256 of a model file -> its model, in this process


def keep(blob: bytes, saved: dict[str, Any]) -> None:
    """Remember the model a training in this process wrote as ``blob`` (or read back), so that
    reading that file in the same process (``qualcode run``: train, then suggest) returns it
    instead of rebuilding it; the model's other entries as the file gives them (JSON)."""
    plain = {k: v for k, v in saved.items() if k != "model"}
    _KEPT.clear()  # the latest model only
    _KEPT[hashlib.sha256(blob).hexdigest()] = {
        **json.loads(json.dumps(plain, sort_keys=True)),
        "model": saved["model"],
    }


def read_own(path: Path, sha256: str) -> dict[str, Any]:
    """The project's own model file, as training recorded it (its name and sha256). A pickle
    written by an earlier version, unchanged since (same sha256), is read this once and
    rewritten beside it as a model file (``<name>.npz``, which records the pickle's sha256),
    with a ModelConverted warning; the pickle is removed."""
    converted = path.with_suffix(".npz")
    if path.suffix == ".pkl" and converted.exists():
        saved = loads(_read(converted), str(converted))
        if saved.get("converted_from") != sha256:
            raise QualcodeError(f"{converted}: the model file has changed since training", RETRAIN)
        path.unlink(missing_ok=True)  # a conversion killed before it removed the pickle
        return saved
    blob = _read(path)
    if hashlib.sha256(blob).hexdigest() != sha256:
        raise QualcodeError(f"{path}: the model file has changed since training", RETRAIN)
    kept = _KEPT.get(sha256)
    if kept is not None:  # this process trained it: the file is checked, not rebuilt
        return kept
    if not is_pickle(blob):
        try:
            return loads(blob, str(path))
        except QualcodeError as exc:  # e.g. a model file an earlier version wrote: train again
            raise QualcodeError(exc.message, RETRAIN) from None
    return _convert(path, blob, sha256)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"{path}: the model file is missing", RETRAIN) from exc


def _convert(path: Path, blob: bytes, sha256: str) -> dict[str, Any]:
    import pickle
    import warnings

    from qualcode.export import atomic_write_bytes

    try:  # qualcode wrote this file and it is unchanged since (checked above): read it once
        saved = pickle.loads(blob)
        new = dumps({**saved, "converted_from": sha256})
    except Exception as exc:  # an old model this version cannot read or rewrite
        raise QualcodeError(f"{path}: an old model file that cannot be converted", RETRAIN) from exc
    converted = path.with_suffix(".npz")
    atomic_write_bytes(converted, new)
    path.unlink(missing_ok=True)
    message = (
        f"{path.name} was a pickle (the model format of earlier versions); read once and "
        f"rewritten as {converted.name}, a format that cannot run code"
    )
    warnings.warn_explicit(message, ModelConverted, "qualcode", 0)
    return loads(new, str(converted))
