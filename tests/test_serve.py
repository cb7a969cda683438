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


def _client(root: Path, app: object = None) -> object:
    """A browser of its own (cookies) on a new server, or on ``app`` shared with others."""
    from starlette.testclient import TestClient

    from qualcode.serve.app import create_app

    return TestClient(app or create_app(root), base_url="http://127.0.0.1:8765")


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
    project = open_project(served)
    assert f">{project.settings.name}</span>" in r.text  # which project it is
    project.close()
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


def _page_state(client: object, path: str = "/") -> tuple[str, str, list[str]]:
    """(segment shown, CSRF token, its open suggestion ids) of a reviewer's page."""
    page = client.get(path)  # type: ignore[attr-defined]
    segment = re.search(r'data-segment="([^"]+)"', page.text)
    assert segment, page.text
    opened = re.findall(r'data-id="(\d+)" data-open="1"', page.text)
    return segment.group(1), _csrf(page.text), opened


def _decisions(root: Path) -> list[tuple[int | None, str, str, str, str]]:
    project = open_project(root)
    rows = [
        (a, seg, code, who, act) for _, a, seg, code, who, act in project.store.live_decisions()
    ]
    project.close()
    return rows


@pytest.fixture
def team(project: Project) -> Path:
    """Three interviews with rule suggestions on several turns each."""
    files = {f"P0{i}.txt": interview(f"P0{i}", MONEY + POLICE) for i in range(1, 4)}
    root = build(project, files, CODEBOOK).root
    project.close()
    return root


def test_two_reviewers_are_given_different_segments_and_skip_moves_on(team: Path) -> None:
    ann = _join(_client(team), team, "ann", "reviewer")
    seg_ann, csrf_ann, _ = _page_state(ann)
    bob = _join(_client(team, ann.app), team, "bob", "reviewer")  # type: ignore[attr-defined]
    seg_bob, _, _ = _page_state(bob)
    assert seg_ann != seg_bob  # ann has hers open
    skipped = ann.post("/skip", data={"segment": seg_ann, "csrf": csrf_ann})  # type: ignore[attr-defined]
    assert skipped.status_code == 200
    assert _page_state(ann)[0] not in (seg_ann, seg_bob)


def test_change_add_reject_rest_and_undo_are_stored_under_the_reviewer(team: Path) -> None:
    client = _join(_client(team), team, "ann", "reviewer")
    segment, csrf, opened = _page_state(client)
    project = open_project(team)
    suggested = {a[0]: a[2] for a in project.store.segment_suggestions(segment)}
    project.close()
    first = opened[0]
    r = client.post(  # type: ignore[attr-defined]
        "/decide",
        data={
            "application": first,
            "action": "change",
            "code": "police.referral_quality",
            "csrf": csrf,
        },
    )
    assert r.status_code == 200
    assert _decisions(team) == [
        (int(first), segment, suggested[int(first)], "ann", "recode"),
        (None, segment, "police.referral_quality", "ann", "add"),
    ]
    bad = client.post(  # type: ignore[attr-defined]
        "/decide", data={"segment": segment, "action": "add", "code": "no.such", "csrf": csrf}
    )
    assert bad.status_code == 400
    for junk in ("abc", "-1", "999999", ""):
        r = client.post("/decide", data={"application": junk, "action": "accept", "csrf": csrf})  # type: ignore[attr-defined]
        assert r.status_code == 400 and "No such suggestion" in r.text, junk
    r = client.post("/decide", data={"segment": segment, "action": "explode", "csrf": csrf})  # type: ignore[attr-defined]
    assert r.status_code == 400
    client.post("/decide", data={"segment": segment, "action": "reject_rest", "csrf": csrf})  # type: ignore[attr-defined]
    rest = [d for d in _decisions(team)[2:]]
    assert {d[0] for d in rest} == {int(a) for a in opened[1:]}
    assert all(d[3:] == ("ann", "reject") for d in rest)
    # the segment is finished: the page moved on; undo walks back one action at a time (one
    # for all the rest's rejections, one for the change's two decisions)
    assert _page_state(client)[0] != segment or not opened[1:]
    if rest:
        assert client.post("/undo", data={"csrf": csrf}).url.params["segment"] == segment  # type: ignore[attr-defined]
    assert [d[4] for d in _decisions(team)] == ["recode", "add"]
    client.post("/undo", data={"csrf": csrf})  # type: ignore[attr-defined]
    assert _decisions(team) == []
    assert _page_state(client, f"/?segment={segment}")[2] == opened  # all open again


