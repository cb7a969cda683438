"""The review server's limits against idle or slow connections and floods of log lines.

- **Open files.** At start the soft open-file limit (RLIMIT_NOFILE) is raised as far as the hard
  limit allows; connections are capped below it, with room kept for the store's files.
- **Connections.** A connection must send its request's headers within :data:`HEADER_TIMEOUT`
  seconds and its body within :data:`BODY_TIMEOUT` (slowly sent requests are closed), and is
  closed :data:`KEEP_ALIVE` seconds after a response when idle. At the cap a new connection
  takes the place of the oldest one still waiting to send a request; when every open
  connection is busy it is answered 503 with a clear line.
- **Logs.** The same line (by its logger and message) is written at most once a minute, with a
  count of those left out: a flood of "Too many open files" stays a few lines.
"""

from __future__ import annotations

import logging
import time
from typing import Any

HEADER_TIMEOUT = 10.0  # seconds to send a request's headers, from the first byte or connecting
BODY_TIMEOUT = 30.0  # seconds to send a request's body once its headers are in
KEEP_ALIVE = 5  # seconds an idle connection is kept after a response
RESERVE = 200  # open files kept for the store, templates and the retraining worker
REPEAT_EVERY = 60.0  # seconds between two writes of the same log line
BUSY = b"The server is busy: too many connections are open. Try again in a few seconds.\n"
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"retry-after: 5\r\nconnection: close\r\ncontent-length: " + str(len(BUSY)).encode()
    + b"\r\n\r\n" + BUSY
)  # fmt: skip


def raise_open_files(wanted: int = 65536) -> int:
    """Raise the soft open-file limit towards ``wanted``, as far as the hard limit allows;
    the soft limit now (0 where there is no such limit, as on Windows)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if soft != resource.RLIM_INFINITY and soft < ceiling:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
            soft = ceiling
        except (ValueError, OSError):
            pass
    return int(soft) if soft != resource.RLIM_INFINITY else wanted


def connection_cap(max_connections: int, open_files: int) -> int:
    """The most connections open at once: the setting, kept below the open-file limit."""
    if not open_files:
        return max_connections
    return max(10, min(max_connections, open_files - RESERVE))


def guarded_protocol(cap: int) -> type:
    """uvicorn's HTTP/1.1 protocol with deadlines for headers and bodies and a cap on
    connections (see the module's docstring)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    busy_log = logging.getLogger("uvicorn.error")

    class Guarded(H11Protocol):
        deadline: Any = None
        phase = ""
        refused = False
        last = 0.0  # when it last finished a response or connected (for the oldest idle)

        def connection_made(self, transport: Any) -> None:
            if len(self.connections) >= cap and not self._make_room():
                self.refused, self.transport = True, transport
                transport.write(BUSY_RESPONSE)
                transport.close()
                busy_log.warning("too many connections open (%d): answered 503", cap)
                return
            super().connection_made(transport)
            self.last = time.monotonic()
            self._arm("headers", HEADER_TIMEOUT)

        def _make_room(self) -> bool:
            """Close the oldest connection still waiting to send a request; False if none."""
            waiting = [c for c in self.connections if isinstance(c, Guarded) and c.idle()]
            if not waiting:
                return False
            oldest = min(waiting, key=lambda c: c.last)
            oldest.connections.discard(oldest)
            oldest.transport.close()
            return True

        def idle(self) -> bool:
            in_cycle = self.cycle is not None and not self.cycle.response_complete
            return self.conn.their_state is h11.IDLE and not in_cycle

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            state = self.conn.their_state
            if state is h11.IDLE and self.deadline is None:
                self._arm("headers", HEADER_TIMEOUT)  # a new request begins: from its first byte
            elif state is h11.SEND_BODY and self.phase != "body":
                self._arm("body", BODY_TIMEOUT)
            elif state not in (h11.IDLE, h11.SEND_BODY):
                self._disarm()

        def on_response_complete(self) -> None:
            self.last = time.monotonic()
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if not self.refused:
                super().connection_lost(exc)

        def _arm(self, phase: str, seconds: float) -> None:
            self._disarm()
            self.phase, self.deadline = phase, self.loop.call_later(seconds, self._expire)

        def _disarm(self) -> None:
            if self.deadline is not None:
                self.deadline.cancel()
            self.deadline, self.phase = None, ""

        def _expire(self) -> None:
            self.deadline = None
            if (
                self.conn.their_state in (h11.IDLE, h11.SEND_BODY)
                and not self.transport.is_closing()
            ):
                self.connections.discard(self)
                self.transport.close()

    return Guarded


class RepeatFilter(logging.Filter):
    """Lets the same line (logger, message template) through at most once a minute; the next
    one it lets through says how many were left out."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self.seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        clock = time.monotonic()
        last, skipped = self.seen.get(key, (-REPEAT_EVERY, 0))
        if clock - last < REPEAT_EVERY:
            self.seen[key] = (last, skipped + 1)
            return False
        if len(self.seen) > 1000:  # many different lines: start counting afresh
            self.seen.clear()
        self.seen[key] = (clock, 0)
        if skipped:
            record.msg = f"{record.msg} ({skipped} more like it in the last minute not shown)"
        if last >= 0 and record.exc_info:  # its traceback was written the first time
            record.exc_info, record.exc_text = None, None
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging: warnings and errors only, on stderr, each line rate-limited; no
    access log (request lines can carry participants' words)."""
    handler = {
        "class": "logging.StreamHandler", "stream": "ext://sys.stderr",
        "filters": ["repeat"], "formatter": "plain",
    }  # fmt: skip
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"repeat": {"()": RepeatFilter}},
        "formatters": {"plain": {"format": "qualcode serve: %(levelname)s %(message)s"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "asyncio": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
