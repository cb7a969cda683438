"""The suggester's two SVM solvers side by side: the exact fit through the Gram matrix
(qualcode/coding/linsvm.py) and liblinear, on the same rows, to place ``GRAM_ROWS``.

    python bench/linsvm.py [--sizes 300 600 800 1000] [--project DIR]

Rows are drawn (seeded) from the example's gold-coded turns (bench/gold, all 53 interviews)
or, with --project, from what a project's people coded (for instance a kept bench/scale.py
project after its review history). Each size is fitted as 'suggest train' fits it (every
code, with the grouped check's five folds, with the project's [suggest] settings) once by each
solver in this process, with
scikit-learn imported beforehand so neither pays for it; printed: CPU seconds of each and the
largest difference between their probabilities.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.coding import learn, linsvm  # noqa: E402


def project_data(folder: Path) -> tuple[learn._Data, dict[str, Any]]:
    """What 'suggest train' fits in this project, and the settings it fits with."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.project import open_project

    project = open_project(folder)
    codebook, _ = resolve_codebook(project, None)
    data = learn._data(project, codebook)
    params = learn._params(project, {})
    project.close()
    return data, params


def timed(data: learn._Data, rows: int, params: dict[str, Any]) -> tuple[float, np.ndarray]:
    linsvm.GRAM_ROWS = rows
    t0 = time.process_time()
    model = data.fit(**params)
    cpu = time.process_time() - t0
    return cpu, model.predict_proba(data.texts, data.extra(), data.context)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 600, 800, 1000])
    ap.add_argument("--project", type=Path)
    args = ap.parse_args()
    import sklearn.svm  # noqa: F401  (paid here, by neither solver)

    if args.project:
        data, params = project_data(args.project)
        sizes = [len(data.texts)]
    else:
        from bench.variants import example_data

        with tempfile.TemporaryDirectory() as tmp:
            data, _, settings = example_data(Path(tmp))
        params = {"floor": settings.floor, "min_positives": settings.min_positives,
                  "unjudged": settings.unjudged}  # fmt: skip
        sizes = args.sizes
    print(f"{'rows':>6} {'Gram (exact)':>13} {'liblinear':>10} {'max |dp|':>10}")
    for n in sizes:
        pick = np.sort(np.random.default_rng(0).choice(len(data.texts), min(n, len(data.texts)),
                                                       replace=False))  # fmt: skip
        part = data.rows(pick)
        exact, p1 = timed(part, 10**9, params)
        liblinear, p2 = timed(part, 0, params)
        print(f"{len(pick):>6} {exact:>12.2f}s {liblinear:>9.2f}s {np.abs(p1 - p2).max():>10.1e}")


if __name__ == "__main__":
    main()
