"""Login throttling in 'qualcode serve', by client address and name, stored in the project: a
restart keeps it, the right password from another address still works, a lead can unlock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qualcode.cli import main
from qualcode.project import open_project
from qualcode.serve.accounts import add_user
from qualcode.serve.logins import ADDRESS_FAILURES, FAILURES
from tests.test_serve import PASSWORD, _csrf, _join, served  # noqa: F401 - a fixture

BASE = "http://127.0.0.1:8765"
ATTACKER, TEAMMATE = ("203.0.113.66", 4000), ("198.51.100.5", 4000)


def _browser(app: Any, client: tuple[str, int]) -> Any:
    from starlette.testclient import TestClient

    return TestClient(app, base_url=BASE, client=client)


def _app(root: Path) -> Any:
    from qualcode.serve.app import create_app

    return create_app(root)


def _try(browser: Any, name: str, password: str) -> int:
    csrf = _csrf(browser.get("/login").text)
    form = {"name": name, "password": password, "csrf": csrf}
    return int(browser.post("/login", data=form).status_code)


@pytest.fixture
def team(served: Path) -> Path:  # noqa: F811
    project = open_project(served)
    token = add_user(project, "rhian", "reviewer")
    project.close()
    _browser(_app(served), TEAMMATE).post(
        f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD}
    )
    return served


def test_wrong_passwords_elsewhere_do_not_lock_a_teammate_out(team: Path) -> None:
    """Found: five wrong passwords locked a name for 15 minutes even against the right
    password, so anyone could lock a teammate out; the lock was in memory and forgotten on
    restart."""
    attacker = _browser(_app(team), ATTACKER)
    codes = [_try(attacker, "rhian", "guess") for _ in range(FAILURES + 1)]
    assert codes == [401] * FAILURES + [429]
    assert _try(attacker, "rhian", PASSWORD) == 429  # that address waits, whatever it sends
    assert _try(_browser(_app(team), TEAMMATE), "rhian", PASSWORD) == 200  # the teammate: in
    restarted = _browser(_app(team), ATTACKER)  # a new server process: the store remembers
    assert _try(restarted, "rhian", "guess") == 429


def test_one_address_guessing_many_names_is_held_back(team: Path) -> None:
    attacker = _browser(_app(team), ATTACKER)
    codes = [_try(attacker, f"name{i}", "guess") for i in range(ADDRESS_FAILURES)]
    assert set(codes) == {401}
    assert _try(attacker, "someone-new", "guess") == 429
    assert _try(_browser(_app(team), TEAMMATE), "rhian", PASSWORD) == 200


def test_a_lead_unlocks_a_name_from_the_cli_and_the_users_page(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    attacker = _browser(_app(team), ATTACKER)
    for _ in range(FAILURES):
        _try(attacker, "rhian", "guess")
    assert _try(attacker, "rhian", PASSWORD) == 429
    capsys.readouterr()
    assert main(["users", "list", "--json", "-p", str(team)]) == 0
    listed = {u["name"]: u["locked"] for u in json.loads(capsys.readouterr().out)}
    assert listed["rhian"] == FAILURES and not any(v for n, v in listed.items() if n != "rhian")
    assert main(["users", "list", "-p", str(team)]) == 0
    assert f"locked ({FAILURES} failed logins)" in " ".join(capsys.readouterr().out.split())
    assert main(["users", "unlock", "rhian", "-p", str(team)]) == 0
    assert f"Unlocked rhian ({FAILURES} failed logins forgotten)" in capsys.readouterr().out
    assert _try(attacker, "rhian", PASSWORD) == 200
    assert main(["users", "unlock", "nobody", "-p", str(team)]) != 0

    for _ in range(FAILURES):
        _try(attacker, "rhian", "guess")
    lead = _join(_browser(_app(team), TEAMMATE), team, "lea", "lead")
    page = lead.get("/users")
    assert 'action="/users/unlock"' in page.text and "Unlock</button>" in page.text
    done = lead.post("/users/unlock", data={"csrf": _csrf(page.text), "name": "rhian"})
    assert done.status_code == 200 and "Unlock</button>" not in done.text
    assert _try(attacker, "rhian", PASSWORD) == 200
    reviewer = _browser(_app(team), TEAMMATE)
    assert _try(reviewer, "rhian", PASSWORD) == 200
    refused = reviewer.post("/users/unlock", data={"csrf": "x", "name": "rhian"})
    assert refused.status_code == 403  # only a lead unlocks

    assert main(["log", "--json", "-p", str(team)]) == 0
    log = capsys.readouterr().out
    assert log.count('"users unlock"') == 2
