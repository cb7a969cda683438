"""The review page's layout as structure (issue 27): one line per suggestion, each open one with
its digit key and a tick that says which one the keys act on; every action in one bar; the
blind coder's Done in that bar. (That the bar stays in the window: tests/test_serve_browser.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qualcode.project import open_project
from tests.test_serve import _client, _join, served  # noqa: F401


def _tree(html: str) -> Any:
    from lxml import html as lxml_html

    return lxml_html.fromstring(html)


def test_one_action_bar_acts_on_the_ticked_suggestion(served: Path) -> None:  # noqa: F811
    client = _join(_client(served), served, "rhian", "reviewer")
    page = _tree(client.get("/").text)  # type: ignore[attr-defined]
    rows = page.xpath('//li[contains(@class, "suggestion")][@data-open]')
    assert rows
    for i, row in enumerate(rows, 1):
        assert not row.xpath(".//form | .//button | .//select")  # no controls on a row
        (radio,) = row.xpath('.//input[@type="radio"][@name="application"]')
        assert radio.get("value") == row.get("data-id") and radio.get("form") is None
        assert row.xpath("string(.//kbd)") == str(i)  # its key
    checked = page.xpath('//input[@name="application"][@checked]')
    assert [c.get("value") for c in checked] == [rows[0].get("data-id")]  # the first, ticked
    (bar,) = page.xpath('//*[@id="actions"]')
    buttons = page.xpath("//main//button")
    in_bar = bar.xpath(".//button")
    outside = {b.text_content() for b in buttons if b not in in_bar}
    assert outside <= {"Go", "Save memo (Ctrl+Enter)"}, outside
    values = {b.get("value") for b in in_bar}
    assert {"accept", "reject", "change", "add", "reject_rest", "key_quote"} <= values
    assert {b.get("data-key") for b in in_bar} >= {"x", "*", "u", "n"}
    (codes,) = page.xpath('//select[@name="code"]')  # one code list, not one a row
    project = open_project(served)
    from qualcode.serve.site import codebook_of

    known = [c.id for c in codebook_of(project).codes]
    project.close()
    assert [o.get("value") for o in codes.xpath(".//option")] == ["", *known]
    chosen = page.xpath('//select[@name="part"]//option[@selected]')
    assert [o.get("value") for o in chosen] == [""]  # all interviews, until one is chosen
    # the bar's decision buttons post the ticked suggestion: they share the list's form
    (decide,) = page.xpath('//form[@id="decide"]')
    assert rows[0] in decide.iter() and bar in decide.iter()


def test_the_blind_coders_done_is_in_the_action_bar(served: Path) -> None:  # noqa: F811
    client = _join(_client(served), served, "cy", "coder")
    page = _tree(client.get("/").text)  # type: ignore[attr-defined]
    (bar,) = page.xpath('//*[@id="actions"]')
    (done,) = bar.xpath('.//button[@data-key="n"]')
    assert "Done" in done.text_content() and done.get("form") is None
    assert bar in page.xpath('//form[@id="checklist"]')[0].iter()  # it sends the checklist
    assert bar.xpath('.//button[@data-key="u"]')
    assert "0 of" in bar.xpath('string(.//*[@class="progress"])')
