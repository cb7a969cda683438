"""A scripted reviewer (Textual Pilot) working through segments with several suggestions: every
key acts on the highlighted suggestion, undo takes back any action and returns to it, and no
suggestion is left in limbo."""

from __future__ import annotations

import asyncio
import html
import re

import pytest

from qualcode.cli.review import open_session
from qualcode.project import Project
from qualcode.review.layers import labelled
from qualcode.tui.review import ReviewApp
from tests.conftest import THREE_CODES, build

CODEBOOK = THREE_CODES
THREE = "The grant paid for the ppn work with the school"
TURNS = "\n".join(
    f"INT: Question {i}?\nP01: {THREE} number {i}." for i in range(4)
)  # four segments, three suggestions each (funding, referral quality, schools by position)


def _screen_text(app: ReviewApp) -> str:
    """What the terminal shows, as plain text (the SVG screenshot without its markup)."""
    svg = str(app.export_screenshot())
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def _key_bar(app: ReviewApp) -> str:
    return [line for line in _screen_text(app).split("\n") if line.strip()][-1]


def _live(project: Project) -> list[tuple[str, str, str]]:
    rows = project.store.conn.execute(
        "SELECT segment_id, code_id, action FROM live_decisions ORDER BY id"
    ).fetchall()
    return [tuple(r) for r in rows]


@pytest.fixture
def ready(project: Project) -> Project:
    return build(project, {"P01.txt": TURNS + "\n"}, CODEBOOK)


def _drive(session: object, *keys: str, look: object = None) -> dict[str, str]:
    """Press ``keys``; before the app closes, read the status, hint and list labels."""
    app = ReviewApp(session)  # type: ignore[arg-type]
    seen: dict[str, str] = {}

    async def go() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()  # keys act once the segment is on screen
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            seen["status"] = str(app.query_one("#status").render())
            seen["attrs"] = str(app.query_one("#attrs").render())
            seen["hint"] = str(app.query_one("#hint").render())
            codes = app.query_one("#codes")
            seen["options"] = "\n".join(
                str(codes.get_option_at_index(i).prompt)  # type: ignore[attr-defined]
                for i in range(codes.option_count)  # type: ignore[attr-defined]
            )

    asyncio.run(go())
    return seen


def test_keys_act_on_the_highlighted_suggestion_and_undo_returns_to_it(ready: Project) -> None:
    session = open_session(ready, "ann", order="document")
    first, second = session.items[0], session.items[1]
    assert [s.code for s in first.suggestions] == [
        "factors.funding",
        "police.referral_quality",
        "pathways.schools",
    ]
    seen: dict[str, object] = {}

    async def go() -> None:
        app = ReviewApp(session)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()  # keys act once the segment is on screen
            await pilot.press("down", "down", "r")  # reject the THIRD suggestion
            await pilot.press("a")  # the highlight moved to the first undecided: accept it
            await pilot.press("u")  # take that back ...
            seen["after_undo"] = app.query_one("#codes").highlighted  # type: ignore[attr-defined]
            await pilot.press("j", "a")  # ... and accept the second instead
            await pilot.press("asterisk", "u")  # a key quote, taken back
            await pilot.press("n")  # funding undecided: the segment goes to the back
            await pilot.press("x")  # second segment: reject all three, then move on
            await pilot.press("q")

    asyncio.run(go())
    assert seen["after_undo"] == 0
    assert _live(ready) == [
        (first.segment, "pathways.schools", "reject"),
        (first.segment, "police.referral_quality", "accept"),
        (second.segment, "factors.funding", "reject"),
        (second.segment, "police.referral_quality", "reject"),
        (second.segment, "pathways.schools", "reject"),
    ]
    undone = ready.store.conn.execute("SELECT count(*) FROM undone_actions").fetchone()[0]
    assert undone == 2  # the accept, and the key quote: each one action, undone whole
    assert ready.store.key_quotes() == set()
    reviewed = ready.store.reviewed_by("ann")
    assert second.segment in reviewed and first.segment not in reviewed  # no limbo


