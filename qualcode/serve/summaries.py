"""The framework summaries page: leads and reviewers write each participant's summary for a code.

GET /summaries?code=C lists the participants coded with C: their coded quotes (pseudonymised, as
the reports quote them) beside a box holding the cell's summary (a machine draft marked). Each
post stores one cell, as one action of the logged-in person (what 'summaries import' does for a
whole sheet). Blind coders are refused: the page shows codes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from qualcode.errors import QualcodeError
from qualcode.serve.site import SEES_CODES, Site, codebook_of

MAX_CHARS = 8000  # a summary is a paragraph or two, not a transcript


def routes(site: Site) -> list[Any]:
    from starlette.requests import Request
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    from qualcode.serve.lead import _groups

    def summaries_page(request: Request) -> Response:
        code = request.query_params.get("code", "")
        with site.project() as proj:
            user, refused = site.viewer(request, proj, SEES_CODES)
            if refused is not None:
                return refused
            codebook = codebook_of(proj)
            if code and codebook.code(code) is None:
                return site.error(404, f"There is no code '{code}' in the codebook.", user)
            rows = _cells(proj, codebook, code) if code else []
            return site.page(
                "lead_summaries.html", user=user, groups=_groups(codebook), code=code,
                rows=rows, saved=request.query_params.get("saved", ""),
            )  # fmt: skip

    @site.form_post(SEES_CODES, act=False)  # save() stores the cell as the person's own action
    def summaries_post(request: Request, proj: Any, user: dict[str, Any], form: Any) -> Response:
        from qualcode.analysis.summaries import changes, save

        code, who = str(form.get("code", "")), str(form.get("participant", ""))
        text = str(form.get("text", ""))
        if len(text) > MAX_CHARS:
            return site.error(400, f"A summary holds at most {MAX_CHARS:,} characters.", user)
        try:
            rows = changes(proj, codebook_of(proj), {(who, code): text})
        except QualcodeError as exc:
            return site.error(400, str(exc), user)
        save(proj, user["name"], rows, via="browser")
        query = urlencode({"code": code, "saved": who})
        return RedirectResponse(f"/summaries?{query}#{who}", status_code=303)

    return [
        Route("/summaries", summaries_page, methods=["GET"]),
        Route("/summaries", summaries_post, methods=["POST"]),
    ]


def _cells(proj: Any, codebook: Any, code: str) -> list[dict[str, Any]]:
    """Each participant coded with ``code``: id and label, quotes, and the cell's summary."""
    from qualcode.analysis.summaries import current
    from qualcode.export.tables import cite
    from qualcode.review.findings import build_report, unmark

    report = build_report(proj, codebook.only((code,)))
    quotes: dict[str, list[str]] = {}
    for q in sorted(report.quotes, key=lambda q: (q.participant, q.turn)):
        quotes.setdefault(q.participant, []).append(unmark(cite(q)))
    summaries = current(proj)
    out = []
    for p in report.participants:
        s = summaries.get((p.id, code))
        if p.id in quotes or s is not None:
            out.append({"id": p.id, "label": p.label(), "quotes": quotes.get(p.id, []),
                        "summary": s})  # fmt: skip
    return out
