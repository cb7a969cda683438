"""The shipped example project: the fictional corpus ingests cleanly, in the study's shape."""

from __future__ import annotations

import itertools
import shutil
from collections import Counter
from collections.abc import Iterator

import pytest

from qualcode.coding.run import code_project
from qualcode.ingest.run import ingest
from qualcode.project import Project, open_project
from tests.conftest import ROOT

FORCES = {
    "Bridgend": "South Wales",
    "Blaenau Gwent": "Gwent",
    "Newport": "Gwent",
    "Flintshire": "North Wales",
    "Isle of Anglesey": "North Wales",
}
ATTRIBUTES = (
    "role",
    "agency",
    "sector",
    "force",
    "local_authority",
    "years_in_role",
    "interview_date",
    "interview_mode",
    "interviewer",
)
INTERVIEWERS = {"Rhian Pritchard", "Tom Fielding", "Megan Ashworth"}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, object]]:
    """A copy of the repository's example project, ingested once for the module."""
    root = tmp_path_factory.mktemp("example")
    for name in ("transcripts", "codebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "qualcode.toml", root / "qualcode.toml")
    project = open_project(root)
    report = ingest(project)
    yield project, report
    project.close()


def _docs(project: Project) -> list:  # type: ignore[type-arg]
    return [project.store.document(d["id"]) for d in project.store.current_documents()]


def test_whole_corpus_ingests_without_errors(example: tuple[Project, object]) -> None:
    _, report = example
    statuses = Counter(f.status for f in report.files)  # type: ignore[attr-defined]
    assert statuses == {"new": 53}
    attrs = report.attributes  # type: ignore[attr-defined]
    assert attrs is not None and not attrs.unknown_rows and not attrs.documents_without_row
    assert attrs.linked_documents == 53


def test_corpus_shape(example: tuple[Project, object]) -> None:
    project, _ = example
    status = project.store.status()
    assert status["documents"] == 53 and status["participants"] == 53
    assert status["formats"] == {"docx": 38, "txt": 10, "vtt": 5}
    assert status["participant_words"] >= 100_000
    docs = _docs(project)
    assert sorted(d.participant_id for d in docs) == [f"P{i:02d}" for i in range(1, 54)]
    for doc in docs:
        missing = [a for a in ATTRIBUTES if not doc.attributes.get(a)]
        assert not missing, (doc.name, missing)
        assert FORCES[doc.attributes["local_authority"]] == doc.attributes["force"]
    per_area = Counter(d.attributes["local_authority"] for d in docs)
    assert set(per_area) == set(FORCES) and all(10 <= n <= 11 for n in per_area.values())
    assert 18 <= sum(d.attributes["sector"] == "policing" for d in docs) <= 22


def test_turn_structure(example: tuple[Project, object]) -> None:
    project, _ = example
    for doc in _docs(project):
        roles = [t.role for t in doc.turns]
        spoken = {r: [t for t in doc.turns if t.role == r] for r in ("interviewer", "participant")}
        assert len(spoken["participant"]) >= 15 and len(spoken["interviewer"]) >= 15, doc.name
        assert roles[0] == "interviewer", doc.name
        # an interview alternates: question, answer (the odd interruption aside)
        switches = sum(a != b for a, b in itertools.pairwise(roles))
        assert switches >= 0.9 * (len(roles) - 1), doc.name
        assert len({t.speaker for t in spoken["interviewer"]}) == 1, doc.name
        interviewer = doc.attributes["interviewer"]
        label = spoken["interviewer"][0].speaker
        if label not in {"Interviewer", "INT", "I", "Q"}:
            assert label.lower() in interviewer.lower(), (doc.name, label)
        words = sum(len(doc.text[t.start : t.end].split()) for t in spoken["participant"])
        assert 1_500 <= words <= 3_200, (doc.name, words)
        assert all(doc.text[t.start : t.end].strip() for t in doc.turns)
        if doc.format == "vtt":
            assert all(t.timestamp for t in doc.turns), doc.name
    assert {d.attributes["interviewer"] for d in _docs(project)} == INTERVIEWERS


def test_every_code_is_suggested_in_several_interviews(example: tuple[Project, object]) -> None:
    project, _ = example
    report = code_project(project)
    assert len(report.codes) == 22
    thin = {c.code_id: c.participants for c in report.codes if c.participants < 5}
    assert not thin, thin
    again = code_project(project)
    assert again.added == 0


SPEC_IDS = {
    "pathways": ["referral_sources", "front_door", "assessment", "support_offer", "outcomes"],
    "collaboration": [
        "integrated_teams",
        "partner_network",
        "statutory_interface",
        "information_sharing",
        "professional_relationships",
    ],
    "police": [
        "ace_training",
        "referral_quality",
        "joint_screening",
        "embedded_officers",
        "risk_intelligence",
        "feedback_loop",
    ],
    "factors": [
        "policy_legislation",
        "demand_complexity",
        "thresholds",
        "workforce",
        "funding",
        "leadership_culture",
    ],
}


def test_example_codebook_has_the_spec_ids_and_is_complete() -> None:
    from qualcode.codebook import load_codebook
    from qualcode.coding.rules import RuleCoder

    cb = load_codebook(ROOT / "codebooks" / "early-action-together.yaml")
    assert {g.id: [c.id.split(".", 1)[1] for c in g.codes] for g in cb.groups} == SPEC_IDS
    for code in cb.codes:
        assert code.id.startswith(code.group + "."), code.id
        assert code.name_cy and code.include and code.exclude and code.typical, code.id
        assert not code.rules.empty, code.id
    assert not RuleCoder(cb).lint()  # no keyword silently matching another word


def test_example_codebook_exports_valid_refi_qda() -> None:
    from lxml import etree

    from qualcode.codebook import load_codebook
    from qualcode.codebook.refi import codebook_xml
    from tests.conftest import shared

    xsd = shared("refi-qda", "schemas", "Codebook.xsd")
    xml = codebook_xml(load_codebook(ROOT / "codebooks" / "early-action-together.yaml"))
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(etree.fromstring(xml)), schema.error_log