def test_a_segment_left_undecided_comes_back(ready: Project) -> None:
    session = open_session(ready, "ann", order="document")
    first = session.items[0].segment
    _drive(session, "a", "n", "q")  # one of three decided, then left
    again = open_session(ready, "ann", order="document")
    item = next(i for i in again.items if i.segment == first)
    assert [s.code for s in item.suggestions] == ["police.referral_quality", "pathways.schools"]
    done, total, _, _ = again.progress()
    assert (done, total) == (0, 4)


def test_auto_advance_and_progress_survive_reopening(ready: Project) -> None:
    session = open_session(ready, "ann", order="document")
    segs = [i.segment for i in session.items]
    _drive(session, "a", "a", "a", "x")  # first: all accepted; second: rest rejected
    assert ready.store.reviewed_by("ann") == set(segs[:2])
    again = open_session(ready, "ann", order="document")
    assert again.progress()[:2] == (2, 4)  # not "1 of 2" again after reopening
    assert "2/4 reviewed" in _drive(again)["status"]


def test_memo_undo_and_names_in_the_list(ready: Project) -> None:
    session = open_session(ready, "ann", order="document")
    seen = _drive(session, "m", *"ask the team", "enter", "u")
    assert ready.store.memos() == []  # taken back, kept as withdrawn
    assert "memo (ann)" not in seen["attrs"]
    assert ready.store.conn.execute("SELECT count(*) FROM marks").fetchone()[0] == 1
    shown = _drive(open_session(ready, "ann", order="document"), "m", *"call back", "enter")
    assert "memo (ann): call back" in shown["attrs"]  # memos are shown where they were written
    assert seen["options"].split("\n")[0].startswith("  Enablers and blockers: Funding")
    assert "a accept · r reject · c change  →  Funding" in seen["hint"]


def test_the_key_bar_fits_eighty_columns(ready: Project) -> None:
    session = open_session(ready, "ann", order="document")

    async def go() -> str:
        app = ReviewApp(session)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return _screen_text(app)

    screen = asyncio.run(go())
    for label in (
        "accept",
        "reject",
        "change",
        "reject rest",
        "add",
        "memo",
        "undo",
        "next",
        "quit",
    ):
        assert label in screen


def test_blind_coding_offers_only_the_keys_that_apply(ready: Project) -> None:
    session = open_session(ready, "bob", blind=True)

    async def go() -> list[str]:
        app = ReviewApp(session)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()  # keys act once the segment is on screen
            await pilot.press("a", "r")  # nothing to accept or reject when coding blind
            await pilot.pause()
            return [b.binding.action for b in app.active_bindings.values() if b.enabled]

    actions = asyncio.run(go())
    assert "accept" not in actions and "reject" not in actions and "add" in actions
    assert _live(ready) == []


def test_filter_typos_are_errors_with_close_matches(ready: Project) -> None:
    from qualcode.errors import QualcodeError

    with pytest.raises(QualcodeError) as info:
        open_session(ready, "ann", code=["police.referal_quality"])
    assert "police.referral_quality" in info.value.hint
    with pytest.raises(QualcodeError) as info:
        open_session(ready, "ann", where=["sectr=policing"])
    assert "no attribute 'sectr'" in info.value.message


def test_status_shows_each_reviewers_progress(ready: Project) -> None:
    session = open_session(ready, "ann", order="document")
    _drive(session, "a", "a", "a", "asterisk", "x", "m", *"later", "enter")
    reviewers = ready.store.status()["reviewers"]
    assert reviewers["ann"] == {"reviewed": 2, "left": 2, "key_quotes": 1, "memos": 1}


