"""Codings made in other tools come as quotes, with code names: each quote is found in its
document and coded on its turn; turn numbers are checked against the speaker and the text."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.coding.locate import locate
from qualcode.project import Project, open_project
from qualcode.review.layers import labelled
from tests.conftest import build, interview

ROOT = Path(__file__).resolve().parents[1]
GOLDS = {  # file: (turns, codings)
    "dev-early-action-together.csv": (149, 219),
    "early-action-together.csv": (268, 421),
}


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("it's been hard - the grant ran out in March", "it’s been hard — the grant ran out\nin"),
        ("IT’S BEEN HARD, THE GRANT RAN OUT", "it’s been hard — the grant ran out"),
        ("the grant ran out in march and we dont know", "the grant ran out\nin March, and we"),
    ],
)
def test_a_quote_is_found_whatever_its_punctuation_case_and_line_breaks(
    quote: str, found: str
) -> None:
    text = (
        "INT: How is it?\nP01: Honestly, it’s been hard — the grant ran out\nin March, and "
        "we don't know."
    )
    hit = locate(text, quote)
    assert hit is not None and text[hit.start : hit.end].startswith(found[:20])
    assert locate(text, "nothing like this at all in the text") is None


def _example(tmp: Path) -> str:
    tmp.mkdir()
    for name in ("qualcode.toml", "transcripts", "codebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp / name)
    assert main(["ingest", "-p", str(tmp)]) == 0
    return str(tmp)


def _quote_sheet(root: str, path: Path, gold: Path) -> int:
    """The dev gold as another tool would export it: one row per (quote, code name), the
    document by file name, quotes cut from the middle of the turn with their typography
    changed, some starting with the interviewer's question."""
    from qualcode.coding.run import resolve_codebook

    project = open_project(root)
    codebook, _ = resolve_codebook(project, None)
    names = {c.id: c.name for c in codebook.codes}
    docs = {d["participant_id"]: d for d in project.store.current_documents()}
    rows = []
    with gold.open(encoding="utf-8") as fh:
        for k, r in enumerate(csv.DictReader(fh)):
            codes = [c for c in r["codes"].split(";") if c]
            if not codes:
                continue
            doc = project.store.document(docs[r["participant_id"]]["id"])
            turn = next(t for t in doc.turns if t.index == int(r["turn"]))
            words = doc.text[turn.start : turn.end].split()
            quote = " ".join(words[2:18] if len(words) > 12 else words)
            if k % 3 == 0:  # with a line break and curly apostrophes, upper case
                quote = quote.replace("'", "’").replace(" ", "\n", 2).upper()
            if k % 5 == 0 and turn.index > 0:  # highlighted from the end of the question on
                question = next(t for t in doc.turns if t.index == turn.index - 1)
                asked = doc.text[question.start : question.end]
                tail = question.start + len(asked) - len(" ".join(asked.split()[-4:]))
                quote = doc.text[max(tail, question.start) : turn.start + 60]
            for code in codes:
                rows.append([Path(doc.source).name, quote, names[code]])
    project.close()
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Document name", "Quote", "Code"])
        writer.writerows(rows)
    return len(rows)


