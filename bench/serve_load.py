"""Several reviewers deciding at once through 'qualcode serve', on 127.0.0.1 only.

    python bench/serve_load.py [--reviewers 5] [--seconds 120]

A fresh copy of the example project is ingested and rule-coded, one reviewer account is made per
simulated reviewer, and the server runs in this process (uvicorn, as 'qualcode serve' runs it).
Each reviewer logs in through the login form, then loops until time is up: open the queue page
(the server hands each reviewer a segment no other has open), take the first suggestion still
open, accept or reject it, and undo two decisions in three. Printed: decisions per second, the
latency of each decision and undo (the POST and its redirect to the next page) at the median and
the 95th percentile, and, from the store afterwards, decisions lost (answered as recorded but not
stored), duplicated (two live decisions on one suggestion) and stored though undone: all 0.
As in 'qualcode serve', the model retrains in a process of its own every [suggest] retrain_every
segments the team finishes (25): these simulated reviewers finish several segments a second, so
it retrains all the time, far more often than with people; --retrain-every 0 measures without.
Bounded: --seconds is capped at 120, and nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "load test password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _project(tmp: Path, reviewers: int, retrain_every: int | None) -> Path:
    from bench.example import coded_example
    from qualcode.serve.accounts import hash_password

    project = coded_example(tmp)
    if retrain_every is not None:  # the example's settings have no [suggest] section
        with (tmp / "qualcode.toml").open("a", encoding="utf-8") as f:
            f.write(f"\n[suggest]\nretrain_every = {retrain_every}\n")
    for i in range(reviewers):
        user_id = project.store.add_user(f"reviewer{i + 1}", "reviewer")
        project.store.set_password(user_id, hash_password(PASSWORD))
    project.close()
    return tmp


def _reviewer(
    base: str, name: str, deadline: float, out: dict[str, list[float]], made: list[int]
) -> None:
    """Decide, and take two decisions in three back with undo (as reviewers do; it also keeps the
    example's queue from running out in two minutes): ``made`` ends as this reviewer's
    decisions still standing."""
    import httpx

    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
        page = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf})
        turn = 0
        while time.monotonic() < deadline:
            page = client.get("/").text
            found = re.search(r'name="application" value="(\d+)"', page)
            token = re.search(r'name="csrf" value="([^"]+)"', page)
            if found is None or token is None:
                return  # the queue is done
            turn += 1
            t0 = time.perf_counter()
            r = client.post(
                "/decide",
                data={"application": found.group(1), "csrf": token.group(1),
                      "action": "accept" if turn % 2 else "reject"},
            )  # fmt: skip
            out["decision"].append(time.perf_counter() - t0)
            if r.status_code != 200 or "taken=" in str(r.url):
                continue  # another reviewer was quicker: nothing stored for this one
            made.append(int(found.group(1)))
            if turn % 3:  # undo two decisions in three
                t0 = time.perf_counter()
                r = client.post("/undo", data={"csrf": token.group(1)})
                out["undo"].append(time.perf_counter() - t0)
                if r.status_code == 200:
                    made.pop()


def main() -> None:
    import uvicorn

    from qualcode.serve.app import create_app

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reviewers", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument(
        "--retrain-every",
        type=int,
        default=None,
        help="[suggest] retrain_every for the run (default: the example's, 25; 0: no learning)",
    )
    args = ap.parse_args()
    seconds = min(args.seconds, 120)
    with tempfile.TemporaryDirectory() as tmp:
        root = _project(Path(tmp), args.reviewers, args.retrain_every)
        port = _free_port()
        app = create_app(root)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False,
                           log_level="warning")
        )  # fmt: skip
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        latencies: dict[str, list[float]] = {"decision": [], "undo": []}
        made: list[list[int]] = [[] for _ in range(args.reviewers)]
        deadline = time.monotonic() + seconds
        t0 = time.monotonic()
        workers = [
            threading.Thread(
                target=_reviewer, args=(base, f"reviewer{i + 1}", deadline, latencies, made[i])
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
        learner = app.state.learner
        if learner.thread is not None:
            learner.thread.join()  # the last retrain, before the project is removed
        retrained = learner.retrained
        from qualcode.project import open_project

        project = open_project(root)
        decided = [d[1] for d in project.store.live_decisions() if d[1] is not None]
        project.close()
    stored = Counter(decided)
    standing = [a for mine in made for a in mine]
    lost = sum(1 for a in standing if a not in stored)
    extra = sum(1 for a in stored if a not in set(standing))  # stored, but undone or never made
    duplicated = sum(n - 1 for n in stored.values() if n > 1)

    def pct(xs: list[float], q: float) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(len(xs) * q))] * 1000 if xs else 0.0

    decisions, undos = latencies["decision"], latencies["undo"]
    print(
        f"{args.reviewers} reviewers for {elapsed:.0f} s: {len(decisions)} decisions "
        f"({len(decisions) / elapsed:.1f} a second) and {len(undos)} undos; per decision "
        f"p50 {pct(decisions, 0.5):.0f} ms, p95 {pct(decisions, 0.95):.0f} ms; per undo p95 "
        f"{pct(undos, 0.95):.0f} ms; standing {len(standing)}, stored {sum(stored.values())}: "
        f"lost {lost}, duplicated {duplicated}, stored but not standing {extra}; the model "
        f"learnt {retrained} times meanwhile"
    )


if __name__ == "__main__":
    main()