def test_blind_checklist_ticks_unticks_and_undoes(ready: Project) -> None:
    session = open_session(ready, "bob", blind=True)
    seen = _drive(session, "space", "j", "j", "enter", "space", "u", "n")
    # ticked funding, ticked schools, unticked schools, undo: schools ticked again, then next
    first = session.items[0].segment
    live = [(c, a) for s, c, a in _live(ready) if s == first]
    assert live == [("factors.funding", "add"), ("pathways.schools", "add")]
    assert first in ready.store.reviewed_by("bob")
    assert ready.store.coder_codings()["bob"][first] == {"factors.funding", "pathways.schools"}
    assert seen["options"].startswith("[ ] Enablers and blockers: Funding")  # next segment


def test_blind_sample_overlaps_the_first_coder_by_design(ready: Project) -> None:
    from qualcode.review.session import blind_queue

    ann = open_session(ready, "ann", order="document")
    _drive(ann, "x", "x", "x")  # ann finishes three segments (rejecting everything)
    coded = ready.store.reviewed_by("ann")
    assert len(coded) == 3
    sample = open_session(ready, "bob", blind=True, sample=0.5, overlap_with="ann", seed=7)
    chosen = {i.segment for i in sample.items}
    assert chosen and chosen <= coded  # every sampled segment is one ann coded
    again = open_session(ready, "bob", blind=True, sample=0.5, overlap_with="ann", seed=7)
    assert [i.segment for i in again.items] == [i.segment for i in sample.items]
    segs = ready.store.current_segments()
    assert blind_queue(segs, set(), 1.0, among=frozenset()) == []


