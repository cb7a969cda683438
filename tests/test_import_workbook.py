"""Codings kept the way teams keep them in Excel: one sheet per participant, a header row a few
rows down, each chunk carried down over the code rows below it, codes in one cell or in Code
1..N columns, quotes cut with '...'. Unplaced quotes are reported with their nearest passage;
codes the codebook lacks can be added to it as drafts. All words here are made up."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.project import Project, open_project
from tests.conftest import THREE_CODES, build, interview

ANSWERS = {
    "P01_lantern.txt": [
        "The lantern guild sent us a grant for the copper boats and then it ran dry by winter",
        "Mostly the tide wardens refer families to us when the harbour school closes early",
        "We wrote long ppn notes about every marsh visit and nobody ever read them at all",
        "Honestly the kelp fund kept the ferry open for another season and the wardens were glad",
    ],
    "P02_heron.txt": [
        "The heron school asks us to visit whenever a pupil stops singing in the choir",
        "Our ppn forms are short now because the wardens gave us a template with three boxes",
        "Without the moss grant we would close the reading barn next spring for certain",
        "The barn keepers talk to the school every week about the quiet children",
    ],
    "P03_reed.txt": [
        "A reed lantern grant paid for the night ferry but the money stops in autumn",
        "Schools along the canal send us notes when a family goes missing from the market",
        "Referral slips from the wardens are vague and we call back to ask what they meant",
    ],
}
CODEBOOK = "# the toy codebook: this comment stays\n" + THREE_CODES


def turn(k: int) -> int:
    """The index of the k-th answer (interviewer and participant turns alternate)."""
    return 2 * k + 1


@pytest.fixture
def coded(project: Project) -> Project:
    files = {name: interview(name[:3], answers) for name, answers in ANSWERS.items()}
    return build(project, files, CODEBOOK)


def workbook(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append([c if c != "" else None for c in row])
    book.save(path)
    return path


# One sheet per participant: named 'Participant 1' (P01), 'P02' and the file name 'P03_reed'.
GOOD = {
    "Participant 1": [
        ["Coding of the lantern interview"],
        [],
        ["Question", "Data chunk", "Code", "Memo"],
        ["Q0", "a grant for the copper boats and then it ran dry", "Funding", "dry"],
        ["", "", "Referral quality", ""],  # the chunk carried down
        ["Q1", "the tide wardens refer families to us when the harbour school closes early",
         "Schools; Referral quality", ""],
        ["Q2", "We wrote long PPN notes about every marsh visit … nobody ever read them",
         "Referral quality", ""],
        ["Q3", "the kelp fund kept the ferry open ... the wardens were glad", "Funding, Schools"],
    ],
    "P02": [
        [" question ", "DATA  CHUNK", "Code 1", "Code 2", "Code 3"],
        ["Q0", "The heron school asks us to visit whenever a pupil stops singing", "Schools"],
        ["Q1", "our PPN forms are short now", "Referral quality", "Funding", ""],
        ["", "", "", "", "Schools"],
        ["Q2", "the harbour", "", "", ""],  # a chunk nobody coded: not a coding
        ["Q2", "we would close the reading barn ... talk to the school every week",
         "Funding", "Schools", ""],
    ],
    "P03_reed": [
        ["Question", "Quote", "Codes", "Notes"],
        ["Q0", "A reed lantern grant paid for the night ferry", "factors.funding", ""],
        ["Q1", "Schools along the canal send us notes\nwhen a family goes missing", "Schools", ""],
        ["Q2", "Referal slips from the wardns are vauge and we call bak to ask", "Referral quality",
         "retyped with slips"],
    ],
    "Notes": [["Coded by the reed team in spring"], ["three interviews"]],
}  # fmt: skip


def _import(root: Path, sheet: Path, *extra: str) -> int:
    return main(["import", "codings", str(sheet), "--coder", "ann", "-p", str(root), *extra])


def _codings(root: Path, coder: str = "ann") -> dict[tuple[str, int], set[str]]:
    p = open_project(root)
    try:
        where = {r[0]: (r[1], r[2]) for r in p.store.current_segments()}
        pids = {d["id"]: d["participant_id"] for d in p.store.current_documents()}
        out = {}
        for seg, codes in p.store.coder_codings().get(coder, {}).items():
            doc, index = where[seg]
            if codes:
                out[(pids[doc], index)] = set(codes)
        return out
    finally:
        p.close()


def test_a_workbook_of_one_sheet_per_participant_is_placed_in_full(
    coded: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = coded.root
    coded.close()
    sheet = workbook(tmp_path / "coded.xlsx", GOOD)
    assert _import(root, sheet, "--json") == 0
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])
    assert report["unplaced"] == [] and report["skipped_sheets"] == ["Notes"]
    got = _codings(root)
    funding, referral, schools = "factors.funding", "police.referral_quality", "pathways.schools"
    assert got == {
        ("P01", turn(0)): {funding, referral},  # the code row below the chunk
        ("P01", turn(1)): {schools, referral},  # two codes in one cell
        ("P01", turn(2)): {referral},  # '…' inside one answer
        ("P01", turn(3)): {funding, schools},  # '...' and codes separated by a comma
        ("P02", turn(0)): {schools},
        ("P02", turn(1)): {referral, funding, schools},  # Code 1..3, one carried down
        ("P02", turn(2)): {funding, schools},  # '...' across two answers: each part's turn
        ("P02", turn(3)): {funding, schools},
        ("P03", turn(0)): {funding},
        ("P03", turn(1)): {schools},
        ("P03", turn(2)): {referral},  # a quote retyped with slips
    }
    # every participant turn of a sheet's document counts as seen, coded or not
    p = open_project(root)
    seen = p.store.coder_codings()["ann"]
    p.close()
    assert len(seen) == 11


MISSES = {
    "P01": [
        ["Question", "Data chunk", "Code"],
        ["Q0", "a grant for the copper boats", "Funding"],
        ["Q1", "the tide wardens send families our way whenever harbour schools shut", "Schools"],
        ["Q2", "the moon orchard paid for nothing at all this year", "Funding"],
        ["Q3", "without the moss grant we would close the reading barn", "Funding"],
    ]
}


def test_unplaced_quotes_are_reported_with_their_nearest_passage(
    coded: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = coded.root
    coded.close()
    sheet = workbook(tmp_path / "misses.xlsx", MISSES)
    report = tmp_path / "out" / "unplaced.csv"
    report.parent.mkdir()
    # refused as before, but the report is written and the error says where
    assert _import(root, sheet, "--report", str(report)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "sheet 'P01' row 3" in err and "unplaced.csv" in err and "--skip-unplaced" in err
    assert _codings(root) == {}
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [(r["sheet"], r["row"]) for r in rows] == [("P01", "3"), ("P01", "4"), ("P01", "5")]
    near, none, elsewhere = rows
    assert near["document"] == "P01" and near["quote_start"].startswith("the tide wardens send")
    assert (near["candidate_document"], near["candidate_turn"]) == ("P01", str(turn(1)))
    assert "tide wardens refer families" in near["candidate_excerpt"]
    assert 0.3 < float(near["similarity"]) < 0.85
    assert float(none["similarity"] or 0) < float(near["similarity"])
    # a quote on the wrong participant's sheet: its passage is found in the other document
    assert (elsewhere["candidate_document"], elsewhere["candidate_turn"]) == ("P02", str(turn(2)))
    assert float(elsewhere["similarity"]) == 1.0
    # with --skip-unplaced: the rest imported, the report written all the same
    report.unlink()
    assert _import(root, sheet, "--report", str(report), "--skip-unplaced") == 0
    assert "3 quotes could not be placed" in " ".join(capsys.readouterr().err.split())
    assert len(list(csv.DictReader(report.open(encoding="utf-8")))) == 3
    assert _codings(root) == {("P01", turn(0)): {"factors.funding"}}


UNKNOWN = {
    "P02": [
        ["Question", "Data chunk", "Code 1", "Code 2"],
        ["Q0", "a pupil stops singing in the choir", "Schools", ""],
        ["Q1", "a template with three boxes", "Referral quality", "Lantern lore"],
        ["Q2", "close the reading barn", "Barn keeping", "lantern  LORE"],  # the same code
    ]
}


def test_codes_the_codebook_lacks_are_refused_or_added_as_drafts(
    coded: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = coded.root
    coded.close()
    sheet = workbook(tmp_path / "unknown.xlsx", UNKNOWN)
    assert _import(root, sheet) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "unknown.xlsx: sheet 'P02' row 3: unknown code(s) Lantern lore" in err
    assert "--add-missing-codes" in err and "nothing was stored" in err
    assert _import(root, sheet, "--add-missing-codes") == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Added 2 draft codes" in out
    assert "imported.lantern_lore" in out and "imported.barn_keeping" in out
    text = (root / "codebooks" / "toy.yaml").read_text()
    assert text.startswith("# the toy codebook: this comment stays\n")
    assert text.index("factors.funding") < text.index("imported.lantern_lore")
    got = _codings(root)
    assert got[("P02", turn(1))] == {"police.referral_quality", "imported.lantern_lore"}
    assert got[("P02", turn(2))] == {"imported.barn_keeping", "imported.lantern_lore"}
    # the drafts pass the codebook check, with a warning to write their definitions
    assert main(["codebook", "check", "-p", str(root)]) == 0
    captured = capsys.readouterr()
    assert "OK" in captured.out and "draft" in captured.err.lower()
    # imported again: the codes are known now, nothing added twice
    assert _import(root, sheet, "--add-missing-codes") == 0
    assert "draft" not in capsys.readouterr().out
    assert (root / "codebooks" / "toy.yaml").read_text().count("lantern_lore") == 1


@pytest.mark.parametrize(
    ("sheets", "said", "todo"),
    [
        (
            {"P01": [["Question", "Words", "Memo"], ["Q0", "a grant", "x"]]},
            "bad.xlsx: sheet 'P01' row 1: the header (Question, Memo) has no Data chunk",
            "put a header row with 'Data chunk' and 'Code'",
        ),
        (
            {"P01": [["Respondent", "Remark"], ["ann", "a grant"]]},
            "bad.xlsx: sheet 'P01' row 1: no known columns (Respondent, Remark); no header row",
            "put a header row with 'Data chunk' and 'Code'",
        ),
        (
            {"P02": [[], ["some words"], ["Data chunk", "Code"]], "P01": [["a grant"], ["boats"]]},
            "sheet 'P01' row 1: no known columns (a grant); no header row found",
            "put a header row",
        ),
        (
            {"Participant 9": [["Data chunk", "Code"], ["a grant", "Funding"]]},
            "bad.xlsx: sheet 'Participant 9' matches no document(s) of the project",
            "name each sheet for its document",
        ),
        (
            {"P01": [["Data chunk", "Code"], ["", "Funding"]]},
            "bad.xlsx: sheet 'P01' row 2: codes with no data chunk above them",
            "put the chunk in the row of its first code",
        ),
    ],
)
def test_a_bad_sheet_is_one_clear_line_naming_file_sheet_and_row(
    coded: Project,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sheets: dict[str, list[list[str]]],
    said: str,
    todo: str,
) -> None:
    root = coded.root
    coded.close()
    assert _import(root, workbook(tmp_path / "bad.xlsx", sheets)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert said in err and todo in err and "nothing was stored" in err
    assert _codings(root) == {}


def test_a_quote_level_csv_names_documents_the_same_way(
    coded: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = coded.root
    coded.close()
    sheet = tmp_path / "flat.csv"
    sheet.write_text(
        "document,quote,code\nParticipant 3,the money stops in autumn,Funding\n"
        "p02_heron,three boxes,Referral quality\n",
        encoding="utf-8",
    )
    assert _import(root, sheet) == 0
    assert _codings(root) == {
        ("P03", turn(0)): {"factors.funding"},
        ("P02", turn(1)): {"police.referral_quality"},
    }


def _slips(words: list[str]) -> list[str]:
    """Three long words retyped with two letters swapped."""
    out, done = list(words), 0
    for i, w in enumerate(out):
        if len(w) >= 6 and w.isalpha() and done < 3:
            out[i], done = w[:2] + w[3] + w[2] + w[4:], done + 1
    return out


def _gold_workbook(root: str, path: Path, gold: Path) -> int:
    """The shipped gold laid out as a team's workbook: a sheet per participant ('Participant
    3'), a title above the header, quotes cut from each coded turn, in turn: codes in one cell,
    the first code on the chunk's row and the others on rows below it (carried down), codes in
    Code 1..N; every fourth quote cut with '...', every seventh retyped with slips."""
    import openpyxl

    from qualcode.coding.run import resolve_codebook

    project = open_project(root)
    codebook, _ = resolve_codebook(project, None)
    names = {c.id: c.name for c in codebook.codes}
    docs = {d["participant_id"]: d["id"] for d in project.store.current_documents()}
    book = openpyxl.Workbook()
    book.remove(book.active)
    quotes = 0
    with gold.open(encoding="utf-8") as fh:
        for k, r in enumerate(csv.DictReader(fh)):
            codes = [names[c] for c in r["codes"].split(";") if c]
            if not codes:
                continue
            pid = r["participant_id"]
            title = f"Participant {int(pid[1:])}"
            if title not in book.sheetnames:
                ws = book.create_sheet(title)
                ws.append([f"Interview {pid}: coded by the partner team"])
                ws.append([])
                ws.append(["Question", "Data chunk", "Code", "Code 2", "Code 3", "Code 4", "Memo"])
            ws = book[title]
            doc = project.store.document(docs[pid])
            t = next(t for t in doc.turns if t.index == int(r["turn"]))
            words = doc.text[t.start : t.end].split()[1:]  # without the speaker's label
            quote = " ".join(words[1:17])
            if k % 4 == 1 and len(words) > 24:
                quote = " ".join(words[1:7]) + " ... " + " ".join(words[12:22])
            elif k % 7 == 3 and len(words) > 18:
                quote = " ".join(_slips(words[1:17]))
            quotes += 1
            style = k % 3
            if style == 0:  # codes in one cell
                ws.append([f"Q{t.index}", quote, "; ".join(codes)])
            elif style == 1:  # one code per row, the chunk carried down
                ws.append([f"Q{t.index}", quote, codes[0]])
                for code in codes[1:]:
                    ws.append(["", "", code])
            else:  # Code 1..N
                ws.append([f"Q{t.index}", quote, *codes])
    project.close()
    book.save(path)
    return quotes


def test_the_shipped_gold_as_a_per_participant_workbook_agrees_with_the_gold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_quote_import import _example

    root = Path(_example(tmp_path / "p"))
    gold = Path(__file__).parents[1] / "bench" / "gold" / "dev-early-action-together.csv"
    sheet = tmp_path / "partner.xlsx"
    quotes = _gold_workbook(str(root), sheet, gold)
    assert main(["import", "codings", str(gold), "--coder", "gold", "-p", str(root)]) == 0
    assert _import(root, sheet, "--json", "--skip-unplaced") == 0
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])
    assert quotes > 100 and len(report["unplaced"]) <= 0.05 * quotes
    assert report["unplaced"] == [] and report["codings"] == 219
    assert main(["agreement", "gold", "ann", "-p", str(root), "--json", "--samples", "50"]) == 0
    agreement = json.loads(capsys.readouterr().out)
    assert agreement["overall"]["percent"] == 1.0


def test_with_skip_unplaced_a_sheet_named_for_no_document_is_left_out_and_listed(
    coded: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = coded.root
    coded.close()
    sheets = {**GOOD, "Participant 9": [["Data chunk", "Code"], ["a grant", "Funding"]]}
    sheet = workbook(tmp_path / "nine.xlsx", sheets)
    assert _import(root, sheet) == 1
    assert "sheet 'Participant 9' matches no document" in capsys.readouterr().err
    assert _import(root, sheet, "--skip-unplaced") == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "1 quotes could not be placed" in err and "sheet 'Participant 9' matches no" in err
    assert len(_codings(root)) == 11