@pytest.mark.parametrize("name", sorted(GOLDS))
def test_quote_level_gold_with_code_names_agrees_perfectly_with_the_turn_level_gold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    turns, codings = GOLDS[name]
    gold = ROOT / "bench" / "gold" / name
    root = _example(tmp_path / "p")
    sheet = tmp_path / "quotes.csv"
    n = _quote_sheet(root, sheet, gold)
    assert main(["import", "codings", str(gold), "--coder", "gold", "-p", root]) == 0
    assert main(["import", "codings", str(sheet), "--coder", "quoted", "-p", root, "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])
    assert report["codings"] == codings and report["unplaced"] == [] and n >= codings
    assert main(["agreement", "gold", "quoted", "-p", root, "--json", "--samples", "50"]) == 0
    agreement = json.loads(capsys.readouterr().out)
    assert agreement["double_coded"] == turns
    assert agreement["overall"]["percent"] == 1.0 and agreement["overall"]["alpha"] == 1.0


TOY = """\
id: toy
name: Toy
groups:
  - id: factors
    name: Enablers and blockers
    codes:
      - id: factors.funding
        name: Funding
        definition: Money.
"""
ANSWERS = ["the grant ran out in March", "we lost two posts", "the budget is cut again"]


def _toy(project: Project) -> str:
    project = build(project, {"P01.txt": interview("P01", ANSWERS)}, TOY)
    root = str(project.root)
    project.close()
    return root


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_codes_by_name_or_path_and_a_clear_line_for_an_unknown_one(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _toy(project)
    sheet = _write(
        tmp_path / "a.csv",
        "document,quote,code\nP01,the grant ran out,Enablers and blockers > Funding\n"
        "P01.txt,we lost two posts,FUNDING\n",
    )
    assert main(["import", "codings", str(sheet), "--coder", "ann", "-p", root]) == 0
    assert "Imported 2 codings on 3 turns" in capsys.readouterr().out
    bad = _write(tmp_path / "b.csv", "document,quote,code\nP01,the grant ran out,Fundng\n")
    assert main(["import", "codings", str(bad), "--coder", "bob", "-p", root]) == 1
    err = capsys.readouterr().err
    assert "row 2: unknown code(s) Fundng (did you mean 'Funding'?)" in err
    assert "--skip-unplaced" not in err  # skipping would not help: the hint is about codes
    assert "Traceback" not in err


def test_an_unplaced_quote_stores_nothing_unless_skipped(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _toy(project)
    sheet = _write(
        tmp_path / "q.csv",
        "document,quote,code\nP01,the grant ran out,Funding\n"
        "P01,words nobody ever said in this interview,Funding\n",
    )
    assert main(["import", "codings", str(sheet), "--coder", "ann", "-p", root]) == 1
    err = capsys.readouterr().err
    assert "row 3: quote not found in P01" in err and "--skip-unplaced" in err
    p = open_project(root)
    assert not labelled(p)[0]  # nothing stored
    p.close()
    assert main(["import", "codings", str(sheet), "--coder", "ann", "-p", root,
                 "--skip-unplaced"]) == 0  # fmt: skip
    captured = capsys.readouterr()
    assert "Imported 1 codings" in captured.out
    assert "1 quotes could not be placed" in captured.err and "row 3" in captured.err


def test_codings_on_interviewer_turns_are_kept_but_count_only_when_asked(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Question markers (a quote wholly in the interviewer's question) are kept on that turn;
    agreement, reports and blind queues leave interviewer turns out unless [coding]
    interviewer_units says they are units."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.findings import resolved_codings
    from qualcode.review.session import ReviewSession

    root = _toy(project)
    for who in ("ann", "bob"):
        rows = "document,quote,code\nP01,the grant ran out,Funding\n"
        if who == "ann":
            rows += "P01,Question 2,Funding\n"  # the interviewer's words
        sheet = _write(tmp_path / f"{who}.csv", rows)
        assert main(["import", "codings", str(sheet), "--coder", who, "-p", root]) == 0
    out = capsys.readouterr().out
    assert "1 of them are on interviewer turns" in out
    p = open_project(root)
    asked = p.store.interviewer_segments()
    assert len(asked) == 1 and asked <= set(p.store.coder_codings()["ann"])  # kept
    assert not asked & set(resolved_codings(p, False))  # not in reports by default
    codebook, _ = resolve_codebook(p, None)
    blind = ReviewSession(p, codebook, "cy", blind=True)
    assert not asked & {i.segment for i in blind.items}  # a second coder codes participants
    p.close()
    assert main(["agreement", "ann", "bob", "-p", root, "--json", "--samples", "20"]) == 0
    default = json.loads(capsys.readouterr().out)
    toml = Path(root) / "qualcode.toml"
    toml.write_text(
        toml.read_text().replace("interviewer_units = false", "interviewer_units = true")
    )
    assert main(["agreement", "ann", "bob", "-p", root, "--json", "--samples", "20"]) == 0
    counted = json.loads(capsys.readouterr().out)
    assert counted["units"] == default["units"] + 1  # the question is a unit now...
    assert counted["double_coded"] == default["double_coded"]  # ...that only ann coded
    p = open_project(root)
    assert asked & set(resolved_codings(p, False))
    p.close()


def test_turn_numbers_counted_over_participant_turns_are_told_apart(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _toy(project)
    # numbered 1, 2, 3 over the participant's turns (all turns: 1, 3, 5)
    sheet = _write(
        tmp_path / "n.csv",
        "participant_id,turn,codes,text\nP01,1,factors.funding,the grant ran out in March\n"
        "P01,2,,we lost two posts\nP01,3,Funding,the budget is cut again\n",
    )
    assert main(["import", "codings", str(sheet), "--coder", "ann", "-p", root]) == 1
    err = capsys.readouterr().err
    assert "--numbering participant" in err and "nothing was stored" in err
    assert main(["import", "codings", str(sheet), "--coder", "ann", "-p", root,
                 "--numbering", "participant"]) == 0  # fmt: skip
    p = open_project(root)
    labels = labelled(p)[1]
    p.close()
    assert sorted(len(c) for c in labels.values()) == [0, 1, 1]
    # a text column that contradicts the turn: refused, even with valid numbers
    wrong = _write(
        tmp_path / "w.csv",
        "participant_id,turn,codes,text\nP01,1,Funding,something else entirely was said\n",
    )
    assert main(["import", "codings", str(wrong), "--coder", "bob", "-p", root]) == 1
    assert "does not say what the row's text says" in capsys.readouterr().err


TWO = (
    TOY
    + """\
  - id: police
    name: The police role
    codes:
      - id: police.referral_quality
        name: Referral quality
        definition: Police referrals.
"""
)
SAID = [
    "The grant ran out in March, so we lost the outreach worker.",
    "The PPN from the officer had no detail about the children at all.",
    "Honestly the budget is cut again and the PPNs are still thin.",
]


def _xlsx(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize(
    "layout",
    ["maxqda", "atlasti", "nvivo", "delve"],
)
def test_coded_segment_exports_of_other_tools_import(
    project: Project, tmp_path: Path, layout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fictional exports in each tool's own layout: MAXQDA's "Coded segments" sheet (code paths
    with backslashes), ATLAS.ti's quotation manager (codes one per line in a cell), NVivo's
    coding export (hierarchical names), Delve's CSV."""
    project = build(project, {"P07_Bridgend.docx.txt": interview("P07", SAID)}, TWO)
    root = str(project.root)
    project.close()
    one, two, three = SAID
    if layout == "maxqda":
        path = _xlsx(
            tmp_path / "Coded segments.xlsx",
            ["Color", "Document group", "Document name", "Code", "Begin", "End", "Segment",
             "Weight score", "Author"],
            [["#ff0000", "Bridgend", "P07_Bridgend.docx", "Enablers and blockers\\Funding", "3",
              "3", one, "0", "ann"],
             ["#00ff00", "Bridgend", "P07_Bridgend.docx", "The police role\\Referral quality",
              "5", "5", two, "0", "ann"],
             ["#ff0000", "Bridgend", "P07_Bridgend.docx", "Enablers and blockers\\Funding", "7",
              "7", three[:40], "0", "ann"]],
        )  # fmt: skip
    elif layout == "atlasti":
        path = _xlsx(
            tmp_path / "Quotations.xlsx",
            ["ID", "Quotation Name", "Document", "Codes", "Quotation Content", "Comment"],
            [["1:1", one[:30], "P07_Bridgend.docx", "Funding", one, ""],
             ["1:2", two[:30], "P07_Bridgend.docx", "Referral quality", two, ""],
             ["1:3", three[:30], "P07_Bridgend.docx", "Funding\nReferral quality", three, ""]],
        )  # fmt: skip
    elif layout == "nvivo":
        path = tmp_path / "coding.csv"
        path.write_text(
            "Hierarchical Name,File,Coded Text\r\n"
            f'Nodes\\\\Enablers and blockers\\\\Funding,P07,"{one}"\r\n'
            f'Nodes\\\\The police role\\\\Referral quality,P07,"{two}"\r\n'
            f'Nodes\\\\Enablers and blockers\\\\Funding,P07,"{three}"\r\n'
            f'Nodes\\\\The police role\\\\Referral quality,P07,"{three}"\r\n',
            encoding="utf-8-sig",
        )
    else:
        path = tmp_path / "delve.csv"
        path.write_text(
            "Transcript,Code,Excerpt\n"
            f'P07_Bridgend.docx,Funding,"{one}"\n'
            f'P07_Bridgend.docx,Referral Quality,"{two.upper()}"\n'
            f'P07_Bridgend.docx,Funding,"{three}"\n'
            f'P07_Bridgend.docx,referral quality,"{three}"\n',
        )
    assert main(["import", "codings", str(path), "--coder", "ann", "-p", root]) == 0, (
        capsys.readouterr().err
    )
    p = open_project(root)
    labels = labelled(p)[1]
    p.close()
    by_turn = sorted(sorted(c) for c in labels.values())
    expected = [["factors.funding"], ["police.referral_quality"]]
    expected.append(
        ["factors.funding"]
        if layout == "maxqda"
        else ["factors.funding", "police.referral_quality"]
    )
    assert by_turn == sorted(expected)


def test_a_wide_sheet_brings_several_coders_at_once(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """unit, coder A's codes, coder B's codes: the shape double-coding spreadsheets take."""
    root = _toy(project)
    sheet = _write(
        tmp_path / "wide.csv",
        "participant_id,turn,Ann,Bob\nP01,1,Funding,Funding\nP01,3,,Funding\nP01,5,Funding,\n",
    )
    assert main(["import", "codings", str(sheet), "--coder", "Ann", "--coder", "Bob",
                 "-p", root]) == 0  # fmt: skip
    assert "from Ann, Bob" in capsys.readouterr().out
    assert main(["agreement", "Ann", "Bob", "-p", root, "--json", "--samples", "20"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["double_coded"] == 3  # they agree on turn 1 only
    assert result["overall"]["percent"] == pytest.approx(1 / 3)
    # a coder without a column, or a bad cell for one coder: nothing stored for anyone
    assert main(["import", "codings", str(sheet), "--coder", "Ann", "--coder", "Cy",
                 "-p", root]) == 1  # fmt: skip
    assert "no column for coder Cy" in capsys.readouterr().err
    bad = _write(tmp_path / "bad.csv", "participant_id,turn,Dee,Eve\nP01,1,Funding,Fundng\n")
    assert main(["import", "codings", str(bad), "--coder", "Dee", "--coder", "Eve",
                 "-p", root]) == 1  # fmt: skip
    assert "unknown code(s) Fundng" in capsys.readouterr().err
    p = open_project(root)
    assert set(p.store.coder_codings()) == {"Ann", "Bob"}
    p.close()


def test_the_real_maxqda_coded_study_imports_with_its_codebook_and_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """../shared/data/pdpilot-maxqda-coded: seven PDF transcripts, MAXQDA's Code System and
    Coded Segments reports (PDF). The codebook comes from the code system, every one of the
    262 coded segments is placed (nothing skipped), and the project round-trips through
    .qdpx byte for byte."""
    from tests.conftest import shared

    base = shared("pdpilot-maxqda-coded")
    one, two = tmp_path / "one", tmp_path / "two"
    for p in (one, two):
        assert main(["init", str(p), "--name", "pdpilot"]) == 0
    for pdf in sorted((base / "transcripts").glob("*.pdf")):
        shutil.copy(pdf, one / "transcripts" / pdf.name)
    assert main(["ingest", "-p", str(one)]) == 0
    cb = one / "codebooks" / "pdpilot.yaml"
    assert main(["codebook", "import", str(base / "code-system.pdf"), "-o", str(cb)]) == 0
    capsys.readouterr()
    assert main(["import", "codings", str(base / "coded-segments.pdf"), "--coder", "authors",
                 "-p", str(one), "--json"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])
    assert report["unplaced"] == [] and report["codings"] >= 250
    p = open_project(one)
    given = {c for codes in p.store.coder_codings()["authors"].values() for c in codes}
    p.close()
    assert len(given) >= 60  # codes from every branch of the code system
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    assert main(["export", "qdpx", "-p", str(one), "-o", str(a)]) == 0
    assert main(["import", "qdpx", str(a), "-p", str(two)]) == 0
    assert main(["export", "qdpx", "-p", str(two), "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
