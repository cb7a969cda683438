"""Open-ended survey answers as documents, and one wide coding file per coder (issue 29).

Every word in the fixtures is fictional (the glimmerbell scheme, plonkfield hubs)."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from qualcode.cli import main
from qualcode.errors import InputFileError
from qualcode.project import Project, open_project
from tests.conftest import set_section

FIXTURES = Path(__file__).parent / "fixtures" / "survey"
Q1 = "What helped you most with the glimmerbell scheme?"
Q2 = "What got in the way?"


def _copy(project: Project, *names: str) -> list[Path]:
    out = []
    for name in names:
        out.append(project.root / name)
        shutil.copy(FIXTURES / name, out[-1])
    return out


def _ingest(project: Project, path: Path, id_column: str = "", texts: tuple[str, ...] = ()) -> Any:
    from qualcode.ingest.run import ingest

    return ingest(project, [path], id_column=id_column, text_columns=texts)


def _settings(project: Project, name: str, body: str) -> Project:
    toml = project.root / "qualcode.toml"
    toml.write_text(set_section(toml.read_text(), name, body))
    project.close()
    return open_project(project.root)


def _write(path: Path, rows: list[list[str]], bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


# survey answers ----------------------------------------------------------------------------
def test_survey_csv_with_bom_detected(project: Project) -> None:
    (path,) = _copy(project, "answers.csv")
    assert (FIXTURES / "answers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    report = _ingest(project, path)
    (result,) = report.files
    assert (result.status, result.format, result.respondents) == ("new", "survey", 5)
    assert "'ResponseId' (detected" in result.chosen and Q1 in result.chosen
    assert "StartDate" not in result.chosen.split("answers from")[1]
    doc = project.store.find_document("answers.csv#R_102")
    assert doc.participant_id == "R_102"
    roles = [(t.speaker, t.role) for t in doc.turns]
    assert roles == [("Question", "interviewer"), ("R_102", "participant")] * 2  # one skipped
    assert doc.turn_text(doc.turns[0]) == Q1
    assert doc.turn_text(doc.turns[1]).startswith("Having one named worker")
    assert doc.attributes == {
        "age_band": "35-44",
        "region": "Southmere",
        "startdate": "2026-03-01 11:15",
    }
    again = _ingest(project, path)
    assert again.files[0].status == "unchanged" and again.files[0].changed == 0
    assert len(project.store.current_documents()) == 5


def test_survey_xlsx_named_columns_same_answers_as_csv(project: Project, tmp_path: Path) -> None:
    (xlsx,) = _copy(project, "answers.xlsx")
    report = _ingest(project, xlsx, "responseid", (Q2,))
    assert report.files[0].respondents == 4  # R_102 left Q2 empty: no document
    assert "free text left out" in report.files[0].chosen
    doc = project.store.find_document("answers.xlsx#R_103")
    assert [doc.turn_text(t) for t in doc.turns] == [
        Q2,
        "Forms, forms and more forms. I gave up on the second application halfway.",
    ]
    assert "anything_else_about_the_plonkfield_hubs" not in doc.attributes  # free text
    assert doc.attributes["region"] == "Northvale"


def test_survey_columns_from_settings_and_qualtrics_headers(project: Project) -> None:
    rows = [
        ["ResponseId", "Q1", "Q2", "Region"],
        ["Response ID", "Which zorbly thing helped?", "What would you change?", "Region"],
        ['{"ImportId":"_recordId"}', '{"ImportId":"QID1_TEXT"}', '{"ImportId":"QID2"}', "{}"],
        ["R_9", "The quindle club", "", "Northvale"],
        ["R_8", "", "Longer opening hours", "Eastbrook"],
    ]
    path = _write(project.root / "qualtrics.csv", rows)
    project = _settings(
        project, "ingest.survey", 'id_column = "ResponseId"\ntext_columns = ["Q1", "Q2"]\n'
    )
    report = _ingest(project, path)
    assert report.files[0].respondents == 2 and report.files[0].chosen == ""
    doc = project.store.find_document("R_8")
    assert [doc.turn_text(t) for t in doc.turns] == [
        "What would you change?",
        "Longer opening hours",
    ]
    assert doc.attributes == {"region": "Eastbrook"}


def test_changed_answer_is_a_new_version(project: Project) -> None:
    rows = [["id", "Tell us about the hub"], ["A1", "It was warm and the staff were kind to us"],
            ["A2", "Too far away from the bus stop for my mother"]]  # fmt: skip
    path = _write(project.root / "s.csv", rows)
    _ingest(project, path)
    rows[2][1] = "Too far from the bus stop for my mother and me"
    _write(path, rows)
    report = _ingest(project, path)
    assert (report.files[0].status, report.files[0].changed) == ("updated", 1)
    assert project.store.find_document("A2").version == 2


@pytest.mark.parametrize(
    ("rows", "args", "said"),
    [
        ([], (), "is empty"),
        ([["Score", "Comment"], ["3", "fine"], ["3", "fine"]], (), "no respondent id column"),
        ([["ResponseId", "Q1"], ["R_1", "It was grand thank you all"]], ("ResponseId", ("Q9",)),
         "has no column 'Q9' (named by --text-column)"),
        ([["ResponseId", "Score"], ["R_1", "3"]], (), "no column of free-text answers"),
        ([["ResponseId", "Q1"], ["R_1", "yes it was fine"], ["R_1", "and again it was"]],
         ("", ("Q1",)), "row 3: respondent 'R_1' again"),
    ],
)  # fmt: skip
def test_survey_bad_input_one_clear_line(
    project: Project, rows: list[list[str]], args: Any, said: str
) -> None:
    path = _write(project.root / "bad.csv", rows)
    report = _ingest(project, path, *args)
    (failed,) = report.failed
    assert failed.source == "bad.csv" and said in failed.message and failed.hint
    assert "\n" not in failed.message


def test_cli_survey_ingest_says_what_was_chosen(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (path,) = _copy(project, "answers.csv")
    assert main(["ingest", str(path), "-p", str(project.root)]) == 0
    out = capsys.readouterr().out
    assert "answers.csv: respondents by 'ResponseId' (detected" in out
    bad = "--text-column"
    assert main(["ingest", str(path), bad, "Nope", "-p", str(project.root)]) == 1
    err = capsys.readouterr().err
    assert "answers.csv: has no column 'Nope'" in " ".join(err.split())


def test_folder_ingest_never_reads_sheets_as_surveys(project: Project) -> None:
    folder = project.root / "transcripts"
    (folder / "p1.txt").write_text("INT: How was it?\nP1: The plonkfield hub was good.\n")
    shutil.copy(FIXTURES / "answers.csv", folder / "answers.csv")
    project = _settings(project, "ingest", "exclude = []\n")  # not even the exclude list helps
    from qualcode.ingest.run import ingest

    report = ingest(project)
    assert [f.source for f in report.files if f.status == "new"] == ["transcripts/p1.txt"]
    assert all(d["format"] != "survey" for d in project.store.current_documents())


def _survey_project(project: Project) -> Project:
    (path,) = _copy(project, "answers.csv")
    shutil.copy(FIXTURES / "codebook.yaml", project.root / "codebooks" / "glimmerbell.yaml")
    project = _settings(project, "coding", 'codebook = "codebooks/glimmerbell.yaml"\n')
    project = _settings(project, "export", 'attributes = ["region"]\n')
    _ingest(project, path)
    return project


def test_rules_code_survey_answers_and_quotes_show_respondents(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.coding.run import code_project

    project = _survey_project(project)
    code_project(project)
    root = str(project.root)
    project.close()
    assert main(["quotes", "travel_costs", "--include-suggestions", "-p", root, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    text = json.dumps(data)
    assert "R_103" in text and "Northvale" in text and "vouchers for travel" in text
    assert "R_101" in text and "Buses to the hub" in text  # the second question's answer


# wide coder files ----------------------------------------------------------------------------
def _kappa_by_hand(a: list[int], b: list[int]) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe)


def _random_wide(tmp_path: Path) -> tuple[Path, Path, dict[str, dict[str, set[str]]]]:
    rng = random.Random(7)
    codes = ["Staff support", "Peer support", "Travel costs", "Flexible timing", "Quindle"]
    given: dict[str, dict[str, set[str]]] = {"ann": {}, "bob": {}}
    files = []
    for coder in ("ann", "bob"):
        rows = [["ResponseId", "Answer", "Code 1", "Code 2", "Code 3"]]
        ids = [f"R_{i}" for i in range(150)] + (
            [f"R_{i}" for i in range(150, 160)] if coder == "ann" else []
        )
        for rid in ids:
            chosen = rng.sample(codes, rng.choice([0, 1, 1, 2, 3]))
            if coder == "bob" and rng.random() < 0.6:  # bob often agrees with ann
                chosen = sorted(given["ann"][rid])
            given[coder][rid] = set(chosen)
            cells = [c.lower() if rng.random() < 0.2 else c for c in chosen]  # any case
            rows.append([rid, "some answer", *cells, *[""] * (3 - len(cells))])
        files.append(_write(tmp_path / f"{coder}.csv", rows))
    return files[0], files[1], given


def test_agreement_from_two_wide_files_equals_independent_kappa(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.metrics import cohen_kappa_score

    monkeypatch.chdir(tmp_path)  # no project here: codes are compared as written
    a, b, given = _random_wide(tmp_path)
    assert main(["agreement", "--from-files", str(a), str(b), "--json", "--samples", "50"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["coders"] == ["ann", "bob"]
    assert (data["units"], data["double_coded"]) == (160, 150)  # R_150..159: ann's only
    both = sorted(given["bob"])
    assert len(data["codes"]) == 5  # 'staff support' and 'Staff support' are one code
    for row in data["codes"]:
        code = row["code"].casefold()
        x = [int(code in {c.casefold() for c in given["ann"][u]}) for u in both]
        y = [int(code in {c.casefold() for c in given["bob"][u]}) for u in both]
        assert row["kappa"] == pytest.approx(cohen_kappa_score(x, y), abs=1e-9)
        assert row["kappa"] == pytest.approx(_kappa_by_hand(x, y), abs=1e-9)


def test_agreement_from_files_matches_from_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no project here: codes are compared as written
    a, b, given = _random_wide(tmp_path)
    long = [["unit", "coder", "code"]]
    for coder, units in given.items():
        for unit, codes in units.items():
            long += [[unit, coder, c] for c in sorted(codes)] or [[unit, coder, ""]]
    path = _write(tmp_path / "long.csv", long)
    assert main(["agreement", "--from-files", str(a), str(b), "--json"]) == 0
    wide = json.loads(capsys.readouterr().out)
    assert main(["agreement", "--from-csv", str(path), "--json"]) == 0
    longform = json.loads(capsys.readouterr().out)
    for key in ("codes", "overall", "mean", "double_coded", "units"):
        assert wide[key] == longform[key]


def test_agreement_from_files_needs_two_readable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agreement", "--from-files", str(FIXTURES / "coder_ann.csv")]) != 0
    assert "agreement needs two coders" in capsys.readouterr().err
    odd = _write(tmp_path / "odd.csv", [["name", "thing"], ["x", "y"]])
    assert main(["agreement", "--from-files", str(odd), str(FIXTURES / "coder_ann.csv")]) != 0
    err = " ".join(capsys.readouterr().err.split())
    assert "odd.csv: has no unit id column and Code 1..N columns" in err


def test_import_wide_files_as_coders_codings(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.coding.imports import import_codings

    project = _survey_project(project)
    ann = import_codings(project, FIXTURES / "coder_ann.csv", "ann")
    bob = import_codings(project, FIXTURES / "coder_bob.csv", "bob")
    assert (ann.units, ann.codings, bob.units, bob.codings) == (4, 5, 4, 6)
    coded = project.store.coder_codings()
    doc = project.store.find_document("R_101")
    answer = doc.turns[1]  # the answer to the file's question, not the later ones
    from qualcode.segment import segment_id

    sid = segment_id(doc.sha256, answer.start, answer.end)
    assert coded["ann"][sid] == {"staff_support", "flexible_timing"}
    root = str(project.root)
    project.close()
    assert main(["agreement", "-p", root, "--json", "--samples", "50"]) == 0
    stored = json.loads(capsys.readouterr().out)
    files = [str(FIXTURES / "coder_ann.csv"), str(FIXTURES / "coder_bob.csv")]
    assert main(["agreement", "--from-files", *files, "--json", "--samples", "50"]) == 0
    direct = json.loads(capsys.readouterr().out)
    assert [r["kappa"] for r in stored["codes"]] == [r["kappa"] for r in direct["codes"]]


def test_import_wide_without_question_matches_text_or_takes_all(project: Project) -> None:
    from qualcode.coding.imports import import_codings

    project = _survey_project(project)
    text = "Buses to the hub stop at six so I missed the evening workshops twice."
    rows = [
        ["id", "Answer", "Code 1"],
        ["R_101", text, "Travel costs"],
        ["R_105", "", "peer_support"],
    ]
    path = _write(project.root / "cat.csv", rows)
    report = import_codings(project, path, "cat")
    assert report.units == 1 + 3  # R_101's matching answer; every answer of R_105
    doc = project.store.find_document("R_101")
    coded = project.store.coder_codings()["cat"]
    from qualcode.segment import segment_id

    t = doc.turns[3]
    assert coded[segment_id(doc.sha256, t.start, t.end)] == {"travel_costs"}


@pytest.mark.parametrize(
    ("row", "said"),
    [
        (["R_101", Q1, "Zorbly magic"], "row 2: unknown code(s) Zorbly magic"),
        (["R_999", Q1, "Travel costs"], "row 2: 'R_999' names no document"),
        (["R_102", Q2, "Travel costs"], "row 2: R_102 has no answer to"),
    ],
)
def test_import_wide_bad_rows_store_nothing(project: Project, row: list[str], said: str) -> None:
    from qualcode.coding.imports import import_codings

    project = _survey_project(project)
    path = _write(project.root / "bad.csv", [["ResponseId", "Question", "Code 1"], row])
    with pytest.raises(InputFileError) as err:
        import_codings(project, path, "dee")
    assert said in err.value.problem and "bad.csv" in str(err.value)
    assert "dee" not in project.store.coder_codings()
    with pytest.raises(Exception, match="one coder's file"):
        import_codings(project, FIXTURES / "coder_ann.csv", ("ann", "bob"))


def test_other_layouts_are_never_taken_as_wide(tmp_path: Path) -> None:
    from qualcode.coding.wide import is_wide

    assert is_wide(FIXTURES / "coder_ann.csv")
    for header in (["participant_id", "turn", "Code 1"], ["Participant", "Quote", "Code 1"],
                   ["Question", "Data chunk", "Code 1", "Code 2"], ["id", "codes"]):  # fmt: skip
        assert not is_wide(_write(tmp_path / "x.csv", [header, ["P1"] * len(header)])), header


def test_agreement_from_files_in_a_project_knows_ids_and_names(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _survey_project(project)
    root = str(project.root)
    project.close()
    head = ["id", "Code 1"]
    a = _write(tmp_path / "a.csv", [head, ["R_1", "Travel costs"], ["R_2", "staff_support"]])
    b = _write(tmp_path / "b.csv", [head, ["R_1", "travel_costs"], ["R_2", "Staff support"]])
    assert main(["agreement", "--from-files", str(a), str(b), "-p", root, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["code"], r["name"], r["percent"]) for r in data["codes"]] == [
        ("staff_support", "Staff support", 1.0),
        ("travel_costs", "Travel costs", 1.0),
    ]
