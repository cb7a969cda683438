"""The reports' faster paths write what the slower ones did (issue 26): table rows built as XML
against python-docx's own cell API, remembered pseudonymisation against calling the
pseudonymiser each time, quote ranks made once, and the model's terms read from its file's
arrays against the full model load."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import docx
import numpy as np
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from qualcode.export.pseudo import Pseudonymiser
from qualcode.export.report import _keep_whole, _row_height, _runs, _table, new_document
from qualcode.project import Project
from qualcode.review.findings import EVIDENCE, MACHINE, Quote, Remembered
from qualcode.review.quotechoice import rank, standing
from tests.conftest import ROOT

E0, E1 = EVIDENCE
M0, M1 = MACHINE
ROWS = [
    ["P01, partner", f"“We ring the {E0}hub{E1} first.” (turn 3)", ""],
    ["P02", f"{M0}“Both {E0}bold and{E1} slanted” (turn 4) [suggested]{M1} (P02)", " spaced "],
    ["P03", "first paragraph\n\nsecond\tafter a tab\nafter a break\r\nand \\r\\n", "x"],
    ["P04", "word " * 900, f"{M0}draft: summary{M1}\n\n{E0}only bold{E1}"],  # taller than a page
    ["", "", ""],
]
HEADERS = ["Participant", "Front door", "Funding"]
WIDTHS = [4.0, 11.0, 11.0]


def _reference(
    doc: object, headers: list[str], rows: list[list[str]], widths: list[float]
) -> object:
    """The body rows as python-docx's cell API writes them (the code _add_rows replaced)."""
    table = _table(doc, headers, [], widths)
    page = 21.0 - 2 * 1.8  # A4 landscape's body between 1.8 cm margins
    sizes = [c.width for c in table.rows[0].cells]
    for r in rows:
        row = table.add_row()
        if _row_height(r, widths) <= page:
            _keep_whole(row)
        for cell, text, size in zip(row.cells, r, sizes, strict=True):
            cell.width = size
            cell.text = ""
            for k, para_text in enumerate(text.split("\n\n")):
                para = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                _runs(para, para_text, Pt(9))
    return table


def _xml(table: Any) -> bytes:
    from lxml import etree

    return etree.tostring(table._tbl)


def test_table_rows_built_as_xml_are_python_docx_s_own() -> None:
    doc = new_document("t", landscape=True, margin=1.8, points=10)
    fast = _table(doc, HEADERS, ROWS, WIDTHS)
    slow = _reference(doc, HEADERS, ROWS, WIDTHS)
    assert _xml(fast) == _xml(slow)


def test_a_table_built_fast_opens_with_its_texts_whole_rows_and_repeated_header(
    tmp_path: Path,
) -> None:
    doc = new_document("t", landscape=True, margin=1.8, points=10)
    _table(doc, HEADERS, ROWS, WIDTHS)
    buf = io.BytesIO()
    doc.save(buf)
    table = docx.Document(io.BytesIO(buf.getvalue())).tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == HEADERS
    assert cells[1] == ["P01, partner", "“We ring the hub first.” (turn 3)", ""]
    assert cells[2][2] == " spaced "
    assert cells[3][1] == "first paragraph\nsecond\tafter a tab\nafter a break\n\nand \\r\\n"
    header = table.rows[0]._tr.trPr
    assert header.find(qn("w:tblHeader")).get(qn("w:val")) == "true"
    whole = [row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
             for row in table.rows]  # fmt: skip
    assert whole == [True, True, True, True, False, True]  # the page-long row may break
    bold = [r.text for r in table.rows[1].cells[1].paragraphs[0].runs if r.bold]
    assert bold == ["hub"]
    both = [r.text for r in table.rows[2].cells[1].paragraphs[0].runs if r.bold and r.italic]
    assert both == ["bold and"]
    widths = {c.width for row in table.rows for c in row.cells[1:]}
    assert len(widths) == 1  # each cell keeps its own width (LibreOffice needs it)


def _pseudo() -> Pseudonymiser:
    return Pseudonymiser(["Stacey", "Darren"], ["Bryn Celyn"])


def test_remembered_pseudonymisation_answers_and_counts_as_calling_it_each_time() -> None:
    texts = ["Stacey rang Darren", "Darren came", "Stacey rang Darren", "nobody", "Bryn Celyn"]
    plain, kept = _pseudo(), _pseudo()
    remembered = Remembered(kept)
    assert [remembered(t) for t in texts] == [plain(t) for t in texts]
    assert kept.replacements == plain.replacements and kept.total == 6
    assert kept.mapping == plain.mapping
    assert remembered("Darren came") == "[Name 2] came"  # each text its own answer
    assert remembered("Stacey came") == "[Name 1] came"


