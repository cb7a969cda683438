"""The review app, driven with Textual's Pilot: what each key stores, and blind coding."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from qualcode.cli.review import open_session
from qualcode.coding.run import code_project
from qualcode.project import Project
from qualcode.review.session import Filters, blind_queue, build_queue
from qualcode.tui.review import ReviewApp
from tests.test_learn import _project


def _decisions(project: Project) -> list[tuple[str, str, str]]:
    rows = project.store.conn.execute(
        "SELECT code_id, reviewer, action FROM live_decisions ORDER BY id"
    ).fetchall()
    return [tuple(r) for r in rows]


def _ready(project: Project) -> Project:
    _project(project)
    code_project(project)
    return project


def test_keys_store_accept_reject_change_and_undo(project: Project) -> None:
    _ready(project)
    session = open_session(project, "ann", order="document")
    first = session.current
    assert first is not None and first.suggestions

    async def drive() -> None:
        app = ReviewApp(session)
        async with app.run_test() as pilot:
            await pilot.pause()  # keys act once the segment is on screen
            await pilot.press("a")  # accept the first suggestion
            await pilot.press("n")  # next segment (marks this one reviewed)
            await pilot.press("r")  # reject
            await pilot.press("u")  # ... undo that
            await pilot.press("c")  # change to another code with the picker
            await pilot.press(*"fund", "enter")
            await pilot.press("n")
            await pilot.press("plus")  # add a code to the third segment
            await pilot.press(*"referral", "enter")
            await pilot.press("asterisk")  # key quote
            await pilot.press("q")

    asyncio.run(drive())
    got = _decisions(project)
    first_code = first.suggestions[0].code
    assert got[0] == (first_code, "ann", "accept")
    # the rejection was undone: it is kept, but not live
    all_rows = project.store.conn.execute("SELECT action FROM decisions ORDER BY id").fetchall()
    assert [r[0] for r in all_rows][:2] == ["accept", "reject"]
    assert project.store.conn.execute("SELECT count(*) FROM undone_actions").fetchone()[0] == 1
    assert [g[2] for g in got[1:]] == ["recode", "add", "add"]
    assert got[2][0] == "factors.funding" and got[3][0] == "police.referral_quality"
    reviewed = project.store.reviewed_by("ann")
    assert first.segment in reviewed and len(reviewed) == 2
    assert project.store.key_quotes() == {session.items[2].segment}


def test_blind_mode_shows_no_codes_and_records_the_coders_own(project: Project) -> None:
    _ready(project)
    session = open_session(project, "bob", blind=True, sample=0.5)
    assert session.items and all(not i.suggestions for i in session.items)
    n_segments = len(project.store.current_segments())
    assert len(session.items) == round(0.5 * n_segments)  # one document, half its turns

    async def drive() -> None:
        app = ReviewApp(session)
        async with app.run_test() as pilot:
            await pilot.pause()  # keys act once the segment is on screen
            codes = app.query_one("#codes")  # the codebook as a checklist, nothing ticked
            labels = [str(codes.get_option_at_index(i).prompt)  # type: ignore[attr-defined]
                      for i in range(codes.option_count)]  # type: ignore[attr-defined]  # fmt: skip
            assert labels and all(label.startswith("[ ] ") for label in labels)
            status = str(app.query_one("#status").render())
            assert "BLIND" in status
            await pilot.press("plus", *"fund", "enter")
            await pilot.press("n", "n", "q")

    asyncio.run(drive())
    assert _decisions(project) == [("factors.funding", "bob", "add")]
    assert len(project.store.reviewed_by("bob")) == 2
    data = project.store.coder_codings()["bob"]
    assert sorted(len(v) for v in data.values()) == [0, 1]  # second turn: seen, no code


def test_queue_builders_filter_and_order() -> None:
    segs = [("s1", 1, 1, 0, 10), ("s2", 1, 3, 20, 30), ("s3", 2, 1, 0, 10)]
    sugg = [
        (1, "s1", "police.a", "rule", "kw:x", 0.5, 0, 3),
        (2, "s2", "factors.b", "model", "model:h", 0.7, 20, 25),
        (3, "s3", "police.c", "rule", "kw:y", 0.5, 0, 4),
        (4, "s3", "police.a", "rule", "kw:z", 0.5, 5, 9),
    ]
    q = build_queue(segs, sugg, done={"s1"})
    assert [i.segment for i in q] == ["s2", "s3"] and len(q[1].suggestions) == 2
    assert [
        i.segment for i in build_queue(segs, sugg, set(), Filters(codes=frozenset({"police"})))
    ] == [
        "s1",
        "s3",
    ]
    assert [
        i.segment for i in build_queue(segs, sugg, set(), Filters(kinds=frozenset({"model"})))
    ] == ["s2"]
    attrs = {1: {"sector": "policing"}, 2: {"sector": "partner"}}
    where = Filters(where=(("sector", "partner"),))
    assert [i.segment for i in build_queue(segs, sugg, set(), where, attrs)] == ["s3"]
    unsure = {"s3": 0.9, "s1": 0.1}
    assert build_queue(segs, sugg, set(), uncertainty=unsure)[0].segment == "s3"
    blind = blind_queue(segs, {"s2"}, sample=1.0)
    assert [i.segment for i in blind] == ["s1", "s3"]


def test_review_needs_a_reviewer(project: Project) -> None:
    from qualcode.errors import QualcodeError

    _ready(project)
    with pytest.raises(QualcodeError, match="who is reviewing"):
        open_session(project, "")


def test_code_picker_ranks_fuzzily(tmp_path: Path) -> None:
    from qualcode.codebook import load_codebook
    from qualcode.tui.pickers import rank_codes
    from tests.test_learn import CODEBOOK

    path = tmp_path / "cb.yaml"
    path.write_text(CODEBOOK)
    cb = load_codebook(path)
    assert rank_codes(cb, "fund")[0] == "factors.funding"
    assert rank_codes(cb, "refqual")[0] == "police.referral_quality"
    assert rank_codes(cb, "") == [c.id for c in cb.codes]


def _two_coders(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.imports import import_codings
    from tests.test_learn import _gold, _labels

    _ready(project)
    import_codings(project, _gold(tmp_path / "a.csv", _labels()), "ann")
    bob = [(t, "" if t in (1, 3) else c) for t, c in _labels()]  # leaves two turns uncoded
    bob[15] = (bob[15][0], "factors.funding")  # and codes a turn ann left empty
    import_codings(project, _gold(tmp_path / "b.csv", bob), "bob")


def test_reconcile_writes_the_resolved_coding(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.longform import agreement_from_codings, stored_codings
    from qualcode.review.reconcile import ReconcileSession
    from qualcode.tui.reconcile import ReconcileApp

    _two_coders(project, tmp_path)
    codebook, _ = resolve_codebook(project, None)
    session = ReconcileSession(project, codebook, "ann", "bob", "cat")
    assert len(session.items) == 3
    first = session.items[0]
    assert first.a == {"factors.funding"} and first.b == frozenset()

    async def drive() -> None:
        app = ReconcileApp(session)
        async with app.run_test() as pilot:
            await pilot.pause()  # keys act once the segment is on screen
            await pilot.press("w", *"ann followed the definition", "enter")
            await pilot.press("1")  # ann's codes for the first
            await pilot.press("x")  # neither for the second: only agreed codes (none)
            await pilot.press("o", *"referral", "enter")  # another code for the third
            await pilot.press("q")

    asyncio.run(drive())
    rows = project.store.conn.execute(
        "SELECT choice, codes, rationale, reviewer, coder_a, coder_b FROM resolutions ORDER BY id"
    ).fetchall()
    assert [r[0] for r in rows] == ["a", "neither", "other"]
    assert rows[0][1:] == (
        '["factors.funding"]',
        "ann followed the definition",
        "cat",
        "ann",
        "bob",
    )
    assert rows[1][1] == "[]" and rows[2][1] == '["police.referral_quality"]'
    resolved = project.store.coder_codings()["resolved"]
    assert len(resolved) == 3
    units, coders, data = stored_codings(project.store, ["ann", "resolved"])
    _, overall = agreement_from_codings(units, coders, data, samples=50)
    assert overall.units > 0
    again = ReconcileSession(project, codebook, "ann", "bob", "cat")
    assert again.items == []  # resolved ones are not asked again


def test_reconcile_against_the_rules(project: Project, tmp_path: Path) -> None:
    from qualcode.review.reconcile import disagreements

    _two_coders(project, tmp_path)
    found = disagreements(project, "ann", "rule")
    assert found and all(d.a != d.b for d in found)
    with pytest.raises(Exception, match="two different coders"):
        disagreements(project, "ann", "ann")


def test_status_counts_codings_decisions_and_topic_definitions(project: Project) -> None:
    _ready(project)
    session = open_session(project, "ann", order="document")
    session.accept(session.current.suggestions[0])  # type: ignore[union-attr]
    status = project.store.status()
    assert status["codings"]["rule"] > 0 and status["decisions"] == {"ann": 1}
    assert session.definition("factors.funding").startswith("Funding: ")
    assert session.definition("topic.abc.1") == "(not in the codebook)"  # no topic run yet


def test_reconcile_shows_context_definitions_outcomes_and_a_summary(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.reconcile import ReconcileSession
    from qualcode.tui.reconcile import ReconcileApp

    _two_coders(project, tmp_path)
    codebook, _ = resolve_codebook(project, None)
    session = ReconcileSession(project, codebook, "ann", "bob", "cat")
    seen: dict[str, str] = {}

    async def drive() -> None:
        app = ReconcileApp(session)
        async with app.run_test(size=(110, 40)) as pilot:
            await pilot.pause()
            for name in ("before", "definitions", "outcomes", "side_a"):
                seen[name] = str(app.query_one(f"#{name}").render())
            await pilot.press("1", "s", "t")
            await pilot.pause()
            seen["end"] = str(app.query_one("#segment").render())

    asyncio.run(drive())
    assert seen["before"].startswith("INT: Question")  # the interviewer's question before it
    assert seen["definitions"] == "Funding: Funding of services."
    assert "1 → Funding" in seen["outcomes"] and "x → no code" in seen["outcomes"]
    assert "Funding" in seen["side_a"] and "factors.funding" not in seen["side_a"]
    assert seen["end"].startswith("2 of 3 disagreements settled: ann's codes 1, bob's 0, both 1")
    assert "1 skipped (they stay open)" in seen["end"]
