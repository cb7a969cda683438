"""The record as a team leaves it: each person's coding kept apart, findings from one declared
final coding, actions undone whole and never across people (issue 24).

Scenario: coder ann's turn-level coding imported; coder ben independently codes three of her
interviews (a separate import); reviewer rita rejects every rule suggestion on ann's turns in
one interview and changes others."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.cli import main
from qualcode.coding.imports import import_codings
from qualcode.project import Project, open_project
from qualcode.review.findings import resolved_codings
from qualcode.review.layers import Record, final_coding, labelled
from tests.conftest import TEAM, THREE_CODES, build, team_transcript, turn_sheet

CODEBOOK = THREE_CODES
PEOPLE = TEAM
FUNDING, POLICE, SCHOOLS = "factors.funding", "police.referral_quality", "pathways.schools"


# ann codes every participant turn (turns 1, 3, 5, 7); ben three interviews, differing on some
ANN = {
    (p, 2 * i + 1): codes
    for p in PEOPLE
    for i, codes in enumerate([[FUNDING, POLICE], [SCHOOLS, FUNDING], [], [POLICE]])
}
BEN = {(p, t): c for (p, t), c in ANN.items() if p != "P04"}
BEN[("P01", 1)] = [FUNDING]  # no police code
BEN[("P02", 5)] = [SCHOOLS]  # a code ann did not give


@pytest.fixture
def team(project: Project, tmp_path: Path) -> Project:
    files = {f"{p}.txt": team_transcript(p) for p in PEOPLE}
    proj = build(project, files, CODEBOOK)
    import_codings(proj, turn_sheet(tmp_path / "ann.csv", ANN), "ann")
    return proj


def _segments(proj: Project) -> dict[tuple[str, int], str]:
    docs = {d["id"]: d["participant_id"] or d["name"] for d in proj.store.current_documents()}
    return {(docs[r[1]], r[2]): r[0] for r in proj.store.current_segments()}


def _rita(proj: Project) -> dict[str, str]:
    """rita rejects every rule suggestion in P01; in P02 she changes funding to schools and
    accepts the rest; returns segment -> the code she changed to."""
    store = proj.store
    seg_of = {v: k for k, v in _segments(proj).items()}
    changed: dict[str, str] = {}
    for app, seg, code, *_ in store.queue_applications():
        pid, _ = seg_of[seg]
        if pid == "P01":
            with store.action("rita", "reject", "review", "terminal", seg):
                store.decide(app, seg, code, "rita", "reject")
        elif pid == "P02" and code == FUNDING:
            with store.action("rita", "change", "review", "terminal", seg):
                store.decide(app, seg, code, "rita", "recode", f"changed to {SCHOOLS}")
                store.decide(None, seg, SCHOOLS, "rita", "add", f"changed from {code}")
            changed[seg] = SCHOOLS
        elif pid == "P02":
            with store.action("rita", "accept", "review", "terminal", seg):
                store.decide(app, seg, code, "rita", "accept")
    for seg in {s for s, (pid, _) in seg_of.items() if pid in ("P01", "P02")}:
        with store.action("rita", "next", "review", "terminal", seg):
            store.mark_reviewed(seg, "rita")
    return changed


def _export(root: str, out: Path, *extra: str) -> bytes:
    assert main(["export", "codings", "-p", root, "-o", str(out), *extra]) == 0
    return out.read_bytes()


def test_a_reviewers_rejections_leave_another_persons_coding_in_the_findings(
    team: Project, tmp_path: Path
) -> None:
    root = str(team.root)
    before = _export(root, tmp_path / "ann-before.csv", "--coder", "ann")
    _rita(team)
    team.close()
    proj = open_project(Path(root))
    assert _export(root, tmp_path / "ann-after.csv", "--coder", "ann") == before
    segs = _segments(proj)
    found = resolved_codings(proj, include_suggestions=False)
    for (pid, turn), codes in ANN.items():  # every code ann gave is still in the findings
        assert set(codes) <= set(found.get(segs[(pid, turn)], {})), (pid, turn)
    final = final_coding(proj)
    p01 = {segs[("P01", t)] for t in (1, 3, 7)}  # ann coded, rita rejected: not reconciled
    assert p01 <= set(final.unresolved)
    assert "not yet reconciled" in final.note()
    proj.close()


def test_ann_keeps_her_layer_and_ben_is_the_only_independent_second_coder(
    team: Project, tmp_path: Path
) -> None:
    import_codings(team, turn_sheet(tmp_path / "ben.csv", BEN), "ben")
    changed = _rita(team)
    rec = Record(team.store)
    segs = _segments(team)
    ann = rec.layers["ann"]
    assert {s: c for s, c in ann.codes.items() if c} == {
        segs[k]: set(v) for k, v in ANN.items() if v
    }
    assert rec.double_coded() == {segs[k] for k in BEN}  # never rita's reviews
    rita = rec.layers["rita"]
    for seg, new in changed.items():
        assert new in rita.codes[seg] and FUNDING not in rita.codes[seg]
    assert rita.codings[(segs[("P02", 1)], SCHOOLS)].how == "changed"
    assert not rita.independent
    # ann and ben disagree on P01 turn 1 and P02 turn 5: all codes kept until reconciled
    final = final_coding(team)
    assert final.codes[segs[("P02", 5)]] >= {SCHOOLS}
    assert segs[("P01", 1)] in final.unresolved


def test_the_final_rule_is_declared_and_chosen_in_settings(team: Project, tmp_path: Path) -> None:
    from tests.conftest import set_section

    import_codings(team, turn_sheet(tmp_path / "ben.csv", BEN), "ben")
    seg = _segments(team)[("P01", 1)]
    assert final_coding(team).codes[seg] == {FUNDING, POLICE}  # "all": codes any coder gave
    toml = team.root / "qualcode.toml"
    for rule, expected in (("agreed", {FUNDING}), ("coder:ben", {FUNDING}), ("coder:ann",
                           {FUNDING, POLICE})):  # fmt: skip
        toml.write_text(set_section(toml.read_text(), "review", f'unresolved = "{rule}"\n'))
        team.close()
        proj = open_project(team.root)
        assert final_coding(proj).codes[seg] == expected, rule
        assert final_coding(proj).rule == rule
        proj.close()
    toml.write_text(set_section(toml.read_text(), "review", 'unresolved = "most"\n'))
    assert main(["status", "-p", str(team.root)]) == 2  # a settings mistake, one clear line


def test_a_reconcile_settles_the_final_coding_and_its_undo_unsettles_it(
    team: Project, tmp_path: Path
) -> None:
    import_codings(team, turn_sheet(tmp_path / "ben.csv", BEN), "ben")
    store = team.store
    seg = _segments(team)[("P01", 1)]
    with store.action("lead", "reconcile", "reconcile", "terminal", seg):
        store.add_resolution(seg, "ann", "ben", "b", [FUNDING], "", "lead")
    assert final_coding(team).codes[seg] == {FUNDING}
    assert seg not in final_coding(team).unresolved
    assert store.undo_last_action("lead") is not None
    assert seg in final_coding(team).unresolved
    assert final_coding(team).codes[seg] == {FUNDING, POLICE}


def test_an_imported_coding_cannot_be_decided(team: Project) -> None:
    from qualcode.errors import QualcodeError

    store = team.store
    app, seg, code = store.conn.execute(
        "SELECT id, segment_id, code_id FROM applications WHERE kind = 'import' LIMIT 1"
    ).fetchone()
    assert store.decide_open(app, "rita", "reject") == "coding"
    with pytest.raises(QualcodeError):
        store.decide(app, seg, code, "rita", "reject")
    assert not store.conn.execute("SELECT count(*) FROM decisions").fetchone()[0]


def test_the_suggester_learns_from_the_final_coding(team: Project, tmp_path: Path) -> None:
    _rita(team)
    segs = _segments(team)
    labels = labelled(team)[1]
    assert labels[segs[("P01", 1)]] == {FUNDING, POLICE}  # ann's codes, not rita's rejections


def test_an_import_and_its_audit_entry_are_one_transaction(team: Project, tmp_path: Path) -> None:
    """A command killed after its data was written but before it finished: both are there, the
    log marks it unfinished (each write carries its entry in its own transaction)."""
    import subprocess
    import sys

    sheet = turn_sheet(tmp_path / "ben.csv", BEN)
    script = (
        "import os, sys\n"
        "from qualcode.cli import audit\n"
        "audit.finish = lambda pending: os._exit(9)\n"  # killed right after the work
        "from qualcode.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    root = str(team.root)
    team.close()
    args = ["import", "codings", str(sheet), "--coder", "ben", "-p", root]
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, check=False)
    assert done.returncode == 9
    proj = open_project(Path(root))
    log = [e for e in proj.store.audit_log() if e["command"] == "import codings"]
    n = proj.store.conn.execute(
        "SELECT count(*) FROM applications WHERE kind = 'import' AND source = 'ben'"
    ).fetchone()[0]
    assert n and log and sum(e["changes"].get("codings", 0) for e in log) == n
    proj.close()
    assert main(["log", "-p", root]) == 0


def test_a_failed_write_leaves_neither_data_nor_entry(team: Project) -> None:
    from qualcode.store.base import AUDIT, AuditScope

    store = team.store
    seg = next(iter(_segments(team).values()))
    entries = len(store.audit_log())
    AUDIT.append(AuditScope(store.path, "x", "ann", "review import", {}, "now"))
    try:
        with pytest.raises(RuntimeError), store.transaction():
            store.mark_reviewed(seg, "ann")
            raise RuntimeError("killed")
        assert len(store.audit_log()) == entries
        with store.transaction():
            store.mark_reviewed(seg, "ann")
        assert store.audit_log()[-1]["changes"] == {"reviewed": 1}
    finally:
        AUDIT.clear()


# the property: undo of a person's last action never changes anyone else's layer ----------------
ACTS = ("accept", "reject", "change", "add", "untick", "memo", "finish", "resolve")


def _layer(proj: Project, who: str) -> tuple[object, ...]:
    layer = Record(proj.store).layers.get(who)
    if layer is None:
        return ((), (), ())
    return (
        sorted((s, sorted(c)) for s, c in layer.codes.items() if c),
        sorted((s, sorted(c)) for s, c in layer.absent.items() if c),
        sorted(layer.complete),
    )


def _act(proj: Project, who: str, act: str, pick: int) -> None:
    store = proj.store
    segs = sorted(r[0] for r in store.current_segments())
    seg = segs[pick % len(segs)]
    apps = [a for a in store.queue_applications() if a[1] == seg]
    codes = (FUNDING, POLICE, SCHOOLS)
    code = codes[pick % 3]
    mode = "blind" if who == "bea" else "review"
    with store.action(who, act, mode, "browser", seg):
        if act in ("accept", "reject", "change") and apps and who != "bea":
            app = apps[pick % len(apps)]
            if act == "change":
                store.decide_open(
                    app[0], who, "recode", "", (code, "add", f"changed from {app[2]}")
                )
            else:
                store.decide_open(app[0], who, act)
        elif act == "add":
            store.decide(None, seg, code, who, "add")
        elif act == "untick":
            store.decide(None, seg, code, who, "reject", "untick")
        elif act == "memo":
            store.add_mark(seg, who, "memo", "a note")
        elif act == "finish":
            store.mark_reviewed(seg, who)
        elif act == "resolve":
            store.add_resolution(seg, "ann", who, "both", [code], "", who)


@pytest.fixture
def coded(team: Project, tmp_path: Path) -> Path:
    import_codings(team, turn_sheet(tmp_path / "ben.csv", BEN), "ben")
    team.close()
    return team.root


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(("rita", "rob", "bea")), st.sampled_from(ACTS), st.integers(0, 50)
        ),
        min_size=1,
        max_size=14,
    )
)
def test_undoing_a_persons_last_action_changes_no_one_elses_layer(
    coded: Path, tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, str, int]]
) -> None:
    where = tmp_path_factory.mktemp("p") / "proj"
    shutil.copytree(coded, where)
    proj = open_project(where)
    people = ("ann", "ben", "rita", "rob", "bea")
    before_last: dict[str, tuple[object, ...]] = {}
    for who, act, pick in steps:
        snapshot = _layer(proj, who)
        n = len(proj.store.actions_log())
        _act(proj, who, act, pick)
        if len(proj.store.actions_log()) > n:  # it stored something: the one undo would take
            before_last[who] = snapshot
    for who in ("rita", "rob", "bea"):
        others = {p: _layer(proj, p) for p in people if p != who}
        undone = proj.store.undo_last_action(who)
        assert (undone is not None) == (who in before_last)
        assert {p: _layer(proj, p) for p in people if p != who} == others
        if who in before_last:  # and their own layer is as it was before that action
            assert _layer(proj, who) == before_last[who]
            before_last.pop(who)
    proj.close()


def test_a_review_sessions_work_is_in_the_log_without_its_end_entry(team: Project) -> None:
    """The terminal closed before the app wrote anything at exit: every key is in the log."""
    from qualcode.cli.review import open_session
    from qualcode.review.activity import log_entries

    session = open_session(team, "rita", order="document")
    decided = 0
    for _ in range(3):
        item = session.current
        assert item is not None
        for sug in list(item.suggestions):
            session.accept(sug)
            decided += 1
        session.next()
    store = team.store
    batches = [e for e in log_entries(store.audit_log(), store.actions_log()) if e["who"] == "rita"]
    assert len(batches) == 1 and batches[0]["command"] == "review (terminal)"
    assert batches[0]["changes"]["decisions"] == decided
    assert batches[0]["changes"]["reviewed"] == 3
    session.undo()
    batches = [e for e in log_entries(store.audit_log(), store.actions_log()) if e["who"] == "rita"]
    assert batches[0]["changes"]["undone"] == 1


def test_a_qdpx_import_is_one_action_and_its_coders_code_independently(
    team: Project, tmp_path: Path
) -> None:
    from qualcode.project import init_project

    out = tmp_path / "team.qdpx"
    assert main(["export", "qdpx", "-o", str(out), "-p", str(team.root)]) == 0
    other = init_project(tmp_path / "other")
    other.close()
    assert main(["import", "qdpx", str(out), "-p", str(other.root)]) == 0
    proj = open_project(other.root)
    kinds = [(a["kind"], a["mode"], a["via"]) for a in proj.store.actions_log()]
    assert kinds == [("import qdpx", "import", "cli")]
    ann = Record(proj.store).layers["ann"]
    assert ann.segments() and ann.segments() <= ann.independent
    proj.close()
