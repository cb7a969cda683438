"""The matrix overview for large codebooks: codes x participants, the codebook overview table, and
a fictional 185-code codebook's overview within 8 A4 pages."""

from __future__ import annotations

import csv
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.codebook.model import Code, Codebook, Group
from qualcode.project import Project
from qualcode.review.findings import Participant, Quote, ReportData
from tests.conftest import TEAM, THREE_CODES, build, team_transcript, turn_sheet

# what the one coder (ana) gives each participant turn: P04 says only the first thing
GIVEN = {
    1: ["factors.funding", "police.referral_quality"],
    3: ["factors.funding", "pathways.schools"],
    7: ["police.referral_quality", "pathways.schools"],
}
SECTOR = {"P01": "police", "P02": "police", "P03": "partner", "P04": "partner"}


@pytest.fixture
def team(project: Project, tmp_path: Path) -> Path:
    files = {f"{p}.txt": team_transcript(p) for p in TEAM}
    sheet = "participant_id,sector,role\n" + "".join(f"{p},{s},worker\n" for p, s in SECTOR.items())
    (project.root / "transcripts" / "people.csv").write_text(sheet)
    sections = {
        "export": 'attributes = ["role"]\ngroup_by = "sector"\n',
        "ingest": 'exclude = ["*.csv"]\n',
    }
    project = build(project, files, THREE_CODES, sections, attributes="people.csv")
    rows = {(p, t): c for p in TEAM for t, c in GIVEN.items() if p != "P04" or t == 1}
    turn_sheet(tmp_path / "ana.csv", rows)
    root = project.root
    project.close()
    assert (
        main(["import", "codings", str(tmp_path / "ana.csv"), "--coder", "ana", "-p", str(root)])
        == 0
    )
    return root


def _expected() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for p in TEAM:
        for t, codes in GIVEN.items():
            if p != "P04" or t == 1:
                for c in codes:
                    out.setdefault(c, {}).setdefault(p, 0)
                    out[c][p] += 1
    return out


def test_the_overview_counts_what_was_coded(team: Path, tmp_path: Path) -> None:
    out = tmp_path / "ov.csv"
    assert (
        main(["export", "matrix", "--overview", "-f", "csv", "-o", str(out), "-p", str(team)]) == 0
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    expected = _expected()
    for row in rows:
        if not row["code"]:  # an aim's total row: its one code here
            continue
        want = expected[row["code"]]
        assert {p: int(row[p]) for p in TEAM} == {p: want.get(p, 0) for p in TEAM}
        assert int(row["participants"]) == len(want)
        assert int(row["segments"]) == sum(want.values())
        for sector in ("police", "partner"):
            assert int(row[sector]) == sum(1 for p in want if SECTOR[p] == sector)
    assert [r["aim"] for r in rows if not r["code"]] == ["factors", "police", "pathways"]


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "md"])
def test_the_overview_opens_the_matrix_in_every_format(
    team: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"m.{fmt}"
    args = ["export", "matrix", "--overview", "--aims", "police", "-o", str(out), "-p", str(team)]
    assert main([*args, "-f", fmt]) == 0
    if fmt == "md":
        text = out.read_text()
        assert (
            text.index("Codebook overview")
            < text.index("Codes by participant")
            < text.index("| Participant |")
        )
        assert "Funding" not in text and "**Police role**" in text
    elif fmt == "docx":
        import docx

        tables = docx.Document(str(out)).tables
        first = [c.text for c in tables[0].rows[1].cells]
        assert first[:3] == ["Police role", "4", "7"]  # the aim row: everyone, seven segments
        grid = [c.text for c in tables[1].rows[0].cells]
        assert grid == ["Code", *TEAM, "n"]
    else:
        import openpyxl

        wb = openpyxl.load_workbook(out)
        assert wb.sheetnames[0] == "Overview"
        ws = wb["Overview"]
        assert [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)] == [
            None,
            "police.referral_quality",
        ]


def test_overview_only_and_a_bad_aim(
    team: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o.md"
    assert (
        main(["export", "matrix", "--overview-only", "-f", "md", "-o", str(out), "-p", str(team)])
        == 0
    )
    assert "Codes by participant" in out.read_text() and "| Participant |" not in out.read_text()
    capsys.readouterr()
    assert main(["export", "matrix", "--overview", "--aims", "polic", "-p", str(team)]) == 1
    err = capsys.readouterr().err
    assert "--aims polic" in err and "police" in err


def big_report(codes: int = 185, people: int = 40, aims: int = 9) -> ReportData:
    """A fictional study: ``codes`` codes in ``aims`` aims, ``people`` participants, each code
    given to a participant 0-3 times (seeded)."""
    rng = random.Random(7)
    groups, k = [], 0
    for a in range(aims):
        size = codes // aims + (1 if a < codes % aims else 0)
        made = tuple(
            Code(
                f"aim{a}.c{k + i}",
                f"A fictional code, number {k + i}, with a long name",
                "",
                f"aim{a}",
            )
            for i in range(size)
        )
        k += size
        groups.append(Group(f"aim{a}", f"Aim {a}: a fictional aim of the study", codes=made))
    book = Codebook("big", "Big", "big.yaml", tuple(groups))
    who = [Participant(f"P{i:02d}", {"role": "worker"}) for i in range(1, people + 1)]
    quotes = [
        Quote(p.id, t, c.id, "text", None, False, "resolved", 2.0)
        for p in who
        for c in book.codes
        for t in range(rng.choice([0, 0, 0, 1, 2, 3]))
    ]
    sectors = {p.id: "police" if i % 3 else "partner" for i, p in enumerate(who)}
    return ReportData("A fictional study", book, who, quotes, "sector", sectors, False)


def test_a_185_code_overview_fits_in_eight_a4_pages(tmp_path: Path) -> None:
    from qualcode.export.overview import overview_docx

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    path = tmp_path / "overview.docx"
    path.write_bytes(overview_docx(big_report()))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "overview.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert 2 <= pages <= 8


@pytest.mark.parametrize(("lang", "said"), [("en", "Summary (ana): "), ("cy", "Crynodeb (ana): ")])
def test_a_summary_stands_above_its_cells_quote_in_the_reports_language(
    lang: str, said: str
) -> None:
    from dataclasses import replace

    from qualcode.analysis.summaries import Summary
    from qualcode.export.tables import matrix_tables

    report = replace(big_report(6, 3, 1), lang=lang)
    first = report.codebook.codes[0].id
    quoted = next(q for q in report.quotes if q.code == first)
    report.summaries = {
        (quoted.participant, first): Summary(
            quoted.participant, first, "All about it.", "ana", False, ""
        ),
        ("P03", first): Summary("P03", first, "Not for a final report.", "machine", True, ""),
    }
    (table,) = matrix_tables(report)
    cells = {r[0].split(",")[0]: r[1] for r in table.rows}
    assert cells[quoted.participant].startswith(f"{said}All about it.\n\n“")
    assert "Not for a final report." in cells["P03"]  # a draft, set apart (never in a final
    assert cells["P03"].startswith("\x04")  # report: summaries.for_report leaves it out)


def test_queries_on_a_project_nobody_has_coded_say_so(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project = build(project, {f"{p}.txt": team_transcript(p) for p in TEAM}, THREE_CODES)
    root = str(project.root)
    project.close()
    capsys.readouterr()
    assert main(["cooccurrence", "-p", root]) == 0
    assert "nothing is coded in the final coding yet" in capsys.readouterr().err
    assert main(["cooccurrence", "--json", "-p", root]) == 0
    assert '"tables": []' in capsys.readouterr().out  # rule suggestions are not codings
