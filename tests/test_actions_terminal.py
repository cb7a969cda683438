"""Actions in the terminal apps: one key press is one action, undone whole by one 'u' (whatever it
stored, in the order the keys were pressed, across reopening the app); reconcile's choices too;
a key pressed before a new segment is on screen never acts on it; 'qualcode reconcile --list'."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from textual import events

from qualcode.cli.review import open_session
from qualcode.project import Project
from qualcode.review.layers import final_coding, record
from qualcode.tui.review import ReviewApp
from tests.conftest import build
from tests.test_review_keys import CODEBOOK, TURNS, _drive, _live

ONE = "\n".join(f"INT: Question {i}?\nP01: The grant paid for it, part {i}." for i in range(3))


@pytest.fixture
def three(project: Project) -> Project:
    """Four segments with three suggestions each (funding, referral quality, schools)."""
    return build(project, {"P01.txt": TURNS + "\n"}, CODEBOOK)


@pytest.fixture
def single(project: Project) -> Project:
    """Three segments with one suggestion each (funding): 'a' finishes a segment."""
    return build(project, {"P01.txt": ONE + "\n"}, CODEBOOK)


def _reviewed(project: Project, who: str = "ann") -> set[str]:
    return project.store.reviewed_by(who)


# the review app: one key, one action -------------------------------------------------------------
def test_a_change_is_one_action_and_one_undo_leaves_no_decision(three: Project) -> None:
    session = open_session(three, "ann", order="document")
    sug = session.items[0].suggestions[0]
    session.change(sug, "police.referral_quality")  # a recode and an add: one action
    assert [a for _, _, a in _live(three)] == ["recode", "add"]
    assert session.undo() == "change"
    assert _live(three) == []  # not a suggestion "changed" to nothing


def test_a_change_by_key_is_undone_whole(three: Project) -> None:
    session = open_session(three, "ann", order="document")
    _drive(session, "c", *"referral", "enter", "u")
    assert _live(three) == []


def test_reject_the_rest_and_one_undo_restores_all_three(three: Project) -> None:
    session = open_session(three, "ann", order="document")
    first = session.items[0].segment
    seen = _drive(session, "x", "u")  # three rejections and the finished segment, then undo
    assert _live(three) == [] and _reviewed(three) == set()
    assert session.current is not None and session.current.segment == first  # back on it
    assert seen["options"].startswith("  Enablers and blockers: Funding")  # nothing marked
    assert three.store.conn.execute("SELECT count(*) FROM undone_actions").fetchone()[0] == 1


def test_accept_with_auto_advance_and_undo_unfinishes_the_segment(single: Project) -> None:
    session = open_session(single, "ann", order="document")
    first = session.items[0].segment
    _drive(session, "a")  # the only suggestion: decided and the segment finished, one action
    assert _reviewed(single) == {first}
    actions = single.store.actions_log()
    assert [(a["kind"], a["decisions"], a["reviewed"]) for a in actions] == [("accept", 1, 1)]
    assert (actions[0]["mode"], actions[0]["via"]) == ("review", "terminal")
    _drive(session, "u")
    assert _live(single) == [] and _reviewed(single) == set()  # back in the queue
    assert session.current is not None and session.current.segment == first
    again = open_session(single, "ann", order="document")
    assert again.items[0].segment == first and again.progress()[:2] == (0, 3)


def test_a_memo_and_a_decision_in_the_same_second_are_undone_latest_first(
    three: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qualcode.store.review

    monkeypatch.setattr(qualcode.store.review, "now", lambda: "2025-01-01T00:00:00+00:00")
    session = open_session(three, "ann", order="document")
    item = session.items[0]
    session.memo("ask the team")
    session.accept(item.suggestions[0])
    again = open_session(three, "ann", order="document")  # the app closed and opened again
    assert again.undo() == "accept"  # by action id, never by the one-second timestamp
    assert _live(three) == [] and len(three.store.memos()) == 1
    assert again.undo() == "memo"
    assert three.store.memos() == [] and again.undo() == ""


def test_an_untick_is_a_decision_and_its_undo_revives_the_code(three: Project) -> None:
    session = open_session(three, "bob", blind=True)
    seg = session.items[0].segment
    assert session.toggle("factors.funding") is True
    assert session.toggle("factors.funding") is False  # untick: bob takes his code back
    rows = three.store.conn.execute(
        "SELECT application_id, action, note FROM decisions ORDER BY id"
    ).fetchall()
    assert [tuple(r) for r in rows] == [(None, "add", ""), (None, "reject", "untick")]
    assert session.state(session.items[0])[1] == []
    assert session.undo() == "untick"
    assert session.state(session.items[0])[1] == ["factors.funding"]
    assert record(three).layers["bob"].codes[seg] == {"factors.funding"}
    assert three.store.conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 2
    assert session.undo() == "tick" and session.state(session.items[0])[1] == []
    assert session.undo() == ""


def test_blind_actions_are_recorded_as_blind(three: Project) -> None:
    session = open_session(three, "bob", blind=True)
    _drive(session, "space", "n")  # tick funding, then done: two keys, two actions
    log = three.store.actions_log()
    assert [(a["kind"], a["mode"], a["via"]) for a in log] == [
        ("tick", "blind", "terminal"),
        ("next", "blind", "terminal"),
    ]
    assert session.items[0].segment in record(three).layers["bob"].independent


def test_undo_after_reopening_brings_a_finished_segment_back_into_the_queue(
    single: Project,
) -> None:
    session = open_session(single, "ann", order="document")
    first = session.items[0].segment
    _drive(session, "a")  # accepted and finished: the next session's queue leaves it out
    again = open_session(single, "ann", order="document")
    assert first not in [i.segment for i in again.items]
    assert again.undo() == "accept"
    assert again.current is not None and again.current.segment == first
    assert [s.code for s in again.undecided()] == ["factors.funding"]
    assert _reviewed(single) == set()


# keys pressed before a new segment is on screen -----------------------------------------------
def test_a_key_pressed_before_the_next_segment_is_painted_does_nothing(single: Project) -> None:
    session = open_session(single, "ann", order="document")
    first, second, third = (i.segment for i in session.items)

    async def go() -> None:
        app = ReviewApp(session)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            early = events.Key("r", "r")  # pressed while the first segment is on screen ...
            # 'a' finishes the first segment (auto-advance); 'x' is already waiting behind it
            app.post_message(events.Key("a", "a"))
            app.post_message(events.Key("x", "x"))
            await pilot.pause()
            assert session.current is not None and session.current.segment == second
            app.post_message(early)  # ... and handled once the second is: it acts on neither
            await pilot.pause()
            await pilot.press("r")  # a key pressed with the second segment on screen acts
            await pilot.pause()

    asyncio.run(go())
    by_segment = [(s, a) for s, _, a in _live(single)]
    assert by_segment == [(first, "accept"), (second, "reject")]
    assert _reviewed(single) == {first, second} and third not in _reviewed(single)


# reconcile: one choice, one action; undo brings the disagreement back ---------------------------
def _reconcile(project: Project, tmp_path: Path) -> object:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.reconcile import ReconcileSession
    from tests.test_review_app import _two_coders

    _two_coders(project, tmp_path)
    codebook, _ = resolve_codebook(project, None)
    return ReconcileSession(project, codebook, "ann", "bob", "cat")


def test_a_reconcile_choice_undone_is_open_again(project: Project, tmp_path: Path) -> None:
    session = _reconcile(project, tmp_path)
    first = session.items[0].segment  # type: ignore[attr-defined]
    assert first in final_coding(project).unresolved
    session.choose("a")  # type: ignore[attr-defined]
    assert final_coding(project).origin[first] == "reconciled"
    log = project.store.actions_log()[-1]
    assert (log["who"], log["mode"], log["via"], log["resolutions"]) == (
        "cat", "reconcile", "terminal", 1,
    )  # fmt: skip
    assert session.undo() == "reconcile"  # type: ignore[attr-defined]
    assert first in final_coding(project).unresolved  # unresolved again
    assert first not in project.store.resolutions()
    assert session.current.segment == first and session.position == 0  # type: ignore[attr-defined]
    assert session.counts["a"] == 0  # type: ignore[attr-defined]


def test_reconcile_undo_in_a_later_session_reopens_the_choice(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.review.reconcile import ReconcileSession

    session = _reconcile(project, tmp_path)
    first = session.items[0].segment  # type: ignore[attr-defined]
    session.choose("both")  # type: ignore[attr-defined]
    again = ReconcileSession(project, session.codebook, "ann", "bob", "cat")  # type: ignore[attr-defined]
    assert first not in [d.segment for d in again.items]
    assert again.undo() == "reconcile"
    assert again.current is not None and again.current.segment == first
    assert again.undo() == ""  # nothing else of cat's to take back


def test_reconcile_undo_key(project: Project, tmp_path: Path) -> None:
    from qualcode.tui.reconcile import ReconcileApp

    session = _reconcile(project, tmp_path)
    first, second = (d.segment for d in session.items[:2])  # type: ignore[attr-defined]
    shown: dict[str, str] = {}

    async def drive() -> None:
        app = ReconcileApp(session)  # type: ignore[arg-type]
        async with app.run_test(size=(110, 40)) as pilot:
            await pilot.pause()  # keys act once the disagreement is on screen
            await pilot.press("1", "2")
            await pilot.press("u")  # the second choice taken back: that disagreement again
            await pilot.pause()
            shown["status"] = str(app.query_one("#status").render())

    asyncio.run(drive())
    assert set(project.store.resolutions()) == {first}
    assert session.current.segment == second  # type: ignore[attr-defined]
    assert shown["status"].startswith("2/3")


def test_reconcile_list_shows_the_unresolved_disagreements(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.cli import main

    _reconcile(project, tmp_path)
    root = str(project.root)
    unresolved = final_coding(project).unresolved
    assert unresolved
    assert main(["reconcile", "--list", "-p", root, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["segment"] for d in listed} == set(unresolved)
    entry = listed[0]
    assert entry["participant"] == "P01" and isinstance(entry["turn"], int)
    assert entry["codes"] == {p: sorted(c) for p, c in unresolved[entry["segment"]].items()}
    assert main(["reconcile", "--list", "-p", root]) == 0
    out = capsys.readouterr().out
    assert f"{len(unresolved)} unresolved disagreement" in out
    assert "ann:" in out and "bob:" in out and "P01" in out
    assert main(["reconcile", "-p", root]) == 2  # without --list: two coders, please


def test_the_suggester_and_the_review_queue_share_an_ordering_module_not_each_other() -> None:
    import qualcode.coding.learn as learn
    import qualcode.review.session as session
    from qualcode.review.order import diverse_order

    assert "qualcode.review.session" not in Path(learn.__file__).read_text()
    assert "diverse_order" not in vars(session) or session.diverse_order is diverse_order
    assert diverse_order([0, 1, 2], [0.1, 0.5, 0.9], [1, 2, 3]) == [2, 1, 0]
