"""A lead's pages (and the reviewers' read-only ones): quotes for a code, memos, agreement,
reconcile side by side, report downloads, users. Blind coders are refused every one.

Each page calls the library function its CLI command calls (quotes, memos, agreement, reconcile,
export): what a page shows and a download holds is what the command prints and writes,
pseudonymised the same way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from qualcode.errors import QualcodeError
from qualcode.serve import logins, people
from qualcode.serve.site import LEADS, ROLES, SEES_CODES, Site, codebook_of

SAMPLES, SEED = 1000, 0  # agreement's bootstrap, as 'qualcode agreement' runs it
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# The only files /downloads/{name} serves, each written on request as 'qualcode export' would.
DOWNLOADS = {
    "matrix.docx": "Framework matrices: participants x codes, best quotes in the cells (Word)",
    "matrix.xlsx": "Framework matrices (Excel)",
    "themes.docx": "Theme tables: definitions, prevalence and illustrative quotes (Word)",
    "themes.csv": "Theme tables (CSV)",
    "codings.csv": "Every code application, one row each, for other tools (CSV)",
    "methods.docx": "The methods appendix: who coded what, agreement, saturation (Word)",
}


def routes(site: Site) -> list[Any]:
    from starlette.requests import Request
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    def quotes_page(request: Request) -> Response:
        from qualcode.review.notes import quotes

        code = request.query_params.get("code", "")
        suggestions = request.query_params.get("suggestions") == "1"
        with site.project() as proj:
            user, refused = site.viewer(request, proj, SEES_CODES)
            if refused is not None:
                return refused
            codebook = codebook_of(proj)
            if code and codebook.code(code) is None:
                return site.error(404, f"There is no code '{code}' in the codebook.", user)
            return site.page(
                "lead_quotes.html", user=user, groups=_groups(codebook), code=code,
                suggestions=suggestions,
                listing=quotes(proj, codebook, code, suggestions) if code else None,
            )  # fmt: skip

    def memos_page(request: Request) -> Response:
        from qualcode.review.notes import memos

        code = request.query_params.get("code", "")
        with site.project() as proj:
            user, refused = site.viewer(request, proj, SEES_CODES)
            if refused is not None:
                return refused
            codebook = codebook_of(proj)
            known = {c.id for c in codebook.codes} | {g.id for g in codebook.groups}
            if code and code not in known:
                return site.error(404, f"There is no code or aim '{code}' in the codebook.", user)
            return site.page(
                "lead_memos.html", user=user, groups=_groups(codebook), code=code,
                listing=memos(proj, code),
            )  # fmt: skip

    def agreement_page(request: Request) -> Response:
        chosen = request.query_params.getlist("coder")
        with site.project() as proj:
            user, refused = site.viewer(request, proj, SEES_CODES)
            if refused is not None:
                return refused
            coders = sorted(proj.store.coder_codings())
            values: dict[str, Any] = {"user": user, "coders": coders, "chosen": chosen}
            try:
                values |= _agreement(proj, chosen)
            except QualcodeError as exc:  # fewer than two coders, or a name with no coding
                status = 400 if chosen else 200  # a wrong choice, or too little coded yet
                return site.page("lead_agreement.html", status, error=str(exc), **values)
            return site.page("lead_agreement.html", **values)

    def reconcile_page(request: Request) -> Response:
        from qualcode.review.reconcile import disagreements

        q = request.query_params
        a, b = q.get("a", ""), q.get("b", "")
        with site.project() as proj:
            user, refused = site.viewer(request, proj, LEADS)
            if refused is not None:
                return refused
            coders = [*sorted(set(proj.store.coder_codings()) - {"resolved"}), "rule", "model"]
            pick = {"a": a or coders[0], "b": b or coders[1]}
            values: dict[str, Any] = {
                "user": user, "coders": coders, "pick": pick, "a": a, "b": b,
                "taken": q.get("taken"),
            }  # fmt: skip
            if not (a and b):
                return site.page("lead_reconcile.html", **values)
            try:
                session = _session(proj, a, b, user)
            except QualcodeError as exc:
                return site.page("lead_reconcile.html", 400, error=str(exc), **values)
            at = [d for d in session.items if d.segment == q.get("at")]  # undone: it again
            item = at[0] if at else _next(proj, session.items, q.get("after", ""))
            values["total"] = len(disagreements(proj, a, b, done=True))
            values["shared"] = _shared(proj, a, b)
            if item is not None:
                values |= _shown(session, item, _groups(session.codebook))
            return site.page("lead_reconcile.html", **values)

    def _shared(proj: Any, a: str, b: str) -> int:
        """Segments both coders coded (a machine: every segment the other coded), as
        disagreements() compares them: none means nothing to reconcile, not agreement."""
        from qualcode.review.reconcile import MACHINES, _codings

        ca, cb = _codings(proj, a), _codings(proj, b)
        if a in MACHINES or b in MACHINES:
            return len(cb if a in MACHINES else ca)
        return len(ca.keys() & cb.keys())

    @site.form_post(LEADS)
    def reconcile_post(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        a, b, segment = (str(form.get(k, "")) for k in ("a", "b", "segment"))
        try:  # checked and stored in one go: nobody settles it in between
            session = _session(proj, a, b, user)
            open_ = [d.segment for d in session.items]
            if segment not in open_:  # settled meanwhile (another tab, another lead)
                return _reconcile_at(a, b, segment, taken="1")
            session.position = open_.index(segment)
            session.rationale = str(form.get("rationale", "")).strip()
            session.choose(str(form.get("choice", "")), str(form.get("other", "")))
        except QualcodeError as exc:
            return site.error(400, str(exc), user)
        return _reconcile_at(a, b, segment)

    def _reconcile_at(a: str, b: str, after: str, **more: str) -> Response:
        query = urlencode({"a": a, "b": b, "after": after, **more})
        return RedirectResponse(f"/reconcile?{query}", status_code=303)

    def downloads_page(request: Request) -> Response:
        with site.project() as proj:
            user, refused = site.viewer(request, proj, LEADS)
            if refused is not None:
                return refused
            return site.page("lead_downloads.html", user=user, downloads=DOWNLOADS)

    def download(request: Request) -> Response:
        name = request.path_params["name"]
        with site.project() as proj:
            user, refused = site.viewer(request, proj, LEADS)
            if refused is not None:
                return refused
            if name not in DOWNLOADS:  # never a path from the request
                return site.error(404, "There is no such download.", user)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / name
                try:
                    _export(proj, name, path)
                except QualcodeError as exc:
                    return site.error(409, str(exc).replace(f"{tmp}/", ""), user)
                data = path.read_bytes()
        return Response(
            data,
            media_type=MEDIA[path.suffix[1:]],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def users_page(request: Request) -> Response:
        with site.project() as proj:
            user, refused = site.viewer(request, proj, LEADS)
            if refused is not None:
                return refused
            return _users(proj, user)

    def _users(proj: Any, user: dict[str, Any], status: int = 200, **values: Any) -> Response:
        return site.page(
            "lead_users.html", status, user=user, users=proj.store.users(), roles=ROLES,
            progress=proj.store.reviewer_progress(), coders=sorted(proj.store.coder_codings()),
            share=people.progress(proj, proj.store.users()), locked=logins.locked(proj),
            **values,
        )  # fmt: skip

    @site.form_post(LEADS, act=False)  # not the coded record: the audit log keeps it
    def users_post(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        from qualcode.serve.accounts import add_user

        name = str(form.get("name", ""))
        if form.get("action") in people.ACTIONS:  # a new link, reactivation, another role
            try:
                token = people.manage(proj, user, form)
            except QualcodeError as exc:
                return _users(proj, user, 400, error=str(exc))
            if not token:
                return RedirectResponse("/users", status_code=303)
            link = site.network.invite_link(token)  # the public address, never the Host header
            return _users(proj, user, invited=name.strip(), link=link, again=True)
        if form.get("action") == "deactivate":
            if name == user["name"]:
                return _users(proj, user, 400, error="You cannot deactivate yourself.")
            try:
                if not proj.store.deactivate(name, by=user["name"], via="browser"):
                    return _users(proj, user, 404, error=f"There is no user '{name}'.")
            except QualcodeError as exc:  # the last active lead
                return _users(proj, user, 400, error=str(exc))
            return RedirectResponse("/users", status_code=303)
        try:
            sample = _number(str(form.get("sample", "")), float, 100) / 100
            seed = int(_number(str(form.get("seed", "")), int, 0))
            role, overlap = str(form.get("role", "")), str(form.get("overlap", ""))
            token = add_user(proj, name, role, sample, seed, overlap, user["name"], "browser")
        except QualcodeError as exc:
            return _users(proj, user, 400, error=str(exc))
        link = site.network.invite_link(token)  # the public address, never the Host header
        return _users(proj, user, invited=name.strip(), link=link)

    return [
        Route("/quotes", quotes_page, methods=["GET"]),
        Route("/memos", memos_page, methods=["GET"]),
        Route("/agreement", agreement_page, methods=["GET"]),
        Route("/reconcile", reconcile_page, methods=["GET"]),
        Route("/reconcile", reconcile_post, methods=["POST"]),
        Route("/downloads", downloads_page, methods=["GET"]),
        Route("/downloads/{name}", download, methods=["GET"]),
        Route("/users", users_page, methods=["GET"]),
        Route("/users", users_post, methods=["POST"]),
    ]


def _groups(codebook: Any) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The codebook for a code picker: (aim id, aim name, [(code id, code name)])."""
    return [(g.id, g.name, [(c.id, c.name) for c in g.codes]) for g in codebook.groups]


