"""The Welsh edition whole (issue 25): the codebook's *_cy fields, one warning naming the codes
without Welsh, attribute values and the title through [export.cy], its own file names, and
headers that never break inside a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.project import Project
from qualcode.settings import parse_settings
from tests.test_reports import _gold, _project

WELSH = """
[export.cy]
title = "Gwerthusiad y prosiect"
role = "rôl"
local_authority = "awdurdod lleol"
sector = "sector"
partner = "partner"
policing = "plismona"
Newport = "Casnewydd"
Bridgend = "Pen-y-bont ar Ogwr"
"family support worker" = "gweithiwr cymorth i deuluoedd"
"""


def _welsh(project: Project, tmp_path: Path, toml: str = WELSH) -> Project:
    project = _project(project)
    _gold(project, tmp_path)
    settings = project.root / "qualcode.toml"
    settings.write_text(settings.read_text() + toml)
    root = project.root
    project.close()
    from qualcode.project import open_project

    return open_project(root)


def _words(path: Path) -> str:
    from qualcode.export.leakgate import written_text

    return " ".join(written_text(path).split())


def test_welsh_files_have_their_own_names(project: Project, tmp_path: Path) -> None:
    """Found: the Welsh file overwrote the English outputs/themes.docx."""
    project = _welsh(project, tmp_path)
    root = str(project.root)
    project.close()
    outputs = Path(root) / "outputs"
    assert main(["export", "themes", "-p", root]) == 0
    english = (outputs / "themes.docx").read_bytes()
    for lang, name in (("cy", "themes.cy.docx"), ("en+cy", "themes.en-cy.docx")):
        assert main(["export", "themes", "--lang", lang, "-p", root]) == 0
        assert (outputs / name).exists()
    assert (outputs / "themes.docx").read_bytes() == english
    assert main(["export", "matrix", "--lang", "cy", "-f", "md", "--include-suggestions",
                 "-p", root]) == 0  # fmt: skip
    assert (outputs / "matrix-draft.cy.md").exists()


def test_attribute_values_names_and_title_in_welsh(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found: attribute values ("Partner/Policing"), "role, local authority" inside a Welsh
    sentence and the report's title stayed English."""
    project = _welsh(project, tmp_path)
    root = str(project.root)
    project.close()
    out = tmp_path / "t.md"
    assert main(["export", "themes", "--lang", "cy", "-f", "md", "-o", str(out), "-p", root]) == 0
    text = " ".join(out.read_text().split())
    assert text.startswith("# Gwerthusiad y prosiect")
    assert "yn ôl eu dynodydd a rôl, awdurdod lleol yn unig" in text
    assert "Plismona" in text and "Policing" not in text
    assert "(P01, PCSO, Pen-y-bont ar Ogwr)" in text  # a participant's label
    assert "Yn ôl sector" in text
    err = " ".join(capsys.readouterr().err.split())
    # one warning naming the codes the codebook gives no Welsh, one for values left English
    assert err.count("without Welsh text in the codebook") == 1
    assert "factors.funding" in err and "police.referral_quality" in err
    assert "attribute values without Welsh, shown in English: PCSO (add" in err


