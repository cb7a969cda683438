"""Fuzz every reader and importer with mutated files; count what happens.

    python bench/fuzz.py [--runs 2000] [--seed 0] [--timeout 20]

The targets and mutations are those of the suite's fuzz test (tests/fuzz_targets.py): transcripts
(.txt, .docx, .vtt, .srt, .pdf), codebooks, attribute sheets (.csv, .xlsx), review sheets,
codings and agreement CSVs, .qdc and .qdpx. Each mutated input is read once, in this process,
with an alarm after --timeout seconds and an address-space limit of 4 GB, and counted as
accepted, refused with a specific error (a QualcodeError naming the file and what is wrong), a
vague message (a QualcodeError that names the file but not the fault: 'cannot be read as .xlsx',
'member project.qde is corrupt (error)'; see tests/fuzz_targets.VAGUE), an internal error (any
other exception: a bug) or a hang. Vague messages, internal errors and hangs are listed with the
seed that reproduces them, never with the file's content.
"""

from __future__ import annotations

import argparse
import random
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.errors import QualcodeError  # noqa: E402
from tests.fuzz_targets import TARGETS, is_vague, mutate  # noqa: E402


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=20)
    args = ap.parse_args()
    limit = 4 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _alarm)
    seeds = {t.name: t.seeds() for t in TARGETS}
    counts: dict[str, Counter[str]] = {t.name: Counter() for t in TARGETS}
    problems: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            target = TARGETS[run % len(TARGETS)]
            seed = args.seed * 1_000_003 + run
            rng = random.Random(seed)
            path = Path(tmp) / f"fuzzed{target.suffix}"
            path.write_bytes(mutate(rng.choice(seeds[target.name]), rng))
            signal.alarm(args.timeout)
            try:
                target.run(path)
                outcome = "accepted"
            except QualcodeError as exc:
                outcome = "vague message" if is_vague(exc.message) else "specific error"
                if outcome == "vague message":
                    said = exc.message.replace(str(path), path.name)[:100]
                    problems.append(f"{target.name} seed {seed}: vague: {said}")
            except Hang:
                outcome = "hang"
            except Exception as exc:  # noqa: BLE001 - what we are counting
                outcome = "internal error"
                problems.append(f"{target.name} seed {seed}: {type(exc).__name__}")
            finally:
                signal.alarm(0)
            if outcome == "hang":
                problems.append(f"{target.name} seed {seed}: no answer in {args.timeout} s")
            counts[target.name][outcome] += 1
    secs = time.perf_counter() - started
    kinds = ("accepted", "specific error", "vague message", "internal error", "hang")
    print(f"{'target':<14}" + "".join(f"{k:>16}" for k in kinds))
    for name, c in counts.items():
        print(f"{name:<14}" + "".join(f"{c[k]:>16,}" for k in kinds))
    total = Counter[str]()
    for c in counts.values():
        total.update(c)
    print(f"{'all':<14}" + "".join(f"{total[k]:>16,}" for k in kinds))
    print(f"{args.runs:,} mutated inputs in {secs:.0f} s")
    for line in problems[:50]:
        print("  " + line)


if __name__ == "__main__":
    main()
