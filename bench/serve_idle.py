"""Fresh page loads while many idle connections are open to 'qualcode serve', on 127.0.0.1 only.

    python bench/serve_idle.py [--idle 1100] [--nofile 1024] [--hard] [--code DIR]

A copy of the example project is built and 'qualcode serve' started in a process of its own
under an open-file limit of --nofile (the soft limit; with --hard the hard one too, so the
server cannot raise it). Then --idle connections are opened and left silent, and three fresh
browsers each load the login page. Printed: each load's status (or error) and time, and the
bytes the server wrote to its log. --code runs another checkout's qualcode as the server (to
compare with the code before a change). Nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    import httpx

    from bench.example import coded_example

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--idle", type=int, default=1100)
    ap.add_argument("--nofile", type=int, default=1024)
    ap.add_argument("--hard", action="store_true", help="set the hard limit too")
    ap.add_argument("--code", default=str(ROOT), help="the checkout whose qualcode serves")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.idle + 300:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.idle + 300), hard))

    def limit() -> None:
        _, now = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (args.nofile, args.nofile if args.hard else now))

    with tempfile.TemporaryDirectory() as tmp:
        coded_example(Path(tmp)).close()
        port, log = _free_port(), Path(tmp) / "serve.log"
        env = {**os.environ, "PYTHONPATH": args.code}
        command = [sys.executable, "-m", "qualcode", "serve", "-p", tmp, "--port", str(port)]
        with log.open("wb") as err:
            server = subprocess.Popen(
                command, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=limit
            )
        try:
            for _ in range(600):
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            idle = [socket.create_connection(("127.0.0.1", port), 10) for _ in range(args.idle)]
            time.sleep(1)
            for i in range(3):
                t0 = time.perf_counter()
                try:
                    got = str(httpx.get(f"http://127.0.0.1:{port}/login", timeout=10).status_code)
                except httpx.HTTPError as exc:
                    got = type(exc).__name__
                print(f"page load {i + 1}: {got} in {time.perf_counter() - t0:.2f} s")
            for s in idle:
                s.close()
        finally:
            server.kill()
            server.wait()
        limits = f"soft{' and hard' if args.hard else ''} open-file limit {args.nofile}"
        print(f"{args.idle} idle connections, {limits}; server log: {log.stat().st_size:,} bytes")
        for line in log.read_text(errors="replace").splitlines()[:5]:
            print(f"  log: {line[:160]}")


if __name__ == "__main__":
    main()
