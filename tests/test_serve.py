"""'qualcode serve' under Starlette's TestClient: invites, logins, CSRF, headers, decisions under
the logged-in user, and blind coders who are never sent a suggestion."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.project import Project, open_project
from qualcode.serve.accounts import add_user
from tests.conftest import build, interview
from tests.test_learn import MONEY, POLICE
from tests.test_suggest import CODEBOOK

PASSWORD = "correct horse battery"


@pytest.fixture
def served(project: Project) -> Path:
    project = build(project, {"P01.txt": interview("P01", MONEY + POLICE)}, CODEBOOK)
    root = project.root
    project.close()
    return root


def _client(root: Path) -> object:
    from starlette.testclient import TestClient

    from qualcode.serve.app import create_app

    return TestClient(create_app(root), base_url="http://127.0.0.1:8765")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _join(client: object, root: Path, name: str, role: str) -> object:
    """Add a user, follow their invite, set the password: a logged-in client."""
    project = open_project(root)
    token = add_user(project, name, role)
    project.close()
    r = client.post(  # type: ignore[attr-defined]
        f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD}
    )
    assert r.status_code == 200 and r.url.path == "/"
    return client


def test_pages_carry_security_headers_and_need_a_login(served: Path) -> None:
    client = _client(served)
    r = client.get("/")  # type: ignore[attr-defined]
    assert r.url.path == "/login"
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert header in r.headers
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "<script>" not in r.text  # no inline script: the CSP would refuse it anyway
    assert client.get("/static/keys.js").status_code == 200  # type: ignore[attr-defined]


def test_invite_works_once_and_the_login_checks_password_csrf_and_rate(served: Path) -> None:
    client = _client(served)
    project = open_project(served)
    token = add_user(project, "rhian", "reviewer")
    stored = project.store.user("rhian")
    project.close()
    assert stored is not None and stored["password_hash"] is None
    short = client.post(f"/invite/{token}", data={"password": "short", "again": "short"})  # type: ignore[attr-defined]
    assert short.status_code == 400
    assert (
        client.post(f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD}).url.path
        == "/"
    )  # type: ignore[attr-defined]
    again = client.post(f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD})  # type: ignore[attr-defined]
    assert again.status_code == 404  # used
    project = open_project(served)
    assert project.store.user("rhian")["password_hash"].startswith("scrypt$")  # type: ignore[index]
    project.close()

    other = _client(served)
    page = other.get("/login")  # type: ignore[attr-defined]
    csrf = _csrf(page.text)
    no_csrf = other.post("/login", data={"name": "rhian", "password": PASSWORD})  # type: ignore[attr-defined]
    assert no_csrf.status_code == 403
    wrong = other.post("/login", data={"name": "rhian", "password": "nope", "csrf": csrf})  # type: ignore[attr-defined]
    assert wrong.status_code == 401
    right = other.post("/login", data={"name": "rhian", "password": PASSWORD, "csrf": csrf})  # type: ignore[attr-defined]
    assert right.url.path == "/" and "rhian (reviewer)" in right.text
    cookie = right.history[0].headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")

    limited = _client(served)
    csrf = _csrf(limited.get("/login").text)  # type: ignore[attr-defined]
    codes = [
        limited.post("/login", data={"name": "rhian", "password": "x", "csrf": csrf}).status_code  # type: ignore[attr-defined]
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429


def test_a_decision_is_the_logged_in_users_whatever_the_form_says(served: Path) -> None:
    client = _join(_client(served), served, "rhian", "reviewer")
    page = client.get("/")  # type: ignore[attr-defined]
    application = re.search(r'name="application" value="(\d+)"', page.text)
    assert application and "Accept (a)" in page.text
    csrf = _csrf(page.text)
    forged = client.post("/decide", data={"application": application.group(1), "action": "accept"})  # type: ignore[attr-defined]
    assert forged.status_code == 403  # no CSRF token
    r = client.post(  # type: ignore[attr-defined]
        "/decide",
        data={"application": application.group(1), "action": "accept", "csrf": csrf,
              "reviewer": "someone else"},
    )  # fmt: skip
    assert r.status_code == 200
    project = open_project(served)
    rows = project.store.conn.execute("SELECT reviewer, action FROM live_decisions").fetchall()
    project.close()
    assert [tuple(x) for x in rows] == [("rhian", "accept")]
    # deciding the same suggestion again (another tab, another reviewer) records nothing twice
    r = client.post(  # type: ignore[attr-defined]
        "/decide", data={"application": application.group(1), "action": "reject", "csrf": csrf}
    )
    project = open_project(served)
    assert project.store.conn.execute("SELECT count(*) FROM live_decisions").fetchone()[0] == 1
    project.close()


def test_a_blind_coder_is_never_sent_a_suggestion(served: Path) -> None:
    client = _join(_client(served), served, "cy", "coder")
    page = client.get("/")  # type: ignore[attr-defined]
    assert "Blind coding" in page.text and 'type="checkbox"' in page.text
    assert "/decide" not in page.text and "rule" not in page.text.lower().split("<main>")[1]
    segment = re.search(r'name="segment" value="([^"]+)"', page.text)
    assert segment
    csrf = _csrf(page.text)
    project = open_project(served)
    app = project.store.queue_applications()[0]
    project.close()
    refused = client.post(  # type: ignore[attr-defined]
        "/decide", data={"application": str(app[0]), "action": "accept", "csrf": csrf}
    )
    assert refused.status_code == 403
    r = client.post(  # type: ignore[attr-defined]
        "/code", data={"segment": segment.group(1), "code": "factors.funding", "csrf": csrf}
    )
    assert r.status_code == 200
    bad = client.post(  # type: ignore[attr-defined]
        "/code", data={"segment": segment.group(1), "code": "no.such", "csrf": csrf}
    )
    assert bad.status_code == 400
    project = open_project(served)
    assert project.store.coder_codings()["cy"] == {segment.group(1): {"factors.funding"}}
    project.close()


def test_a_deactivated_user_is_logged_out_at_once(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = _join(_client(served), served, "tom", "reviewer")
    assert client.get("/").url.path == "/"  # type: ignore[attr-defined]
    assert main(["users", "deactivate", "tom", "-p", str(served)]) == 0
    assert client.get("/").url.path == "/login"  # type: ignore[attr-defined]
    assert main(["users", "list", "-p", str(served), "--json"]) == 0
    assert '"active": false' in capsys.readouterr().out
    assert main(["users", "deactivate", "nobody", "-p", str(served)]) == 1


def test_users_add_prints_a_one_time_link_and_refuses_bad_input(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "add", "ann", "--role", "lead", "-p", str(served)]) == 0
    out = capsys.readouterr().out
    link = re.search(r"http://127\.0\.0\.1:8765/invite/(\S+)", out)
    assert link
    project = open_project(served)
    stored = project.store.conn.execute("SELECT token_hash FROM invites").fetchone()[0]
    project.close()
    assert link.group(1) not in stored  # only the hash is kept
    assert main(["users", "add", "ann", "-p", str(served)]) == 1
    assert "already a user" in capsys.readouterr().err
    assert main(["users", "add", "bo", "--role", "admin", "-p", str(served)]) == 1
    assert "unknown role" in capsys.readouterr().err


def test_the_next_segment_is_the_queues_first_and_only_its_suggestions(served: Path) -> None:
    from qualcode.review.session import build_queue

    project = open_project(served)
    store = project.store
    for reviewer in ("nobody yet", "rhian"):
        queue = build_queue(
            store.current_segments(), store.queue_applications(), store.reviewed_by(reviewer)
        )
        found = store.next_for(reviewer)
        assert found is not None
        (segment, *_), apps = found
        assert segment == queue[0].segment
        assert sorted(a[0] for a in apps) == sorted(s.app_id for s in queue[0].suggestions)
        assert sorted(store.undecided_on(segment)) == sorted(apps)
        assert store.waiting_for(reviewer) == len(queue)
        store.mark_reviewed(segment, "rhian")  # rhian has finished it: next one for her
    project.close()
