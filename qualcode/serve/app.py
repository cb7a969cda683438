"""The review server: server-rendered pages over the project store, for a team's browsers.

Every page opens the project store for the request and closes it after (SQLite in WAL mode: many
readers, one short write transaction per decision). A decision is recorded under the logged-in
user, never a name from a form. Coders (blind second coding) are sent only their own sample's
segments and their own codes: never a suggestion or another coder's codes. No request is logged;
no asset comes from the network.

A suggestion is checked and decided in one store transaction, so two reviewers (or a reviewer and
a model retraining in another process) can never both decide it.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from qualcode.errors import QualcodeError
from qualcode.review.layers import decidable
from qualcode.serve.accounts import (
    MIN_PASSWORD,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)
from qualcode.serve.learning import Learner
from qualcode.serve.network import MAX_BODY, BodyTooLarge, Gate, Network
from qualcode.serve.site import (
    COOKIE,
    HERE,
    SEES_CODES,
    SESSION_DAYS,
    Site,
    codebook_of,
    since,
)

LOGIN_COOKIE = "qc_login"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_MEMO = 10_000  # characters of one memo
HOLD = 300  # seconds a reviewer keeps the segment they have open from other reviewers
RECENT = 120  # seconds during which another reviewer's decision is marked "just now"
GROUPS = 12  # attributes with more values than this (dates, years) are not offered as parts
ACTIONS = {"accept": "accepted", "reject": "rejected", "recode": "changed"}
UNTICK = "untick"  # the note of a blind coder's decision taking their own code back
NOT_SUGGESTION = (
    "Item {} is not a machine suggestion: a person's coding is theirs, never accepted, "
    "rejected or changed by a reviewer (reconcile settles differences)."
)


class Desk:
    """Which segment each reviewer has open (so two reviewers are not given the same one), which
    they skipped and which part of the work they chose; in memory, as the server is one process
    (a restart forgets it; nothing stored depends on it)."""

    def __init__(self) -> None:
        self.open: dict[str, tuple[str, float]] = {}  # reviewer -> (segment, until)
        self.skipped: dict[str, set[str]] = defaultdict(set)
        self.only: dict[str, str] = {}  # reviewer -> the part of the work they chose

    def hold(self, who: str, segment: str) -> None:
        self.open[who] = (segment, time.monotonic() + HOLD)

    def held_by_others(self, who: str) -> frozenset[str]:
        clock = time.monotonic()
        return frozenset(s for w, (s, until) in self.open.items() if w != who and until > clock)

    def holder(self, segment: str, who: str) -> str:
        clock = time.monotonic()
        held = (w for w, (s, until) in self.open.items() if s == segment and until > clock)
        return next((w for w in held if w != who), "")


def create_app(root: Path, secure_cookies: bool = False, network: Network | None = None) -> Any:
    """The review server's app over the project at ``root``; ``network`` says its public
    address and trusted proxies (qualcode.serve.network; by default this machine only)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from qualcode.serve import cache, fragments, lead, logins, summaries

    site = Site(root, secure_cookies, network)
    desk = Desk()
    learner = Learner(root)

    def go(path: str) -> Response:
        return RedirectResponse(path, status_code=303)

    def login_session(request: Request, proj: Any, user_id: int, how: str) -> Response:
        """Log the user in (``how``: with their password, or through an invite): a session,
        and its audit entry in the same transaction."""
        token = new_token()
        proj.store.log_in(token_hash(token), user_id, new_token(), how)
        response = go("/")
        response.set_cookie(
            COOKIE, token, max_age=SESSION_DAYS * 86400, httponly=True, samesite="strict",
            secure=site.secure(request), path="/",
        )  # fmt: skip
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    async def login_form(request: Request) -> Response:
        nonce = new_token()
        response = site.page("login.html", csrf=nonce, error="")
        response.set_cookie(
            LOGIN_COOKIE,
            nonce,
            httponly=True,
            samesite="strict",
            secure=site.secure(request),
            path="/",
        )
        return response

    async def login(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        if not site.csrf_ok(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")):
            return site.error(403, "The form expired: open the login page again.")
        address = request.client.host if request.client else ""  # after trusted proxies
        with site.project() as proj:
            if logins.held_back(proj, name, address):  # stored: a restart keeps it
                return site.error(
                    429, "Too many failed logins from here: wait 15 minutes, or ask a lead to "
                    "unlock your name.",
                )  # fmt: skip
            user = proj.store.user(name)
            ok = verify_password(password, user["password_hash"] if user else None)
            if not ok or user is None or not user["active"]:
                logins.failed(proj, name, address)
                nonce = str(form.get("csrf", ""))
                return site.page("login.html", 401, csrf=nonce, error="Wrong name or password.")
            logins.succeeded(proj, name, address)
            return login_session(request, proj, user["id"], "password")

    async def invite_form(request: Request) -> Response:
        token = request.path_params["token"]
        with site.project() as proj:
            user_id = proj.store.open_invite(token_hash(token), since())
            if user_id is None:
                return site.error(
                    404, "This invite was used, expired (after 7 days) or never existed."
                )
            name = next((u["name"] for u in proj.store.users() if u["id"] == user_id), "")
        return site.page("invite.html", token=token, error="", person=name, least=MIN_PASSWORD)

    async def invite(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form()
        password = str(form.get("password", ""))
        if len(password) < MIN_PASSWORD or password != str(form.get("again", "")):
            return site.page(
                "invite.html", 400, token=token, person="", least=MIN_PASSWORD,
                error=f"Use the same password twice, at least {MIN_PASSWORD} characters.",
            )  # fmt: skip
        hashed = hash_password(password)  # (50 ms: not while holding the store)
        with site.project() as proj, proj.store.transaction():  # password set and logged in
            user_id = proj.store.open_invite(token_hash(token), since())
            if user_id is None or not proj.store.use_invite(
                token_hash(token), user_id, hashed, since()
            ):
                return site.error(
                    404, "This invite was used, expired (after 7 days) or never existed."
                )
            return login_session(request, proj, user_id, "invite")

    async def logout(request: Request) -> Response:
        form = await request.form()
        with site.project() as proj:
            user = site.current(request, proj)
            if user is not None and site.csrf_ok(str(form.get("csrf", "")), user["csrf"]):
                proj.store.drop_session(token_hash(request.cookies.get(COOKIE, "")))
                desk.open.pop(user["name"], None)
        response = go("/login")
        response.delete_cookie(COOKIE, path="/")
        return response

    async def home(request: Request) -> Response:
        asked = request.query_params.get("segment", "")
        with site.project() as proj:
            user, refused = site.viewer(request, proj)
            if refused is not None:
                return refused
            if user["role"] == "coder":
                sample = blind_sample(proj, user)
                if asked and asked not in sample:
                    return site.error(403, "That segment is not in your sample.", user)
                return site.page("blind.html", user=user, **blind_item(proj, user, sample, asked))
            if asked and proj.store.segment_row(asked) is None:
                return site.error(404, "No such segment.", user)
            who = user["name"]
            segment = asked or next_segment(proj, who, desk)
            if segment:
                desk.hold(who, segment)
            values: dict[str, Any] = {"item": None}
            if segment:
                values = review_item(proj, who, segment)
            values["parts"] = [(k, label) for k, label, _ in parts(proj)]
            values["part"] = desk.only.get(who, "")
            documents = chosen_documents(proj, values["part"])
            if segment and documents is not None:  # the count of the part being worked on
                waiting = cache.undecided_in(proj, documents) - proj.store.reviewed_by(who)
                values["left"] = len(waiting)
                values["part_label"] = next(
                    (label for k, label, _ in parts(proj) if k == values["part"]), ""
                )
            values["part_options"] = fragments.part_options(parts(proj), values["part"])
            values["taken"] = request.query_params.get("taken", "")
            values["renewed"] = request.query_params.get("renewed", "")
            values["learning"] = learner.status
            values["holder"] = desk.holder(segment, who) if segment else ""
            return site.page("review.html", user=user, **values)

    @site.form_post(SEES_CODES)
    def decide(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        """One reviewer's action on a suggestion (accept, reject, change to a code) or on a
        segment (add a code, reject the rest); then the segment again, or the next one once
        nothing on it is left to decide."""
        store, who = proj.store, user["name"]
        action, code = str(form.get("action", "")), str(form.get("code", ""))
        known = {c.id for c in codebook_of(proj).codes}
        if action in ("accept", "reject", "change"):
            given = str(form.get("application", ""))
            app_id = int(given) if given.isdigit() else -1
            found = store.application_state(app_id)
            if found is None:
                return site.error(400, "No such suggestion.", user)
            if decidable(found) == "coding":  # an imported or typed coding: its coder's own
                return site.error(400, NOT_SUGGESTION.format(app_id), user)
            segment, suggested, *_ = found
            if action == "change" and code not in known:
                return site.error(400, "Pick a code from the codebook to change to.", user)
            if action == "accept" and suggested not in known:
                return site.error(400, "A topic is not a code: change it to one (c).", user)
            if action == "change":
                then = (code, "add", f"changed from {suggested}")
                done = store.decide_open(app_id, who, "recode", f"changed to {code}", then)
            else:
                done = store.decide_open(app_id, who, action)
            if done == "superseded":  # the model learnt meanwhile: new suggestions
                return go(f"/?segment={segment}&renewed=1")
            if done == "taken":  # someone was quicker
                return go(f"/?segment={segment}&taken={app_id}")
            if done != "stored":  # gone, or a coding, since it was read: nothing stored
                return site.error(400, NOT_SUGGESTION.format(app_id), user)
        elif action in ("add", "reject_rest"):
            segment = str(form.get("segment", ""))
            if store.segment_row(segment) is None:
                return site.error(400, "No such segment.", user)
            if action == "add":
                if code not in known:
                    return site.error(400, "Pick a code from the codebook to add.", user)
                store.decide(None, segment, code, who, "add")
            for app_id in rest(store, segment, form) if action == "reject_rest" else ():
                store.decide_open(app_id, who, "reject")  # unless someone just decided it
        else:
            return site.error(400, "Unknown action.", user)
        if store.undecided_on(segment):
            return go(f"/?segment={segment}")
        if segment not in store.reviewed_by(who):  # finished now, in the same action
            store.mark_reviewed(segment, who)
            learner.finished_one(proj.settings.suggest.retrain_every)
        return go("/")

    @site.form_post(SEES_CODES, act=False)
    def skip(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        """Leave the open segment for now (it stays in the queue): the next one."""
        desk.skipped[user["name"]].add(str(form.get("segment", "")))
        return go("/")

    @site.form_post(SEES_CODES, act=False)
    def choose(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        """Choose the part of the work to do (an interview, or participants with an attribute
        value); an empty choice is all of it."""
        key = str(form.get("part", ""))
        if key and chosen_documents(proj, key) is None:
            return site.error(400, "No such part of the work.", user)
        desk.only[user["name"]] = key
        desk.skipped[user["name"]].clear()
        return go("/")

    @site.form_post()
    def mark(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        """Key quote (toggle) or memo on a segment the user may see."""
        segment, kind = str(form.get("segment", "")), str(form.get("kind", ""))
        if proj.store.segment_row(segment) is None or kind not in ("key_quote", "memo"):
            return site.error(400, "No such segment or mark.", user)
        if user["role"] == "coder" and (
            kind != "memo" or segment not in blind_sample(proj, user)
        ):  # a key-quote mark is shared: a blind coder neither sees nor sets it
            return site.error(403, "Blind coders write memos on their own segments.", user)
        if kind == "memo":
            text = str(form.get("text", "")).strip()
            if len(text) > MAX_MEMO:  # shown wherever memos are listed: kept to a note's size
                return site.error(
                    400, f"A memo is at most {MAX_MEMO:,} characters; this one has {len(text):,}.",
                    user,
                )  # fmt: skip
            if text:
                proj.store.add_mark(segment, user["name"], "memo", text)
        else:
            kind = "not_key_quote" if segment in proj.store.key_quotes() else "key_quote"
            proj.store.add_mark(segment, user["name"], kind)
        return go(f"/?segment={segment}")

    @site.form_post(act=False)  # an undo is recorded as the action it takes back being undone
    def undo(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        """Take back the user's latest action still standing, whole: everything one post
        stored (a change's two decisions, reject-the-rest's rejections and the finished
        segment, a memo, a checklist) is recorded as undone, never deleted; nobody else's
        action is ever touched. Then its segment again (the queue when nothing is left)."""
        before = proj.store.versions()
        done = proj.store.undo_last_action(user["name"])
        segment = done[2] if done is not None else ""
        cache.after(proj, before, segment)  # the queue: what the action had decided is open
        if form.get("back") == "reconcile":  # from the reconcile page: back there, at it
            a, b = str(form.get("a", "")), str(form.get("b", ""))
            return go("/reconcile?" + urlencode({"a": a, "b": b, "at": segment}))
        return go(f"/?segment={segment}" if segment else "/")

    @site.form_post()
    def code(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        """A blind coder's checklist for one segment of their sample: the ticked codes become
        theirs (a code they untick is taken back by a decision, which undo revives), and the
        segment counts as coded by them."""
        segment, who = str(form.get("segment", "")), user["name"]
        if user["role"] == "coder" and segment not in blind_sample(proj, user):
            return site.error(403, "That segment is not in your sample.", user)
        known = {c.id for c in codebook_of(proj).codes}
        given = {str(c) for c in form.getlist("code")}
        if proj.store.segment_row(segment) is None or not given <= known:
            return site.error(400, "Unknown segment or code.", user)
        mine = own_codes(proj, segment, who)
        for c in sorted(set(mine) - given):  # taken back: their layer only (review.layers)
            proj.store.decide(None, segment, c, who, "reject", UNTICK)
        for c in sorted(given - set(mine)):
            proj.store.decide(None, segment, c, who, "add")
        proj.store.mark_reviewed(segment, who)
        return go("/")

    async def segment_state(request: Request) -> Response:
        """What others decided on a segment's suggestions, for the page to mark while open
        (reviewers and leads only: never a blind coder)."""
        with site.project() as proj:
            user, refused = site.viewer(request, proj, SEES_CODES)
            if refused is not None:
                return JSONResponse({"error": "refused"}, status_code=refused.status_code)
            segment = request.path_params["segment"]
            decided = {
                str(s["id"]): s["decided"]
                for s in suggestion_rows(proj, segment, user["name"])
                if s["decided"]
            }
            return JSONResponse({"decided": decided, "holder": desk.holder(segment, user["name"])})

    async def project_problem(request: Request, exc: Exception) -> Response:
        """A project the server cannot read as it is (a codebook with a YAML mistake, a store
        from a newer qualcode): the problem in one line, for whoever can fix it, and the page
        works again on reload once it is fixed. Nothing was stored by the request."""
        sys.stderr.write(f"qualcode serve: {exc}\n")
        return site.error(500, f"The project cannot be read: {exc}. Fix it, then reload.")

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
        Route("/skip", skip, methods=["POST"]),
        Route("/choose", choose, methods=["POST"]),
        Route("/mark", mark, methods=["POST"]),
        Route("/undo", undo, methods=["POST"]),
        Route("/code", code, methods=["POST"]),
        Route("/api/segment/{segment}", segment_state),
        *lead.routes(site),
        *summaries.routes(site),  # framework summaries (issue 28)
        *logins.routes(site),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    async def too_large(request: Request, exc: Exception) -> Response:
        return site.error(413, f"The form is too large (at most {MAX_BODY:,} bytes).")

    app = Starlette(
        routes=routes,
        middleware=[Middleware(Gate, network=site.network), Middleware(Headers)],
        exception_handlers={QualcodeError: project_problem, BodyTooLarge: too_large},
    )
    app.state.learner = learner  # for tests and benchmarks to wait on
    return app


def parts(proj: Any) -> list[tuple[str, str, frozenset[int]]]:
    """The parts of the work a reviewer can choose to do, as (key, label, documents): every
    interview, and every value of each participant attribute (role, sector...)."""
    from qualcode.serve import cache

    return cache.by_others(proj, "parts", lambda: _parts(proj))


def _parts(proj: Any) -> list[tuple[str, str, frozenset[int]]]:
    store = proj.store
    docs = store.current_documents()
    attrs = store.participant_attributes()
    out = [("", "all interviews", frozenset(d["id"] for d in docs))]
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for d in docs:
        for name, value in attrs.get(d["participant_id"] or "", {}).items():
            if value:
                groups[(name, value)].add(d["id"])
    values = Counter(name for name, _ in groups)
    for (name, value), ids in sorted(groups.items()):
        # a value every interview has divides nothing; dates and the like are no groups
        if len(ids) < len(docs) and values[name] <= GROUPS:
            out.append((f"{name}={value}", f"{name}: {value}", frozenset(ids)))
    for d in sorted(docs, key=lambda d: str(d["participant_id"] or d["name"])):
        label = str(d["participant_id"] or d["name"])
        out.append((f"doc={d['id']}", f"interview {label}", frozenset({d["id"]})))
    return out


def chosen_documents(proj: Any, key: str) -> frozenset[int] | None:
    """The documents of the part of the work ``key`` names (None: all of it)."""
    if not key:
        return None
    return next((ids for k, _, ids in parts(proj) if k == key), None)


def next_segment(proj: Any, who: str, desk: Desk) -> str:
    """The next segment with suggestions for this reviewer that no other reviewer has open
    (and that they did not skip, until only skipped ones are left), in the part of the work
    they chose: in the model's order when there is one, else in document order; '' when none
    is left."""
    from qualcode.serve import cache
    from qualcode.serve.learning import model_order

    store = proj.store
    held = desk.held_by_others(who)
    documents = chosen_documents(proj, desk.only.get(who, ""))
    for passing in (held | frozenset(desk.skipped[who]), held):
        order = model_order(proj)
        if order:
            waiting = cache.undecided_in(proj, documents) - store.reviewed_by(who) - passing
            found = next((s for s in order if s in waiting), "")
            if found:
                return found
        first = cache.first_for(proj, who, passing, documents)  # none in the model's order
        if first is not None:
            return first
        desk.skipped[who].clear()
    return ""


def suggestion_rows(proj: Any, segment: str, who: str) -> list[dict[str, Any]]:
    """A segment's current suggestions, each with what was decided on it and by whom (marked
    "just now" when another reviewer decided it in the last two minutes)."""
    from datetime import UTC, datetime

    codebook = codebook_of(proj)
    precision = proj.store.model_precision()
    terms = topic_terms(proj)
    clock = datetime.now(UTC)
    rows = []
    for (
        app_id,
        _,
        code,
        kind,
        _,
        score,
        start,
        end,
        action,
        by,
        at,
    ) in proj.store.segment_suggestions(segment):
        found = codebook.code(code)
        decided = ""
        if action is not None:
            ago = (clock - datetime.fromisoformat(at)).total_seconds()
            decided = f"{ACTIONS.get(action, action)} by {'you' if by == who else by}"
            decided += " just now" if by != who and ago < RECENT else ""
        rows.append({
            "id": app_id, "code": code, "kind": kind, "score": score, "start": start, "end": end,
            "name": found.name if found else topic_name(code, terms),
            "is_code": found is not None,
            "definition": found.definition if found else topic_definition(code, terms),
            "precision": precision.get(code) if kind == "model" else None, "decided": decided,
        })  # fmt: skip
    return rows


def topic_terms(proj: Any) -> dict[str, list[str]]:
    """code -> terms of each topic of the latest topic model ('topic.<model>.<n>'), as the
    review app names them: a reviewer sees what a topic is about, never its id."""
    latest = proj.store.latest_run("topics")
    if latest is None:
        return {}
    model = latest[1].get("model", "")
    return {
        f"topic.{model}.{t['number']}": [str(w).replace("_", " ") for w in t.get("terms", [])]
        for t in latest[1].get("topics", [])
    }


def topic_name(code: str, terms: dict[str, list[str]]) -> str:
    """A suggestion's name when the codebook lacks its code: a topic by its first terms."""
    if not code.startswith("topic."):
        return code
    found = terms.get(code)
    return f"topic: {', '.join(found[:5])}" if found else "topic (terms unknown)"


def topic_definition(code: str, terms: dict[str, list[str]]) -> str:
    found = terms.get(code) if code.startswith("topic.") else None
    about = f": {', '.join(found)}" if found else ""
    return f"A theme the codebook lacks{about}. Change it to a code (c) or reject it (r)."


def review_item(proj: Any, who: str, segment: str) -> dict[str, Any]:
    """One segment for a reviewer: its text between the turns around it, every suggestion on
    it (with others' decisions marked), the codes given so far, memos and the key-quote mark."""
    from qualcode.serve import cache, fragments

    store = proj.store
    _, doc_id, turn, start, end = store.segment_row(segment)
    doc = cache.by_others(proj, f"document {doc_id}", lambda: store.document(doc_id))
    codebook = codebook_of(proj)
    suggestions = suggestion_rows(proj, segment, who)
    for s in suggestions:  # the words a rule matched, when not the whole turn
        whole = (s["start"], s["end"]) == (start, end)
        s["evidence"] = "" if whole else doc.text[s["start"] : s["end"]]
    added = list(own_codes(proj, segment, who))
    return {
        "item": {"segment": segment, "turn": turn},
        "participant": doc.participant_id or doc.name,
        **around(doc, turn, start, end),
        "left": cache.waiting_for(proj, who),
        "suggestions": suggestions,
        "open": sum(1 for s in suggestions if not s["decided"]),
        "added": [codebook.code(c).name if codebook.code(c) else c for c in added],
        "memos": store.segment_memos(segment),
        "key_quote": segment in store.key_quotes(),
        "groups": [(g.name, [(c.id, c.name) for c in g.codes]) for g in codebook.groups],
        "code_options": fragments.code_options(codebook),
    }


def around(doc: Any, turn: int, start: int, end: int) -> dict[str, str]:
    """A segment's text and the turns before and after it, as 'speaker: words'."""
    turns = {t.index: t for t in doc.turns}

    def said(t: Any) -> str:
        return f"{t.speaker or ''}: {doc.text[t.start : t.end]}" if t else ""

    before, after = turns.get(turn - 1), turns.get(turn + 1)
    return {"before": said(before), "text": doc.text[start:end], "after": said(after)}


def blind_sample(proj: Any, user: dict[str, Any]) -> list[str]:
    """A coder's blind sample, in document order: their share of each interview's participant
    turns (at least one each), ranked by a hash of their seed and the segment, so it stays the
    same however much they have coded and when other interviews are added or re-ingested.
    With ``overlap`` (another coder), only turns that coder has coded, each taken when its hash
    falls under the share: the sample grows as that coder goes on, and never loses a turn."""
    import hashlib

    from qualcode.review.longform import human_coders

    store = proj.store
    asked = store.interviewer_segments()
    share, seed, other = float(user["sample"]), int(user["seed"]), user.get("overlap") or ""
    among = set(human_coders(store, [other])[other]) if other else None
    by_doc: dict[int, list[tuple[str, int, int, int, int]]] = defaultdict(list)
    for row in store.current_segments():
        if row[0] not in asked and (among is None or row[0] in among):
            by_doc[row[1]].append(row)

    def rank(row: tuple[str, int, int, int, int]) -> bytes:
        return hashlib.sha256(f"{seed}:{row[0]}".encode()).digest()

    out: list[str] = []
    for doc_id in sorted(by_doc):
        rows = by_doc[doc_id]
        if among is not None and share < 1.0:
            rows = [r for r in rows if int.from_bytes(rank(r)[:8], "big") < share * 2**64]
        elif share < 1.0:
            rows = sorted(rows, key=rank)[: max(1, round(share * len(rows)))]
        out.extend(r[0] for r in sorted(rows, key=lambda r: r[3]))
    return out


def rest(store: Any, segment: str, form: Any) -> list[int]:
    """The suggestions 'reject the rest' rejects: those still open on the segment that the
    page showed (a suggestion a retrained model stored since is shown before it is decided)."""
    shown = {int(x) for x in form.getlist("shown") if str(x).isdigit()}
    return [a[0] for a in store.undecided_on(segment) if not shown or a[0] in shown]


def own_codes(proj: Any, segment: str, who: str) -> dict[str, int]:
    """The codes this user gave a segment (added, ticked or changed to) and has not taken back
    since (unticked): code -> the decision that gave it."""
    mine: dict[str, int] = {}
    for app, action, c, did in proj.store.session_decisions_ids(segment, who):
        if app is None and action == "add":
            mine[c] = did
        elif app is None:  # 'reject' of their own code: taken back
            mine.pop(c, None)
    return mine


def blind_item(proj: Any, user: dict[str, Any], sample: list[str], asked: str) -> dict[str, Any]:
    """The segment a coder asked for (one of their sample), else the next they have not coded,
    with the codebook as a checklist ticked with their own codes only: never a suggestion or
    another coder's codes."""
    store = proj.store
    done = store.reviewed_by(user["name"])
    left = [s for s in sample if s not in done]
    segment = asked or (left[0] if left else "")
    if not segment:
        return {"item": None, "coded": len(sample)}
    _, doc_id, turn, start, end = store.segment_row(segment)
    doc = store.document(doc_id)
    codebook = codebook_of(proj)
    return {
        "item": {"segment": segment, "turn": turn},
        "participant": doc.participant_id or doc.name,
        **around(doc, turn, start, end),
        "left": len(left),
        "coded": len(sample) - len(left),
        "ticked": set(own_codes(proj, segment, user["name"])),
        "groups": [
            (g.name, [(c.id, c.name, c.definition) for c in g.codes]) for g in codebook.groups
        ],
    }