def test_key_quote_and_memo_marks_are_undone_in_turn(team: Path) -> None:
    client = _join(_client(team), team, "ann", "reviewer")
    segment, csrf, _ = _page_state(client)
    client.post("/mark", data={"segment": segment, "kind": "key_quote", "csrf": csrf})  # type: ignore[attr-defined]
    page = client.post(  # type: ignore[attr-defined]
        "/mark", data={"segment": segment, "kind": "memo", "text": "ask about <b>funding</b>",
                       "csrf": csrf},
    )  # fmt: skip
    assert "★ key quote" in page.text
    assert "ask about &lt;b&gt;funding&lt;/b&gt;" in page.text  # escaped, never markup
    project = open_project(team)
    assert segment in project.store.key_quotes()
    project.close()
    client.post("/undo", data={"csrf": csrf})  # the memo  # type: ignore[attr-defined]
    page = client.get(f"/?segment={segment}")  # type: ignore[attr-defined]
    assert "ask about" not in page.text and "★ key quote" in page.text
    client.post("/undo", data={"csrf": csrf})  # the key quote  # type: ignore[attr-defined]
    project = open_project(team)
    assert segment not in project.store.key_quotes() and not project.store.memos()
    project.close()


def test_a_suggestion_another_reviewer_just_decided_is_marked_and_not_decided_twice(
    team: Path,
) -> None:
    ann = _join(_client(team), team, "ann", "reviewer")
    segment, csrf_ann, opened = _page_state(ann)
    bob = _join(_client(team, ann.app), team, "bob", "reviewer")  # type: ignore[attr-defined]
    _, csrf_bob, seen = _page_state(bob, f"/?segment={segment}")
    assert seen == opened  # bob opened ann's segment on purpose
    assert "ann has this segment open too" in bob.get(f"/?segment={segment}").text  # type: ignore[attr-defined]
    ann.post("/decide", data={"application": opened[0], "action": "accept", "csrf": csrf_ann})  # type: ignore[attr-defined]
    state = bob.get(f"/api/segment/{segment}").json()  # type: ignore[attr-defined]
    assert state["decided"] == {opened[0]: "accepted by ann just now"}
    late = bob.post(  # type: ignore[attr-defined]
        "/decide", data={"application": opened[0], "action": "reject", "csrf": csrf_bob}
    )
    assert "a moment before you" in late.text and "accepted by ann just now" in late.text
    assert [d[3:] for d in _decisions(team)] == [("ann", "accept")]


def test_a_blind_coder_codes_only_their_sample_and_sees_only_their_own_codes(
    team: Path,
) -> None:
    from qualcode.serve.app import blind_sample

    project = open_project(team)
    token = add_user(project, "cy", "coder", sample=0.5, seed=3)
    user = {"sample": 0.5, "seed": 3}
    sample = blind_sample(project, user)
    every = [s[0] for s in project.store.current_segments()]
    outside = next(s for s in every if s not in sample)
    app = project.store.segment_suggestions(sample[0])
    # a reviewer has already coded the sample's first segment
    project.store.decide(None, sample[0], "police.referral_quality", "rhian", "add")
    project.close()
    assert 0 < len(sample) < len(every) and blind_sample(open_project(team), user) == sample
    client = _client(team)
    r = client.post(f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD})  # type: ignore[attr-defined]
    assert f'value="{sample[0]}"' in r.text and "checked" not in r.text  # not rhian's code
    csrf = _csrf(r.text)
    # nothing outside the sample, and nothing that shows codes, by any URL
    assert client.get(f"/?segment={outside}").status_code == 403  # type: ignore[attr-defined]
    assert client.post("/code", data={"segment": outside, "csrf": csrf}).status_code == 403  # type: ignore[attr-defined]
    assert client.get(f"/api/segment/{sample[0]}").status_code == 403  # type: ignore[attr-defined]
    for path in ("/quotes", "/memos", "/agreement", "/reconcile", "/downloads", "/users"):
        assert client.get(path).status_code == 403, path  # type: ignore[attr-defined]
    mark = {"segment": sample[0], "kind": "key_quote", "csrf": csrf}
    assert client.post("/mark", data=mark).status_code == 403  # type: ignore[attr-defined]
    if app:
        decide = {"application": str(app[0][0]), "action": "accept", "csrf": csrf}
        assert client.post("/decide", data=decide).status_code == 403  # type: ignore[attr-defined]
    # coding, then reopening: their own ticks come back, and unticking undoes the code
    client.post("/code", data={"segment": sample[0], "code": "factors.funding", "csrf": csrf})  # type: ignore[attr-defined]
    again = client.get(f"/?segment={sample[0]}").text  # type: ignore[attr-defined]
    assert re.search(r'value="factors.funding" checked', again)
    assert not re.search(r'value="police.referral_quality" checked', again)
    client.post(
        "/code", data={"segment": sample[0], "code": "police.referral_quality", "csrf": csrf}
    )  # type: ignore[attr-defined]
    project = open_project(team)
    assert project.store.coder_codings()["cy"] == {sample[0]: {"police.referral_quality"}}
    project.close()


