"""'qualcode serve' in a real browser: two reviewers in two headless Chromium windows log in
through their invite links and review by keyboard at once; afterwards the store holds exactly
their decisions, each under its own reviewer. Needs Debian's chromium and chromium-driver and the
selenium package ('.ci/run' installs them); skipped with the reason otherwise. Only 127.0.0.1
is contacted."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qualcode.project import Project, open_project
from qualcode.serve.accounts import add_user
from tests.conftest import build, interview
from tests.test_learn import MONEY, POLICE
from tests.test_suggest import CODEBOOK

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
PASSWORD = "correct horse battery"
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None or DRIVER is None,
        reason="no chromium / chromedriver (Debian: apt-get install chromium chromium-driver)",
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.loopback,
]
selenium = pytest.importorskip("selenium", reason="selenium is in the test extra")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(project: Project) -> Iterator[tuple[str, Path]]:
    """The review server on 127.0.0.1 over a project of three interviews with suggestions."""
    import uvicorn

    from qualcode.serve.app import create_app

    files = {f"P0{i}.txt": interview(f"P0{i}", MONEY + POLICE) for i in range(1, 4)}
    root = build(project, files, CODEBOOK).root
    project.close()
    port = _free_port()
    config = uvicorn.Config(
        create_app(root), host="127.0.0.1", port=port, access_log=False, log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "the server did not start"
    yield f"http://127.0.0.1:{port}", root
    running.should_exit = True
    thread.join(10)


def _browser(tmp: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", f"--user-data-dir={tmp}",
    ):  # fmt: skip
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium fetch a driver
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    driver.set_page_load_timeout(30)
    return driver


def _join(driver: Any, base: str, root: Path, name: str, role: str = "reviewer") -> None:
    """Open the invite link, type the password twice, press Enter: the queue."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    project = open_project(root)
    token = add_user(project, name, role)
    project.close()
    driver.get(f"{base}/invite/{token}")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.NAME, "again").send_keys(PASSWORD + Keys.ENTER)
    _wait(driver, lambda d: d.current_url.rstrip("/") == base)


def _wait(driver: Any, ready: Any, seconds: float = 15) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(ready)