def test_memos_and_quotes_listings(
    ready: Project, tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from qualcode.cli import main

    session = open_session(ready, "ann", order="document")
    _drive(session, "a", "m", *"check with Jade", "enter", "x")  # funding accepted; a memo
    root = str(ready.root)
    toml = (ready.root / "qualcode.toml").read_text().replace("names = []", 'names = ["Jade"]')
    (ready.root / "qualcode.toml").write_text(toml)
    assert main(["memos", "-p", root, "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [r[2] for r in listing["rows"]] == ["ann"]
    assert listing["rows"][0][5] == "check with [Name 1]"  # pseudonymised
    assert main(["memos", "--code", "police", "-p", root]) == 0
    assert "none yet" in capsys.readouterr().out  # the memo's segment has no police code
    assert main(["quotes", "factors.funding", "-p", root, "--json"]) == 0
    quotes = json.loads(capsys.readouterr().out)
    assert quotes["title"].startswith("Funding: 1 coded segments from 1 participants")
    assert "grant" in quotes["rows"][0][2]
    out = tmp_path / "q.md"  # type: ignore[operator]
    assert main(["quotes", "factors.funding", "-f", "md", "-o", str(out), "-p", root]) == 0
    assert out.read_text().startswith("# Funding")  # type: ignore[union-attr]
    assert main(["quotes", "factors.fundin", "-p", root]) == 1
    assert "did you mean factors.funding" in capsys.readouterr().err


def test_a_half_decided_segment_is_not_read_as_rejections(ready: Project) -> None:
    from qualcode.review.findings import resolved_codings

    session = open_session(ready, "ann", order="document")
    seg = session.items[0].segment
    _drive(session, "a", "n")  # funding accepted; two suggestions left undecided
    labels = labelled(ready)[1]
    assert seg not in labels  # not training data: the other codes are unknown, not absent
    coded = resolved_codings(ready, include_suggestions=True)[seg]
    assert coded["factors.funding"][0] == "resolved"
    assert coded["police.referral_quality"][0] == "suggested"  # still a suggestion, shown so
    assert seg not in ready.store.coder_codings().get("ann", {})  # agreement waits too
    again = open_session(ready, "ann", order="document")
    _drive(again, "x")  # finished: the rest rejected
    labels = labelled(ready)[1]
    assert labels[seg] == {"factors.funding"}
    assert ready.store.coder_codings()["ann"][seg] == {"factors.funding"}


def test_a_review_sheet_finishes_only_fully_decided_segments(ready: Project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from qualcode.coding.run import resolve_codebook
    from qualcode.review.sheet import export_queue, import_sheet

    path = tmp_path / "queue.csv"
    export_queue(ready.store.review_queue(), path)
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    segs = {}
    for r in rows:
        segs.setdefault(r["document"] + r["turn"], []).append(r)
    first, second = list(segs.values())[:2]
    for r in first:  # every suggestion of the first segment decided
        r["decision"] = "reject"
    second[0]["decision"] = "accept"  # one of three on the second
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    codebook, _ = resolve_codebook(ready, None)
    import_sheet(ready.store, codebook, path, "ann")
    finished = ready.store.reviewed_by("ann")
    assert len(finished) == 1  # the fully decided segment only
    assert len(labelled(ready)[1]) == 1


def test_blind_key_bar_offers_no_accept_or_reject(ready: Project) -> None:
    session = open_session(ready, "bob", blind=True)

    async def go() -> str:
        app = ReviewApp(session)
        async with app.run_test(size=(100, 24)) as pilot:
            await pilot.pause()
            return _key_bar(app)

    bar = asyncio.run(go())
    assert "+ add" in bar and "n next" in bar
    assert not re.search(r"\b(accept|reject|change)\b", bar)


def test_a_topic_suggestion_becomes_a_chosen_or_new_draft_code(ready: Project) -> None:
    from qualcode.codebook import load_codebook

    store = ready.store
    seg = store.current_segments()[0]
    run = store.start_run("topics", {})
    topic = {"number": 3, "terms": ["school_run", "uniform", "breakfast"], "quotes": [seg[0]]}
    store.finish_run(run, {"model": "abc", "topics": [topic]})
    store.add_machine_applications(
        [], [(seg[0], "topic.abc.3", seg[3], seg[4], "topic", "topics:abc", 0.9, run, None)],
        run, "topic", "topics:abc",
    )  # fmt: skip
    session = open_session(ready, "ann", order="document", kind=["topic"])
    seen = _drive(session)
    assert "topic: school run, uniform, breakfast" in seen["options"]
    assert "a choose its code" in seen["hint"]
    _drive(session, "a", "enter")  # the first choice: a new draft code from the topic
    codebook = load_codebook(ready.root / "codebooks" / "toy.yaml")
    draft = codebook.code("emerging.school_run_uniform_3")
    assert draft is not None and draft.definition.startswith("DRAFT from topic 3")
    assert _live(ready)[-2:] == [
        (seg[0], "topic.abc.3", "recode"),
        (seg[0], "emerging.school_run_uniform_3", "add"),
    ]


def test_undoing_an_untick_leaves_the_history_in_step(ready: Project) -> None:
    session = open_session(ready, "bob", blind=True)
    first = session.items[0].segment

    def given() -> list[str]:
        return sorted(session.state(session.items[0])[1])

    assert session.toggle("factors.funding") and session.toggle("pathways.schools")
    assert not session.toggle("pathways.schools")  # untick: a decision of bob's own
    assert session.undo() == "untick"  # schools given again: the untick undone
    assert given() == ["factors.funding", "pathways.schools"]
    assert session.undo() == "tick"  # the first tick of schools
    assert given() == ["factors.funding"]
    assert session.undo() == "tick"
    assert session.undo() == ""  # nothing left
    assert given() == [] and [c for s, c, a in _live(ready) if s == first] == []


def test_untick_retick_and_undo_all_the_way_back(ready: Project) -> None:
    session = open_session(ready, "bob", blind=True)
    first = session.items[0].segment
    session.toggle("pathways.schools")
    session.toggle("pathways.schools")  # untick
    session.toggle("pathways.schools")  # tick again
    steps = [session.undo() for _ in range(4)]
    assert steps == ["tick", "untick", "tick", ""]
    assert [c for s, c, a in _live(ready) if s == first] == []