def _agreement(proj: Any, chosen: list[str]) -> dict[str, Any]:
    """The figures 'qualcode agreement [CODERS]' prints, for the page."""
    from qualcode.review.longform import (
        agreement_from_codings,
        agreement_warnings,
        mean_row,
        stored_codings,
    )

    coding = proj.settings.coding
    units, coders, data = stored_codings(proj.store, chosen or None, "", coding.interviewer_units)
    names = {c.id: c.name for c in codebook_of(proj).codes}
    rows, overall = agreement_from_codings(units, coders, data, SAMPLES, SEED, names)
    return {
        "names": coders,
        "units": len(units),
        "unit_kind": f"units are segments ({coding.unit}s of participants)",
        "double": overall.units,
        "rows": [*rows, overall, mean_row(rows)],
        "warnings": agreement_warnings(rows, overall),
        "samples": SAMPLES,
        "seed": SEED,
    }


def _session(proj: Any, a: str, b: str, user: dict[str, Any]) -> Any:
    """A reconcile session of coders ``a`` and ``b``, its choices stored under the user."""
    from qualcode.review.reconcile import ReconcileSession

    return ReconcileSession(proj, codebook_of(proj), a, b, user["name"])


def _next(proj: Any, items: list[Any], after: str) -> Any:
    """The first open disagreement after segment ``after`` in document order (skipped ones
    come round again at the end); None when none is open."""
    row = proj.store.segment_row(after) if after else None
    later = [d for d in items if row is not None and (d.document_id, d.start) > (row[1], row[3])]
    return (later or items or [None])[0]


