"""The review server: server-rendered pages over the project store, for a team's browsers.

Every page opens the project store for the request and closes it after (SQLite in WAL mode: many
readers, one short write transaction per decision). A decision is recorded under the logged-in
user, never a name from a form. Coders (blind second coding) are never sent a suggestion or
another coder's codes. No request is logged; no asset comes from the network.
"""

from __future__ import annotations

import hmac
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qualcode.serve.accounts import (
    MIN_PASSWORD,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)

COOKIE = "qc_session"
LOGIN_COOKIE = "qc_login"
HERE = Path(__file__).parent
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
FAILURES, WINDOW = 5, 900  # failed logins per name before a 15-minute wait


def create_app(root: Path, secure_cookies: bool = False) -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from qualcode.project import open_project

    templates = Environment(
        loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape()
    )
    failures: dict[str, list[float]] = defaultdict(list)

    @contextmanager
    def project() -> Iterator[Any]:
        proj = open_project(root)
        try:
            yield proj
        finally:
            proj.close()

    def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**values), status_code=status)

    def current(request: Request, proj: Any) -> dict[str, Any] | None:
        token = request.cookies.get(COOKIE, "")
        return proj.store.session(token_hash(token)) if token else None

    def csrf_ok(given: str, expected: str) -> bool:
        return bool(given) and hmac.compare_digest(given, expected)

    def login_session(proj: Any, user_id: int) -> Response:
        token = new_token()
        proj.store.add_session(token_hash(token), user_id, new_token())
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies, path="/"
        )
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    async def login_form(request: Request) -> Response:
        nonce = new_token()
        response = page("login.html", csrf=nonce, error="")
        response.set_cookie(
            LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=secure_cookies, path="/"
        )
        return response

    async def login(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        if not csrf_ok(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")):
            return page("error.html", 403, message="The form expired: open the login page again.")
        recent = [t for t in failures[name] if t > time.monotonic() - WINDOW]
        failures[name] = recent
        if len(recent) >= FAILURES:
            return page("error.html", 429, message="Too many failed logins: wait 15 minutes.")
        with project() as proj:
            user = proj.store.user(name)
            ok = verify_password(password, user["password_hash"] if user else None)
            if not ok or user is None or not user["active"]:
                failures[name].append(time.monotonic())
                nonce = str(form.get("csrf", ""))
                return page("login.html", 401, csrf=nonce, error="Wrong name or password.")
            failures.pop(name, None)
            return login_session(proj, user["id"])

    async def invite_form(request: Request) -> Response:
        token = request.path_params["token"]
        with project() as proj:
            if proj.store.open_invite(token_hash(token)) is None:
                return page("error.html", 404, message="This invite was used or never existed.")
        return page("invite.html", token=token, error="")

    async def invite(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form()
        password = str(form.get("password", ""))
        if len(password) < MIN_PASSWORD or password != str(form.get("again", "")):
            return page(
                "invite.html", 400, token=token,
                error=f"Use the same password twice, at least {MIN_PASSWORD} characters.",
            )  # fmt: skip
        with project() as proj:
            user_id = proj.store.open_invite(token_hash(token))
            if user_id is None or not proj.store.use_invite(
                token_hash(token), user_id, hash_password(password)
            ):
                return page("error.html", 404, message="This invite was used or never existed.")
            return login_session(proj, user_id)

    async def logout(request: Request) -> Response:
        form = await request.form()
        with project() as proj:
            user = current(request, proj)
            if user is not None and csrf_ok(str(form.get("csrf", "")), user["csrf"]):
                proj.store.drop_session(token_hash(request.cookies.get(COOKIE, "")))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def home(request: Request) -> Response:
        with project() as proj:
            user = current(request, proj)
            if user is None:
                return RedirectResponse("/login", status_code=303)
            if user["role"] == "coder":
                return page("blind.html", user=user, **blind_item(proj, user["name"]))
            return page("review.html", user=user, **review_item(proj, user["name"]))

    def poster(request: Request, proj: Any, form: Any) -> tuple[dict[str, Any], Response | None]:
        """The logged-in user of a form post, or the response that refuses it (no session, or
        no valid CSRF token)."""
        user = current(request, proj)
        if user is None:
            return {}, RedirectResponse("/login", status_code=303)
        if not csrf_ok(str(form.get("csrf", "")), user["csrf"]):
            return user, page("error.html", 403, message="The form expired: reload the page.")
        return user, None

    async def decide(request: Request) -> Response:
        form = await request.form()
        with project() as proj:
            user, refused = poster(request, proj, form)
            if refused is not None:
                return refused
            if user["role"] == "coder":
                return page("error.html", 403, message="Coders code blind: no suggestions.")
            action = str(form.get("action", ""))
            try:
                app_id = int(str(form.get("application", "")))
            except ValueError:
                app_id = -1
            found = proj.store.application(app_id)
            if action not in ("accept", "reject") or found is None:
                return page("error.html", 400, message="No such suggestion.")
            _, segment, code, superseded, _, decisions = found
            # checked and decided with no await between: requests run one at a time on the
            # event loop, so two reviewers can never both decide one suggestion
            if decisions or superseded is not None:
                return RedirectResponse("/?taken=1", status_code=303)  # someone was quicker
            proj.store.decide(app_id, segment, code, user["name"], action)
            if not proj.store.undecided_on(segment):
                proj.store.mark_reviewed(segment, user["name"])
        return RedirectResponse("/", status_code=303)

    async def code(request: Request) -> Response:
        form = await request.form()
        with project() as proj:
            user, refused = poster(request, proj, form)
            if refused is not None:
                return refused
            segment = str(form.get("segment", ""))
            known = {c.id for c in _codebook(proj).codes}
            given = [str(c) for c in form.getlist("code")]
            if not segment or any(c not in known for c in given):
                return page("error.html", 400, message="Unknown segment or code.")
            for c in sorted(set(given)):
                proj.store.decide(None, segment, c, user["name"], "add")
            proj.store.mark_reviewed(segment, user["name"])
        return RedirectResponse("/", status_code=303)

    class Headers(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: Any) -> Response:
            response: Response = await call_next(request)
            response.headers.update(HEADERS)
            return response

    routes = [
        Route("/", home),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/invite/{token}", invite_form, methods=["GET"]),
        Route("/invite/{token}", invite, methods=["POST"]),
        Route("/decide", decide, methods=["POST"]),
        Route("/code", code, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Headers)])


_CODEBOOKS: dict[tuple[str, int, int], Any] = {}


def _codebook(proj: Any) -> Any:
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


def review_item(proj: Any, reviewer: str) -> dict[str, Any]:
    """The next segment with undecided suggestions for this reviewer, and its suggestions
    (read from the store directly: no whole queue is built for one page)."""
    from qualcode.review.session import Suggestion

    store = proj.store
    found = store.next_for(reviewer)
    if found is None:
        return {"item": None}
    (segment, doc_id, turn, start, end), apps = found
    doc = store.document(doc_id)
    names = {c.id: c.name for c in _codebook(proj).codes}
    suggestions = [Suggestion(a[0], *a[2:]) for a in apps]
    return {
        "item": {"segment": segment, "turn": turn},
        "participant": doc.participant_id or doc.name,
        "text": doc.text[start:end],
        "left": store.waiting_for(reviewer),
        "suggestions": [
            {
                "id": s.app_id,
                "code": names.get(s.code, s.code),
                "kind": s.kind,
                "score": s.score,
                "evidence": doc.text[s.start : s.end] if (s.start, s.end) != (start, end) else "",
            }
            for s in suggestions
        ],
    }


def blind_item(proj: Any, coder: str) -> dict[str, Any]:
    """The next segment this coder has not coded, and the codebook as a checklist: never a
    suggestion or another coder's codes."""
    from qualcode.review.session import blind_queue

    store = proj.store
    asked = store.interviewer_segments()
    segments = [s for s in store.current_segments() if s[0] not in asked]
    queue = blind_queue(segments, store.reviewed_by(coder))
    if not queue:
        return {"item": None}
    item = queue[0]
    doc = store.document(item.document_id)
    codebook = _codebook(proj)
    return {
        "item": item,
        "participant": doc.participant_id or doc.name,
        "text": doc.text[item.start : item.end],
        "left": len(queue),
        "groups": [(g.name, [(c.id, c.name) for c in g.codes]) for g in codebook.groups],
    }
