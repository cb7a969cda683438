"""Throttling logins to the review server, by client address and name, in the project store
(qualcode.store.logins: a restart keeps it).

- :data:`FAILURES` wrong passwords for one name from one address within :data:`WINDOW` seconds
  stop that address trying that name for the rest of the window. The right password from
  another address still works: nobody can lock a teammate out from elsewhere.
- :data:`ADDRESS_FAILURES` wrong passwords from one address, whatever the names, stop that
  address trying any name (guessing names one after another).
- A lead unlocks a name ('qualcode users unlock NAME', or Unlock on the Users page).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from qualcode.serve.site import LEADS, Site

FAILURES = 5  # wrong passwords for one name from one address...
ADDRESS_FAILURES = 20  # ...or for any names from one address...
WINDOW = 900  # ...within 15 minutes: that address waits out the window
NAME_CHARS = 100  # a name tried is kept to this length


def _ago(seconds: int) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="seconds")


def held_back(proj: Any, name: str, address: str) -> bool:
    """Whether logins for ``name`` from ``address`` wait, after too many failures."""
    pair, anywhere = proj.store.login_failures(name[:NAME_CHARS], address, _ago(WINDOW))
    return bool(pair >= FAILURES or anywhere >= ADDRESS_FAILURES)


def failed(proj: Any, name: str, address: str) -> None:
    proj.store.login_failed(name[:NAME_CHARS], address, _ago(WINDOW))


def succeeded(proj: Any, name: str, address: str) -> None:
    proj.store.login_succeeded(name[:NAME_CHARS], address)


def locked(proj: Any) -> dict[str, int]:
    """Names locked from some address now: name -> failures from the worst address."""
    return dict(proj.store.locked_names(_ago(WINDOW), FAILURES))


def routes(site: Site) -> list[Any]:
    """A lead's Unlock button on the Users page."""
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    @site.form_post(LEADS, act=False)  # not the coded record: the audit log keeps it
    def unlock(request: Any, proj: Any, user: dict[str, Any], form: Any) -> Response:
        proj.store.unlock(str(form.get("name", "")), by=user["name"], via="browser")
        return RedirectResponse("/users", status_code=303)

    return [Route("/users/unlock", unlock, methods=["POST"])]
