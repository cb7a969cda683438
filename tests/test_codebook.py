from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook import CodebookError, load_codebook
from qualcode.coding.rules import RuleCoder
from qualcode.errors import InputFileError

GOOD = """\
id: demo
name: Demo
groups:
  - id: police
    name: Police
    codes:
      - id: police.feedback_loop
        name: Feedback loop
        definition: Officers hearing what happened to their referrals.
        rules:
          keywords: [hear back, feedback]
          near: [{a: [officer, police], b: [outcome], within: 5}]
          veto: [feedback form]
      - id: police.referral_quality
        name: Referral quality
        definition: Quality of police referrals.
        rules:
          patterns: [[{LOWER: {IN: [ppn, ppns]}}, {LEMMA: be}, {LOWER: long}]]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cb.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_codebook_loads_and_hash_ignores_comments(tmp_path: Path) -> None:
    cb = load_codebook(_write(tmp_path, GOOD))
    assert [c.id for c in cb.codes] == ["police.feedback_loop", "police.referral_quality"]
    assert cb.codes[0].rules.near[0].within == 5
    commented = load_codebook(_write(tmp_path, "# a comment\n" + GOOD))
    assert commented.hash == cb.hash
    changed = load_codebook(_write(tmp_path, GOOD.replace("hear back", "heard back")))
    assert changed.hash != cb.hash


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("        name: Feedback loop\n", "        name: Feedback loop\n        colour: red\n"),
            "cb.yaml:9: code police.feedback_loop: unknown field 'colour'",
        ),
        (
            ("Quality of police referrals.", "''"),
            "cb.yaml:16: code police.referral_quality: 'definition' is missing or empty",
        ),
        (
            ("id: police.referral_quality", "id: police.feedback_loop"),
            "code police.feedback_loop: duplicate id (first at line 7)",
        ),
        (("id: police.referral_quality", "id: Police Quality"), "must be lower-case words"),
        (("within: 5", "within: 500"), "within' from 1 to 50"),
        (("          veto:", "         veto:"), "cb.yaml:"),
        (("keywords: [hear back, feedback]", "keywords: 7"), "'keywords' must be a list"),
    ],
)
def test_codebook_errors_name_file_line_and_code(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    assert edit[0] in GOOD
    with pytest.raises(CodebookError) as info:
        load_codebook(_write(tmp_path, GOOD.replace(*edit)))
    assert any(expected in p for p in info.value.problems), info.value.problems
    assert all(p.startswith(str(tmp_path / "cb.yaml")) for p in info.value.problems)


def test_bad_spacy_pattern_is_a_codebook_error(tmp_path: Path) -> None:
    cb = load_codebook(_write(tmp_path, GOOD.replace("{LEMMA: be}", "{LEMMAX: be}")))
    with pytest.raises(CodebookError) as info:
        RuleCoder(cb)
    assert "code police.referral_quality: rules.patterns item 1" in info.value.problems[0]


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="empty"):
        load_codebook(_write(tmp_path, ""))
    with pytest.raises(CodebookError, match="no such codebook"):
        load_codebook(tmp_path / "nope.yaml")


def test_rules_match_lemmas_vetoes_roles_and_proximity(tmp_path: Path) -> None:
    coder = RuleCoder(load_codebook(_write(tmp_path, GOOD)))
    texts = [
        ("We never HEARD BACK from them.", "participant"),
        ("It's on the feedback form.", "participant"),
        ("We never heard back, it's on the feedback form.", "participant"),
        ("The officers don't know the outcome.", "participant"),
        ("PPNs were long, far too long.", "participant"),
        ("Did you hear back?", "interviewer"),
        ("Nothing relevant here at all.", "participant"),
    ]
    got = [
        [(m.code_id, texts[i][0][m.start : m.end]) for m in ms]
        for i, ms in enumerate(coder.match(texts))
    ]
    assert got == [
        [("police.feedback_loop", "HEARD BACK")],
        [],  # the only hit lies inside a vetoing phrase
        [("police.feedback_loop", "heard back")],  # a veto cancels only what it overlaps
        [("police.feedback_loop", "officers don't know the outcome")],
        [("police.referral_quality", "PPNs were long")],
        [],
        [],
    ]


def test_lint_flags_inflected_keywords(tmp_path: Path) -> None:
    text = GOOD.replace("[hear back, feedback]", "[hear back, feedback, housing]")
    coder = RuleCoder(load_codebook(_write(tmp_path, text)))
    warnings = coder.lint()
    assert len(warnings) == 1
    assert "cb.yaml:7: code police.feedback_loop: keyword 'housing'" in warnings[0]
    assert "lemma 'house'" in warnings[0]
    # and it is a real pitfall: the inflected keyword matches the other word
    assert [m.code_id for m in next(coder.match([("A house in town.", "participant")]))] == [
        "police.feedback_loop"
    ]


def test_qdc_export_validates_and_round_trips(tmp_path: Path) -> None:
    from lxml import etree

    from qualcode.codebook.refi import codebook_xml, codebook_yaml, read_qdc
    from tests.conftest import shared

    cb = load_codebook(_write(tmp_path, GOOD))
    xml = codebook_xml(cb)
    assert xml == codebook_xml(load_codebook(_write(tmp_path, GOOD)))  # deterministic
    (tmp_path / "cb.qdc").write_bytes(xml)
    back = read_qdc(tmp_path / "cb.qdc")
    assert [(c.id, c.name, c.definition) for c in back.codes] == [
        (c.id, c.name, c.definition) for c in cb.codes
    ]
    (tmp_path / "back.yaml").write_text(codebook_yaml(back))
    assert [c.id for c in load_codebook(tmp_path / "back.yaml").codes] == [c.id for c in cb.codes]
    xsd = shared("refi-qda", "schemas", "Codebook.xsd")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(etree.fromstring(xml)), schema.error_log


def test_qdc_import_refuses_entities(tmp_path: Path) -> None:
    from qualcode.codebook.refi import read_qdc

    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="6f1d3c52-8a0e-5d2b-9c1e-2f4b7a9d0e11" name="G &b;" isCodable="false">'
        '<Code guid="6f1d3c52-8a0e-5d2b-9c1e-2f4b7a9d0e12" name="C" isCodable="true"/>'
        "</Code></Codes></CodeBook>"
    )
    (tmp_path / "bomb.qdc").write_text(bomb)
    with pytest.raises(InputFileError, match="declares a DTD or entities"):
        read_qdc(tmp_path / "bomb.qdc")
    (tmp_path / "broken.qdc").write_text("<CodeBook><Codes>")
    with pytest.raises(InputFileError, match="not well-formed"):
        read_qdc(tmp_path / "broken.qdc")


def test_word_form_patterns_match_exactly_what_the_matcher_would(tmp_path: Path) -> None:
    """Plain LOWER/IN patterns are compiled to phrases for speed; results must not change."""
    from qualcode.coding.rules import _word_forms

    text = GOOD.replace(
        "patterns: [[{LOWER: {IN: [ppn, ppns]}}, {LEMMA: be}, {LOWER: long}]]",
        "patterns: [[{LOWER: {IN: [housing, rehousing]}}],"
        " [{LOWER: cut}, {LOWER: {IN: [back, backs]}}],"
        " [{LOWER: grant}, {LOWER: funded, OP: '?'}]]",
    )
    coder = RuleCoder(load_codebook(_write(tmp_path, text)))
    assert _word_forms(({"LOWER": {"IN": ["a", "b"]}}, {"ORTH": "c"})) == [["a", "c"], ["b", "c"]]
    assert _word_forms(({"LOWER": "a", "OP": "?"},)) is None
    assert _word_forms(({"LEMMA": "be"},)) is None
    texts = [
        ("Housing came round.", "participant"),
        ("We went to the house.", "participant"),
        ("Cuts back on everything, the cut backs.", "participant"),
        ("A grant funded post, and a grant.", "participant"),
    ]
    got = [
        [(m.rule, texts[i][0][m.start : m.end]) for m in ms]
        for i, ms in enumerate(coder.match(texts))
    ]
    assert got == [
        [("pattern1", "Housing")],
        [],
        [("pattern2", "cut backs")],
        [("pattern3", "grant")],  # the first of its matches: "grant", "grant funded", "grant"
    ]


def test_misplaced_near_list_is_one_error_with_its_line(tmp_path: Path) -> None:
    text = GOOD.replace(
        "          near: [{a: [officer, police], b: [outcome], within: 5}]\n",
        "          near:\n            - heard back\n            - never heard\n",
    )
    with pytest.raises(CodebookError) as info:
        load_codebook(_write(tmp_path, text))
    assert info.value.problems == [
        f"{tmp_path / 'cb.yaml'}:13: code police.feedback_loop: near rule 1 is not a mapping "
        "with 'a', 'b' and 'within' (is a keyword list indented under 'near'?)"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("groups: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested too deeply"),
        (
            GOOD.replace("{LOWER: long}", "{7: long}"),
            "a token's keys must be attributes such as LOWER or LEMMA, not 7",
        ),
        (
            GOOD.replace("{LOWER: long}", "{TEXT: {REGEX: '(unclosed'}}"),
            "the regular expression '(unclosed' is not valid",
        ),
        (GOOD.replace("  - id: police\n", "  - id: 17\n"), "group id '17' must be a lower-case"),
        ("id: x\n" + "# padding\n" * 120_000, "too large for a codebook"),
    ],
    ids=["deep-nesting", "number-key", "bad-regex", "numeric-group-id", "huge"],
)
def test_malformed_codebooks_get_a_specific_error(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(CodebookError) as info:
        cb = load_codebook(_write(tmp_path, text))
        RuleCoder(cb)  # compiling the rules must not fail in another way either
    assert problem in "\n".join(info.value.problems)


def test_the_example_codebook_survives_qdc_export_import_export_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.cli import main

    root = Path(__file__).resolve().parents[1]
    first = tmp_path / "early-action-together.qdc"
    assert main(["codebook", "export", str(first), "-p", str(root)]) == 0
    project = tmp_path / "p"
    (project / "codebooks").mkdir(parents=True)
    (project / "qualcode.toml").write_text("[project]\nname = 'x'\n")
    yaml_path = project / "codebooks" / "early-action-together.yaml"
    assert main(["codebook", "import", str(first), "-o", str(yaml_path)]) == 0
    back = load_codebook(yaml_path)
    original = load_codebook(root / "codebooks" / "early-action-together.yaml")
    keep = ("id", "name", "definition", "group", "include", "exclude", "typical", "atypical")
    assert [tuple(getattr(c, k) for k in keep) for c in back.codes] == [
        tuple(getattr(c, k) for k in keep) for c in original.codes
    ]  # examples and criteria included
    second = tmp_path / "again.qdc"
    assert main(["codebook", "export", str(second), "-p", str(project)]) == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("atlasti-23-ponte/target-atlas-project.qdpx", 2),
        ("atlasti-8.4-standard-project/TestProject.qdpx", 14),
        ("atlasti-8.4-standard-project/Project.qde", 14),
        ("nvivo-15-mac/nvivo_project.qdpx", 259),
    ],
)
def test_codebook_import_reads_the_codebook_of_real_qdpx_projects(
    tmp_path: Path, name: str, codes: int, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.cli import main
    from tests.conftest import shared

    source = shared("refi-qda", "exports", *name.split("/"))
    out = tmp_path / "cb.yaml"
    assert main(["codebook", "import", str(source), "-o", str(out)]) == 0
    assert len(load_codebook(out).codes) == codes  # and it loads: valid ids, definitions


def test_a_project_without_a_codebook_is_one_clear_line(tmp_path: Path) -> None:
    from qualcode.codebook.refi import read_qdc
    from tests.conftest import shared

    blank = shared("refi-qda", "exports", "atlasti-23-ponte", "blank-atlas-project.qdpx")
    with pytest.raises(InputFileError, match="has no codebook"):
        read_qdc(blank)


def test_colours_from_other_tools_are_kept_and_checked(tmp_path: Path) -> None:
    from qualcode.codebook.refi import codebook_xml, codebook_yaml, read_qdc

    text = GOOD.replace("    codes:\n", "    color: '#c00000'\n    codes:\n", 1)
    cb = load_codebook(_write(tmp_path, text))
    assert cb.groups[0].color == "#C00000"
    plain = load_codebook(_write(tmp_path, GOOD))
    assert plain.hash != cb.hash and "color" not in str(plain.content())  # absent: as before
    (tmp_path / "c.qdc").write_bytes(codebook_xml(cb))
    back = read_qdc(tmp_path / "c.qdc")
    assert back.groups[0].color == "#C00000" and all(not c.color for c in back.codes)
    (tmp_path / "back.yaml").write_text(codebook_yaml(back))
    assert codebook_xml(load_codebook(tmp_path / "back.yaml")) == codebook_xml(cb)
    bad = GOOD.replace("    codes:\n", "    color: red\n    codes:\n", 1)
    with pytest.raises(CodebookError, match="must be written #RRGGBB"):
        load_codebook(_write(tmp_path, bad))
