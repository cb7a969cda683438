"""Survey ingest speed: 5,000 open-ended answers (fictional words) into a fresh project.

    python bench/survey_ingest.py [--answers 5000] [--questions 4]

Writes a survey export (a respondent id, a few attribute columns, ``--questions`` free-text
columns, some answers left empty) and times 'qualcode ingest' of it with the columns detected,
then a second ingest of the unchanged file (nothing to store). Prints both wall times; the
target is 5,000 answers in under 10 s.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.ingest.run import ingest  # noqa: E402
from qualcode.project import init_project  # noqa: E402

_VOCABULARY = """glimmerbell plonkfield zorbly quindle hub mentor session voucher bus evening
form worker kind waiting list craft café Saturday transport money carers group shift helped
struggled again really every week the a and to of was were my our"""
WORDS = _VOCABULARY.split()


def write_survey(path: Path, answers: int, questions: int, seed: int = 1) -> int:
    """A survey of about ``answers`` non-empty answers; returns how many it has."""
    rng = random.Random(seed)
    header = ["ResponseId", "StartDate", "Region", "Age band"]
    header += [
        f"Q{i + 1}. What about the glimmerbell scheme, part {i + 1}?" for i in range(questions)
    ]
    given = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        n = 0
        while given < answers:
            n += 1
            row = [f"R_{n:06d}", f"2026-03-{1 + n % 28:02d} 10:00", rng.choice("NSEW"), "25-34"]
            for _ in range(questions):
                empty = rng.random() < 0.05 or given >= answers
                text = "" if empty else " ".join(rng.choices(WORDS, k=rng.randint(8, 60))) + "."
                given += bool(text)
                row.append(text)
            out.writerow(row)
    return given


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = init_project(Path(tmp) / "proj")
        path = project.root / "answers.csv"
        given = write_survey(path, args.answers, args.questions)
        t0 = time.perf_counter()
        report = ingest(project, [path])
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = ingest(project, [path])
        second = time.perf_counter() - t0
        (result,) = report.files
        assert result.status == "new" and again.files[0].status == "unchanged", report
        print(
            f"survey ingest: {given:,} answers from {result.respondents:,} respondents "
            f"({result.words:,} words) in {first:.2f} s; unchanged again in {second:.2f} s"
        )
        project.close()


if __name__ == "__main__":
    main()
