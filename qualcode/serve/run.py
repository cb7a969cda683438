"""Running the review server: uvicorn with HTTPS when a certificate is given, forwarded headers
believed only from trusted proxies (qualcode.serve.network), deadlines and a connection cap
under the raised open-file limit and rate-limited log lines (qualcode.serve.limits); the
retraining worker stopped when the server stops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qualcode.serve.limits import (
    KEEP_ALIVE,
    connection_cap,
    guarded_protocol,
    log_config,
    raise_open_files,
)
from qualcode.serve.network import Plan

BACKLOG = 128


def uvicorn_options(root: Path, plan: Plan, max_connections: int) -> tuple[Any, dict[str, Any]]:
    """(the app, uvicorn's options) for serving ``root`` as ``plan`` says."""
    from qualcode.serve.app import create_app

    cap = connection_cap(max_connections, raise_open_files())
    app = create_app(root, network=plan.network)
    options = {
        "host": plan.host,
        "port": plan.port,
        "http": guarded_protocol(cap),
        "ws": "none",
        "lifespan": "off",
        "ssl_certfile": plan.certfile or None,
        "ssl_keyfile": plan.keyfile or None,
        "proxy_headers": False,  # qualcode.serve.network.Gate believes trusted proxies only
        "server_header": False,
        "timeout_keep_alive": KEEP_ALIVE,
        "backlog": BACKLOG,  # accepted at most this many at a time: the cap is checked between
        "access_log": False,  # request lines can carry participants' words: never logged
        "log_config": log_config(),
        "log_level": "warning",
    }
    return app, options


def run(root: Path, plan: Plan, max_connections: int) -> None:
    """Serve until stopped; the retraining worker, if one is at work, is stopped with it."""
    import uvicorn

    from qualcode.serve.site import open_served
    from qualcode.store.backup import serving_lock

    proj = open_served(root)
    store = proj.store_path
    proj.close()
    app, options = uvicorn_options(root, plan, max_connections)
    with serving_lock(store):  # 'qualcode restore' refuses while it is held
        try:
            uvicorn.run(app, **options)
        finally:
            app.state.learner.stop()
