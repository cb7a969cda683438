"""What every page of the review server shares: the project store opened per request, templates,
the logged-in user, and the checks that refuse a request (no session, wrong role, no CSRF token).

Route modules (``app`` for logins and the review queue, ``lead`` for a lead's pages) take a
:class:`Site` and return their routes, so every page goes through the same checks.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.serve.accounts import token_hash
from qualcode.serve.network import Network

if TYPE_CHECKING:
    from starlette.responses import Response

COOKIE = "qc_session"
HERE = Path(__file__).parent
ROLES = ("coder", "reviewer", "lead")
SESSION_DAYS = 7  # a login, and an invite link, last this long
SEES_CODES = ("reviewer", "lead")  # roles that may see others' and the machine's codes
LEADS = ("lead",)
# The pages in the header, and who may open them (blind coders: only their checklist).
PAGES = (
    ("/", "Queue", ROLES),
    ("/quotes", "Quotes", SEES_CODES),
    ("/memos", "Memos", SEES_CODES),
    ("/agreement", "Agreement", SEES_CODES),
    ("/summaries", "Summaries", SEES_CODES),
    ("/reconcile", "Reconcile", LEADS),
    ("/downloads", "Downloads", LEADS),
    ("/users", "Users", LEADS),
)


def open_served(path: Path | str | None) -> Any:
    """The project at ``path`` with the store the server serves: [server] store when set,
    else [paths] store."""
    from dataclasses import replace

    from qualcode.errors import ProjectError
    from qualcode.project import open_project
    from qualcode.settings import SETTINGS_FILE

    proj = open_project(path)
    served = proj.settings.server.store_path()
    if served:
        proj.settings = replace(proj.settings, paths=replace(proj.settings.paths, store=served))
        if not proj.store_path.is_file():  # never serve a new, empty store by mistake
            raise ProjectError(
                f"{proj.root / SETTINGS_FILE} [server]: store {proj.store_path} does not exist",
                "name an existing project store, or leave it empty for [paths] store",
            )
    return proj


_CODEBOOKS: dict[tuple[str, int, int], Any] = {}


def codebook_of(proj: Any) -> Any:
    """The project's codebook, parsed once per version of its file (parsing the YAML costs
    about 100 ms, more than the rest of a page)."""
    from qualcode.codebook import load_codebook
    from qualcode.coding.run import codebook_path

    path = codebook_path(proj)
    try:
        stat = path.stat()
    except OSError:
        return load_codebook(path, proj.source_name(path))  # says what is wrong, clearly
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _CODEBOOKS:
        _CODEBOOKS.clear()
        _CODEBOOKS[key] = load_codebook(path, proj.source_name(path))
    return _CODEBOOKS[key]


def since() -> str:
    """The oldest time a session or an invite still counts from (ISO, as the store keeps it)."""
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC) - timedelta(days=SESSION_DAYS)
    return start.isoformat(timespec="seconds")


class Site:
    def __init__(
        self, root: Path, secure_cookies: bool = False, network: Network | None = None
    ) -> None:
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        from qualcode.settings import load_settings

        self.root, self.secure_cookies = root, secure_cookies
        self.network = network or Network()
        self.title = load_settings(root).name  # the project's name, in every page's header
        self.templates = Environment(
            loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape()
        )

    @contextmanager
    def project(self) -> Iterator[Any]:
        """The project, its store open for this request: kept open between requests, one per
        thread (a connection opened and closed per request costs a WAL checkpoint and a cold
        page cache each time), opened again when qualcode.toml changes or the store file is
        another file (restored, moved aside)."""
        yield self._opened()

    def _opened(self) -> Any:
        import threading

        from qualcode.settings import SETTINGS_FILE

        kept = getattr(self, "_kept", None)
        if kept is None:
            kept = self._kept = threading.local()
        try:
            settings = (self.root / SETTINGS_FILE).stat()
            key: tuple[Any, ...] = (settings.st_mtime_ns, settings.st_size)
            proj = getattr(kept, "proj", None)
            if proj is not None and getattr(kept, "key", None) == key:
                store = proj.store_path.stat()
                if (store.st_dev, store.st_ino) == kept.store:
                    return proj
        except OSError:  # gone or moved: open_served says what is wrong
            pass
        old = getattr(kept, "proj", None)
        kept.proj = kept.key = None
        if old is not None:
            old.close()
        proj = open_served(self.root)
        opened = proj.store  # opened now, and its file's identity taken
        store = opened.path.stat()
        kept.proj, kept.key, kept.store = proj, key, (store.st_dev, store.st_ino)
        return proj

    def page(self, name: str, status: int = 200, **values: Any) -> Response:
        from starlette.responses import HTMLResponse

        user = values.get("user") or {}
        nav = [(path, title) for path, title, roles in PAGES if user.get("role") in roles]
        html = self.templates.get_template(name).render(
            nav=nav, project=self.title, plain_http=self.network.allow_http, **values
        )
        return HTMLResponse(html, status_code=status)

    def secure(self, request: Any) -> bool:
        """Whether cookies are Secure: whenever the request's original scheme is https (served
        with a certificate, or so said by a trusted proxy)."""
        return self.secure_cookies or request.url.scheme == "https"

    def error(self, status: int, message: str, user: dict[str, Any] | None = None) -> Response:
        return self.page("error.html", status, message=message, user=user)

    def current(self, request: Any, proj: Any) -> dict[str, Any] | None:
        token = request.cookies.get(COOKIE, "")
        return proj.store.session(token_hash(token), since()) if token else None

    @staticmethod
    def csrf_ok(given: str, expected: str) -> bool:
        return bool(given) and hmac.compare_digest(given, expected)

    def viewer(
        self, request: Any, proj: Any, roles: tuple[str, ...] = ROLES
    ) -> tuple[dict[str, Any], Response | None]:
        """The logged-in user of a page, or the response that refuses it: to the login page
        without a session, 403 when the user's role may not see it (a blind coder asking for
        anything that shows codes)."""
        from starlette.responses import RedirectResponse

        user = self.current(request, proj)
        if user is None:
            return {}, RedirectResponse("/login", status_code=303)
        if user["role"] not in roles:
            return user, self.error(403, "Your role cannot open this page.", user)
        return user, None

    def poster(
        self, request: Any, proj: Any, form: Any, roles: tuple[str, ...] = ROLES
    ) -> tuple[dict[str, Any], Response | None]:
        """As :meth:`viewer` for a form post, which also needs the session's CSRF token."""
        user, refused = self.viewer(request, proj, roles)
        if refused is None and not self.csrf_ok(str(form.get("csrf", "")), user["csrf"]):
            refused = self.error(403, "The form expired: reload the page.", user)
        return user, refused

    def form_post(
        self, roles: tuple[str, ...] = ROLES, act: bool = True
    ) -> Callable[[Callable[..., Response]], Callable[[Any], Awaitable[Response]]]:
        """Make ``handler(request, proj, user, form)`` a form-post endpoint: the form read, the
        project opened, the session, role and CSRF token checked (a refusal is answered without
        calling it). The handler runs with no ``await`` inside, in one go.

        With ``act`` the post is one action of the logged-in user (:meth:`action_of`): one
        transaction in which every row it stores carries the action's id, so that it is
        committed whole, or not at all when the handler fails, and undone whole. Posts that
        store nothing of the record (undo itself, skip, a user added) pass ``act=False``."""

        def wrap(handler: Callable[..., Response]) -> Callable[[Any], Awaitable[Response]]:
            route = handler.__name__.removesuffix("_post")

            async def endpoint(request: Any) -> Response:
                form = await request.form()
                from qualcode.serve import cache

                with self.project() as proj:
                    user, refused = self.poster(request, proj, form, roles)
                    if refused is not None:
                        return refused
                    segment = segment_of(proj, form)  # where the post's writes go
                    before = proj.store.versions()
                    try:
                        if not act:
                            return handler(request, proj, user, form)
                        with proj.store.action(*action_of(route, proj, user, form)):
                            return handler(request, proj, user, form)
                    finally:
                        cache.after(proj, before, segment)  # the review queue there

            endpoint.__doc__ = handler.__doc__
            return endpoint

        return wrap


