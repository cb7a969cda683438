"""How fast reviewing feels, and how fast agreement is computed at scale.

    python bench/review_speed.py [--segments 10000] [--decisions 10000] [--presses 200]

1. Review app: a throwaway project with --segments participant turns (synthetic interview
   talk, 50 documents) coded by the example codebook, plus enough turns for a reviewer to have
   made --decisions earlier decisions on them first (so the queue still holds --segments
   segments); the time to open the review session with no decisions and with that history
   (queue built from the store) and, driving the app with Textual's Pilot in a headless
   terminal, the time from each key's action starting ('n': next item, 'a': accept) until the
   screen has been refreshed with the result: median and 95th percentile. (Pilot's own pacing
   between simulated key presses is not counted.)
2. Agreement: 10,000 segments x 22 codes x 3 coders (random codings with real structure), all
   statistics with a 1,000-sample bootstrap interval for alpha, per code and overall.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.cli.review import open_session  # noqa: E402
from qualcode.coding.run import code_project  # noqa: E402
from qualcode.ingest.run import ingest  # noqa: E402
from qualcode.project import init_project, open_project  # noqa: E402

PHRASES = [
    "the PPN came through the hub and we screened it the next morning",
    "we did some parenting work with mum and the school attendance improved",
    "the grant funding runs out in March so the posts are at risk",
    "our PCSO came out on a joint visit with the family support worker",
    "children's services said it did not meet threshold so we held the risk",
    "the officers never hear back about what happened to the referral",
    "we share information on WCCIS but the police use Niche",
    "caseloads have gone up and the families are more complex now",
    "the ACE training changed how the officers see the young people",
    "sorry, the dog is barking, where was I",
]


def build(tmp: Path, segments: int) -> Path:
    project = init_project(tmp / "bench")
    rng = random.Random(0)
    per_doc = segments // 50
    for d in range(50):
        lines = []
        for t in range(per_doc):
            said = " ".join(rng.choice(PHRASES) for _ in range(3))
            lines += [f"INT: Question {t}?", f"P{d:02d}: {said}."]
        (project.root / "transcripts" / f"P{d:02d}.txt").write_text("\n".join(lines) + "\n")
    cb = ROOT / "codebooks" / "early-action-together.yaml"
    shutil.copy(cb, project.root / "codebooks" / cb.name)
    ingest(project)
    code_project(project)
    project.close()
    return project.root


def open_time(root: Path) -> tuple[float, int]:
    project = open_project(root)
    t0 = time.perf_counter()
    session = open_session(project, "bench", order="document")
    opened = time.perf_counter() - t0
    project.close()
    return opened, len({i.segment for i in session.items})


def decide(root: Path, n: int) -> int:
    """A reviewer's history: accept or reject ``n`` suggestions, in document order."""
    project = open_project(root)
    queue = project.store.queue_applications()[:n]
    rows = [(a[0], a[1], a[2], "history", "accept" if i % 3 else "reject", "") for i, a in
            enumerate(queue)]  # fmt: skip
    project.store.add_decisions(rows)
    project.close()
    return len(rows)


def review_timings(root: Path, presses: int) -> dict[str, float]:
    from qualcode.tui.review import ReviewApp

    project = open_project(root)
    t0 = time.perf_counter()
    session = open_session(project, "bench", order="document")
    opened = time.perf_counter() - t0
    times: list[float] = []

    class Timed(ReviewApp):
        """Times each action from its key binding firing to the next screen refresh."""

        def _timed(self, action: str) -> None:
            start = time.perf_counter()
            getattr(super(), action)()
            self.call_after_refresh(lambda: times.append(time.perf_counter() - start))

        def action_next(self) -> None:
            self._timed("action_next")

        def action_accept(self) -> None:
            self._timed("action_accept")

    async def drive() -> None:
        app = Timed(session)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for i in range(presses):
                await pilot.press("a" if i % 4 == 0 else "n")
                await pilot.pause()
            await pilot.press("q")

    asyncio.run(drive())
    project.close()
    times.sort()
    return {
        "queue": len(session.items),
        "open_s": opened,
        "median_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[int(0.95 * len(times)) - 1],
    }


def agreement_timing() -> tuple[float, int]:
    from qualcode.review.longform import agreement_from_codings

    rng = random.Random(1)
    codes = [f"aim{j // 6}.code{j}" for j in range(22)]
    units = [f"s{i}" for i in range(10_000)]
    truth = {u: {c for c in codes if rng.random() < 0.08} for u in units}
    data: dict[str, dict[str, set[str]]] = {}
    for coder in ("ann", "bob", "cat"):
        data[coder] = {}
        for u in units:
            got = {c for c in truth[u] if rng.random() < 0.85}
            got |= {c for c in codes if rng.random() < 0.01}
            data[coder][u] = got
    t0 = time.perf_counter()
    rows, _ = agreement_from_codings(units, ["ann", "bob", "cat"], data, 1000, 0)
    return time.perf_counter() - t0, len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--segments", type=int, default=10_000)
    ap.add_argument("--decisions", type=int, default=10_000)
    ap.add_argument("--presses", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        extra = args.decisions // 2  # a turn carries about two suggestions
        root = build(Path(tmp), args.segments + extra)
        fresh, fresh_queue = open_time(root)
        made = decide(root, args.decisions)
        later, later_queue = open_time(root)
        r = review_timings(root, args.presses)
    print(
        f"open queue : {fresh_queue:,} segments with no decisions {fresh:.2f} s; "
        f"{later_queue:,} segments after {made:,} earlier decisions {later:.2f} s"
    )
    print(
        f"review app : queue of {r['queue']:,} segments opened in {r['open_s']:.2f} s; "
        f"key press to next item drawn: median {r['median_ms']:.1f} ms, "
        f"95th percentile {r['p95_ms']:.1f} ms ({args.presses} presses)"
    )
    secs, n = agreement_timing()
    print(
        f"agreement  : 10,000 segments x 22 codes x 3 coders, {n} codes + overall, "
        f"1,000 bootstrap samples: {secs:.2f} s"
    )


if __name__ == "__main__":
    main()
