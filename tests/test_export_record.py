"""The record as 'export codings' and the REFI-QDA export give it (issue 24, export of the record).

One row per person's coding and per machine suggestion: who made it, how, from which suggestion,
when, the decision on a suggestion and who decided it. Scenario (tests/test_record.py): coder
ann's turn-level coding imported; reviewer rita rejects every rule suggestion in P01, changes
funding to schools in P02 and accepts the rest there, and adds a code in P03; coder bea codes P04
blind; a lead reconciles one segment."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.coding.imports import import_codings
from qualcode.project import Project, open_project
from qualcode.review.layers import Record
from tests.conftest import build, team_transcript, turn_sheet
from tests.test_record import (
    ANN,
    CODEBOOK,
    FUNDING,
    PEOPLE,
    POLICE,
    SCHOOLS,
    _rita,
    _segments,
)

OLD = ("document", "participant", "turn", "speaker", "role", "code", "kind", "source", "score",
       "status", "start", "end", "segment", "segment_start", "segment_end", "run",
       "codebook_hash", "text")  # fmt: skip
NEW = ("person", "how", "suggestion", "decided_by", "decided_at", "at", "action")


@pytest.fixture
def team(project: Project, tmp_path: Path) -> Project:
    proj = build(project, {f"{p}.txt": team_transcript(p) for p in PEOPLE}, CODEBOOK)
    import_codings(proj, turn_sheet(tmp_path / "ann.csv", ANN), "ann")
    return proj


def _others(proj: Project) -> dict[str, str]:
    """rita's work (see tests/test_record.py), a code she adds in P03, bea's blind coding of
    P04, and a lead's reconcile of P01 turn 1; returns rita's changed-to codes by segment."""
    store = proj.store
    changed = _rita(proj)
    segs = _segments(proj)
    with store.action("rita", "add", "review", "terminal", segs[("P03", 5)]):
        store.decide(None, segs[("P03", 5)], POLICE, "rita", "add")
    for turn, code in ((1, FUNDING), (3, SCHOOLS), (7, POLICE)):
        seg = segs[("P04", turn)]
        with store.action("bea", "code", "blind", "browser", seg):
            store.decide(None, seg, code, "bea", "add")
            store.mark_reviewed(seg, "bea")
    with store.action("lead", "reconcile", "reconcile", "terminal", segs[("P01", 1)]):
        store.add_resolution(segs[("P01", 1)], "ann", "rita", "a", [FUNDING], "", "lead")
    return changed


def _rows(root: str, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    capsys.readouterr()
    assert main(["export", "codings", "-p", root, *args]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_the_columns_other_tools_read_stay_first_and_the_new_ones_follow(
    team: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(team.root)
    team.close()
    capsys.readouterr()
    assert main(["export", "codings", "-p", root]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert tuple(header) == OLD + NEW


def test_every_persons_coding_is_a_row_under_their_name(
    team: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = _others(team)
    rec = Record(team.store)
    seg_of = {v: k for k, v in _segments(team).items()}
    root = str(team.root)
    team.close()
    rows = _rows(root, capsys)
    codings = [r for r in rows if r["status"] == "coded"]
    got = {(r["person"], r["segment"], r["code"], r["how"]) for r in codings}
    want = {
        (c.person, c.segment, c.code, c.how)
        for layer in rec.layers.values()
        for c in layer.codings.values()
    } | {
        ("resolved", seg, code, "reconciled")
        for seg, (codes, _, _) in rec.resolutions.items()
        for code in codes
    }
    assert got == want and len(codings) == len(want)  # one row each, none missing or doubled
    by = {(r["person"], r["segment"], r["code"]): r for r in codings}
    # rita's changed-to codes are hers (accepted, where she also accepted that code's own
    # suggestion on the segment), and each change says which suggestion it changed
    assert {by[("rita", seg, new)]["how"] for seg, new in changed.items()} == {
        "changed", "accepted"
    }  # fmt: skip
    assert by[("rita", _segments_key(seg_of, "P02", 1), SCHOOLS)]["how"] == "changed"
    for row in (r for r in codings if r["how"] == "changed"):
        assert (row["person"], row["kind"], row["source"]) == ("rita", "human", "rita")
        old = next(r for r in rows if r["suggestion"] == row["suggestion"] and r["person"] == "")
        assert (old["code"], old["status"], old["decided_by"]) == (FUNDING, "changed", "rita")
        assert old["segment"] == row["segment"] and old["kind"] == "rule"
        assert old["action"] == row["action"]  # one key press stored both
    for seg in changed:
        assert any(
            r["segment"] == seg and r["status"] == "changed" and r["code"] == FUNDING for r in rows
        )
    accepted = [r for r in codings if r["person"] == "rita" and r["how"] == "accepted"]
    assert accepted and all(seg_of[r["segment"]][0] == "P02" for r in accepted)
    for row in accepted:  # the suggestion it came from says who accepted it
        source = next(r for r in rows if r["suggestion"] == row["suggestion"] and not r["person"])
        assert (source["status"], source["decided_by"], source["code"]) == (
            "accepted", "rita", row["code"]
        )  # fmt: skip
    added = by[("rita", _segments_key(seg_of, "P03", 5), POLICE)]
    assert added["how"] == "added" and not added["suggestion"]
    blind = [r for r in codings if r["person"] == "bea"]
    assert {r["how"] for r in blind} == {"blind"} and len(blind) == 3
    resolved = [r for r in codings if r["person"] == "resolved"]
    assert [(r["code"], r["how"], r["decided_by"]) for r in resolved] == [
        (FUNDING, "reconciled", "lead")
    ]
    imported = [r for r in codings if r["person"] == "ann"]
    assert {(r["how"], r["kind"], r["source"]) for r in imported} == {("imported", "import", "ann")}
    # every stored row says which action stored it (one key press, form post or import)
    assert all(r["action"] for r in codings)
    assert len({r["action"] for r in imported}) == 1
    # rita's rejections are decisions on the rules' suggestions, never a person's coding
    p01 = [r for r in rows if r["kind"] == "rule" and seg_of[r["segment"]][0] == "P01"]
    assert p01 and {(r["status"], r["decided_by"]) for r in p01} == {("rejected", "rita")}
    assert all(r["decided_at"] and r["how"] == "suggested" for r in p01)


def _segments_key(seg_of: dict[str, tuple[str, int]], pid: str, turn: int) -> str:
    return next(s for s, k in seg_of.items() if k == (pid, turn))


def test_coder_chooses_any_persons_layer_reviewers_and_blind_coders_too(
    team: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _others(team)
    rec = Record(team.store)
    root = str(team.root)
    team.close()
    for who in ("ann", "rita", "bea"):
        rows = _rows(root, capsys, "--coder", who)
        assert rows and {r["person"] for r in rows} == {who}, who
        assert len(rows) == len(rec.layers[who].codings), who
    assert {r["how"] for r in _rows(root, capsys, "--coder", "rita")} == {
        "accepted", "changed", "added"
    }  # fmt: skip
    assert [r["code"] for r in _rows(root, capsys, "--coder", "resolved")] == [FUNDING]
    both = _rows(root, capsys, "--coder", "rita", "--coder", "bea")
    assert {r["person"] for r in both} == {"rita", "bea"}
    assert main(["export", "codings", "-p", root, "--coder", "ritta"]) == 1
    assert "did you mean rita" in capsys.readouterr().err


def test_anns_exported_layer_is_byte_identical_after_everyone_elses_work(
    team: Project, tmp_path: Path
) -> None:
    root = str(team.root)

    def export(name: str, *extra: str) -> bytes:
        out = tmp_path / name
        args = ["-p", root, "-o", str(out), "--coder", "ann", *extra]
        assert main(["export", "codings", *args]) == 0
        return out.read_bytes()

    before = (export("a.csv"), export("a.jsonl", "-f", "jsonl"), export("r.csv", "--raw"))
    _others(team)
    team.close()
    assert (export("b.csv"), export("b.jsonl", "-f", "jsonl"), export("s.csv", "--raw")) == before
    rows = [json.loads(line) for line in before[1].decode().splitlines()]
    assert len(rows) == sum(len(c) for c in ANN.values())
    assert {(r["person"], r["how"], r["status"], r["suggestion"]) for r in rows} == {
        ("ann", "imported", "coded", None)
    }


def test_rule_suggestions_a_model_took_over_are_superseded_not_unreviewed(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.coding.learn import suggest, train
    from tests.test_learn import _gold, _labels
    from tests.test_suggest import _toy

    project = _toy(project)
    import_codings(project, _gold(tmp_path / "g.csv", _labels()[:10]), "ann")
    train(project)
    suggest(project)
    queue = project.store.queue_applications()  # what reviewers are shown, undecided
    app = next(a for a in queue if a[3] == "model")
    with project.store.action("rita", "accept", "review", "terminal", app[1]):
        project.store.decide(app[0], app[1], app[2], "rita", "accept")
    root = str(project.root)
    project.close()
    rows = _rows(root, capsys)
    unreviewed = [r for r in rows if r["status"] == "unreviewed"]
    assert len(unreviewed) == len(queue) - 1  # each shown suggestion counted once
    pairs = [(r["segment"], r["code"]) for r in unreviewed]
    assert len(pairs) == len(set(pairs))  # never a rule and a model suggestion of one code
    superseded = [r for r in rows if r["status"] == "superseded"]
    assert superseded and {r["kind"] for r in superseded} == {"rule"}
    assert not {(r["segment"], r["code"]) for r in superseded} & set(pairs) - {
        (r["segment"], r["code"]) for r in unreviewed if r["kind"] == "model"
    }
    accepted = [r for r in rows if r["status"] == "accepted"]
    assert [(r["kind"], r["decided_by"], r["suggestion"]) for r in accepted] == [
        ("model", "rita", str(app[0]))
    ]
    assert _rows(root, capsys, "--status", "superseded") == superseded


def test_a_decided_suggestion_stays_in_the_export_after_a_new_codebook_replaces_it(
    team: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """A decision stands on the suggestion it was made on, even once a re-run with an edited
    codebook supersedes that suggestion: the accepted coding's suggestion id is still a row."""
    from qualcode.coding.run import code_project

    _rita(team)
    path = team.root / "codebooks" / "toy.yaml"
    path.write_text(path.read_text().replace("Money for services.", "Money for any service."))
    team.close()
    proj = open_project(team.root)
    code_project(proj)
    root = str(proj.root)
    proj.close()
    rows = _rows(root, capsys)
    mine = [r for r in rows if r["person"] == "rita" and r["suggestion"]]
    ids = {r["suggestion"]: r for r in rows if not r["person"]}
    assert mine and all(r["suggestion"] in ids for r in mine)
    assert all(ids[r["suggestion"]]["decided_by"] == "rita" for r in mine)
    unreviewed = [r for r in rows if r["status"] == "unreviewed"]
    pairs = [(r["segment"], r["code"], r["source"]) for r in unreviewed]
    assert len(pairs) == len(set(pairs))  # the superseded undecided ones are not listed again


