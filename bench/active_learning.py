"""Learning while reviewing: macro-F1 against decisions made, active order vs document order.

    python bench/active_learning.py [--batch 50] [--splits 4] [--json]

A simulated reviewer works through the example project's gold-coded interviews (the gold is the
oracle: each segment reviewed gets the gold's codes), and the suggester is retrained after every
``--batch`` segments, as the review app does. Two orders are compared on the same segments:

- document order: interview by interview, turn by turn (a reviewer with no model);
- active order: the segments the current model is least sure about, with interviews mixed
  (``diverse_order``, what ``qualcode review`` and ``qualcode suggest queue`` use).

Every model starts from the codebook's own examples (the cold start). Figures are macro-F1 on
interviews the simulated reviewer never sees: the 53 gold interviews are split into
``--splits`` groups, each held out in turn (grouped by interview), and the curves averaged.
The script prints both curves and how many decisions active order needs to reach document
order's final figure (the goal: half of them or fewer).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.coding import learn  # noqa: E402
from qualcode.review.order import diverse_order  # noqa: E402
from qualcode.review.scores import score_codes, summary  # noqa: E402

GOLD = tuple(
    ROOT / "bench" / "gold" / f"{name}early-action-together.csv" for name in ("", "dev-", "extra-")
)


def example_with_gold(workdir: Path) -> learn._Data:
    """The example project, ingested and rule-coded in ``workdir``, with the gold imported."""
    from bench.example import coded_example
    from qualcode.coding.imports import import_codings
    from qualcode.coding.run import resolve_codebook

    project = coded_example(workdir)
    for gold in GOLD:
        import_codings(project, gold, "gold")
    codebook, _ = resolve_codebook(project, None)
    data = learn._data(project, codebook)
    project.close()
    return data


def macro_f1(Y: np.ndarray, P: np.ndarray) -> float:
    codes = [str(j) for j in range(Y.shape[1])]
    return float(summary(score_codes(learn._as_sets(Y), learn._as_sets(P), codes))["macro_f1"])


def curve(
    data: learn._Data, pool: np.ndarray, test: np.ndarray, order: str, batch: int
) -> list[tuple[int, float]]:
    """(decisions made, macro-F1 on the test interviews) after each retrain."""
    seeds = np.nonzero(~data.real)[0]
    held = data.rows(test)
    labelled: list[int] = []
    left = list(pool)  # document order: the pool is in interview and turn order
    points = []
    model = data.rows(seeds).fit()
    while True:
        P = model.predict(held.texts, held.rules, held.context)
        points.append((len(labelled), macro_f1(held.Y, P)))
        if not left:
            return points
        if order == "active":
            rest = data.rows(np.array(left))
            unsure = model.uncertainty(model.predict_proba(rest.texts, rest.rules, rest.context))
            ranked = diverse_order(list(range(len(left))), unsure.tolist(), rest.groups.tolist())
            chosen = {left[k] for k in ranked[:batch]}
        else:
            chosen = set(left[:batch])
        labelled += [i for i in left if i in chosen]
        left = [i for i in left if i not in chosen]
        model = data.rows(np.array(sorted(labelled) + list(seeds))).fit()  # order-free


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=50, help="segments between retrains")
    ap.add_argument("--splits", type=int, default=4, help="groups of held-out interviews")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        data = example_with_gold(Path(tmp))
    real = np.nonzero(data.real)[0]
    interviews = sorted(set(data.groups[real].tolist()))
    curves: dict[str, list[list[tuple[int, float]]]] = {"document": [], "active": []}
    for k in range(args.splits):
        held = set(interviews[k :: args.splits])
        test = np.array([i for i in real if data.groups[i] in held])
        pool = np.array([i for i in real if data.groups[i] not in held])
        for order in curves:
            curves[order].append(curve(data, pool, test, order, args.batch))
    steps = min(len(c) for cs in curves.values() for c in cs)
    mean = {
        order: [
            (int(np.mean([c[s][0] for c in cs])), float(np.mean([c[s][1] for c in cs])))
            for s in range(steps)
        ]
        for order, cs in curves.items()
    }
    # per held-out group: document order's final figure (every pool segment decided) and the
    # decisions active order needs to reach it
    splits = []
    for doc, act in zip(curves["document"], curves["active"], strict=True):
        final, total = doc[-1][1], doc[-1][0]
        reached = next((n for n, f in act if f >= final), total)
        splits.append({"final": round(final, 3), "decisions": total, "active_needs": reached})
    share = float(np.mean([s["active_needs"] / s["decisions"] for s in splits]))
    result = {
        "interviews": len(interviews),
        "segments": len(real),
        "batch": args.batch,
        "splits": splits,
        "curves": {o: [[n, round(f, 3)] for n, f in c] for o, c in mean.items()},
        "active_share_of_decisions": round(share, 3),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{len(real)} gold segments from {len(interviews)} interviews; {args.splits} held-out "
        f"groups of interviews; retrain every {args.batch} decisions (mean over groups)"
    )
    print(f"{'decisions':>9}  {'document':>8}  {'active':>8}")
    for (n, fd), (_, fa) in zip(mean["document"], mean["active"], strict=True):
        print(f"{n:>9}  {fd:8.3f}  {fa:8.3f}")
    for k, sp in enumerate(splits, 1):
        print(
            f"held-out group {k}: document order's final macro-F1 {sp['final']:.3f} after "
            f"{sp['decisions']} decisions; active order reaches it after {sp['active_needs']}"
        )
    print(f"active order needs {share:.0%} of the decisions on average (goal: 50% or fewer)")
    print(f"({result['seconds']} s)")


if __name__ == "__main__":
    main()
