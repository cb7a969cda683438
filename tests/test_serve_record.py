"""The review server keeps the record (issue 24): every form post is one action, undone whole
and only by its maker; a person's coding is never decided as if it were a suggestion; logins and
users added or deactivated are in the audit log, written with the change."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from qualcode.cli import main
from qualcode.coding.imports import import_codings
from qualcode.project import Project, open_project
from tests.conftest import build, interview
from tests.test_learn import MONEY, POLICE
from tests.test_serve import PASSWORD, _client, _csrf, _decisions, _join, _page_state
from tests.test_suggest import CODEBOOK

FUNDING, REFERRAL = "factors.funding", "police.referral_quality"
BOTH = "the grant paid for the ppn work"  # two suggestions on one turn


@pytest.fixture
def team(project: Project, tmp_path: Path) -> Path:
    """Two interviews with rule suggestions (two on each first answer); ann's coding of P01's
    first two answers imported."""
    files = {f"P0{i}.txt": interview(f"P0{i}", [BOTH, *MONEY, *POLICE]) for i in (1, 2)}
    proj = build(project, files, CODEBOOK)
    sheet = tmp_path / "ann.csv"
    sheet.write_text(f"participant_id,turn,codes\nP01,1,{FUNDING}\nP01,3,{FUNDING};{REFERRAL}\n")
    import_codings(proj, sheet, "ann")
    root = proj.root
    proj.close()
    return root


def _store(root: Path, read: Any) -> Any:
    project = open_project(root)
    try:
        return read(project.store)
    finally:
        project.close()


def _counts(root: Path) -> tuple[int, ...]:
    tables = ("decisions", "reviews", "marks", "actions", "undone_actions")
    return _store(
        root,
        lambda s: tuple(s.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables),
    )


def _open_on(root: Path, segment: str) -> set[int]:
    return _store(root, lambda s: {a[0] for a in s.undecided_on(segment)})


def test_deciding_an_imported_coding_is_refused_and_stores_nothing(team: Path) -> None:
    rita = _join(_client(team), team, "rita", "reviewer")
    _, csrf, _ = _page_state(rita)
    imported = _store(team, lambda s: s.record_imports())
    assert imported and all(row[4] == "ann" for row in imported)
    before, layer = _counts(team), _store(team, lambda s: s.coder_codings()["ann"])
    for app_id, *_ in imported:
        for action in ("reject", "accept", "change"):
            r = rita.post(  # type: ignore[attr-defined]
                "/decide",
                data={"application": str(app_id), "action": action, "code": REFERRAL,
                      "csrf": csrf},
            )  # fmt: skip
            assert r.status_code == 400, (app_id, action)
            assert "not a machine suggestion" in r.text
    assert _counts(team) == before  # no decision, no finished segment, no action row
    assert _store(team, lambda s: s.coder_codings()["ann"]) == layer


def test_a_change_is_one_action_and_one_undo_takes_it_all_back(team: Path) -> None:
    client = _join(_client(team), team, "rita", "reviewer")
    segment, csrf, opened = _page_state(client)
    client.post(  # type: ignore[attr-defined]
        "/decide",
        data={"application": opened[0], "action": "change", "code": REFERRAL, "csrf": csrf},
    )
    rows = _store(team, lambda s: s.conn.execute(
        "SELECT action, action_id FROM decisions ORDER BY id").fetchall())  # fmt: skip
    assert [r[0] for r in rows] == ["recode", "add"] and rows[0][1] == rows[1][1] is not None
    log = _browser_actions(team)
    assert [(a["who"], a["mode"], a["kind"], a["decisions"]) for a in log] == [
        ("rita", "review", "decide change", 2)
    ]
    undone = client.post("/undo", data={"csrf": csrf})  # type: ignore[attr-defined]
    assert undone.url.params["segment"] == segment
    assert _decisions(team) == []  # no suggestion left "changed" to nothing
    assert _open_on(team, segment) == {int(a) for a in opened}


def test_reject_rest_is_one_action_and_one_undo_restores_every_suggestion(team: Path) -> None:
    client = _join(_client(team), team, "rita", "reviewer")
    segment, csrf, opened = _page_state(client)
    assert len(opened) >= 1
    client.post("/decide", data={"segment": segment, "action": "reject_rest", "csrf": csrf})  # type: ignore[attr-defined]
    assert len(_decisions(team)) == len(opened)
    assert segment in _store(team, lambda s: s.reviewed_by("rita"))  # finished, same action
    assert [a["decisions"] for a in _browser_actions(team)] == [len(opened)]
    client.post("/undo", data={"csrf": csrf})  # type: ignore[attr-defined]
    assert _decisions(team) == []
    assert _open_on(team, segment) == {int(a) for a in opened}
    assert segment not in _store(team, lambda s: s.reviewed_by("rita"))  # open for her again
    assert _page_state(client)[0] == segment


def test_undo_goes_by_action_not_by_the_clock(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A decision, a memo and a decision stored in the same second (the same time, even) are
    undone newest first."""
    import qualcode.store.base
    import qualcode.store.review

    for module in (qualcode.store.base, qualcode.store.review):
        monkeypatch.setattr(module, "now", lambda: "2026-01-01T00:00:00+00:00")
    client = _join(_client(team), team, "rita", "reviewer")
    segment, csrf, opened = _page_state(client)
    assert len(opened) >= 2, "the test needs two suggestions on one segment"
    post = client.post  # type: ignore[attr-defined]
    post("/decide", data={"application": opened[0], "action": "accept", "csrf": csrf})
    post("/mark", data={"segment": segment, "kind": "memo", "text": "funding cut", "csrf": csrf})
    post("/decide", data={"application": opened[1], "action": "reject", "csrf": csrf})

    def state() -> tuple[list[int | None], int]:
        return [d[0] for d in _decisions(team)], len(_store(team, lambda s: s.memos()))

    assert state() == ([int(opened[0]), int(opened[1])], 1)
    post("/undo", data={"csrf": csrf})
    assert state() == ([int(opened[0])], 1)
    post("/undo", data={"csrf": csrf})
    assert state() == ([int(opened[0])], 0)
    post("/undo", data={"csrf": csrf})
    assert state() == ([], 0)
    assert post("/undo", data={"csrf": csrf}).url.path == "/"  # nothing left: the queue


