"""How reports choose quotes (issue 25): evidence, length, no introductions, spread over
participants and groups, a turn under one code per table; and the reviewed example's themes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.codebook.model import Code, Codebook, Group
from qualcode.export.tables import theme_tables
from qualcode.project import Project
from qualcode.review.findings import Participant, Quote, ReportData, best_quotes
from qualcode.review.quotechoice import MIN_WORDS, choose, introduction, words
from tests.conftest import ROOT

LONG = (
    "The PPNs come from the police into the front door, and the duty team screen every one of "
    "them before it goes anywhere else."
)


def _q(pid: str, turn: int, code: str, text: str, focus: bool = False, asked: str = "") -> Quote:
    span = (0, 5) if focus else None
    return Quote(pid, turn, code, text, span, False, "resolved", 2.0, asked=asked)


def _report(quotes: list[Quote], groups: dict[str, str] | None = None) -> ReportData:
    codes = tuple(Code(c, c.title(), "d", "g") for c in ("a", "b"))
    book = Codebook("cb", "cb", "cb.yaml", (Group("g", "G", "", "", codes),))
    people = sorted({q.participant for q in quotes})
    parts = [Participant(p, {}) for p in people]
    return ReportData("t", book, parts, quotes, "sector" if groups else "", groups or {}, False)


def test_a_short_quote_loses_to_a_longer_one_with_evidence() -> None:
    """Found: 7 of 66 reviewed quotes under 12 words ("No. [laughs] Next question.")."""
    short = _q("P01", 3, "a", "No. [laughs] Next question.")
    long = _q("P02", 5, "a", LONG, focus=True)
    assert words("No. [laughs] Next question.") == 3 < MIN_WORDS
    assert best_quotes([short, long], 1) == [long]
    assert choose([short, long], 1) == [long]
    assert choose([short], 1) == [short]  # a code with nothing longer still shows it


def test_evidence_counts_among_quotes_of_equal_length() -> None:
    without = _q("P01", 3, "a", LONG.replace("front door", "office"))
    carrying = _q("P02", 5, "a", LONG, focus=True)
    assert choose([without, carrying], 1) == [carrying]


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("So I'm an IAA officer, information, advice and assistance, in Bridgend, eleven years "
         "now in the front door team.", ""),
        ("Right. So I'm a senior IAA officer in the front door for children's services here, "
         "and I've been in post for six years.", ""),
        ("Eleven years in the front door team, screening everything that comes in from the "
         "police and the schools.", "Could you tell me a bit about your role?"),
        ("Yes, I'm happy for you to record it, I've read the sheet about the front door study.",
         "Do you consent to the recording?"),
    ],
)  # fmt: skip
def test_introductions_and_consent_are_quoted_only_when_nothing_else_is(
    text: str, asked: str
) -> None:
    """Found: all three quotes for "Front door and routing" were self-introductions."""
    intro = _q("P01", 5, "a", text, focus=True, asked=asked)
    assert intro.weak
    real = _q("P02", 19, "a", LONG, focus=False)
    assert choose([intro, real], 1) == [real]
    assert choose([intro], 1) == [intro]


def test_not_every_i_am_is_an_introduction() -> None:
    assert not introduction("I'm a bit worried that the PPNs come in too late for us.")
    assert not introduction("It's the same every week.", "How does your role link in with it?")


def test_a_turn_is_quoted_under_one_code_per_theme_table() -> None:
    """Found: 4 turns quoted under two codes of one table."""
    shared = [_q(p, 3, c, LONG, focus=True) for p in ("P01", "P02") for c in ("a", "b")]
    other = [_q("P03", 7, "b", LONG + " Again.", focus=True)]
    (table,) = theme_tables(_report(shared + other))
    cited = [re.findall(r"\(turn (\d+)\) \((P\d+)", row[-1]) for row in table.rows]
    flat = [t for turns in cited for t in turns]
    assert len(flat) == len(set(flat)) == 3  # every turn once, and no code left empty
    assert all(cited)


def test_quotes_are_spread_over_groups_and_participants() -> None:
    groups = {"P01": "partner", "P02": "partner", "P03": "partner", "P04": "policing"}
    quotes = [_q(p, 3, "a", LONG + f" {p} said.", focus=True) for p in groups]
    quotes += [_q("P01", 9, "a", LONG + " Again.", focus=True)]
    chosen = choose(quotes, 3, groups)
    assert "P04" in {q.participant for q in chosen}  # the one policing participant
    assert len({q.participant for q in chosen}) == 3


# The reviewed example: the gold coding of all 53 interviews imported, then the themes -----
@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    from qualcode.coding.imports import import_codings
    from qualcode.coding.run import code_project
    from qualcode.ingest.run import ingest
    from qualcode.project import open_project

    root = tmp_path_factory.mktemp("example")
    for name in ("qualcode.toml", "transcripts", "codebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    gold = ROOT / "bench" / "gold"
    lines = (gold / "early-action-together.csv").read_text().splitlines()
    for extra in ("dev-early-action-together.csv", "extra-early-action-together.csv"):
        lines += (gold / extra).read_text().splitlines()[1:]
    (root / "gold.csv").write_text("\n".join(lines) + "\n")
    project = open_project(root)
    ingest(project)
    code_project(project)
    import_codings(project, root / "gold.csv", "gold")
    yield project
    project.close()


def test_the_reviewed_examples_themes_quote_evidence(reviewed: Project) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.findings import build_report

    codebook, _ = resolve_codebook(reviewed, None)
    report = build_report(reviewed, codebook)
    by_code: dict[str, list[Quote]] = {}
    for q in report.quotes:
        by_code.setdefault(q.code, []).append(q)
    seen: set[tuple[str, int]] = set()
    for table in theme_tables(report):
        used: set[tuple[str, int]] = set()
        for row in table.rows:
            code = next(c.id for c in codebook.codes if report.code_name(c.id) == row[0])
            turns = re.findall(r"\(turn (\d+)\) \((P\d+)", row[-1])
            chosen = [q for q in by_code.get(code, []) if (str(q.turn), q.participant) in turns]
            longer = any(q.words >= MIN_WORDS and not q.weak for q in by_code.get(code, []))
            for q in chosen:
                assert q.words >= MIN_WORDS or not longer, (code, q.text)
                assert not q.weak or not longer, (code, q.text)
                assert (q.participant, q.turn) not in used, (code, q.turn)
                used.add((q.participant, q.turn))
            assert len({q.participant for q in chosen}) == len(chosen)
        seen |= used
    assert len(seen) > 40


def test_the_models_strongest_terms_count_as_evidence(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.imports import import_codings
    from qualcode.coding.learn import train
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.findings import evidence_terms
    from qualcode.review.quotechoice import model_terms
    from tests.test_learn import _gold, _labels
    from tests.test_learn import _project as learned

    learned(project)
    assert model_terms(project) == {}  # no model yet: the keywords alone
    import_codings(project, _gold(tmp_path / "g.csv", _labels()), "ann")
    train(project)
    terms = model_terms(project)
    assert any(t in terms["factors.funding"] for t in ("budget", "funding", "money", "posts"))
    assert "the" not in " ".join(terms["factors.funding"]).split()
    codebook, _ = resolve_codebook(project, None)
    pattern = evidence_terms(project, codebook)["factors.funding"]
    assert pattern is not None and pattern.search("the budget is cut again")  # not a keyword


def test_a_substantive_question_is_no_introduction() -> None:
    assert not introduction("We ring the hub first.", "What do you do when a PPN comes in?")
    assert introduction("Family support, four years.", "So what is it you do?")