def _press(driver: Any, key: str, held: str = "") -> None:
    """Press a key (with ``held`` held down: Ctrl, say) and wait for the page it leads to."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    body = driver.find_element(By.TAG_NAME, "body")
    keys = ActionChains(driver)
    if held:
        keys.key_down(held).send_keys(key).key_up(held)
    else:
        keys.send_keys(key)
    keys.perform()
    _wait(driver, lambda d: _stale(body))


def _stale(element: Any) -> bool:
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_enabled()
        return False
    except WebDriverException:  # stale, or its node already gone from the new page
        return True


def _highlighted(driver: Any) -> tuple[str, int]:
    """(segment, suggestion id) the keys act on now."""
    from selenium.webdriver.common.by import By

    segment = driver.find_element(By.ID, "segment").get_attribute("data-segment")
    row = driver.find_element(By.CSS_SELECTOR, "li.suggestion.current")
    return str(segment), int(row.get_attribute("data-id"))


def test_two_reviewers_review_by_keyboard_at_once(server: tuple[str, Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, root = server
    ann, bob = _browser(tmp_path / "ann"), _browser(tmp_path / "bob")
    try:
        _join(ann, base, root, "ann")
        _join(bob, base, root, "bob")
        # each sees a segment to review, and not the same one: the other has it open
        assert _highlighted(ann)[0] != _highlighted(bob)[0]
        _in_view(ann, '#actions [data-act="accept"]')  # the actions, at the window's foot
        expected: set[tuple[int, str, str]] = set()
        turns = ((ann, "ann", "a", "accept"), (bob, "bob", "r", "reject"))
        for _ in range(3):
            for driver, name, key, action in turns:
                _, app = _highlighted(driver)
                _press(driver, key)
                expected.add((app, name, action))
                last = app
        # j moves the highlight: the key acts on the suggestion highlighted, not the first
        rows = bob.find_elements(By.CSS_SELECTOR, "li.suggestion[data-open]")
        if len(rows) > 1:
            _press_move(bob, "j")
            _, app = _highlighted(bob)
            assert app == int(rows[1].get_attribute("data-id"))
            _press(bob, "a")
            expected.add((app, "bob", "accept"))
        # c: the highlighted suggestion's code list; typing picks a code, Enter changes to it
        _, app = _highlighted(ann)
        _press_move(ann, "c")
        _press_move(ann, "Ref")
        _press(ann, Keys.ENTER)
        expected |= {(app, "ann", "recode"), (None, "ann", "add")}  # type: ignore[arg-type]
        # m writes a memo, Ctrl+Enter saves it
        _press_move(ann, "m")
        _press_move(ann, "ask about the rota")
        _press(ann, Keys.ENTER, Keys.CONTROL)
        assert "ask about the rota" in ann.find_element(By.CSS_SELECTOR, "ul.memos").text
        # undo takes back bob's last decision and shows its segment again, open
        _press(bob, "u")
        expected.discard((last, "bob", "accept" if len(rows) > 1 else "reject"))
        assert _highlighted(bob)[1] == last
        # both on one segment: what ann decides is marked on bob's page as it stands
        segment, app = _highlighted(ann)
        bob.get(f"{base}/?segment={segment}")
        _press(ann, "a")
        expected.add((app, "ann", "accept"))
        mark = f'li.suggestion[data-id="{app}"] .mark'
        _wait(bob, lambda d: "ann" in d.find_element(By.CSS_SELECTOR, mark).text)
        assert "accepted by ann just now" in bob.find_element(By.CSS_SELECTOR, mark).text
    finally:
        ann.quit()
        bob.quit()
    project = open_project(root)
    stored = {(a, who, act) for _, a, _, _, who, act in project.store.live_decisions()}
    changed = [c for _, a, _, c, who, _ in project.store.live_decisions() if a is None]
    project.close()
    assert stored == expected
    assert changed == ["police.referral_quality"]  # the code typed, not the list's first


def _in_view(driver: Any, selector: str) -> None:
    """The element is inside the window, even in a window too short for the page (1280 wide,
    as a laptop's, and 300 high): it does not scroll away."""
    from selenium.webdriver.common.by import By

    size = driver.get_window_size()
    driver.set_window_size(1280, 300)
    try:
        _wait(driver, lambda d: d.execute_script("return innerHeight") < 400)
        tall = driver.execute_script("return document.documentElement.scrollHeight > innerHeight")
        assert tall, "the page should be taller than the window for this check"
        for scrolled in (0, 10_000):
            driver.execute_script(f"window.scrollTo(0, {scrolled})")
            box = driver.execute_script(
                "var r = arguments[0].getBoundingClientRect();"
                "return [r.top, r.bottom, innerHeight, r.width];",
                driver.find_element(By.CSS_SELECTOR, selector),
            )
            assert box[3] > 0 and box[0] >= 0 and box[1] <= box[2], (selector, scrolled, box)
    finally:
        driver.set_window_size(size["width"], size["height"])
        driver.execute_script("window.scrollTo(0, 0)")


def _press_move(driver: Any, key: str) -> None:
    """A key that changes the page without loading another (j / k)."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def test_a_blind_coder_in_the_browser_codes_from_a_checklist_and_sees_no_codes(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    base, root = server
    cat = _browser(tmp_path / "cat")
    try:
        _join(cat, base, root, "cat", "coder")
        assert not cat.find_elements(By.CSS_SELECTOR, "li.suggestion")
        boxes = cat.find_elements(By.CSS_SELECTOR, "#checklist input[type=checkbox]")
        assert boxes and not any(b.is_selected() for b in boxes)
        _in_view(cat, 'button[data-key="n"]')  # Done, however long the page
        # j moves to the second code, space ticks it, n sends the checklist
        _press_move(cat, "j")
        _press_move(cat, " ")
        ticked = boxes[1].get_attribute("value")
        _press(cat, "n")
        cat.get(f"{base}/api/segment/anything")
        assert "refused" in cat.page_source
    finally:
        cat.quit()
    project = open_project(root)
    stored = [(code, who, act) for _, _, _, code, who, act in project.store.live_decisions()]
    project.close()
    assert stored == [(ticked, "cat", "add")]