def test_a_blind_untick_is_a_decision_that_undo_revives(team: Path) -> None:
    cy = _join(_client(team), team, "cy", "coder")
    page = cy.get("/").text  # type: ignore[attr-defined]

    segment = re.search(r'name="segment" value="([^"]+)"', page)
    assert segment
    seg, csrf = segment.group(1), _csrf(page)
    cy.post("/code", data={"segment": seg, "code": [FUNDING, REFERRAL], "csrf": csrf})  # type: ignore[attr-defined]
    cy.post("/code", data={"segment": seg, "code": [FUNDING], "csrf": csrf})  # type: ignore[attr-defined]
    assert _store(team, lambda s: s.coder_codings()["cy"]) == {seg: {FUNDING}}
    untick = _store(team, lambda s: s.conn.execute(
        "SELECT application_id, code_id, action, note FROM live_decisions ORDER BY id DESC"
    ).fetchone())  # fmt: skip
    assert tuple(untick) == (None, REFERRAL, "reject", "untick")
    assert _store(team, lambda s: s.conn.execute("SELECT count(*) FROM undone").fetchone()[0]) == 0
    assert {(a["mode"], a["kind"]) for a in _browser_actions(team)} == {("blind", "code")}
    cy.post("/undo", data={"csrf": csrf})  # type: ignore[attr-defined]
    assert _store(team, lambda s: s.coder_codings()["cy"]) == {seg: {FUNDING, REFERRAL}}
    again = cy.get(f"/?segment={seg}").text  # type: ignore[attr-defined]
    assert f'value="{REFERRAL}" checked' in again


def test_my_undo_never_takes_back_another_persons_action(team: Path) -> None:
    rita = _join(_client(team), team, "rita", "reviewer")
    segment, csrf_a, opened = _page_state(rita)
    bob = _join(_client(team, rita.app), team, "bob", "reviewer")  # type: ignore[attr-defined]
    _, csrf_b, _ = _page_state(bob, f"/?segment={segment}")
    rita.post("/decide", data={"application": opened[0], "action": "accept", "csrf": csrf_a})  # type: ignore[attr-defined]
    bob.post("/decide", data={"segment": segment, "action": "add", "code": FUNDING,  # type: ignore[attr-defined]
                              "csrf": csrf_b})  # fmt: skip
    bob.post("/mark", data={"segment": segment, "kind": "memo", "text": "bob's", "csrf": csrf_b})  # type: ignore[attr-defined]
    for _ in range(3):  # rita's one action, then nothing of hers is left
        rita.post("/undo", data={"csrf": csrf_a})  # type: ignore[attr-defined]
    assert [d[3:] for d in _decisions(team)] == [("bob", "add")]
    assert _store(team, lambda s: [m[2] for m in s.memos()]) == ["bob"]