def _shown(session: Any, item: Any, groups: list[Any]) -> dict[str, Any]:
    """One disagreement side by side: each coder's codes, the segment after the turn before it
    (the rules' evidence for the disputed codes marked), definitions, and what each choice
    would store."""
    text, participant = session.text(item)
    return {
        "item": item,
        "left": len(session.items),
        "participant": participant,
        "before": session.context(item)[0],
        "pieces": _marked(text, session.evidence(item)),
        "a_codes": sorted(session.name(c) for c in item.a),
        "b_codes": sorted(session.name(c) for c in item.b),
        "definitions": session.definitions(item),
        "outcomes": session.outcomes(item),
        "groups": groups,
    }


def _marked(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` in pieces, True for the pieces inside ``spans``."""
    pieces, at = [], 0
    for start, end in sorted(spans):
        start = max(start, at)
        if start < end:
            pieces += [(text[at:start], False), (text[start:end], True)]
            at = end
    return [*pieces, (text[at:], False)]


def _export(proj: Any, name: str, path: Path) -> None:
    """Write one of the DOWNLOADS with the functions 'qualcode export' uses."""
    kind, fmt = name.split(".")
    if kind == "codings":
        from qualcode.export.codings import write_codings
        from qualcode.export.leakgate import check_written
        from qualcode.review.findings import pseudonymise_codings
        from qualcode.review.identifiers import project_pseudonymiser

        pseudo = project_pseudonymiser(proj)
        write_codings(pseudonymise_codings(proj.store.codings(), pseudo), fmt, path)
        check_written(path, pseudo)
    elif kind == "methods":
        from qualcode.export.methods import write_methods
        from qualcode.review.methods import build_methods

        write_methods(build_methods(proj, codebook_of(proj), "en", SAMPLES), fmt, path)
    else:
        from qualcode.export.report import write_report
        from qualcode.review.findings import build_report

        write_report(kind, fmt, build_report(proj, codebook_of(proj)), path)


def _number(text: str, kind: Callable[[str], float], default: float) -> float:
    try:
        return kind(text) if text.strip() else default
    except ValueError:
        raise QualcodeError(f"'{text}' is not a number") from None
