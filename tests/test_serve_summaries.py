"""The framework summaries page of 'qualcode serve': reviewers and leads write a cell's summary
beside its quotes; blind coders are refused; drafts are marked; the matrix then shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qualcode.cli import main
from qualcode.project import open_project
from tests.test_serve import _client, _csrf, _join
from tests.test_serve_lead import FUNDING, team  # noqa: F401  (the fixture)

pytestmark = pytest.mark.loopback


def _summaries(root: Path) -> dict[tuple[str, str], Any]:
    from qualcode.analysis.summaries import current

    project = open_project(root)
    found = current(project)
    project.close()
    return found


def test_a_reviewer_writes_a_summary_beside_the_quotes(team: Path, tmp_path: Path) -> None:  # noqa: F811
    reviewer: Any = _join(_client(team), team, "rhian", "reviewer")
    coder: Any = _join(_client(team), team, "cy", "coder")
    assert coder.get(f"/summaries?code={FUNDING}").status_code == 403
    assert reviewer.get("/summaries?code=nope").status_code == 404
    page = reviewer.get(f"/summaries?code={FUNDING}")
    assert page.status_code == 200 and "grant" in page.text and "Jade" not in page.text
    assert 'href="/summaries"' in page.text  # in the header's pages
    said = "Funding worries ran through the whole interview."
    form = {"csrf": _csrf(page.text), "code": FUNDING, "participant": "P01", "text": said}
    r = reviewer.post("/summaries", data=form)
    assert r.status_code == 200 and said in r.text and "By rhian" in r.text
    (summary,) = _summaries(team).values()
    assert (summary.author, summary.text, summary.draft) == ("rhian", said, False)
    assert reviewer.post("/summaries", data={**form, "participant": "P99"}).status_code == 400
    assert reviewer.post("/summaries", data={**form, "csrf": "x"}).status_code == 403
    out = tmp_path / "m.md"
    assert main(["export", "matrix", "-f", "md", "-o", str(out), "-p", str(team)]) == 0
    assert f"Summary (rhian): {said}" in out.read_text()


def test_a_draft_is_marked_on_the_page(team: Path) -> None:  # noqa: F811
    assert main(["summaries", "draft", "-p", str(team)]) == 0
    lead: Any = _join(_client(team), team, "lee", "lead")
    page = lead.get(f"/summaries?code={FUNDING}")
    assert "Machine draft, unedited" in page.text
    assert all(s.draft and s.author == "machine" for s in _summaries(team).values())


def test_the_summaries_page_fits_a_phone_and_reads_its_dates(team: Path) -> None:  # noqa: F811
    """The saved line reads "By rhian, 2026-12-06 19:08" (not the ISO 'T'); the table is one
    the stylesheet stacks on a phone (quotes, then a full-width box), and the box's label is
    hidden by a rule the stylesheet has (it was shown: the class had no rule)."""
    import re

    from qualcode.serve.site import HERE

    reviewer: Any = _join(_client(team), team, "rhian", "reviewer")
    page = reviewer.get(f"/summaries?code={FUNDING}")
    form = {"csrf": _csrf(page.text), "code": FUNDING, "participant": "P01", "text": "Worried."}
    saved = reviewer.post("/summaries", data=form).text
    assert re.search(r"By rhian, \d{4}-\d\d-\d\d \d\d:\d\d<", saved), saved
    assert '<table class="summaries">' in saved and 'class="visually-hidden"' in saved
    css = (HERE / "static" / "lead.css").read_text()
    assert ".visually-hidden {" in css
    phone = css.split("@media (max-width: 40rem)")[1]
    assert "table.summaries td:last-child" in phone and "display: block" in phone