def test_a_refused_post_leaves_no_action_and_an_error_rolls_the_post_back(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.store.review import ReviewStore

    client = _join(_client(team), team, "rita", "reviewer")
    segment, csrf, _ = _page_state(client)
    before = _counts(team)
    r = client.post("/decide", data={"segment": segment, "action": "add", "code": "no.such",  # type: ignore[attr-defined]
                                     "csrf": csrf})  # fmt: skip
    assert r.status_code == 400 and _counts(team) == before

    def broken(self: ReviewStore, *args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ReviewStore, "mark_reviewed", broken)  # after the rejections
    with pytest.raises(OSError):
        client.post("/decide", data={"segment": segment, "action": "reject_rest",  # type: ignore[attr-defined]
                                     "csrf": csrf})  # fmt: skip
    assert _counts(team) == before  # the rejections went with it


def _audit(root: Path, command: str) -> list[dict[str, Any]]:
    """The audit entries of ``command`` made in the browser."""
    entries = _store(root, lambda s: s.audit_log())
    return [e for e in entries if e["command"] == command and e["options"].get("via") == "browser"]


def _browser_actions(root: Path) -> list[dict[str, Any]]:
    return [a for a in _store(root, lambda s: s.actions_log()) if a["via"] == "browser"]


def test_a_login_is_in_the_audit_log_without_its_password(team: Path) -> None:
    client = _join(_client(team), team, "rita", "reviewer")  # the invite logs her in
    (first,) = _audit(team, "login")
    assert first["who"] == "rita" and first["options"]["with"] == "invite"
    other = _client(team)
    csrf = _csrf(other.get("/login").text)  # type: ignore[attr-defined]
    wrong = other.post("/login", data={"name": "rita", "password": "nope", "csrf": csrf})  # type: ignore[attr-defined]
    assert wrong.status_code == 401 and len(_audit(team, "login")) == 1
    other.post("/login", data={"name": "rita", "password": PASSWORD, "csrf": csrf})  # type: ignore[attr-defined]
    second = _audit(team, "login")[-1]
    assert second["who"] == "rita" and second["options"]["with"] == "password"
    assert PASSWORD not in json.dumps(_store(team, lambda s: s.audit_log()))
    assert client.get("/").url.path == "/"  # type: ignore[attr-defined]


def test_users_added_and_deactivated_on_the_web_are_audited_with_the_change(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.store.base import StoreBase

    lead = _join(_client(team), team, "lee", "lead")
    csrf = _csrf(lead.get("/users").text)  # type: ignore[attr-defined]
    lead.post("/users", data={"csrf": csrf, "action": "add", "name": "cy", "role": "coder",  # type: ignore[attr-defined]
                              "sample": "50"})  # fmt: skip
    lead.post("/users", data={"csrf": csrf, "action": "deactivate", "name": "cy"})  # type: ignore[attr-defined]
    (added,) = _audit(team, "users add")
    assert added["who"] == "lee" and added["options"]["argv"][:3] == ["cy", "--role", "coder"]
    assert added["options"]["via"] == "browser"
    (gone,) = _audit(team, "users deactivate")
    assert gone["who"] == "lee" and gone["options"]["argv"] == ["cy"]

    # the entry is written in the user's transaction: no entry, no user
    def failing(self: StoreBase, *args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(StoreBase, "_insert_audit", failing)
    with pytest.raises(OSError):
        lead.post("/users", data={"csrf": csrf, "action": "add", "name": "dee",  # type: ignore[attr-defined]
                                  "role": "reviewer"})  # fmt: skip
    assert _store(team, lambda s: s.user("dee")) is None


def test_users_add_and_deactivate_on_the_command_line_are_audited(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "add", "cy", "--role", "coder", "-p", str(team)]) == 0
    assert main(["users", "deactivate", "cy", "-p", str(team)]) == 0
    capsys.readouterr()
    parts = [e for e in _store(team, lambda s: s.audit_log()) if e["command"].startswith("users")]
    assert [(e["command"], e["part"]) for e in parts] == [
        ("users add", "part"), ("users add", "end"),
        ("users deactivate", "part"), ("users deactivate", "end"),
    ]  # fmt: skip
    assert (
        parts[0]["changes"] == {"users added": 1}
        and parts[0]["invocation"] == parts[1]["invocation"]
    )
    assert main(["log", "-p", str(team), "--json"]) == 0
    shown = [e["command"] for e in json.loads(capsys.readouterr().out)]
    assert shown.count("users add") == 1 and shown.count("users deactivate") == 1


def test_reject_the_rest_rejects_only_what_the_page_showed(team: Path) -> None:
    client = _join(_client(team), team, "rita", "reviewer")
    segment, csrf, opened = _page_state(client)
    page = client.get(f"/?segment={segment}").text  # type: ignore[attr-defined]
    assert sorted(re.findall(r'name="shown" value="(\d+)"', page)) == sorted(opened)
    # as if a retrained model had stored the second suggestion after the page was drawn
    client.post("/decide", data={"segment": segment, "action": "reject_rest",  # type: ignore[attr-defined]
                                 "shown": opened[:1], "csrf": csrf})  # fmt: skip
    assert [d[0] for d in _decisions(team)] == [int(opened[0])]
    assert _open_on(team, segment) == {int(a) for a in opened[1:]}
    assert segment not in _store(team, lambda s: s.reviewed_by("rita"))  # not finished yet