def test_every_get_route_refuses_a_blind_coder_unless_it_is_their_own(team: Path) -> None:
    from starlette.routing import Route

    from qualcode.serve.app import create_app

    client = _join(_client(team), team, "cy", "coder")
    open_to_coders = {"/", "/login", "/invite/{token}"}
    routes = [r for r in create_app(team).routes if isinstance(r, Route)]
    checked = 0
    for route in routes:
        if "GET" not in (route.methods or set()) or route.path in open_to_coders:
            continue
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        assert client.get(path).status_code == 403, path  # type: ignore[attr-defined]
        checked += 1
    assert checked >= 6


def test_the_server_store_setting_names_the_store_it_serves(
    team: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from qualcode.serve.site import open_served

    copy = tmp_path / "served.db"
    shutil.copy(team / ".qualcode" / "project.db", copy)
    settings = team / "qualcode.toml"
    text = settings.read_text()
    assert '\nstore = ""' in text  # [server] store, as 'qualcode init' writes it

    def serve_from(store: str) -> None:
        settings.write_text(text.replace('\nstore = ""', f'\nstore = "{store}"'))

    serve_from(f"sqlite:///{copy.as_posix()}")
    assert main(["users", "add", "ann", "-p", str(team)]) == 0
    project = open_served(team)
    assert project.store_path == copy and project.store.user("ann") is not None
    project.close()
    plain = open_project(team)
    assert plain.store.user("ann") is None  # the project's own store is untouched
    plain.close()
    serve_from("missing.db")
    capsys.readouterr()
    assert main(["users", "list", "-p", str(team)]) == 2
    assert "[server]: store" in (err := capsys.readouterr().err) and "missing.db does not" in err
    serve_from("postgresql://db/qualcode")
    assert main(["users", "list", "-p", str(team)]) == 2
    assert "not supported yet" in capsys.readouterr().err


def test_users_add_gives_a_coder_a_sample_and_refuses_one_for_others(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["users", "add", "cy", "--role", "coder", "--sample", "0.2", "-p", str(served)]) == 0
    )
    assert "20% sample" in capsys.readouterr().out
    assert main(["users", "add", "di", "--sample", "0.2", "-p", str(served)]) == 1
    assert "only a coder" in capsys.readouterr().err
    assert main(["users", "add", "ed", "--role", "coder", "--sample", "2", "-p", str(served)]) == 1
    assert "not a share" in capsys.readouterr().err


def test_every_form_post_without_its_csrf_token_is_refused_and_changes_nothing(
    team: Path,
) -> None:
    from starlette.routing import Route

    from qualcode.serve.app import create_app

    app = create_app(team)
    lead = _join(_client(team, app), team, "lowri", "lead")
    segment, _, opened = _page_state(lead)
    before = _decisions(team)
    # the login form has its own double-submit token; an invite's token is its secret;
    # logging out without a token only fails to log out
    own_checks = {"/login", "/invite/{token}", "/logout"}
    posts = [
        r.path for r in app.routes
        if isinstance(r, Route) and "POST" in (r.methods or set()) and r.path not in own_checks
    ]  # fmt: skip
    form = {"segment": segment, "application": opened[0], "action": "accept", "kind": "memo",
            "text": "x", "code": "factors.funding", "name": "zed", "role": "reviewer",
            "a": "ann", "b": "bo", "choice": "a"}  # fmt: skip
    for path in posts:
        for token in ("", "forged"):
            refused = lead.post(path, data={**form, "csrf": token})  # type: ignore[attr-defined]
            assert refused.status_code == 403, (path, token)
    assert len(posts) >= 7
    assert _decisions(team) == before
    project = open_project(team)
    assert project.store.user("zed") is None and not project.store.memos()
    project.close()