def test_the_codebooks_welsh_examples_names_and_definitions_are_used(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.codebook import load_codebook

    project = _welsh(project, tmp_path)
    path = project.root / "codebooks" / "toy.yaml"
    text = path.read_text()
    anchor = "        definition: Funding of services.\n"
    i = text.index(anchor) + len(anchor)
    welsh = (
        "        name_cy: Cyllid\n"
        "        definition_cy: Ariannu gwasanaethau.\n"
        "        examples: {typical: [The grant ends in March]}\n"
        "        examples_cy: {typical: [Daw'r grant i ben ym mis Mawrth]}\n"
    )
    path.write_text(text[:i] + welsh + text[i:])
    book = load_codebook(path)
    assert book.code("factors.funding").typical_cy == ("Daw'r grant i ben ym mis Mawrth",)
    root = str(project.root)
    project.close()
    out = tmp_path / "t.docx"
    assert main(["export", "themes", "--lang", "cy", "-o", str(out), "-p", root]) == 0
    text = _words(out)
    assert "Cyllid" in text and "Ariannu gwasanaethau." in text
    assert "Daw'r grant i ben ym mis Mawrth" in text and "The grant ends in March" not in text
    err = " ".join(capsys.readouterr().err.split())
    assert "factors.funding" not in err.split("codebook")[1].split("(add")[0]


def test_export_cy_must_be_a_table_of_text() -> None:
    from qualcode.errors import QualcodeError

    settings = parse_settings({"export": {"cy": {"title": "Teitl", "partner": "partner"}}}, "t")
    assert settings.export.welsh() == {"partner": "partner", "title": "Teitl"}
    with pytest.raises(QualcodeError, match=r"\[export.cy\]"):
        parse_settings({"export": {"cy": {"title": 3}}}, "t")
    with pytest.raises(QualcodeError, match=r"\[export.cy\]"):
        parse_settings({"export": {"cy": ["title"]}}, "t")


def test_headers_never_break_inside_a_word(project: Project, tmp_path: Path) -> None:
    """Found: "Cyfranogwy/r" broken across two lines in a narrow column."""
    import docx

    from qualcode.export.report import BOLD_CM_PER_POINT, CELL_PADDING_CM, header_widths

    widths = header_widths(["Cod", "Cyfranogwyr", "Dyfyniadau"], [3.0, 2.2, 12.0], 10)
    assert widths[1] >= 11 * BOLD_CM_PER_POINT * 10 + CELL_PADDING_CM
    assert sum(widths) == pytest.approx(17.2)  # the table keeps its width
    project = _welsh(project, tmp_path)
    root = str(project.root)
    project.close()
    out = tmp_path / "t.docx"
    assert main(["export", "themes", "--lang", "cy", "-o", str(out), "-p", root]) == 0
    d = docx.Document(str(out))
    for table in d.tables:
        for cell in table.rows[0].cells:
            longest = max(len(w) for w in cell.text.split())
            need = longest * BOLD_CM_PER_POINT * 10 + CELL_PADDING_CM
            assert cell.width.cm >= need - 0.01, cell.text


def test_the_welsh_methods_appendix_has_the_welsh_title_and_counts(
    project: Project, tmp_path: Path
) -> None:
    """Found: 'Atodiad dulliau: Early Action Together ...' (the English title under a Welsh
    heading) and '17 of 22' in the Welsh saturation tables."""
    project = _welsh(project, tmp_path)
    root = str(project.root)
    project.close()
    out = tmp_path / "m.md"
    assert main(["export", "methods", "--lang", "cy", "-f", "md", "-o", str(out), "-p", root]) == 0
    text = out.read_text()
    assert text.startswith("# Atodiad dulliau: Gwerthusiad y prosiect")
    rows = [line for line in text.splitlines() if line.startswith("| 1. ")]
    assert rows and " o " in rows[0] and " of " not in rows[0]
    english = tmp_path / "e.md"
    assert main(["export", "methods", "-f", "md", "-o", str(english), "-p", root]) == 0
    assert "Gwerthusiad" not in english.read_text()


def test_the_welsh_methods_tables_say_their_fixed_words_in_welsh(
    project: Project, tmp_path: Path
) -> None:
    """Found in the example's Welsh appendix: 'All codes', 'n/a', 'undefined' and '(the first
    version)' in its tables."""
    from types import SimpleNamespace

    from qualcode.export.methods import _f, _judged

    cy: object = SimpleNamespace(lang="cy")
    assert _f(None, cy) == "amh." and _judged(None, cy) == "heb ei ddiffinio"  # type: ignore[arg-type]
    assert _judged(0.9, cy) == "dibynadwy" and _judged(0.9) == "reliable"  # type: ignore[arg-type]
    project = _welsh(project, tmp_path)
    root = str(project.root)
    project.close()
    out = tmp_path / "m.md"
    assert main(["export", "methods", "--lang", "cy", "-f", "md", "-o", str(out), "-p", root]) == 0
    text = out.read_text()
    assert "(y fersiwn gyntaf)" in text and "(the first version)" not in text


def test_a_bilingual_draft_with_a_long_title_is_written(project: Project, tmp_path: Path) -> None:
    """Found: 'export themes -f docx --include-suggestions --lang en+cy' failed with an internal
    error: the bilingual draft title (about 290 characters) is over the 255 a Word document's
    properties hold. The page keeps the whole title; the property is cut on a word boundary."""
    import docx

    long_title = (
        'title = "Gwerthusiad o gydweithio rhwng yr heddlu a gwasanaethau cymorth cynnar i '
        "deuluoedd mewn pum awdurdod lleol yng Nghymru, gyda sylw i lwybrau cymorth a rhannu "
        'gwybodaeth"'
    )
    project = _welsh(
        project, tmp_path, WELSH.replace('title = "Gwerthusiad y prosiect"', long_title)
    )
    root = str(project.root)
    project.close()
    args = ["export", "themes", "-f", "docx", "--include-suggestions", "--lang", "en+cy"]
    assert main([*args, "-p", root]) == 0
    written = list((Path(root) / "outputs").glob("themes*.en-cy.docx"))
    assert len(written) == 1
    doc = docx.Document(str(written[0]))
    title = doc.core_properties.title
    body = " ".join(p.text for p in doc.paragraphs[:6])
    assert 0 < len(title) <= 255
    assert title.endswith("…") and title[:-1].rstrip() in body
    assert not title[:-1].endswith(" ")