def test_status_takes_the_new_names_and_the_old_ones(
    team: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _others(team)
    root = str(team.root)
    team.close()
    for new, old in (("accepted", "accept"), ("rejected", "reject"), ("changed", "recode")):
        rows = _rows(root, capsys, "--status", new)
        assert rows and {r["status"] for r in rows} == {new}
        assert _rows(root, capsys, "--status", old) == rows
    assert main(["export", "codings", "-p", root, "--status", "done"]) == 2
    assert "'done': use coded, unreviewed, accepted" in capsys.readouterr().err


def test_the_leads_download_writes_what_the_command_writes(
    team: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review server's codings download calls store.codings(), pseudonymise_codings and
    write_codings: the same rows, byte for byte."""
    from qualcode.export.codings import write_codings
    from qualcode.export.pseudo import Pseudonymiser
    from qualcode.review.findings import pseudonymise_codings

    _others(team)
    s = team.settings.export
    path = tmp_path / "download.csv"
    write_codings(pseudonymise_codings(team.store.codings(), Pseudonymiser(s.names, s.places)),
                  "csv", path)  # fmt: skip
    root = str(team.root)
    team.close()
    out = tmp_path / "command.csv"
    assert main(["export", "codings", "-p", root, "-o", str(out)]) == 0
    assert path.read_bytes() == out.read_bytes()


def test_the_qdpx_export_carries_each_persons_layer_as_their_own_user(
    team: Project, tmp_path: Path
) -> None:
    from qualcode.codebook import load_codebook
    from qualcode.review.exchange import project_snapshot

    changed = _others(team)
    segs = _segments(team)
    spans = {r[0]: (r[3], r[4]) for r in team.store.current_segments()}
    codebook = load_codebook(team.root / "codebooks" / "toy.yaml", "codebooks/toy.yaml")
    snap = project_snapshot(team, codebook)
    users: dict[str, dict[tuple[str, tuple[int, int]], set[str]]] = {}
    for source in snap.sources:
        for span, by in source.selections.items():
            for who, codes in by.items():
                users.setdefault(who, {})[(source.participant, span)] = set(codes)
    assert set(users) == {"ann", "rita", "bea", "resolved"}
    for seg, new in changed.items():  # rita's changed-to codes are hers
        assert new in users["rita"][("P02", spans[seg])]
    assert POLICE in users["rita"][("P03", spans[segs[("P03", 5)]])]  # her added code
    assert users["bea"][("P04", spans[segs[("P04", 3)]])] == {SCHOOLS}  # coded blind
    assert users["resolved"] == {("P01", spans[segs[("P01", 1)]]): {FUNDING}}
    assert all(FUNDING not in codes for (pid, _), codes in users["rita"].items() if pid == "P01")
    # and another project importing the file sees the same people
    root = str(team.root)
    team.close()
    path = tmp_path / "team.qdpx"
    assert main(["export", "qdpx", "-o", str(path), "-p", root]) == 0
    other = tmp_path / "other"
    assert main(["init", str(other)]) == 0
    (other / "codebooks" / "toy.yaml").write_text(Path(root, "codebooks", "toy.yaml").read_text())
    assert main(["import", "qdpx", str(path), "-p", str(other)]) == 0
    proj = open_project(other)
    assert set(proj.store.coder_codings()) == {"ann", "rita", "bea", "resolved"}
    proj.close()