def test_logins_and_invite_links_expire(served: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.serve import site

    client = _join(_client(served), served, "tom", "reviewer")
    assert client.get("/").url.path == "/"  # type: ignore[attr-defined]
    project = open_project(served)
    token = add_user(project, "una", "reviewer")
    project.close()
    monkeypatch.setattr(site, "SESSION_DAYS", 0)  # as if a week had passed
    assert client.get("/").url.path == "/login"  # type: ignore[attr-defined]
    late = _client(served).post(  # type: ignore[attr-defined]
        f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD}
    )
    assert late.status_code == 404 and "expired" in late.text


def test_a_codebook_mistake_is_one_clear_line_on_the_page_and_stores_nothing(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = _join(_client(team), team, "ann", "reviewer")
    _, csrf, opened = _page_state(client)
    codebook = next((team / "codebooks").glob("*.yaml"))
    good = codebook.read_text()
    codebook.write_text(good + "  - id: [broken\n")
    page = client.get("/")  # type: ignore[attr-defined]
    assert page.status_code == 500 and "YAML syntax error" in page.text
    assert "Traceback" not in page.text and codebook.name in page.text
    decide = {"application": opened[0], "action": "accept", "csrf": csrf}
    assert client.post("/decide", data=decide).status_code == 500  # type: ignore[attr-defined]
    assert _decisions(team) == []
    assert "Traceback" not in capsys.readouterr().err
    codebook.write_text(good)  # fixed: the same page works again
    assert client.post("/decide", data=decide).status_code == 200  # type: ignore[attr-defined]
    assert len(_decisions(team)) == 1


def test_with_a_trained_model_the_queue_is_the_review_apps_least_certain_first(
    project: Project,
) -> None:
    from qualcode.coding.learn import train
    from qualcode.review.session import _uncertainty, build_queue
    from tests.test_suggest import _toy

    project = _toy(project, 'show = "auto"')
    train(project)  # from the codebook's examples alone: it orders the queue
    store = project.store
    segments, apps = store.current_segments(), store.queue_applications()
    ordered = build_queue(segments, apps, set(), uncertainty=_uncertainty(project))
    plain = build_queue(segments, apps, set())
    root = project.root
    project.close()
    assert ordered[0].segment != plain[0].segment  # the order matters here
    ann = _join(_client(root), root, "ann", "reviewer")
    assert _page_state(ann)[0] == ordered[0].segment
    bob = _join(_client(root, ann.app), root, "bob", "reviewer")  # type: ignore[attr-defined]
    assert _page_state(bob)[0] == ordered[1].segment  # the next, as ann has the first open


def test_the_model_learns_while_the_team_reviews_and_new_suggestions_are_said_to_be_new(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.serve import learning
    from tests.test_suggest import SHOW_MODEL, _toy

    monkeypatch.setattr(learning, "REST", 0.0)  # no minute's rest between retrains here

    root = _toy(project, f"{SHOW_MODEL}\nretrain_every = 2").root
    project.close()
    ann = _join(_client(root), root, "ann", "reviewer")
    learner = ann.app.state.learner  # type: ignore[attr-defined]
    for _ in range(2):  # two segments finished: the model learns in the background
        segment, csrf, opened = _page_state(ann)
        ann.post("/decide", data={"segment": segment, "action": "reject_rest", "csrf": csrf})  # type: ignore[attr-defined]
    assert learner.thread is not None
    learner.thread.join(60)
    assert "learnt from" in learner.status, learner.status
    project = open_project(root)
    assert project.store.latest_run("train") is not None
    model_apps = [a for a in project.store.queue_applications() if a[3] == "model"]
    project.close()
    assert model_apps  # its suggestions are the ones reviewers now see
    page = ann.get("/").text  # type: ignore[attr-defined]
    assert "the model learnt from" in page and "model" in page
    # a page opened before the next retrain: its suggestion is superseded by the new model's
    segment, csrf, opened = _page_state(ann)
    ann.post("/skip", data={"segment": segment, "csrf": csrf})  # type: ignore[attr-defined]
    for _ in range(2):
        seg, token, _ = _page_state(ann)
        assert seg != segment
        ann.post("/decide", data={"segment": seg, "action": "reject_rest", "csrf": token})  # type: ignore[attr-defined]
    learner.thread.join(60)
    stale = ann.post(  # type: ignore[attr-defined]
        "/decide", data={"application": opened[0], "action": "accept", "csrf": csrf}
    )
    project = open_project(root)
    found = project.store.application(int(opened[0]))
    project.close()
    assert found is not None and found[3] is not None  # superseded by the second model
    assert "these are its new suggestions" in stale.text
    assert all(d[0] != int(opened[0]) for d in _decisions(root))


def test_when_the_model_cannot_learn_the_page_says_why_in_one_line(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.serve.learning import Learner

    codebook = next((team / "codebooks").glob("*.yaml"))
    codebook.write_text(codebook.read_text() + "  - id: [broken\n")
    learner = Learner(team)
    learner.start()
    assert learner.thread is not None
    learner.thread.join(60)
    assert learner.status.startswith("the model did not learn: ")
    assert "YAML syntax error" in learner.status and codebook.name in learner.status
    assert "Traceback" not in capsys.readouterr().err


def test_a_serve_session_is_one_audit_entry_with_what_the_team_added(
    served: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    import uvicorn

    def team_session(app: object, **options: object) -> None:
        """Stands in for the server's run until Ctrl+C: a reviewer decides one suggestion."""
        assert options["host"] == "127.0.0.1" and options["access_log"] is False
        project = open_project(served)
        app_id, segment, code, *_ = project.store.queue_applications()[0]
        project.store.decide(app_id, segment, code, "rhian", "accept")
        project.close()

    monkeypatch.setattr(uvicorn, "run", team_session)
    assert main(["serve", "-p", str(served)]) == 0
    assert "Serving" in capsys.readouterr().out
    assert main(["log", "-p", str(served), "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)[-1]
    assert entry["command"] == "serve" and entry["changes"]["decisions"] == 1


def test_a_suggestion_is_checked_and_decided_in_one_transaction_across_connections(
    team: Path,
) -> None:
    first, second = open_project(team), open_project(team)  # two processes, as it were
    app_id = first.store.queue_applications()[0][0]
    other = first.store.queue_applications()[1][0]
    assert first.store.decide_open(app_id, "ann", "accept") == "stored"
    assert second.store.decide_open(app_id, "bob", "reject") == "taken"
    changed = second.store.decide_open(
        other, "bob", "recode", "changed to police.referral_quality",
        ("police.referral_quality", "add", "changed from x"),
    )  # fmt: skip
    assert changed == "stored" and first.store.decide_open(-1, "ann", "accept") == "missing"
    first.close()
    second.close()
    assert [d[3:] for d in _decisions(team)] == [
        ("ann", "accept"), ("bob", "recode"), ("bob", "add")
    ]  # fmt: skip
    assert _decisions(team)[2][2] == "police.referral_quality"


def test_retraining_waits_for_enough_segments_and_a_minute_after_the_last(team: Path) -> None:
    import time

    from qualcode.serve.learning import REST, Learner

    learner = Learner(team)
    started: list[int] = []
    learner.start = lambda: started.append(learner.finished)  # type: ignore[method-assign]
    learner.finished_one(3)
    learner.finished_one(3)
    assert started == []  # two of three
    learner.ended = time.monotonic()  # a retrain has just ended
    learner.finished_one(3)
    assert started == []  # enough segments, but no rest yet
    learner.ended -= REST
    learner.finished_one(3)
    assert started == [4]
    learner.finished_one(0)
    assert started == [4]  # retrain_every = 0: never


def test_a_reviewer_can_take_one_interview_or_one_group_of_participants(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.serve import app

    monkeypatch.setattr(app, "GROUPS", 2)  # as if dates had more values than groups have
    files = {f"P0{i}.txt": interview(f"P0{i}", MONEY + POLICE) for i in range(1, 4)}
    files["people.csv"] = (
        "participant_id,sector,date\nP01,police,2025-01-01\nP02,council,2025-01-02\n"
        "P03,police,2025-01-03\n"
    )
    root = build(project, files, CODEBOOK, attributes="people.csv").root
    project.close()
    client = _join(_client(root), root, "ann", "reviewer")
    page = client.get("/").text  # type: ignore[attr-defined]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', page.split("</form>")[1])
    assert ("sector=council", "sector: council") in options
    assert ("sector=police", "sector: police") in options
    assert not [o for o in options if o[0].startswith("date=")]  # no group: a value each
    csrf = _csrf(page)
    project = open_project(root)
    where = {s[0]: s[1] for s in project.store.current_segments()}
    police = {d["id"] for d in project.store.current_documents() if d["participant_id"] != "P02"}
    p02 = next(d["id"] for d in project.store.current_documents() if d["participant_id"] == "P02")
    project.close()
    undecided = _store_undecided(root)
    client.post("/choose", data={"part": f"doc={p02}", "csrf": csrf})  # type: ignore[attr-defined]
    segment, _, _ = _page_state(client)
    assert where[segment] == p02
    # the count is the part's, and says so: not every interview's
    in_p02 = len({s for s in undecided if where[s] == p02})
    assert 0 < in_p02 < len(undecided)
    status = client.get("/").text  # type: ignore[attr-defined]
    assert f"{in_p02} segments with suggestions left in interview P02 ·" in status
    # working through it: every segment shown is P02's, then nothing is left in this part
    for _ in range(50):
        page = client.get("/").text  # type: ignore[attr-defined]
        found = re.search(r'data-segment="([^"]+)"', page)
        if found is None:
            break
        assert where[found.group(1)] == p02
        data = {"segment": found.group(1), "action": "reject_rest", "csrf": csrf}
        client.post("/decide", data=data)  # type: ignore[attr-defined]
    assert "Nothing left to review in this part of the work" in page
    client.post("/choose", data={"part": "sector=police", "csrf": csrf})  # type: ignore[attr-defined]
    assert where[_page_state(client)[0]] in police
    bad = client.post("/choose", data={"part": "sector=nobody", "csrf": csrf})  # type: ignore[attr-defined]
    assert bad.status_code == 400


def test_a_coders_sample_stays_put_when_other_interviews_come_or_change(team: Path) -> None:
    from qualcode.coding.run import code_project
    from qualcode.ingest.run import ingest
    from qualcode.serve.app import blind_sample

    coder = {"sample": 0.4, "seed": 7}
    project = open_project(team)
    before = blind_sample(project, coder)
    docs = {s[0]: s[1] for s in project.store.current_segments()}
    per_doc = {d: [s for s in before if docs[s] == d] for d in set(docs.values())}
    asked = project.store.interviewer_segments()
    for d, chosen in per_doc.items():
        turns = [s for s, doc in docs.items() if doc == d and s not in asked]
        assert len(chosen) == max(1, round(0.4 * len(turns)))  # its share of each interview
    assert blind_sample(project, {"sample": 0.4, "seed": 8}) != before  # the seed draws it
    p02 = next(d["id"] for d in project.store.current_documents() if d["participant_id"] == "P02")
    project.close()
    transcripts = team / "transcripts"
    (transcripts / "P04.txt").write_text(interview("P04", MONEY + POLICE))
    (transcripts / "P02.txt").write_text(interview("P02", POLICE + MONEY))  # re-ingested, new
    project = open_project(team)
    ingest(project)
    code_project(project)  # segments for the new and changed interviews
    after = blind_sample(project, coder)
    project.close()
    for d, chosen in per_doc.items():  # P01's and P03's samples are untouched
        if d != p02:
            assert chosen == [s for s in after if docs.get(s) == d]
    assert len(after) > len(before)  # P04 brings its share


def test_a_coders_sample_can_overlap_another_coders_by_design(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.serve.app import blind_sample

    root = str(team)
    assert main(["users", "add", "cy", "--role", "coder", "--overlap-with", "ann", "-p", root]) == 1
    assert "'ann' has coded nothing yet" in capsys.readouterr().err
    project = open_project(team)
    asked = project.store.interviewer_segments()
    turns = [s[0] for s in project.store.current_segments() if s[0] not in asked]
    for segment in turns[:12]:  # ann has coded the first twelve participant turns
        project.store.decide(None, segment, "factors.funding", "ann", "add")
        project.store.mark_reviewed(segment, "ann")
    project.close()
    args = ["users", "add", "cy", "--role", "coder", "--sample", "0.5", "--overlap-with", "ann"]
    assert main([*args, "--seed", "3", "-p", root]) == 0
    assert "50% sample of ann's turns" in capsys.readouterr().out
    project = open_project(team)
    user = project.store.user("cy")
    assert user is not None
    coder = {"sample": 0.5, "seed": 3, "overlap": "ann"}
    first = blind_sample(project, coder)
    assert first and set(first) <= set(turns[:12]) and len(first) < 12
    for segment in turns[12:]:  # ann goes on: cy's sample grows, and keeps what it had
        project.store.decide(None, segment, "factors.funding", "ann", "add")
        project.store.mark_reviewed(segment, "ann")
    later = blind_sample(project, coder)
    project.close()
    assert set(first) < set(later) and set(later) <= set(turns)
    assert main(["users", "add", "di", "--overlap-with", "ann", "-p", root]) == 1
    assert "only a coder" in capsys.readouterr().err


def test_a_topic_suggestion_is_shown_by_its_terms_not_its_id(served: Path) -> None:
    project = open_project(served)
    store = project.store
    seg = store.current_segments()[0]
    run = store.start_run("topics", {})
    topic = {"number": 3, "terms": ["school_run", "uniform", "breakfast"], "quotes": [seg[0]]}
    store.finish_run(run, {"model": "abc", "topics": [topic]})
    store.add_machine_applications(
        [], [(seg[0], "topic.abc.3", seg[3], seg[4], "topic", "topics:abc", 0.9, run, None)],
        run, "topic", "topics:abc",
    )  # fmt: skip
    project.close()
    rita = _join(_client(served), served, "rita", "reviewer")
    page = rita.get(f"/?segment={seg[0]}").text  # type: ignore[attr-defined]
    assert '<span class="code">topic: school run, uniform, breakfast</span>' in page
    assert "topic.abc.3" not in page
    assert "A theme the codebook lacks: school run, uniform, breakfast." in page
    # a (accept) does nothing on a topic: the row itself says which keys do
    assert "not a code: c changes it to one, r rejects it" in page


def test_the_invite_page_says_whose_it_is_and_how_long_a_password(served: Path) -> None:
    project = open_project(served)
    token = add_user(project, "rhian", "reviewer")
    project.close()
    page = _client(served).get(f"/invite/{token}").text  # type: ignore[attr-defined]
    assert "rhian, choose your password" in page
    assert "At least 10 characters" in page and 'minlength="10"' in page


def _store_undecided(root: Path) -> set[str]:
    project = open_project(root)
    try:
        return set(project.store.undecided_segments())
    finally:
        project.close()


def test_an_overlapping_coders_finished_sample_says_it_will_grow(team: Path) -> None:
    """A sample among another coder's turns grows as they go on: 'coded, thank you' says so."""
    project = open_project(team)
    asked = project.store.interviewer_segments()
    turns = [s[0] for s in project.store.current_segments() if s[0] not in asked]
    for segment in turns[:2]:  # ann has coded two turns so far
        project.store.decide(None, segment, "factors.funding", "ann", "add")
        project.store.mark_reviewed(segment, "ann")
    token = add_user(project, "cy", "coder", sample=1.0, overlap="ann")
    project.close()
    cy = _client(team)
    page = cy.post(f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD}).text  # type: ignore[attr-defined]
    for _ in range(10):
        found = re.search(r'name="segment" value="([^"]+)"', page)
        if "Your sample is coded" in page or found is None:
            break
        cy.post("/code", data={"segment": found.group(1), "csrf": _csrf(page)})  # type: ignore[attr-defined]
        page = cy.get("/").text  # type: ignore[attr-defined]
    assert "Your sample is coded: 2 segments. It grows as ann codes more" in page
