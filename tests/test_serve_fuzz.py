"""The review server under random form posts (Hypothesis): whatever a browser, a script or a
tampered page sends to any form, with a valid session and CSRF token, the answer is a page or a
redirect, never a server error, and nothing is stored under anyone but the logged-in user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.project import open_project
from tests.conftest import build, interview
from tests.test_learn import MONEY, POLICE
from tests.test_serve import _client, _csrf, _join
from tests.test_suggest import CODEBOOK

FIELDS = ("segment", "application", "action", "code", "kind", "text", "part", "name", "role",
          "sample", "seed", "a", "b", "choice", "other", "rationale", "reviewer")  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["accept", "reject", "change", "add", "reject_rest", "memo", "key_quote",
                     "factors.funding", "police.referral_quality", "doc=1", "sector=x", "ann",
                     "rule", "model", "coder", "lead", "0", "-1", "1e9", "../x", "a"]),
    st.integers(min_value=-5, max_value=10**6).map(str),
)  # fmt: skip


@pytest.fixture(scope="module")
def lead(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, str, list[str], Path]:
    from qualcode.project import init_project

    root = tmp_path_factory.mktemp("fuzz") / "proj"
    project = init_project(root)
    files = {f"P0{i}.txt": interview(f"P0{i}", MONEY + POLICE) for i in range(1, 3)}
    project = build(project, files, CODEBOOK)
    project.close()
    client = _join(_client(root), root, "lee", "lead")
    page = client.get("/").text  # type: ignore[attr-defined]
    routes = [
        r.path for r in client.app.routes  # type: ignore[attr-defined]
        if "POST" in (getattr(r, "methods", None) or set())
        and r.path not in ("/login", "/logout", "/invite/{token}")
    ]  # fmt: skip
    return client, _csrf(page), routes, root


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_form_post_gets_a_page_never_a_server_error(
    lead: tuple[object, str, list[str], Path], data: st.DataObject
) -> None:
    client, csrf, routes, root = lead
    path = data.draw(st.sampled_from(routes))
    form = data.draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6))
    response = client.post(path, data={**form, "csrf": csrf})  # type: ignore[attr-defined]
    assert response.status_code < 500, (path, form, response.text[:200])
    assert "Traceback" not in response.text
    project = open_project(root)
    who = {d[4] for d in project.store.live_decisions()}
    users = {u["name"] for u in project.store.users()}
    project.close()
    assert who <= {"lee"}  # a 'reviewer' field never chooses whose decision it is
    assert all(re.fullmatch(r"[^\n\r\t]{1,100}", u) for u in users)


def test_the_fuzzed_project_still_works(lead: tuple[object, str, list[str], Path]) -> None:
    client, *_ = lead
    assert client.get("/").status_code == 200  # type: ignore[attr-defined]
    assert client.get("/agreement").status_code == 200  # type: ignore[attr-defined]
