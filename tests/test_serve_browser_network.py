"""'qualcode serve' off this machine over plain HTTP, in a real browser: Chromium opens the
server by a name that is not loopback (mapped to 127.0.0.1 inside the browser, so nothing
leaves this machine), where it refuses Secure cookies over http as it would on an office
network. Found: with the Secure cookies the server used to send off loopback, opening an invite
used it up and landed on a login that answered 403 "The form expired" for ever; with
--allow-http an invited person gets in."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qualcode.project import Project, open_project
from qualcode.serve.accounts import add_user
from qualcode.serve.network import Network
from tests.conftest import build, interview
from tests.test_learn import MONEY, POLICE
from tests.test_serve_browser import CHROMIUM, DRIVER, PASSWORD, _free_port, _wait, pytestmark
from tests.test_suggest import CODEBOOK

NAME = "reviewbox.test"  # not loopback to the browser; 127.0.0.1 to its resolver
__all__ = ["pytestmark"]


def _serve(root: Path, app: Any, port: int) -> Iterator[None]:
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield
    server.should_exit = True
    thread.join(10)


def _chromium(tmp: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", f"--user-data-dir={tmp}",
        f"--host-resolver-rules=MAP {NAME} 127.0.0.1",
    ):  # fmt: skip
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    driver.set_page_load_timeout(30)
    return driver


@pytest.mark.parametrize("old", [True, False], ids=["secure-cookies-over-http", "allow-http"])
def test_an_invited_person_gets_in_over_http_with_allow_http(
    project: Project, tmp_path: Path, old: bool
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from qualcode.serve.app import create_app

    root = build(project, {"P01.txt": interview("P01", MONEY + POLICE)}, CODEBOOK).root
    project.close()
    port = _free_port()
    base = f"http://{NAME}:{port}"
    network = Network(url=base, allow_http=not old)
    app = create_app(root, secure_cookies=old, network=network)  # old: Secure off loopback
    proj = open_project(root)
    token = add_user(proj, "rhian", "reviewer")
    proj.close()
    driver = _chromium(tmp_path / "chromium")
    try:
        for _ in _serve(root, app, port):
            driver.get(f"{base}/invite/{token}")
            driver.find_element(By.NAME, "password").send_keys(PASSWORD)
            driver.find_element(By.NAME, "again").send_keys(PASSWORD + Keys.ENTER)
            _wait(driver, lambda d: "/invite/" not in d.current_url)
            if old:  # the cookie was refused: back at the login, whose form then expires
                assert driver.current_url.endswith("/login")
                driver.find_element(By.NAME, "name").send_keys("rhian")
                driver.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
                _wait(driver, lambda d: "form expired" in d.page_source)
            else:
                assert driver.current_url.rstrip("/") == base
                assert "rhian (reviewer)" in driver.page_source
                assert "plain HTTP (--allow-http)" in driver.page_source
    finally:
        driver.quit()
