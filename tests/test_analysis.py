"""Coding queries on the example project: co-occurrence and crosstabs, checked against counts made
independently from `export codings`, in every output format."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.project import Project
from tests.conftest import ROOT


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example project, coded by rules, whose rule suggestions one coder (ana) then
    imports as her own coding of some of the turns (every third turn left uncoded)."""
    root = tmp_path_factory.mktemp("example")
    for name in ("transcripts", "codebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "qualcode.toml", root / "qualcode.toml")
    assert main(["ingest", "-p", str(root)]) == 0
    assert main(["code", "-p", str(root)]) == 0
    rules = root / "rules.csv"
    assert main(["export", "codings", "--kind", "rule", "-o", str(rules), "-p", str(root)]) == 0
    turns: dict[tuple[str, int], set[str]] = defaultdict(set)
    for row in csv.DictReader(rules.open(encoding="utf-8-sig")):
        if int(row["turn"]) % 3:
            turns[(row["participant"], int(row["turn"]))].add(row["code"])
    sheet = root / "ana.csv"
    lines = ["participant_id,turn,codes"]
    lines += [f"{p},{t},{';'.join(sorted(c))}" for (p, t), c in sorted(turns.items())]
    sheet.write_text("\n".join(lines) + "\n")
    assert main(["import", "codings", str(sheet), "--coder", "ana", "-p", str(root)]) == 0
    yield root


def _ana(root: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    out = root / "ana-export.csv"
    code, _, _ = _run(
        capsys, "export", "codings", "--coder", "ana", "-o", str(out), "-p", str(root)
    )
    assert code == 0
    return list(csv.DictReader(out.open(encoding="utf-8-sig")))


def test_cooccurrence_json_equals_a_count_from_export_codings(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_segment: dict[str, set[str]] = defaultdict(set)
    by_person: dict[str, set[str]] = defaultdict(set)
    for row in _ana(example, capsys):
        by_segment[row["segment"]].add(row["code"])
        by_person[row["participant"]].add(row["code"])
    for unit, units in (("segment", by_segment), ("interview", by_person)):
        expected: dict[tuple[str, str], int] = defaultdict(int)
        for codes in units.values():
            for a, b in combinations(sorted(codes), 2):
                expected[(a, b)] += 1
        code, out, _ = _run(capsys, "cooccurrence", "--unit", unit, "--json", "-p", str(example))
        assert code == 0
        (table,) = json.loads(out)["tables"]
        got = {tuple(sorted((p["a"], p["b"]))): p["count"] for p in table["pairs"]}
        assert got == dict(expected) and len(got) > 20
        totals: dict[str, int] = defaultdict(int)
        for codes in units.values():
            for c in codes:
                totals[c] += 1
        assert table["totals"] == dict(totals)
        assert table["units"] == len(units)


def test_jaccard_groups_and_selections(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "cooccurrence", "--json", "-p", str(example))
    counts = json.loads(out)["tables"][0]
    code, out, _ = _run(
        capsys, "cooccurrence", "--measure", "jaccard", "--json", "-p", str(example)
    )
    jac = json.loads(out)["tables"][0]
    totals = counts["totals"]
    for pair in jac["pairs"][:30]:
        either = totals[pair["a"]] + totals[pair["b"]] - pair["count"]
        assert pair["value"] == round(pair["count"] / either, 4)
    args = ("cooccurrence", "--aims", "police", "--by", "sector", "--json", "-p", str(example))
    code, out, _ = _run(capsys, *args)
    assert code == 0
    tables = json.loads(out)["tables"]
    assert [t["group"] for t in tables] == ["partner", "policing"]
    assert all(c.startswith("police.") for t in tables for c in t["codes"])
    for c in tables[0]["codes"]:  # the groups' tables add up to everyone's
        assert sum(t["totals"].get(c, 0) for t in tables) == totals[c]


def test_crosstab_counts_participants_per_group(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sectors = {
        r["participant_id"]: r["sector"]
        for r in csv.DictReader(
            (ROOT / "transcripts" / "participants.csv").open(encoding="utf-8-sig")
        )
    }
    raised: dict[str, set[str]] = defaultdict(set)
    for row in _ana(example, capsys):
        raised[row["code"]].add(row["participant"])
    code, out, _ = _run(capsys, "crosstab", "--by", "sector", "--json", "-p", str(example))
    assert code == 0
    data = json.loads(out)
    n = {g: sum(1 for s in sectors.values() if s == g) for g in set(sectors.values())}
    assert data["groups"] == {"all": len(sectors), **n}
    for row in data["codes"]:
        for g, cell in row["cells"].items():
            who = raised[row["code"]]
            want = len(who) if g == "all" else sum(1 for p in who if sectors[p] == g)
            assert cell["participants"] == want
            assert cell["percent"] == round(100 * want / cell["of"], 1)


def test_bad_options_are_one_line(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "crosstab", "--by", "secto", "-p", str(example))
    assert code == 1 and "--by secto" in err and "sector" in err and "Traceback" not in err
    code, _, err = _run(capsys, "cooccurrence", "--aims", "polic", "-p", str(example))
    assert code == 1 and "--aims polic" in err and "police" in err
    code, _, err = _run(capsys, "cooccurrence", "--measure", "dice", "-p", str(example))
    assert code == 2 and "jaccard" in err


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "md"])
def test_every_format_holds_the_tables_and_a_heatmap(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    co, ct = tmp_path / f"co.{fmt}", tmp_path / f"ct.{fmt}"
    assert (
        _run(capsys, "cooccurrence", "--aims", "police", "-o", str(co), "-p", str(example))[0] == 0
    )
    assert (
        _run(
            capsys,
            "crosstab",
            "--by",
            "sector",
            "--aims",
            "police",
            "-f",
            fmt,
            "-o",
            str(ct),
            "-p",
            str(example),
        )[0]
        == 0
    )
    _, out, _ = _run(
        capsys, "crosstab", "--by", "sector", "--aims", "police", "--json", "-p", str(example)
    )
    first = json.loads(out)["codes"][0]
    cell = first["cells"]["policing"]
    shown = f"{cell['participants']}/{cell['of']}"
    if fmt == "csv":
        rows = list(csv.reader(ct.open(encoding="utf-8-sig")))
        assert (
            rows[1][1] == first["name"] and int(rows[1][2]) == first["cells"]["all"]["participants"]
        )
        assert len(list(csv.reader(co.open(encoding="utf-8-sig")))) == 7  # header + 6 codes
    elif fmt == "md":
        text = ct.read_text()
        assert shown in text and first["name"] in text
        assert (tmp_path / "ct-heatmap-1.png").read_bytes()[:4] == b"\x89PNG"
        assert "(tmp" not in text and "](co-heatmap-1.png)" in co.read_text()
    elif fmt == "docx":
        import docx

        d = docx.Document(str(ct))
        cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
        assert any(shown in c for c in cells)
        assert any(n.startswith("word/media/") for n in zipfile.ZipFile(co).namelist())
    else:
        import openpyxl

        wb = openpyxl.load_workbook(ct)
        sheet = wb.worksheets[1]
        assert sheet.cell(2, 1).value == first["name"]
        assert any(n.startswith("xl/media/") for n in zipfile.ZipFile(co).namelist())
    assert co.read_bytes() == _again(example, capsys, fmt, tmp_path)  # deterministic


def _again(example: Path, capsys: pytest.CaptureFixture[str], fmt: str, tmp_path: Path) -> bytes:
    again = tmp_path / "again" / f"co.{fmt}"
    again.parent.mkdir()
    assert (
        _run(capsys, "cooccurrence", "--aims", "police", "-o", str(again), "-p", str(example))[0]
        == 0
    )
    return again.read_bytes()


# framework summaries -----------------------------------------------------------------------------
def _fill(path: Path, cells: dict[str, str], out: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for where, text in cells.items():
        wb["Summaries"][where] = text
    wb.save(out)


def _matrix_text(example: Path, capsys: pytest.CaptureFixture[str], tmp: Path, *extra: str) -> str:
    import docx

    md, word = tmp / "m.md", tmp / "m.docx"
    for path in (md, word):
        args = ("export", "matrix", "--codes", "police", "-o", str(path), *extra)
        assert _run(capsys, *args, "-f", path.suffix[1:], "-p", str(example))[0] == 0
    cells = [c.text for t in docx.Document(str(word)).tables for r in t.rows for c in r.cells]
    return md.read_text() + "\n".join(cells)


def test_a_filled_in_summaries_sheet_shows_in_the_matrix_docx_and_md(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    sheet = tmp_path / "s.xlsx"
    code, out, _ = _run(
        capsys, "summaries", "export", str(sheet), "--aims", "police", "-p", str(example)
    )
    assert code == 0
    wb = openpyxl.load_workbook(sheet)
    head = [c.value for c in wb["Summaries"][1]]
    assert head[:2] == ["participant", "shown as"] and head[2].endswith("[police.ace_training]")
    ids = [r[0].value for r in wb["Summaries"].iter_rows(min_row=2)]
    assert ids == sorted(ids) and "P01" in ids
    quotes = wb["Quotes"]
    assert [c.value for c in quotes[1]] == head
    row = ids.index("P01") + 2
    assert any(quotes.cell(row, j).value for j in range(3, len(head) + 1))  # quotes beside
    said = "Officers came back from the training asking about the family, not only the call."
    _fill(sheet, {f"C{row}": said}, tmp_path / "filled.xlsx")
    code, out, _ = _run(
        capsys,
        "summaries",
        "import",
        str(tmp_path / "filled.xlsx"),
        "--as",
        "ana",
        "--json",
        "-p",
        str(example),
    )
    assert code == 0 and json.loads(out)["written"] == 1
    text = _matrix_text(example, capsys, tmp_path)
    assert text.count(f"Summary (ana): {said}") == 2  # once in the md, once in the docx
    code, out, _ = _run(
        capsys,
        "summaries",
        "import",
        str(tmp_path / "filled.xlsx"),
        "--as",
        "ana",
        "--json",
        "-p",
        str(example),
    )
    assert json.loads(out)["stored"] == 0  # the same sheet again changes nothing
    _, out, _ = _run(capsys, "log", "--json", "-p", str(example))
    assert "summaries import" in out  # the import is in the audit log


@pytest.mark.parametrize(
    ("cell", "value", "said"),
    [
        ("A3", "P99", "Summaries!A3: no participant 'P99'"),
        ("D1", "Weather [weather.rain]", "Summaries!D1: no code 'weather.rain'"),
        ("A3", "P01", "Summaries!A3: 'P01' has a row already (row 2)"),
        ("D1", "police.ace_training", "Summaries!D1: 'police.ace_training' has a column already"),
    ],
)
def test_an_unknown_participant_or_code_stores_nothing(
    example: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cell: str,
    value: str,
    said: str,
) -> None:
    sheet = tmp_path / "s.xlsx"
    assert (
        _run(capsys, "summaries", "export", str(sheet), "--aims", "police", "-p", str(example))[0]
        == 0
    )
    _fill(sheet, {"C2": "A summary that must not be stored.", cell: value}, tmp_path / "bad.xlsx")
    code, _, err = _run(
        capsys, "summaries", "import", str(tmp_path / "bad.xlsx"), "--as", "ana", "-p", str(example)
    )
    assert code == 1 and said in " ".join(err.split()) and "Traceback" not in err
    _, out, _ = _run(capsys, "summaries", "list", "--json", "-p", str(example))
    assert "must not be stored" not in out


def test_machine_drafts_are_marked_and_never_in_a_final_report(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "summaries", "draft", "--aims", "police", "-p", str(example))[0] == 0
    _, out, _ = _run(capsys, "summaries", "list", "--json", "-p", str(example))
    drafts = [s for s in json.loads(out) if s["draft"]]
    assert drafts and all(s["author"] == "machine" for s in drafts)
    final = _matrix_text(example, capsys, tmp_path)
    assert "Machine draft" not in final and drafts[0]["text"][:40] not in final
    draft = _matrix_text(example, capsys, tmp_path, "--include-suggestions")
    assert "Machine draft summary (unedited)" in draft
    sheet = tmp_path / "s.xlsx"
    assert (
        _run(capsys, "summaries", "export", str(sheet), "--aims", "police", "-p", str(example))[0]
        == 0
    )
    import openpyxl

    values = [c.value or "" for r in openpyxl.load_workbook(sheet)["Summaries"] for c in r]
    assert any(v.startswith("DRAFT (machine, unedited): ") for v in values)
    code, out, _ = _run(
        capsys, "summaries", "import", str(sheet), "--as", "ana", "--json", "-p", str(example)
    )
    assert code == 0 and json.loads(out)["stored"] == 0  # drafts left as they are stay drafts


def test_central_sentences_are_the_ones_most_like_the_rest() -> None:
    from qualcode.analysis.summaries import central

    said = [
        "The weather was awful that day.",
        "Police referrals to the hub got better after the training.",
        "After the training the police referrals had more detail for the hub.",
        "The hub saw better referrals from the police.",
    ]
    assert central(said, 2) == [said[1], said[2]]


def test_the_terminal_shows_tables_with_code_names(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "cooccurrence", "--aims", "police", "-p", str(example))
    assert code == 0 and "1. ACE and trauma-informed training" in out and "Everyone (" in out
    code, out, _ = _run(
        capsys, "crosstab", "--by", "sector", "--aims", "police", "-p", str(example)
    )
    assert code == 0 and "All (N=53)" in out and "Policing (N=20)" in out


def test_a_summary_naming_someone_is_pseudonymised_in_the_workbook_and_reads_back_unchanged(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    sheet = tmp_path / "s.xlsx"
    assert (
        _run(capsys, "summaries", "export", str(sheet), "--aims", "police", "-p", str(example))[0]
        == 0
    )
    _fill(sheet, {"D2": "Tyler and Dai from Bryn Celyn came up again and again."}, sheet)
    args = ("summaries", "import", str(sheet), "--as", "bo", "--json", "-p", str(example))
    assert json.loads(_run(capsys, *args)[1])["written"] == 1
    again = tmp_path / "again.xlsx"
    assert (
        _run(capsys, "summaries", "export", str(again), "--aims", "police", "-p", str(example))[0]
        == 0
    )  # the leak gate lets it through: no name left
    cell = openpyxl.load_workbook(again)["Summaries"]["D2"].value
    assert "Tyler" not in cell and "[Name " in cell and "[Place " in cell
    args = ("summaries", "import", str(again), "--as", "bo", "--json", "-p", str(example))
    assert json.loads(_run(capsys, *args)[1])["stored"] == 0  # the stand-ins are no edit


@pytest.mark.parametrize(
    "command",
    [["cooccurrence"], ["crosstab"], ["summaries", "export"], ["summaries", "import"],
     ["summaries", "draft"], ["export", "matrix"]],
)  # fmt: skip
def test_each_command_gives_a_worked_example_in_its_help(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        from qualcode.cli import load

        app = load()

        app([*command, "--help"], prog_name="qualcode")
    out = " ".join(capsys.readouterr().out.split())
    assert f"(Example: qualcode {' '.join(command)} " in out


def test_crosstab_n_counts_only_participants_someone_coded(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by trying it as a team: with 45 of 53 interviews coded, the crosstab read 31/53 -
    participants nobody had read counted as not having the code. N is now the participants
    someone coded, and the table says how many were left out."""
    from tests.conftest import TEAM, THREE_CODES, build, team_transcript, turn_sheet

    (project.root / "transcripts" / "people.csv").write_text(
        "participant_id,sector\nP01,police\nP02,partner\nP03,police\nP04,partner\n"
    )
    project = build(
        project, {f"{p}.txt": team_transcript(p) for p in TEAM}, THREE_CODES,
        attributes="people.csv",
    )  # fmt: skip
    root = project.root
    project.close()
    # P01 and P02 coded (P02's turns read and judged to carry no code); P03, P04 not yet
    sheet = turn_sheet(
        tmp_path / "ana.csv",
        {("P01", 1): ["factors.funding"], ("P01", 3): [], ("P02", 1): [], ("P02", 3): []},
    )
    assert main(["import", "codings", str(sheet), "--coder", "ana", "-p", str(root)]) == 0
    capsys.readouterr()
    code, out, _ = _run(capsys, "crosstab", "--by", "sector", "--json", "-p", str(root))
    assert code == 0
    data = json.loads(out)
    assert data["groups"] == {"all": 2, "police": 1, "partner": 1}
    assert data["uncoded_participants"] == 2
    funding = next(r for r in data["codes"] if r["code"] == "factors.funding")["cells"]
    assert funding["all"] == {"participants": 1, "of": 2, "percent": 50.0, "segments": 1}
    assert funding["police"]["of"] == 1 and funding["police"]["percent"] == 100.0
    code, out, _ = _run(capsys, "crosstab", "--by", "sector", "-p", str(root))
    assert code == 0 and "2 participants nobody has coded yet are left out" in " ".join(out.split())
