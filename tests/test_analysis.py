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
    sectors = {r["participant_id"]: r["sector"] for r in csv.DictReader(
        (ROOT / "transcripts" / "participants.csv").open(encoding="utf-8-sig"))}  # fmt: skip
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
    assert _run(capsys, "crosstab", "--by", "sector", "--aims", "police", "-f", fmt, "-o", str(ct),
                "-p", str(example))[0] == 0  # fmt: skip
    _, out, _ = _run(capsys, "crosstab", "--by", "sector", "--aims", "police", "--json",
                     "-p", str(example))  # fmt: skip
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
