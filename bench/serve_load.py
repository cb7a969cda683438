"""Several reviewers deciding at once through 'qualcode serve', on 127.0.0.1 only.

    python bench/serve_load.py [--reviewers 5] [--seconds 60]

A fresh copy of the example project is ingested and rule-coded, one reviewer account is made per
simulated reviewer, and the server runs in this process (uvicorn, as 'qualcode serve' runs it).
Each reviewer logs in through the login form, then loops until time is up: open the queue page,
take the first suggestion listed, accept or reject it. Printed: decisions per second, the
latency of each decision (the POST and its redirect) at the median and the 95th percentile,
and, from the store afterwards, decisions lost (answered as recorded but not stored) and
duplicated (two live decisions on one suggestion): both must be 0. Bounded: --seconds is capped
at 120, and nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "load test password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _project(tmp: Path, reviewers: int) -> Path:
    from bench.example import coded_example
    from qualcode.serve.accounts import hash_password

    project = coded_example(tmp)
    for i in range(reviewers):
        user_id = project.store.add_user(f"reviewer{i + 1}", "reviewer")
        project.store.set_password(user_id, hash_password(PASSWORD))
    project.close()
    return tmp


def _reviewer(base: str, name: str, deadline: float, out: list[float], made: list[int]) -> None:
    import httpx

    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
        page = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf})
        flip = False
        while time.monotonic() < deadline:
            page = client.get("/").text
            found = re.search(r'name="application" value="(\d+)"', page)
            token = re.search(r'name="csrf" value="([^"]+)"', page)
            if found is None or token is None:
                return  # the queue is done
            flip = not flip
            t0 = time.perf_counter()
            r = client.post(
                "/decide",
                data={"application": found.group(1), "csrf": token.group(1),
                      "action": "accept" if flip else "reject"},
            )  # fmt: skip
            out.append(time.perf_counter() - t0)
            if r.status_code == 200 and "taken=1" not in str(r.url):
                made.append(int(found.group(1)))


def main() -> None:
    import uvicorn

    from qualcode.serve.app import create_app

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reviewers", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    seconds = min(args.seconds, 120)
    with tempfile.TemporaryDirectory() as tmp:
        root = _project(Path(tmp), args.reviewers)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(root), host="127.0.0.1", port=port, access_log=False,
                           log_level="warning")
        )  # fmt: skip
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        latencies: list[list[float]] = [[] for _ in range(args.reviewers)]
        made: list[int] = []
        deadline = time.monotonic() + seconds
        t0 = time.monotonic()
        workers = [
            threading.Thread(
                target=_reviewer, args=(base, f"reviewer{i + 1}", deadline, latencies[i], made)
            )
            for i in range(args.reviewers)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - t0
        server.should_exit = True
        thread.join()
        from qualcode.project import open_project

        project = open_project(root)
        rows = project.store.conn.execute(
            "SELECT application_id, count(*) FROM live_decisions GROUP BY application_id"
        ).fetchall()
        project.close()
    stored = {int(a): int(n) for a, n in rows}
    lost = sum(1 for a in made if a not in stored)
    duplicated = sum(n - 1 for n in stored.values() if n > 1)
    every = sorted(x for xs in latencies for x in xs)
    p50 = every[len(every) // 2] * 1000 if every else 0.0
    p95 = every[int(len(every) * 0.95)] * 1000 if every else 0.0
    print(
        f"{args.reviewers} reviewers for {elapsed:.0f} s: {len(made)} decisions "
        f"({len(made) / elapsed:.1f} a second); per decision p50 {p50:.0f} ms, p95 {p95:.0f} ms; "
        f"lost {lost}, duplicated {duplicated}, stored {sum(stored.values())}"
    )


if __name__ == "__main__":
    main()
