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
