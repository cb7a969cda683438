"""Topic suggestions: themes found, stored for review, adopted into the codebook."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from qualcode.coding.topics import adopt, model_topics
from qualcode.errors import ProjectError, QualcodeError
from qualcode.project import Project, open_project
from tests.conftest import build, interview, set_section

THEMES = {
    "bus": "bus village rural transport timetable driving lift miles valley taxi road petrol "
    "station hill",
    "grant": "grant funding budget contract posts council money renewal pot bid cuts "
    "commissioned sustainability march",
    "welsh": "welsh language speaker cymraeg bilingual english medium translation fluent "
    "interpreter leaflet accent nain ysgol",
}
CODEBOOK = """\
# A comment that must survive adoption.
id: toy
name: Toy
groups:
  - id: factors
    name: Factors
    codes:
      - id: factors.funding
        name: Funding
        definition: Funding of services.
        rules:
          keywords: [grant, funding, budget]   # an inline comment too
"""


def _project(project: Project, turns: int = 90, k: tuple[int, int] = (3, 3)) -> Project:
    rng = random.Random(3)
    answers = []
    for i in range(turns):
        words = THEMES[list(THEMES)[i % 3]].split()
        answers.append("Well, the " + " ".join(rng.choice(words) for _ in range(14)))
    topics = f"k_min = {k[0]}\nk_max = {k[1]}\nk_step = 1\nmin_words = 5\ncommon = 0.5\n"
    return build(project, {"P01.txt": interview("P01", answers)}, CODEBOOK, {"topics": topics})


def _theme(terms: list[str]) -> str:
    votes = {name: sum(t in words.split() for t in terms[:5]) for name, words in THEMES.items()}
    return max(votes, key=votes.__getitem__)


def test_topics_find_the_themes_and_store_uncovered_ones(project: Project) -> None:
    project = _project(project)
    report = model_topics(project)
    assert report.k == 3
    found = {_theme(t.terms): t for t in report.topics}
    assert set(found) == set(THEMES)
    # the codebook codes funding, so that topic is covered; buses and Welsh are not
    assert found["grant"].top_code == "factors.funding" and not found["grant"].candidate
    assert found["bus"].candidate and found["welsh"].candidate
    assert all(len(t.quotes) == 3 for t in report.topics)
    assert report.stored > 0
    rows = project.store.conn.execute(
        "SELECT DISTINCT code_id FROM applications WHERE kind = 'topic'"
    ).fetchall()
    assert len(rows) == 2
    again = model_topics(project, store=False)
    assert [t.terms for t in again.topics] == [t.terms for t in report.topics]  # seeded
    project.close()


def test_the_number_of_topics_is_chosen_by_coherence(project: Project) -> None:
    project = _project(project, k=(2, 4))
    report = model_topics(project, store=False)
    assert [t["k"] for t in report.tried] == [2, 3, 4]
    assert all(-1 <= t["npmi"] <= 1 for t in report.tried)
    assert report.k == max(report.tried, key=lambda t: t["npmi"])["k"]
    assert len(report.topics) == report.k
    project.close()


def test_adopt_writes_a_valid_draft_code_and_keeps_comments(project: Project) -> None:
    from qualcode.codebook import load_codebook

    project = _project(project)
    report = model_topics(project)
    welsh = next(t for t in report.topics if _theme(t.terms) == "welsh")
    path = Path(adopt(project, welsh.number, "emerging.welsh_language"))
    text = path.read_text()
    assert "# A comment that must survive adoption." in text
    assert "# an inline comment too" in text
    cb = load_codebook(path)
    code = cb.code("emerging.welsh_language")
    assert code is not None and code.definition.startswith("DRAFT from topic")
    assert code.rules.keywords and len(code.typical) == 2
    assert [g.id for g in cb.groups] == ["factors", "emerging"]
    with pytest.raises(QualcodeError, match="already exists"):
        adopt(project, welsh.number, "emerging.welsh_language")
    with pytest.raises(QualcodeError, match="not a valid id"):
        adopt(project, welsh.number, "Welsh")
    assert load_codebook(path).hash == cb.hash  # failed adoptions wrote nothing
    project.close()


def test_too_few_turns_is_a_clear_error(project: Project) -> None:
    project = _project(project, turns=6)
    with pytest.raises(QualcodeError, match="long enough to model topics"):
        model_topics(project)
    project.close()


def test_topic_settings_are_checked(project: Project) -> None:
    toml = (project.root / "qualcode.toml").read_text()
    (project.root / "qualcode.toml").write_text(set_section(toml, "topics", 'method = "pca"\n'))
    project.close()
    with pytest.raises(ProjectError, match="method must be"):
        open_project(project.root).settings  # noqa: B018


def test_topics_cli(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from qualcode.cli import main

    project = _project(project)
    root = str(project.root)
    project.close()
    assert main(["topics", "-p", root, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["k"] == 3 and len(report["topics"]) == 3 and report["stored"] > 0
    candidate = next(t for t in report["topics"] if t["candidate"])
    assert (
        main(["topics", "adopt", str(candidate["number"]), "--id", "emerging.x", "-p", root]) == 0
    )
    assert "emerging.x" in capsys.readouterr().out
    assert main(["topics", "adopt", "99", "--id", "emerging.y", "-p", root]) == 1
    assert "no topic 99" in capsys.readouterr().err


def test_npmi_on_a_hand_made_corpus() -> None:
    from qualcode.coding.topics import npmi

    docs = [["a", "b"], ["a", "b"], ["c", "d"], ["c"]]
    # a and b always together (NPMI 1); a and c never (towards -1); c and d: P(cd)=1/4,
    # P(c)=1/2, P(d)=1/4 -> PMI log 2, NPMI log 2 / log 4 = 0.5
    together, apart, half = npmi([[["a", "b"]], [["a", "c"]], [["c", "d"]]], docs)
    assert together == pytest.approx(1.0, abs=1e-6)
    assert -1.0 < apart < -0.9  # never together: towards -1 (smoothed by EPSILON)
    assert half == pytest.approx(0.5, abs=1e-6)
    assert npmi([[["a", "b"], ["c", "d"]]], docs) == [pytest.approx(0.75, abs=1e-4)]


def test_coverage_counts_only_interviews_somebody_coded(project: Project, tmp_path: Path) -> None:
    """Two interviews talk about grants; only one is coded (by a person, no rules): the grant
    topic is covered there, so the uncoded interview must not make it look uncovered."""
    from qualcode.coding.imports import import_codings
    from qualcode.ingest.run import ingest

    rng = random.Random(3)
    for pid in ("P01", "P02"):
        answers = []
        for i in range(60):
            words = THEMES[list(THEMES)[i % 3]].split()
            answers.append("Well, the " + " ".join(rng.choice(words) for _ in range(14)))
        (project.root / "transcripts" / f"{pid}.txt").write_text(interview(pid, answers))
    (project.root / "codebooks" / "toy.yaml").write_text(CODEBOOK)
    toml = (project.root / "qualcode.toml").read_text()
    topics = "k_min = 3\nk_max = 3\nk_step = 1\nmin_words = 5\ncommon = 0.5\n"
    (project.root / "qualcode.toml").write_text(set_section(toml, "topics", topics))
    project = open_project(project.root)
    ingest(project)  # no 'code' run: only what the person coded counts
    rows = "".join(
        f"P01,{2 * i + 1},{'factors.funding' if i % 3 == 1 else ''}\n" for i in range(60)
    )
    (tmp_path / "c.csv").write_text("participant_id,turn,codes\n" + rows)
    import_codings(project, tmp_path / "c.csv", "ann")
    report = model_topics(project, store=False)
    assert report.coded_documents == 1
    grant = next(t for t in report.topics if _theme(t.terms) == "grant")
    assert grant.top_code == "factors.funding" and grant.coverage > 0.9  # P02 left out
    assert 0 < grant.coded_turns < sum(1 for _ in range(120) if _ % 3 == 1)
    assert not grant.candidate
    project.close()


def test_with_no_coding_every_topic_is_a_candidate(project: Project) -> None:
    from qualcode.ingest.run import ingest

    rng = random.Random(5)
    answers = [
        "Well, the " + " ".join(rng.choice(THEMES[list(THEMES)[i % 3]].split()) for _ in range(14))
        for i in range(90)
    ]
    (project.root / "transcripts" / "P01.txt").write_text(interview("P01", answers))
    toml = (project.root / "qualcode.toml").read_text()
    topics = "k_min = 3\nk_max = 3\nk_step = 1\nmin_words = 5\ncommon = 0.5\n"
    (project.root / "qualcode.toml").write_text(set_section(toml, "topics", topics))
    project = open_project(project.root)
    ingest(project)
    report = model_topics(project, store=False)
    assert report.coded_documents == 0
    assert all(t.candidate and t.coded_turns == 0 for t in report.topics)
    project.close()


def test_terms_are_shown_as_people_said_them() -> None:
    from collections import Counter

    from qualcode.coding.topics import surface_form, tokens

    surface: dict[str, Counter[str]] = {}
    docs = tokens(
        [
            "Our data scientists built the dashboards.",
            "The data scientist left.",
            "Machine learning is hype.",
            "Machine learning again.",
        ],
        surface,
    )
    assert "datum" in docs[0]  # the lemma is what is modelled...
    assert surface_form("datum_scientist", surface) == "data scientist"  # ...not what is shown
    assert surface_form("machine_learn", surface) == "machine learning"
    assert surface_form("unseen", surface) == "unseen"
    # fillers of interview talk are never topic terms
    assert tokens(["Let me give an example, we usually do it"]) == [[]]


def test_topics_table_shows_quotes_and_warns_when_coherence_is_near_chance(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.cli import main
    from qualcode.coding import topics

    project = _project(project)
    root = str(project.root)
    project.close()
    assert main(["topics", "-p", root, "--no-store"]) == 0
    captured = capsys.readouterr()
    assert "What each topic sounds like" in captured.out and "P01" in captured.out
    assert "Well, the" in captured.out
    assert "barely more coherent" not in captured.err and captured.err == ""
    monkeypatch.setattr(topics, "WEAK_NPMI", 2.0)  # any coherence is now "near chance"
    assert main(["topics", "-p", root, "--no-store"]) == 0
    assert "barely more coherent than chance" in capsys.readouterr().err