# What a post's action is called: its route, and the form's choice where it has one.
CHOICES = ("accept", "reject", "change", "add", "reject_rest", "key_quote", "memo")
MODES = {"reconcile": "reconcile"}  # a reviewer's or lead's routes whose actions are not "review"


def action_of(route: str, proj: Any, user: dict[str, Any], form: Any) -> tuple[Any, ...]:
    """(who, kind, mode, via, segment) of a form post's action: the logged-in user; the route
    and its choice ('decide change', 'mark memo', 'code'); 'blind' for whatever a coder does
    (they never see suggestions or others' codes), 'reconcile' for a lead settling a
    disagreement, else 'review'; the segment the form names, or its suggestion's."""
    choice = str(form.get("action", "") or form.get("kind", ""))
    kind = f"{route} {choice}" if choice in CHOICES else route
    mode = "blind" if user["role"] == "coder" else MODES.get(route, "review")
    return user["name"], kind, mode, "browser", segment_of(proj, form)


def segment_of(proj: Any, form: Any) -> str | None:
    """The segment a form acts on: the suggestion's it names, else its own field."""
    given = str(form.get("application", ""))
    found = proj.store.application_state(int(given)) if given.isdigit() else None
    return str(found[0]) if found else (str(form.get("segment", "")) or None)
