"""CPU seconds of fitting the suggester's TF-IDF: scikit-learn's fit_transform against
qualcode.coding.tfidffit's (the same vocabulary, idf and matrix), on the example's turns.

    python bench/tfidf_fit.py [--repeat 5]

Each setting is fitted ``--repeat`` times by each, alternating; the best and the median CPU time
are printed, and that the results are equal. The import of scikit-learn's text module is timed
apart, in a fresh process (what the suggester no longer pays when nothing else imports it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETTINGS: dict[str, dict[str, Any]] = {  # as qualcode/coding/classifier.py fits them
    "word 1-2": {"ngram_range": (1, 2), "min_df": 1, "sublinear_tf": True, "lowercase": True},
    "char_wb 2-5": {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2,
                    "sublinear_tf": True, "max_features": 200_000},
    "context 1-2": {"ngram_range": (1, 2), "sublinear_tf": True},
}  # fmt: skip


def example_turns() -> tuple[list[str], list[str]]:
    """The example's participant turns and the questions put to them (interviewer turns), as
    ingest reads them from transcripts/."""
    from qualcode.ingest import FORMATS, parse_bytes

    said: list[str] = []
    asked: list[str] = []
    for path in sorted((ROOT / "transcripts").iterdir()):
        if path.suffix.lower() not in FORMATS:
            continue
        doc = parse_bytes(path.read_bytes(), path.name)
        for turn in doc.turns:
            (said if turn.role == "participant" else asked).append(doc.text[turn.start : turn.end])
    return said, asked


def _cpu(fit: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.process_time()
    out = fit(*args, **kwargs)
    return time.process_time() - start, out


def _sklearn(texts: list[str], settings: dict[str, Any]) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(**settings)
    return vec, vec.fit_transform(texts)


def _equal(a: Any, b: Any) -> bool:
    return all(np.array_equal(getattr(a, p), getattr(b, p)) for p in ("indptr", "indices", "data"))


def _import_cost() -> float:
    script = (
        "import time; t = time.process_time();"
        "import sklearn.feature_extraction.text; print(time.process_time() - t)"
    )
    got = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return float(got.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import sklearn.feature_extraction.text  # noqa: F401  (imported before any timing)

    from qualcode.coding import tfidffit

    said, asked = example_turns()
    print(f"example: {len(said)} participant turns, {len(asked)} interviewer turns")
    print(f"{'setting':<13} {'scikit-learn':>18} {'tfidffit':>18}  same")
    for name, settings in SETTINGS.items():
        texts = asked if name.startswith("context") else said
        theirs: list[float] = []
        ours: list[float] = []
        same = True
        for _ in range(args.repeat):
            t, (vec, X) = _cpu(_sklearn, texts, settings)
            theirs.append(t)
            t, (mine, M) = _cpu(tfidffit.fit_transform, texts, **settings)
            ours.append(t)
            same &= _equal(X, M) and vec.vocabulary_ == mine.vocabulary_
            same &= bool(np.array_equal(vec.idf_, mine.idf_))
        show = [f"{min(c):.3f} (med {statistics.median(c):.3f})" for c in (theirs, ours)]
        print(f"{name:<13} {show[0]:>18} {show[1]:>18}  {same}")
    print(f"importing sklearn.feature_extraction.text (fresh process): {_import_cost():.3f} CPU-s")


if __name__ == "__main__":
    main()
