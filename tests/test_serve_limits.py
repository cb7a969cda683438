"""'qualcode serve' as a process, as a department runs it: HTTPS with a certificate, reviewers
served while 1,100 idle connections are open under a 1,024 open-file limit (and the log stays
small), slow requests closed, and the retraining worker gone once the server is killed.
Only 127.0.0.1 is contacted."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qualcode.project import open_project
from qualcode.serve.accounts import add_user
from tests.test_serve import PASSWORD, served  # noqa: F401 - a fixture

pytestmark = pytest.mark.loopback
resource = pytest.importorskip("resource", reason="open-file limits are a POSIX notion")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _limit(soft: int, hard: int | None) -> Any:
    def preexec() -> None:
        _, now = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, now if hard is None else hard))

    return preexec


def _start(root: Path, port: int, log: Path, *extra: str, preexec: Any = None) -> Any:
    """'qualcode serve' in a process of its own, once it answers on ``port``."""
    command = [sys.executable, "-m", "qualcode", "serve", "-p", str(root), "--port", str(port)]
    process = subprocess.Popen(
        [*command, *extra],
        stdout=subprocess.DEVNULL, stderr=log.open("wb"), preexec_fn=preexec,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


@pytest.fixture
def stop() -> Iterator[list[Any]]:
    started: list[Any] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.mark.parametrize("hard", [None, 1024], ids=["soft-1024", "hard-1024"])
def test_reviewers_are_served_past_1100_idle_connections_under_1024_open_files(
    served: Path,  # noqa: F811
    tmp_path: Path,
    stop: list[Any],
    hard: int | None,
) -> None:
    """Found: 1,100 idle connections under a 1,024 open-file limit left 0 of 3 login pages
    loading, and the server wrote 91 MB of 'Too many open files' lines in seconds. With the
    soft limit raised (where the hard one allows) or the oldest idle connections given up for
    new ones (where it does not), fresh page loads are served; the log stays small."""
    import httpx

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1400:
        pytest.skip("this test needs 1,400 open files of its own")
    port, log = _free_port(), tmp_path / "serve.log"
    stop.append(_start(served, port, log, preexec=_limit(1024, hard)))
    idle = []
    for _ in range(1100):
        idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
    time.sleep(1.0)  # the server has them all by now
    loads = []
    for _ in range(3):
        with httpx.Client(timeout=10) as browser:
            loads.append(browser.get(f"http://127.0.0.1:{port}/login").status_code)
    for s in idle:
        s.close()
    assert loads == [200, 200, 200]
    assert log.stat().st_size < 10_000, log.read_text()[:2000]


def test_a_request_sent_slowly_is_closed(served: Path, monkeypatch: Any) -> None:  # noqa: F811
    """A connection that sends part of its headers and then waits is closed after the header
    deadline (here shortened), not kept open for ever."""
    import uvicorn

    from qualcode.serve import limits
    from qualcode.serve.network import plan
    from qualcode.serve.run import uvicorn_options
    from qualcode.settings import ServerSettings

    monkeypatch.setattr(limits, "HEADER_TIMEOUT", 0.5)
    port = _free_port()
    app, options = uvicorn_options(served, plan(ServerSettings(), served, port=port), 100)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        slow = socket.create_connection(("127.0.0.1", port), timeout=5)
        slow.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and no more
        time.sleep(0.2)
        slow.sendall(b"X-Slow: 1\r\n")  # a byte now and then does not extend the deadline
        assert slow.recv(100) == b""  # closed by the server
        slow.close()
    finally:
        server.should_exit = True
        thread.join(10)


def _certificate(tmp: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_with_a_certificate_an_invited_person_logs_in_over_https(
    served: Path,  # noqa: F811
    tmp_path: Path,
    stop: list[Any],
) -> None:
    import httpx

    cert, key = _certificate(tmp_path)
    project = open_project(served)
    token = add_user(project, "rhian", "reviewer")
    project.close()
    port, log = _free_port(), tmp_path / "serve.log"
    stop.append(_start(served, port, log, "--certfile", str(cert), "--keyfile", str(key)))
    trust = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=trust, timeout=20) as browser:
        joined = browser.post(
            f"/invite/{token}", data={"password": PASSWORD, "again": PASSWORD},
            follow_redirects=True,
        )  # fmt: skip
        assert joined.status_code == 200 and "rhian (reviewer)" in joined.text
        assert "Secure" in joined.history[0].headers["set-cookie"]
        assert "plain HTTP" not in joined.text
    with pytest.raises(httpx.HTTPError):  # plain http on the https port is no way in
        httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)


WORKER = """
import os, sys, time
from qualcode.serve.learning import worker_pool
pool = worker_pool()
print(pool.submit(os.getpid).result(), flush=True)  # the worker, started
pool.submit(time.sleep, 600)  # retraining for a long while
time.sleep(600)
"""


def test_the_retraining_worker_ends_when_the_server_is_killed(tmp_path: Path) -> None:
    """Found: a retraining worker was still running six minutes after the server was killed."""
    server = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKER)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        worker = int(server.stdout.readline())
        os.kill(worker, 0)  # it runs
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(worker):
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived the server"
    finally:
        if server.poll() is None:
            server.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (ended, not yet reaped by init) has ended
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return True


def test_a_repeated_log_line_is_written_once_a_minute_with_a_count(monkeypatch: Any) -> None:
    """Found: 91 MB of 'Too many open files' lines in seconds."""
    import io
    import logging

    from qualcode.serve import limits

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(limits.RepeatFilter())
    logger = logging.getLogger("qualcode-test-repeat")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for _ in range(10_000):
            logger.error("socket.accept() out of system resource")
        logger.error("another line")
        assert out.getvalue().splitlines() == [
            "socket.accept() out of system resource", "another line"
        ]  # fmt: skip
        monkeypatch.setattr(limits, "REPEAT_EVERY", 0.0)  # a minute later
        logger.error("socket.accept() out of system resource")
        assert out.getvalue().splitlines()[-1] == (
            "socket.accept() out of system resource (9999 more like it in the last minute not "
            "shown)"
        )
    finally:
        logger.removeHandler(handler)
