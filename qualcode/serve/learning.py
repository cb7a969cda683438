"""The model learning while a team reviews in the browser, as the terminal review app does: every
[suggest] retrain_every segments the team finishes, the model retrains in a background thread on
its own connection to the store, stores its new suggestions and re-ranks the queue (least certain
first, interviews mixed). Pages go on meanwhile; decisions made during training are kept and the
next retrain learns from them."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError

_ORDERS: dict[tuple[str, int], list[str]] = {}  # (store, train run) -> segments in review order
REST = 60.0  # seconds between the end of one retrain and the start of the next, at the least


def _ordered(store: Any, uncertainty: dict[str, float]) -> list[str]:
    from qualcode.review.session import build_queue

    items = build_queue(
        store.current_segments(), store.queue_applications(), set(), uncertainty=uncertainty
    )
    return [i.segment for i in items]


def model_order(proj: Any) -> list[str]:
    """The segments with suggestions in the review app's order when a model has been trained:
    the least certain first, interviews mixed; worked out once per trained model (it takes a
    second or two, so the learner does it in the background), empty without one."""
    from qualcode.review.session import _uncertainty

    latest = proj.store.latest_run("train")
    if latest is None:
        return []
    key = (str(proj.store_path), latest[0])
    if key not in _ORDERS:
        unsure = _uncertainty(proj)
        _ORDERS.clear()
        _ORDERS[key] = _ordered(proj.store, unsure) if unsure else []
    return _ORDERS[key]


def relearn_at(root: str) -> tuple[int | None, list[str], int, str]:
    """Retrain on every decision so far and store the new model's suggestions (in a process of
    its own, so the server's pages do not wait on it): (the new train run, the review order,
    segments learnt from, the problem if it could not: errors are passed back as text, as not
    every error survives the trip between processes)."""
    import os

    from qualcode.coding.learn import relearn
    from qualcode.coding.run import codebook_path
    from qualcode.serve.site import open_served

    if hasattr(os, "nice"):
        os.nice(10)  # the pages come first: training takes what CPU they leave
    try:
        proj = open_served(root)
        try:
            done = relearn(proj, codebook_path(proj))
            order = _ordered(proj.store, done.uncertainty) if done.uncertainty else []
            latest = proj.store.latest_run("train")
            return (latest[0] if latest else None), order, done.train.segments, ""
        finally:
            proj.close()
    except QualcodeError as exc:  # nothing to learn from yet, a codebook mistake...
        return None, [], 0, str(exc)


def worker_pool() -> Any:
    """A pool of one process for retraining: a fresh interpreter (no copied locks) that ends
    when this process ends, however it ends (:func:`end_with`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=end_with, initargs=(os.getpid(),)
    )


def end_with(server: int) -> None:
    """In the retraining worker: end it when the server process ``server`` ends, however it
    ends (even kill -9, which leaves no time to stop it): on Linux the kernel sends it SIGKILL
    (PR_SET_PDEATHSIG); everywhere a thread checks every half second that the server is still
    its parent."""
    import os

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != server:  # already gone before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="qualcode-end-with-server", daemon=True).start()


class Learner:
    """Counts the segments the team finishes and, when enough are, retrains in a process of its
    own (training holds Python's interpreter lock: in a thread of the server it would slow every
    page while it ran), watched by a thread that takes the new order when it is done."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.finished = 0  # segments finished since the model last learned
        self.thread: threading.Thread | None = None
        self.status = ""  # what the last retrain did, for the pages' status line
        self.retrained = 0  # how many times the model learnt
        self.ended = -REST  # when the last retrain ended (monotonic clock)
        self.pool: Any = None  # the worker's pool while it retrains

    def stop(self) -> None:
        """End the retraining worker, if one is at work (the server is stopping)."""
        pool = self.pool
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()

    @property
    def busy(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def finished_one(self, every: int) -> None:
        """One more segment finished; retrain once ``every`` have been (0: never), and not
        within a minute of the last retrain (a fast team would otherwise keep a core busy
        training all the time)."""
        self.finished += 1
        rested = time.monotonic() - self.ended >= REST
        if every and self.finished >= every and not self.busy and rested:
            self.start()

    def start(self) -> None:
        self.finished = 0
        self.status = "the model is learning from the team's decisions…"
        self.thread = threading.Thread(target=self._run, name="qualcode-learn", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with worker_pool() as pool:
                self.pool = pool
                run, order, segments, problem = pool.submit(relearn_at, str(self.root)).result()
        except Exception as exc:  # noqa: BLE001 - a bug: its kind only (a message could quote data)
            problem = f"an internal error ({type(exc).__name__})"
        finally:
            self.ended, self.pool = time.monotonic(), None
        if problem:
            self.status = f"the model did not learn: {problem}"
            sys.stderr.write(f"qualcode serve: {self.status}\n")
            return
        if run is not None:
            from qualcode.serve.site import open_served

            proj = open_served(self.root)
            key = (str(proj.store_path), run)
            proj.close()
            _ORDERS.clear()
            _ORDERS[key] = order
        self.retrained += 1
        self.status = (
            f"the model learnt from {segments} segments; the queue is re-ranked, least certain "
            "first"
        )
