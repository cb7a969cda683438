"""Accounts after 'users add' (issue 27): a new invite link that clears the password, reactivation
and another role, from the command line and the lead's Users page; each audited in the change's
transaction; the last active lead never removed; each person's progress as "done of share"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from qualcode.cli import main
from qualcode.project import open_project
from tests.test_serve import PASSWORD, _client, _csrf, _join, served  # noqa: F401
from tests.test_serve_record import _store

LINK = re.compile(r"http://[^/\s]+/invite/([\w-]+)")


def _users(root: Path, *args: str) -> int:
    return main(["users", *args, "-p", str(root)])


def _login(client: Any, name: str, password: str = PASSWORD) -> Any:
    csrf = _csrf(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf})


def _entries(root: Path, command: str) -> list[dict[str, Any]]:
    return [e for e in _store(root, lambda s: s.audit_log()) if e["command"] == command]


def test_reinvite_clears_the_password_ends_sessions_and_old_links(
    served: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    tom = _join(_client(served), served, "tom", "reviewer")
    assert _users(served, "add", "una", "--role", "reviewer") == 0
    first = LINK.findall(capsys.readouterr().out)
    assert _users(served, "reinvite", "tom") == 0
    out = capsys.readouterr().out
    (token,) = LINK.findall(out)
    assert "password is cleared" in out
    assert tom.get("/").url.path == "/login"  # logged out at once
    assert _login(_client(served), "tom").status_code == 401  # the old password is gone
    assert _store(served, lambda s: s.user("tom"))["password_hash"] is None
    # una's first link is not touched by tom's new one; a second new link ends the first
    assert _users(served, "reinvite", "una") == 0
    (una,) = LINK.findall(capsys.readouterr().out)
    assert _users(served, "reinvite", "una") == 0
    capsys.readouterr()
    for old in (*first, una):
        assert _client(served).get(f"/invite/{old}").status_code == 404
    fresh = _client(served)
    r = fresh.post(f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD})
    assert r.url.path == "/" and "tom (reviewer)" in r.text
    used = _client(served).post(f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD})
    assert used.status_code == 404  # once
    assert _login(_client(served), "tom").url.path == "/"
    assert _users(served, "reinvite", "nobody") == 1
    assert _users(served, "deactivate", "una") == 0
    assert _users(served, "reinvite", "una") == 1  # reactivate first
    assert "reactivate" in capsys.readouterr().err
    parts = [(e["part"], e["options"]["argv"][0]) for e in _entries(served, "users reinvite")]
    assert parts.count(("part", "tom")) == 1 and parts.count(("part", "una")) == 2
    assert [e["changes"] for e in _entries(served, "users reinvite") if e["part"] == "part"] == [
        {"users reinvited": 1}
    ] * 3


def test_reactivate_lets_a_deactivated_user_in_again(
    served: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _join(_client(served), served, "tom", "reviewer")
    assert _users(served, "deactivate", "tom") == 0
    assert _login(_client(served), "tom").status_code == 401
    assert _users(served, "reactivate", "tom") == 0
    assert _login(_client(served), "tom").url.path == "/"  # with the password they had
    assert _users(served, "reactivate", "tom") == 1  # active already
    assert _users(served, "reactivate", "nobody") == 1
    assert "no user 'nobody'" in capsys.readouterr().err
    (entry,) = [e for e in _entries(served, "users reactivate") if e["part"] == "part"]
    assert entry["changes"] == {"users reactivated": 1}


def test_role_changes_what_the_next_page_shows_and_keeps_a_lead(
    served: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    lee = _join(_client(served), served, "lee", "lead")
    tom = _join(_client(served), served, "tom", "reviewer")
    assert 'name="application"' in tom.get("/").text
    assert _users(served, "role", "tom", "coder", "--sample", "0.5") == 0
    page = tom.get("/").text  # the same session, now blind
    assert 'id="checklist"' in page and 'name="application"' not in page
    assert tom.get("/quotes").status_code == 403
    users = {u["name"]: u for u in _store(served, lambda s: s.users())}
    assert (users["tom"]["role"], users["tom"]["sample"]) == ("coder", 0.5)
    assert _users(served, "role", "tom", "reviewer", "--sample", "0.5") == 1  # no sample
    assert _users(served, "role", "tom", "admin") == 1
    assert _users(served, "role", "tom", "coder", "--sample", "0.5") == 1  # nothing changes
    capsys.readouterr()
    # the last active lead: neither another role nor deactivated
    assert _users(served, "role", "lee", "reviewer") == 1
    assert "last active lead" in capsys.readouterr().err
    assert _users(served, "deactivate", "lee") == 1
    assert lee.get("/users").status_code == 200
    assert _users(served, "role", "tom", "lead") == 0
    assert _users(served, "role", "lee", "reviewer") == 0  # tom leads now
    assert lee.get("/users").status_code == 403
    assert _users(served, "deactivate", "tom") == 1  # the last one again
    parts = [e for e in _entries(served, "users role") if e["part"] == "part"]
    assert [e["options"]["argv"][:2] for e in parts] == [
        ["tom", "coder"], ["tom", "lead"], ["lee", "reviewer"]
    ]  # fmt: skip
    assert all(e["changes"] == {"roles changed": 1} for e in parts)


def _manage(lead: Any, csrf: str, action: str, name: str, **more: str) -> Any:
    return lead.post("/users", data={"csrf": csrf, "action": action, "name": name, **more})


def test_the_users_page_reinvites_reactivates_and_changes_roles(
    served: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qualcode.store.base import StoreBase

    lee = _join(_client(served), served, "lee", "lead")
    tom = _join(_client(served), served, "tom", "reviewer")
    page = lee.get("/users").text
    csrf = _csrf(page)
    for action in ("reinvite", "role", "deactivate"):
        assert f'value="{action}"' in page
    assert _manage(lee, "", "reinvite", "tom").status_code == 403  # no CSRF token
    assert tom.get("/").url.path == "/"
    again = _manage(lee, csrf, "reinvite", "tom")
    link = re.search(r"http://127\.0\.0\.1:8765/invite/([\w-]+)", again.text)
    assert again.status_code == 200 and link and "password is cleared" in again.text
    assert tom.get("/").url.path == "/login"
    assert link.group(1) not in lee.get("/users").text  # shown only once
    joined = _client(served).post(
        f"/invite/{link.group(1)}", data={"password": PASSWORD, "again": PASSWORD}
    )
    assert joined.url.path == "/"
    myself = _manage(lee, csrf, "reinvite", "lee")
    assert myself.status_code == 400 and "yourself" in myself.text
    assert _manage(lee, csrf, "role", "tom", role="coder", sample="20").url.path == "/users"
    row = re.search(r"<td>tom</td>.*?</tr>", lee.get("/users").text, re.S)
    assert row and "20% of turns" in row.group(0)
    bad = _manage(lee, csrf, "role", "tom", role="reviewer", sample="20")
    assert bad.status_code == 400 and "only a coder" in bad.text
    last = _manage(lee, csrf, "role", "lee", role="reviewer")
    assert last.status_code == 400 and "last active lead" in last.text
    assert _manage(lee, csrf, "deactivate", "tom").url.path == "/users"
    page = lee.get("/users").text
    assert 'value="reactivate"' in page
    assert _manage(lee, csrf, "reactivate", "tom").url.path == "/users"
    assert _manage(lee, csrf, "reactivate", "tom").status_code == 400  # active already
    assert _manage(lee, csrf, "reactivate", "zed").status_code == 400
    assert _login(_client(served), "tom").url.path == "/"
    for command, argv in (
        ("users reinvite", ["tom"]),
        ("users role", ["tom", "coder", "--sample", "0.2", "--seed", "0"]),
        ("users reactivate", ["tom"]),
    ):
        (entry,) = _entries(served, command)
        assert entry["who"] == "lee" and entry["options"]["via"] == "browser"
        assert entry["options"]["argv"] == argv

    # each entry is written in the change's transaction: no entry, no change
    def failing(self: StoreBase, *args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(StoreBase, "_insert_audit", failing)
    with pytest.raises(OSError):
        _manage(lee, csrf, "reinvite", "tom")
    with pytest.raises(OSError):
        _manage(lee, csrf, "role", "tom", role="lead")
    tom_now = _store(served, lambda s: s.user("tom"))
    assert tom_now["password_hash"] is not None and tom_now["role"] == "coder"


def test_the_users_page_shows_done_of_share(served: Path) -> None:  # noqa: F811
    lee = _join(_client(served), served, "lee", "lead")
    rita = _join(_client(served), served, "rita", "reviewer")
    project = open_project(served)
    from qualcode.serve.accounts import add_user

    token = add_user(project, "cy", "coder", sample=0.5)
    project.close()
    cy = _client(served)
    page = cy.post(f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD}).text
    segment = re.search(r'name="segment" value="([^"]+)"', page)
    assert segment
    cy.post("/code", data={"segment": segment.group(1), "csrf": _csrf(page)})
    coded, left = map(int, re.search(r"(\d+) coded, (\d+) left", cy.get("/").text).groups())  # type: ignore[union-attr]
    review = rita.get("/").text
    waiting = int(re.search(r"(\d+) segments with suggestions left", review).group(1))  # type: ignore[union-attr]
    csrf = _csrf(review)
    segment = re.search(r'name="segment" value="([^"]+)"', review)
    assert segment
    rita.post("/decide", data={"segment": segment.group(1), "action": "reject_rest", "csrf": csrf})
    users = lee.get("/users").text
    rows = re.findall(r"<tr[^>]*>\s*<td>(\w+)</td>(.*?)</tr>", users, re.S)
    progress = re.compile(r'class="progress"[^>]*>([^<]+)<')
    cells = {name: progress.search(rest).group(1) for name, rest in rows}  # type: ignore[union-attr]
    assert cells["cy"] == f"{coded} of {coded + left} (blind)" and coded == 1
    assert cells["rita"] == f"1 of {waiting}"  # finished one of those waiting for her
    assert cells["lee"] == f"0 of {waiting - 1}"  # rita decided all on hers: none waits


def test_done_of_share_counts_the_queue_the_reviewer_is_given(served: Path) -> None:  # noqa: F811
    """Once a model has taken over some codes' rule suggestions, those are not handed out: the
    Users page counts what waits as the review page does ("N segments with suggestions left"),
    not every rule suggestion still standing."""
    project = open_project(served)
    rows = project.store.conn.execute(
        "SELECT segment_id, code_id, coalesce(codebook_hash, '') FROM applications "
        "WHERE kind = 'rule'"
    ).fetchall()
    taken = sorted({code for _, code, _ in rows})[:1]  # one code is the model's now
    run = project.store.start_run("suggest", {})
    project.store.finish_run(
        run, {"unscored": [], "codebook_hash": rows[0][2], "sources": dict.fromkeys(taken, "model")}
    )
    project.close()
    lee = _join(_client(served), served, "lee", "lead")
    html = lee.get("/").text
    waiting = int(re.search(r"(\d+) segments with suggestions left", html).group(1))  # type: ignore[union-attr]
    assert waiting < len({s for s, _, _ in rows})  # the model's code hid some segment
    cell = re.search(r'<td>lee</td>.*?class="progress"[^>]*>([^<]+)<', lee.get("/users").text, re.S)
    assert cell and cell.group(1) == f"0 of {waiting}"


def test_the_users_page_fits_a_phone(served: Path) -> None:  # noqa: F811
    """At 375 px the table's manage buttons were off screen: on a phone each person is a few
    lines, each figure labelled by the stylesheet with its column's heading."""
    from qualcode.serve.site import HERE

    lee = _join(_client(served), served, "lee", "lead")
    page = lee.get("/users").text
    heads = re.findall(r'<th scope="col">([^<]+)</th>', page.split('<table class="users">')[1])
    css = (HERE / "static" / "lead.css").read_text()
    phone = [p for p in css.split("@media (max-width: 40rem)")[1:] if "table.users" in p]
    assert phone and "table.users td.manage { display: block; }" in phone[0]
    for n in (4, 5, 6, 7):  # password, active, done, memos
        assert f'table.users td:nth-child({n})::before {{ content: "{heads[n - 1]} "' in phone[0]
