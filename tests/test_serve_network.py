"""'qualcode serve' on a network: HTTPS or a refusal off this machine, cookies Secure exactly when
the browser's scheme is https (directly or through a trusted proxy), the Host header checked and
never used for invite links, request bodies and memos capped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from qualcode.cli import main
from qualcode.project import open_project
from qualcode.serve.accounts import add_user
from qualcode.settings import ServerSettings
from tests.test_serve import PASSWORD, _csrf, _join, served  # noqa: F401 - a fixture

URL = "http://qual.example.org:8765"


def _app(root: Path, **options: Any) -> Any:
    from qualcode.serve.app import create_app
    from qualcode.serve.network import plan

    how = plan(ServerSettings(), root, **options)
    return create_app(root, network=how.network)


def _client(app: Any, base: str = URL, client: tuple[str, int] = ("203.0.113.7", 5000)) -> Any:
    from starlette.testclient import TestClient

    return TestClient(app, base_url=base, client=client)


def _invited(root: Path, name: str = "rhian", role: str = "reviewer") -> str:
    project = open_project(root)
    token = add_user(project, name, role)
    project.close()
    return token


def test_off_this_machine_over_http_it_refuses_with_the_https_hint(
    served: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["serve", "--host", "0.0.0.0", "-p", str(served)])
    err = capsys.readouterr().err
    assert code != 0
    assert "plain HTTP on 0.0.0.0" in err
    assert "--certfile" in err and "--allow-http" in err
    # told --allow-http on a wildcard address, it still needs the address people open
    code = main(["serve", "--host", "0.0.0.0", "--allow-http", "-p", str(served)])
    assert code != 0 and "--url" in capsys.readouterr().err


def test_with_allow_http_an_invited_person_gets_in_over_http(served: Path) -> None:  # noqa: F811
    """Found: on 0.0.0.0 over http the cookies were Secure, the browser dropped them, every
    login answered 403 'The form expired' and the invite was used up on the way."""
    app = _app(served, host="0.0.0.0", url=URL, allow_http=True)
    browser = _client(app)
    token = _invited(served)
    joined = browser.post(f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD})
    assert joined.status_code == 200 and joined.url.path == "/", joined.text
    assert "rhian (reviewer)" in joined.text
    assert "Secure" not in joined.history[0].headers["set-cookie"]
    assert "plain HTTP (--allow-http)" in joined.text  # the warning on every page
    other = _client(app)
    login = other.get("/login")
    assert "plain HTTP (--allow-http)" in login.text
    right = other.post(
        "/login", data={"name": "rhian", "password": PASSWORD, "csrf": _csrf(login.text)}
    )
    assert right.status_code == 200 and "rhian (reviewer)" in right.text


def test_the_old_secure_cookies_over_http_were_the_lock_out(served: Path) -> None:  # noqa: F811
    """What the Found was: a Secure cookie is not sent back over http, so the login form's
    token never comes back (this is what the scheme-based cookies avoid)."""
    from qualcode.serve.app import create_app

    browser = _client(create_app(served, secure_cookies=True), base="http://127.0.0.1:8765")
    page = browser.get("/login")
    r = browser.post("/login", data={"name": "x", "password": "y", "csrf": _csrf(page.text)})
    assert r.status_code == 403 and "The form expired" in r.text


def test_behind_a_trusted_https_proxy_cookies_are_secure(served: Path) -> None:  # noqa: F811
    """Found: behind an HTTPS proxy on the same machine the cookies were not Secure."""
    app = _app(served, url="https://qual.example.org")
    proxy = _client(app, "https://qual.example.org", client=("127.0.0.1", 40000))
    token = _invited(served)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
    r = proxy.post(
        f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD}, headers=forwarded,
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    # the proxy said https, but the request came over plain http from the proxy: still Secure
    page = _client(app, "http://127.0.0.1:8765", ("127.0.0.1", 40001)).get(
        "/login", headers=forwarded
    )
    assert "Secure" in page.headers["set-cookie"]


def test_forwarded_headers_are_ignored_from_anyone_but_a_trusted_proxy(
    served: Path,  # noqa: F811
) -> None:
    from qualcode.serve.network import Network

    app = _app(served, host="0.0.0.0", url=URL, allow_http=True)
    stranger = _client(app)
    page = stranger.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert page.status_code == 200 and "Secure" not in page.headers["set-cookie"]
    net = Network(proxies=("10.0.0.0/8",))
    assert net.client_of("10.1.2.3", {"x-forwarded-for": "198.51.100.4, 10.9.9.9"}, "http") == (
        "198.51.100.4", "http",
    )  # fmt: skip
    spoofed = {"x-forwarded-for": "1.2.3.4", "x-forwarded-proto": "https"}
    assert net.client_of("203.0.113.7", spoofed, "http") == ("203.0.113.7", "http")


def test_plain_http_from_another_machine_is_sent_to_https(served: Path) -> None:  # noqa: F811
    """Behind an HTTPS proxy (no --allow-http) a browser reaching the server over plain http
    from another machine is told the https address, and nothing is served."""
    app = _app(served, url="https://qual.example.org")
    r = _client(app, "http://qual.example.org").get("/login")
    assert r.status_code == 403 and "https://qual.example.org" in r.text
    assert "set-cookie" not in r.headers
    local = _client(app, "http://127.0.0.1:8765", ("127.0.0.1", 1)).get("/login")
    assert local.status_code == 200  # on the machine itself, over loopback


def test_another_host_is_refused_and_invite_links_use_the_public_address(
    served: Path,  # noqa: F811
) -> None:
    """Found: the lead's web 'Add user' built the invite link from the Host header
    (Host: evil.example gave http://evil.example:80/invite/<token>)."""
    app = _app(served, host="0.0.0.0", url=URL, allow_http=True)
    lead = _join(_client(app), served, "lea", "lead")
    evil = lead.get("/users", headers={"Host": "evil.example"})
    assert evil.status_code == 400 and URL in evil.text and "<form" not in evil.text
    page = lead.get("/users")
    added = lead.post(
        "/users",
        data={"csrf": _csrf(page.text), "action": "add", "name": "kai", "role": "reviewer"},
    )
    link = re.search(r'<code class="invite">([^<]+)</code>', added.text)
    assert link and link.group(1).startswith(f"{URL}/invite/"), added.text
    for host in ("127.0.0.1:8765", "localhost", "[::1]:8765"):  # use on the machine itself
        assert lead.get("/login", headers={"Host": host}).status_code == 200
    # a new link for someone who forgot their password: the public address too, even when the
    # lead's browser named this machine itself
    page = lead.get("/users", headers={"Host": "127.0.0.1:8765"})
    again = lead.post(
        "/users",
        data={"csrf": _csrf(page.text), "action": "reinvite", "name": "kai"},
        headers={"Host": "127.0.0.1:8765"},
    )
    link = re.search(r'<code class="invite">([^<]+)</code>', again.text)
    assert link and link.group(1).startswith(f"{URL}/invite/"), again.text


def test_the_cli_invite_link_uses_the_public_address(
    served: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    toml = served / "qualcode.toml"
    toml.write_text(toml.read_text().replace('\nurl = ""', '\nurl = "https://qual.example.org/"'))
    assert main(["users", "add", "kai", "-p", str(served)]) == 0
    out = capsys.readouterr().out
    assert "https://qual.example.org/invite/" in out
    assert main(["users", "reinvite", "kai", "-p", str(served)]) == 0  # a new link: the same
    out = capsys.readouterr().out
    assert "https://qual.example.org/invite/" in out and "http://127.0.0.1" not in out


def test_request_bodies_and_memos_are_capped(served: Path) -> None:  # noqa: F811
    """Found: memos of 1 MB were accepted without limit and shown on every page."""
    from qualcode.serve.app import MAX_MEMO, create_app
    from qualcode.serve.network import MAX_BODY

    app = create_app(served)
    browser = _join(_client(app, "http://127.0.0.1:8765"), served, "rhian", "reviewer")
    page = browser.get("/")
    segment = re.search(r'name="segment" value="([^"]+)"', page.text)
    assert segment
    form = {"csrf": _csrf(page.text), "segment": segment.group(1), "kind": "memo"}
    huge = browser.post("/mark", data={**form, "text": "x" * 1_000_000})
    assert huge.status_code == 413 and f"at most {MAX_BODY:,} bytes" in huge.text
    long = browser.post("/mark", data={**form, "text": "x" * (MAX_MEMO + 1)})
    assert long.status_code == 400 and f"at most {MAX_MEMO:,} characters" in long.text
    fine = browser.post("/mark", data={**form, "text": "worth a second look"})
    assert fine.status_code == 200
    project = open_project(served)
    memos = project.store.conn.execute("SELECT length(text) FROM live_marks").fetchall()
    project.close()
    assert [m[0] for m in memos] == [len("worth a second look")]


def test_plan_checks_certificates_proxies_and_urls(tmp_path: Path) -> None:
    from qualcode.errors import QualcodeError
    from qualcode.serve.network import plan

    server = ServerSettings()
    with pytest.raises(QualcodeError, match="both a certificate and its key"):
        plan(server, tmp_path, certfile=__file__)
    (tmp_path / "k.pem").write_text("not a key")
    with pytest.raises(QualcodeError, match="not a PEM certificate"):
        plan(server, tmp_path, certfile=__file__, keyfile="k.pem")
    with pytest.raises(QualcodeError, match="not an address"):
        plan(server, tmp_path, proxies=["proxy.example"])
    with pytest.raises(QualcodeError, match="not an address people can open"):
        plan(server, tmp_path, url="qual.example.org")
    remote = plan(server, tmp_path, host="0.0.0.0", url=URL, proxies=["192.0.2.10"])
    assert remote.network.https_only and not remote.network.allow_http  # behind that proxy
    local = plan(server, tmp_path)
    assert local.network.url == "http://127.0.0.1:8765" and local.scheme == "http"
