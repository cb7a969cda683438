"""The lead's pages of 'qualcode serve': who may open them, and that each shows (or writes) what
its CLI command does: quotes, memos, agreement, reconcile, downloads, users."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.project import Project, open_project
from tests.conftest import build, interview
from tests.test_learn import MONEY, POLICE
from tests.test_serve import PASSWORD, _client, _csrf, _join
from tests.test_suggest import CODEBOOK

FUNDING, REFERRAL = "factors.funding", "police.referral_quality"
NAMED = "Jade said the grant ends in march"  # a listed name: never on a page or in a download
ANSWERS = [*MONEY, *POLICE, NAMED]
PAGES = ["/quotes", "/memos", "/agreement", "/reconcile", "/downloads", "/users"]
LEAD_ONLY = ["/reconcile", "/downloads", "/downloads/matrix.docx", "/users"]


def _codes(i: int, coder: str) -> set[str]:
    """ann codes money answers (and the named one) funding and police answers referral
    quality; bo agrees but for the first money answer (nothing) and the first police answer
    (funding too): two disagreements."""
    codes = {FUNDING} if i < len(MONEY) or i == len(ANSWERS) - 1 else {REFERRAL}
    if coder == "bo" and i == 0:
        return set()
    if coder == "bo" and i == len(MONEY):
        return codes | {FUNDING}
    return codes


@pytest.fixture
def team(project: Project) -> Path:
    files = {"P01.txt": interview("P01", ANSWERS)}
    project = build(project, files, CODEBOOK, {"export": 'names = ["Jade"]\n'})
    store = project.store
    asked = store.interviewer_segments()
    segments = [s[0] for s in store.current_segments() if s[0] not in asked]
    assert len(segments) == len(ANSWERS)
    for coder in ("ann", "bo"):
        for i, segment in enumerate(segments):
            for code in sorted(_codes(i, coder)):
                store.decide(None, segment, code, coder, "add")
            store.mark_reviewed(segment, coder)
    store.add_mark(segments[-1], "ann", "memo", "Jade was upset about the cut")
    root = project.root
    project.close()
    return root


def _resolutions(root: Path) -> list[tuple[str, str, str]]:
    project = open_project(root)
    rows = project.store.conn.execute("SELECT segment_id, choice, reviewer FROM resolutions")
    found = [tuple(r) for r in rows]
    project.close()
    return found


def test_blind_coders_reviewers_and_strangers_are_refused(team: Path) -> None:
    coder = _join(_client(team), team, "cy", "coder")
    reviewer = _join(_client(team), team, "rhian", "reviewer")
    lead = _join(_client(team), team, "lee", "lead")
    stranger = _client(team)
    for path in [*PAGES, "/downloads/matrix.docx", "/quotes?code=factors.funding"]:
        assert coder.get(path).status_code == 403, path  # type: ignore[attr-defined]
        assert stranger.get(path).url.path == "/login", path  # type: ignore[attr-defined]
        wanted = 403 if path in LEAD_ONLY else 200
        assert reviewer.get(path).status_code == wanted, path  # type: ignore[attr-defined]
    csrf = {c: _csrf(c.get("/").text) for c in (coder, reviewer)}  # type: ignore[attr-defined]
    for path in ("/reconcile", "/users"):
        for client in (coder, reviewer):
            r = client.post(path, data={"csrf": csrf[client], "name": "x", "role": "lead"})  # type: ignore[attr-defined]
            assert r.status_code == 403, path
        assert lead.post(path, data={"name": "x", "role": "lead"}).status_code == 403  # type: ignore[attr-defined]
        assert stranger.post(path, data={"name": "x"}).url.path == "/login"  # type: ignore[attr-defined]
    project = open_project(team)
    assert project.store.user("x") is None
    project.close()
    assert _resolutions(team) == []
    nav = lead.get("/users").text  # type: ignore[attr-defined]
    assert all(f'href="{p}"' in nav for p in PAGES)
    assert "style=" not in nav and "<script>" not in nav  # the CSP allows neither


def test_quotes_show_coded_segments_pseudonymised(team: Path) -> None:
    client = _join(_client(team), team, "rhian", "reviewer")
    picker = client.get("/quotes")  # type: ignore[attr-defined]
    assert '<optgroup label="Factors">' in picker.text and 'value="factors.funding"' in picker.text
    page = client.get("/quotes", params={"code": FUNDING})  # type: ignore[attr-defined]
    assert page.status_code == 200 and '<th scope="col">quote</th>' in page.text
    assert MONEY[1] in page.text and "said the grant ends in march" in page.text
    assert POLICE[1] not in page.text  # coded, but not with this code
    assert "Jade" not in page.text
    missing = client.get("/quotes", params={"code": "no.such"})  # type: ignore[attr-defined]
    assert missing.status_code == 404 and "no.such" in missing.text


def test_memos_are_pseudonymised_and_filtered_by_code(team: Path) -> None:
    client = _join(_client(team), team, "rhian", "reviewer")
    page = client.get("/memos")  # type: ignore[attr-defined]
    assert "was upset about the cut" in page.text and "Jade" not in page.text
    assert "was upset" in client.get("/memos", params={"code": "factors"}).text  # type: ignore[attr-defined]
    assert "was upset" not in client.get("/memos", params={"code": REFERRAL}).text  # type: ignore[attr-defined]
    assert client.get("/memos", params={"code": "no.such"}).status_code == 404  # type: ignore[attr-defined]


def test_agreement_shows_what_the_cli_prints(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agreement", "-p", str(team), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    client = _join(_client(team), team, "rhian", "reviewer")
    page = client.get("/agreement").text  # type: ignore[attr-defined]
    assert f"{figures['overall']['alpha']:.3f}" in page
    for row in figures["codes"]:
        assert f"<td>{row['alpha']:.3f}</td>" in page and f"<td>{row['kappa']:.3f}</td>" in page
    assert "too few for agreement figures" in page  # the CLI's warnings too
    assert '<th scope="col">kappa</th>' in page  # two coders
    # a phone scrolls the wide table within the page, as the Users page's, not the whole page
    assert '<div class="scroll"><table class="figures">' in page
    chosen = client.get("/agreement", params={"coder": ["ann", "bo"]}).text  # type: ignore[attr-defined]
    assert f"{figures['overall']['alpha']:.3f}" in chosen
    alone = client.get("/agreement", params={"coder": "ann"})  # type: ignore[attr-defined]
    assert alone.status_code == 400 and "two coders" in alone.text
    unknown = client.get("/agreement", params={"coder": "nobody"})  # type: ignore[attr-defined]
    assert unknown.status_code == 400 and "no coding by nobody" in unknown.text
    project = open_project(team)  # cy codes one segment as ann did: no variation to measure
    segment = sorted(project.store.coder_codings()["ann"])[0]
    project.store.decide(None, segment, FUNDING, "cy", "add")
    project.store.mark_reviewed(segment, "cy")
    project.close()
    assert main(["agreement", "ann", "cy", "-p", str(team), "--json"]) == 0
    codes = json.loads(capsys.readouterr().out)["codes"]
    assert codes and all(row["alpha"] is None for row in codes)
    undefined = client.get("/agreement", params={"coder": ["ann", "cy"]}).text  # type: ignore[attr-defined]
    for row in codes:  # undefined is never shown as perfect agreement
        shown = undefined.split(f'<th scope="row">{row["name"]}</th>')[1].split("</tr>")[0]
        assert "1.000" not in shown and "<abbr" in shown and "no variation" in shown


def test_reconcile_stores_under_the_lead_and_shows_the_next(team: Path) -> None:
    client = _join(_client(team), team, "lee", "lead")
    picker = client.get("/reconcile").text  # type: ignore[attr-defined]
    assert '<option value="ann" selected>' in picker and '<option value="rule">' in picker
    page = client.get("/reconcile", params={"a": "ann", "b": "bo"})  # type: ignore[attr-defined]
    assert "2 of 2 disagreements left" in page.text and "INT: Question 0?" in page.text
    assert "the <mark>grant</mark> money runs out" in page.text  # the rule's evidence
    assert 'data-key="1"' in page.text and 'data-key="4"' in page.text and "Skip" in page.text
    segment = re.search(r'name="segment" value="([^"]+)"', page.text)
    assert segment
    form = {"a": "ann", "b": "bo", "segment": segment.group(1), "choice": "a",
            "rationale": "the grant is money", "csrf": _csrf(page.text),
            "reviewer": "someone"}  # fmt: skip
    r = client.post("/reconcile", data=form)  # type: ignore[attr-defined]
    assert r.status_code == 200 and "1 of 2 disagreements left" in r.text
    assert "with no detail about the children" in r.text
    assert _resolutions(team) == [(segment.group(1), "a", "lee")]
    project = open_project(team)
    assert project.store.resolutions()[segment.group(1)] == {FUNDING}
    project.close()
    again = client.post("/reconcile", data=form)  # type: ignore[attr-defined]
    assert "settled meanwhile" in again.text and len(_resolutions(team)) == 1
    skipped = client.get(  # type: ignore[attr-defined]
        "/reconcile", params={"a": "ann", "b": "bo", "after": segment.group(1)}
    )
    other = re.search(r'name="segment" value="([^"]+)"', skipped.text)
    assert other and other.group(1) != segment.group(1)
    bad = client.post("/reconcile", data={**form, "segment": other.group(1), "choice": "other"})  # type: ignore[attr-defined]
    assert bad.status_code == 400 and len(_resolutions(team)) == 1
    same = client.get("/reconcile", params={"a": "ann", "b": "ann"})  # type: ignore[attr-defined]
    assert same.status_code == 400 and "two different coders" in same.text


def test_downloads_are_the_exports_and_nothing_else(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.errors import QualcodeError
    from qualcode.export import report
    from qualcode.serve.lead import DOWNLOADS

    client = _join(_client(team), team, "lee", "lead")
    listing = client.get("/downloads").text  # type: ignore[attr-defined]
    for name in DOWNLOADS:
        assert f'href="/downloads/{name}"' in listing
        r = client.get(f"/downloads/{name}")  # type: ignore[attr-defined]
        assert r.status_code == 200, name
        assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert r.content.startswith(b"PK") == name.endswith(("docx", "xlsx"))
    codings = client.get("/downloads/codings.csv")  # type: ignore[attr-defined]
    assert "said the grant ends" in codings.text and "Jade" not in codings.text
    exported = team / "outputs" / "codings.csv"  # the same rows as 'qualcode export codings'
    assert main(["export", "codings", "-p", str(team), "-o", str(exported)]) == 0
    assert codings.content == exported.read_bytes()
    for name in ("nope.docx", "..%2Fqualcode.toml", "..%2F..%2Fetc%2Fpasswd", "matrix.md"):
        assert client.get(f"/downloads/{name}").status_code == 404, name  # type: ignore[attr-defined]
    assert client.get("/downloads/../qualcode.toml").status_code == 404  # type: ignore[attr-defined]

    def refuse(kind: str, fmt: str, data: object, path: Path, long: bool = False) -> Path:
        raise QualcodeError(f"{path}: refused and removed: a listed name is still in it")

    monkeypatch.setattr(report, "write_report", refuse)
    refused = client.get("/downloads/themes.docx")  # type: ignore[attr-defined]
    assert refused.status_code == 409 and "themes.docx: refused and removed" in refused.text
    assert "/tmp" not in refused.text  # the temporary folder is nobody's business


def test_users_are_added_with_a_one_time_link_and_deactivated(team: Path) -> None:
    lead = _join(_client(team), team, "lee", "lead")
    page = lead.get("/users")  # type: ignore[attr-defined]
    csrf = _csrf(page.text)
    added = lead.post(  # type: ignore[attr-defined]
        "/users",
        data={"csrf": csrf, "action": "add", "name": "cy", "role": "coder", "sample": "20"},
    )
    link = re.search(r"http://127\.0\.0\.1:8765/invite/([\w-]+)", added.text)
    assert added.status_code == 200 and link and "20% of turns, seed 0" in added.text
    assert link.group(1) not in lead.get("/users").text  # type: ignore[attr-defined]
    cy = _client(team)
    assert cy.get(f"/invite/{link.group(1)}").status_code == 200  # type: ignore[attr-defined]
    joined = cy.post(f"/invite/{link.group(1)}", data={"password": PASSWORD, "again": PASSWORD})  # type: ignore[attr-defined]
    assert joined.url.path == "/" and "cy (coder)" in joined.text
    segment = re.search(r'name="segment" value="([^"]+)"', joined.text)
    assert segment
    cy.post("/code", data={"segment": segment.group(1), "csrf": _csrf(joined.text)})  # type: ignore[attr-defined]
    row = re.search(r"<td>cy</td>.*?</tr>", lead.get("/users").text, re.S)  # type: ignore[attr-defined]
    assert row and re.search(r">1 of \d+ \(blind\)</td>", row.group(0))  # who has done what
    used = _client(team).get(f"/invite/{link.group(1)}")  # type: ignore[attr-defined]
    assert used.status_code == 404
    for bad in ({"name": "cy", "role": "coder"}, {"name": "bo", "role": "admin"},
                {"name": "dee", "role": "reviewer", "sample": "50"},
                {"name": "eve", "role": "coder", "sample": "lots"}):  # fmt: skip
        r = lead.post("/users", data={"csrf": csrf, "action": "add", **bad})  # type: ignore[attr-defined]
        assert r.status_code == 400 and 'class="error"' in r.text, bad
    paired = lead.post(  # type: ignore[attr-defined]
        "/users",
        data={"csrf": csrf, "action": "add", "name": "fi", "role": "coder", "sample": "50",
              "overlap": "ann"},
    )  # fmt: skip
    assert paired.status_code == 200 and "50% of turns ann coded, seed 0" in paired.text
    nobody = lead.post(  # type: ignore[attr-defined]
        "/users",
        data={"csrf": csrf, "action": "add", "name": "gwyn", "role": "coder", "overlap": "zed"},
    )
    assert nobody.status_code == 400 and "has coded nothing yet" in nobody.text
    gone = lead.post("/users", data={"csrf": csrf, "action": "deactivate", "name": "cy"})  # type: ignore[attr-defined]
    assert gone.url.path == "/users"
    assert cy.get("/").url.path == "/login"  # type: ignore[attr-defined]
    myself = lead.post("/users", data={"csrf": csrf, "action": "deactivate", "name": "lee"})  # type: ignore[attr-defined]
    assert myself.status_code == 400 and lead.get("/users").status_code == 200  # type: ignore[attr-defined]


def test_a_reconcile_choice_is_one_action_that_undo_takes_back(team: Path) -> None:
    client = _join(_client(team), team, "lee", "lead")
    page = client.get("/reconcile", params={"a": "ann", "b": "bo"})  # type: ignore[attr-defined]
    segment = re.search(r'name="segment" value="([^"]+)"', page.text)
    assert segment and 'action="/undo"' in page.text
    form = {"a": "ann", "b": "bo", "segment": segment.group(1), "choice": "b",
            "csrf": _csrf(page.text)}  # fmt: skip
    client.post("/reconcile", data=form)  # type: ignore[attr-defined]  # a slip: meant a
    project = open_project(team)
    (action,) = [a for a in project.store.actions_log() if a["via"] == "browser"]
    project.close()
    assert (action["who"], action["kind"], action["mode"], action["resolutions"]) == (
        "lee",
        "reconcile",
        "reconcile",
        1,
    )
    back = client.post("/undo", data={"a": "ann", "b": "bo", "back": "reconcile",  # type: ignore[attr-defined]
                                      "csrf": form["csrf"]})  # fmt: skip
    assert back.url.path == "/reconcile" and "2 of 2 disagreements left" in back.text
    assert f'name="segment" value="{segment.group(1)}"' in back.text  # the same one again
    project = open_project(team)
    assert segment.group(1) not in project.store.resolutions()
    project.close()


def test_reconcile_says_when_two_coders_share_no_segment(team: Path) -> None:
    """Two coders with no segment in common have nothing to reconcile: the page says so, and
    never that they "agree on every segment both coded"."""
    project = open_project(team)
    asked = project.store.interviewer_segments()
    segments = [s[0] for s in project.store.current_segments() if s[0] not in asked]
    for coder, segment in (("cy", segments[0]), ("dee", segments[1])):
        project.store.decide(None, segment, FUNDING, coder, "add")
        project.store.mark_reviewed(segment, coder)
    project.close()
    lead = _join(_client(team), team, "lee", "lead")
    apart = lead.get("/reconcile", params={"a": "cy", "b": "dee"}).text  # type: ignore[attr-defined]
    assert "cy and dee have coded no segment in common" in apart
    assert "agree on every segment" not in apart
    same = lead.get("/reconcile", params={"a": "ann", "b": "cy"}).text  # type: ignore[attr-defined]
    assert "agree on every segment both coded (1)" in same  # cy coded one as ann did


def test_reconcile_on_a_phone_puts_the_turn_across_the_width(team: Path) -> None:
    """Three columns in 375 px left the turn 140 px wide: on a phone the turn (the middle
    section) spans the width and the two coders' codes sit side by side under it."""
    from qualcode.serve.site import HERE

    lead = _join(_client(team), team, "lee", "lead")
    page = lead.get("/reconcile", params={"a": "ann", "b": "bo"}).text  # type: ignore[attr-defined]
    sides = page.split('<div class="sides">')[1].split("</div>")[0]
    assert sides.split("<section>")[2].lstrip().startswith(('<p class="context"', "<blockquote"))
    css = (HERE / "static" / "lead.css").read_text()
    phone = [part for part in css.split("@media (max-width: 40rem)")[1:] if ".sides" in part]
    assert phone and ".sides section:nth-child(2) { grid-column: 1 / -1;" in phone[0]


def test_quotes_and_memos_on_a_phone_are_one_labelled_block_each(team: Path) -> None:
    """Four columns in 375 px left each quote 115 px wide: on a phone each row is a block,
    each cell labelled with its heading."""
    from qualcode.serve.site import HERE

    client = _join(_client(team), team, "rhian", "reviewer")
    page = client.get("/quotes", params={"code": FUNDING}).text  # type: ignore[attr-defined]
    assert '<table class="listing">' in page and '<td data-label="quote">' in page
    memos = client.get("/memos").text  # type: ignore[attr-defined]
    assert '<table class="listing">' in memos
    css = (HERE / "static" / "lead.css").read_text()
    phone = [p for p in css.split("@media (max-width: 40rem)")[1:] if "table.listing" in p]
    assert phone and 'table.listing td::before { content: attr(data-label) ": ";' in phone[0]