def test_a_quote_is_ranked_once_by_its_own_pseudonymised_words() -> None:
    pseudo = Remembered(_pseudo())
    said = "Stacey and Darren and Bryn Celyn " * 3 + "told us what the hub does with a referral."
    a = Quote("P01", 2, "a", said, None, False, "resolved", 1.0, pseudo=pseudo)
    b = Quote("P01", 2, "b", said, (0, 6), False, "resolved", 1.0, pseudo=pseudo)
    c = Quote("P02", 5, "a", "We ring the hub first.", None, True, "resolved", 1.0, pseudo=pseudo)
    assert a.words == b.words == 15  # the stand-ins are not words
    assert rank(a) is rank(a) and standing(a) == rank(a)[:5]
    assert rank(c)[0] is False and rank(a)[0] is True  # the key quote first
    assert "[Name 1]" in a.text and E0 in b.marked and E0 not in b.text
    assert pseudo.pseudo.total == 18  # both quotes' replacements counted


def test_model_terms_come_from_the_saved_model_without_scikit_learn(
    project: Project, tmp_path: Path
) -> None:
    """The reports read the model's strongest terms from its file, as any reader loads it:
    numbers only (coding/lightmodel.py), so a report imports no scikit-learn; a file changed
    since training is not trusted."""
    import subprocess
    import sys

    from qualcode.coding.imports import import_codings
    from qualcode.coding.learn import MODEL_DIR, train
    from qualcode.coding.modelfile import _KEPT
    from qualcode.review import quotechoice
    from tests.test_learn import _gold, _labels
    from tests.test_learn import _project as learned

    learned(project)
    import_codings(project, _gold(tmp_path / "g.csv", _labels()), "ann")
    train(project)
    _KEPT.clear()  # read back from the file, as another process would
    direct = quotechoice.model_terms(project)
    assert direct and any(direct.values())
    script = (
        "import sys, json; from qualcode.project import open_project;"
        "from qualcode.review.quotechoice import model_terms;"
        "print(json.dumps([model_terms(open_project(sys.argv[1])), 'sklearn' in sys.modules]))"
    )
    got = subprocess.run(
        [sys.executable, "-c", script, str(project.root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    terms, imported = json.loads(got.stdout)
    assert terms == direct
    assert imported is False
    latest = project.store.latest_run("train")
    assert latest is not None
    path = project.store_path.parent / MODEL_DIR / latest[1]["file"]
    path.write_bytes(path.read_bytes() + b"\0")  # changed since training: nothing trusted
    assert quotechoice.model_terms(project) == {}


def test_no_leftover_marks_or_empty_runs_beyond_python_docx_s(tmp_path: Path) -> None:
    doc = new_document("t", landscape=True, margin=1.8, points=10)
    _table(doc, HEADERS, ROWS, WIDTHS)
    xml = _xml(doc.tables[0]).decode()
    assert not re.search("[\x02-\x05]", xml)
    # one empty run opens each cell (python-docx's cell.text = ""), none elsewhere
    assert xml.count("<w:r/>") == len(HEADERS) * (len(ROWS) + 1)


def _slow_evidence(text: str, pattern: re.Pattern[str]) -> tuple[tuple[int, int] | None, int]:
    found = list(pattern.finditer(text))
    return ((found[0].start(), found[0].end()) if found else None), len(found)


def test_evidence_found_in_lower_case_is_what_the_case_blind_pattern_finds() -> None:
    """find_evidence searches the lower-cased text with a case-exact pattern where that is the
    same search: every letter that folds differently keeps the case-blind one."""
    import random

    from qualcode.codebook.loader import load_codebook
    from qualcode.review.quotechoice import find_evidence, terms_pattern
    from tests.conftest import ROOT

    book = load_codebook(ROOT / "codebooks" / "early-action-together.yaml")
    patterns = [p for c in book.codes if (p := terms_pattern(c.rules.keywords)) is not None]
    patterns += [terms_pattern(["hub", "sign", "kid", "isaf"]), terms_pattern(["ŵyr", "hub"])]
    files = sorted((ROOT / "transcripts").glob("*.docx"))[:12]
    texts = ["\n".join(p.text for p in docx.Document(str(f)).paragraphs) for f in files]
    assert len(texts) == 12
    alphabet = list("Hub sign KID kid isaf ŴYR ŵyr \u017fign ıṡ İsaf \u212aid ΣΑΣ Straße ’ \n-")
    rng = random.Random(7)
    texts += ["".join(rng.choice(alphabet) for _ in range(40)) for _ in range(400)]
    texts += ["the \u212aID came", "\u017fign here", "İsaf", "dysgu’r HUB", "HUBS and hubbub"]
    checked = 0
    for text in texts:
        for pattern in patterns:
            assert pattern is not None
            find_evidence.cache_clear()
            assert find_evidence(text, pattern) == _slow_evidence(text, pattern), (text, pattern)
            checked += 1
    assert checked > 1000


def test_a_word_document_zipped_once_is_the_saved_one_made_stable() -> None:
    from qualcode.export.report import _stable_zip, docx_bytes

    doc = new_document("A title", landscape=True, margin=1.8, points=10)
    doc.add_heading("Heading", level=1)
    _table(doc, HEADERS, ROWS, WIDTHS)
    buf = io.BytesIO()
    doc.save(buf)
    assert docx_bytes(doc) == _stable_zip(buf.getvalue())
    import zipfile

    core = zipfile.ZipFile(io.BytesIO(docx_bytes(doc))).read("docProps/core.xml")
    assert b"A title" in core and b"dcterms:created" not in core  # no date: the same bytes


def _reference_appendix(doc: Any, report: Any) -> None:
    """The codebook appendix through python-docx's paragraph API (what _appendix replaced)."""
    from qualcode.export.words import say

    doc.add_page_break()
    doc.add_heading(say(report.lang, "appendix"), level=1)
    for group in report.codebook.groups:
        doc.add_heading(report.group_name(group.id), level=2)
        for code in group.codes:
            p = doc.add_paragraph()
            p.add_run(f"{report.code_name(code.id)} ").bold = True
            p.add_run(f"({code.id}). {report.definition(code.id)}")
            include, exclude = report.criteria(code.id)
            typical, atypical = report.examples(code.id)
            for label, items in (("include", include), ("exclude", exclude),
                                 ("typical", typical), ("atypical", atypical)):  # fmt: skip
                if items:
                    doc.add_paragraph(say(report.lang, label))
                    for item in items:
                        doc.add_paragraph(item.rstrip(";"), style="List Bullet")


def test_the_codebook_appendix_as_xml_is_python_docx_s_own() -> None:
    from lxml import etree

    from qualcode.codebook.model import Code, Codebook, Group
    from qualcode.export.report import _appendix
    from qualcode.review.findings import ReportData

    codes = (
        Code("g.a", "Alpha & <beta>", "Defined\twith a tab\nand a break ", "g",
             include=("one;", " spaced "), exclude=(";",), typical=("x",)),
        Code("g.b", "Bravo", "", "g"),
    )  # fmt: skip
    book = Codebook("cb", "cb", "cb.yaml", (Group("g", "Group", "", "", codes),))
    report = ReportData("t", book, [], [], "", {}, False)
    made = []
    for write in (_appendix, _reference_appendix):
        doc = new_document("t", landscape=True, margin=1.8, points=10)
        write(doc, report)
        made.append(etree.tostring(doc.element.body))
    assert made[0] == made[1]
    assert b"Alpha &amp; &lt;beta&gt;" in made[0] and b"<w:tab/>" in made[0]


def test_a_long_text_is_searched_for_its_known_words_with_the_same_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The leak gate reads a written report back whole; a text that long is searched for its
    known words in one pass. Every find (and none more) must be the word-by-word loop's."""
    from qualcode.export import pseudo

    pieces = [
        "Stacey said", "Stacey's mum", "STACEYS", "Staceyish", "_Stacey", "Stacey_2",
        "x-Stacey", "Stacey9", "9Stacey", "Darren,", "'Darren", "Darrens'", "darren",
        "Bryn  Celyn", "Bryn-Celyn", "Bryn Celynnydd", "Bryn", "Stace", "Ste\u0301cey",
        "Caf\u00e9 Stacey", "Stacey\u2019s", "\u00c9lodie", "D\u0308arren", "the rest of it",
    ]  # fmt: skip
    rng = np.random.default_rng(3)
    text = " ".join(rng.choice(pieces, 4000))
    assert len(text) > pseudo.LONG_TEXT
    make = lambda: Pseudonymiser(["Stacey", "Darren", "\u00c9lodie"], ["Bryn Celyn"])  # noqa: E731
    monkeypatch.setattr(pseudo, "LONG_TEXT", 10**9)
    loop, loop_pseudo = make(), make()
    want = (loop._term_hits(text), loop.leaks(text), loop_pseudo(text))
    monkeypatch.setattr(pseudo, "LONG_TEXT", 0)
    one, one_pseudo = make(), make()
    got = (one._term_hits(text), one.leaks(text), one_pseudo(text))
    assert len(want[0]) > 1000
    assert got == want
    assert one_pseudo.replacements == loop_pseudo.replacements
