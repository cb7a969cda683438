"""Keywords that find the wrong talk: names matched only as written, and everyday words that
'codebook check' points out in the project's own transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.codebook import CodebookError, load_codebook
from qualcode.coding.rules import RuleCoder
from qualcode.project import Project
from tests.conftest import build, interview

CODEBOOK = """\
id: words
name: Words
groups:
  - id: collaboration
    name: Collaboration
    codes:
      - id: collaboration.partner_network
        name: Partner network
        definition: Other services families are linked to.
        rules:
          keywords: [food bank]
          case_sensitive: [Mind, Action for Children]
      - id: factors.thresholds
        name: Thresholds
        definition: Where the line for each service is drawn.
        rules:
          keywords: [line, threshold document]
"""


def _coder(tmp_path: Path, text: str = CODEBOOK) -> RuleCoder:
    path = tmp_path / "cb.yaml"
    path.write_text(text)
    return RuleCoder(load_codebook(path, "cb.yaml"))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("We refer the dads to Mind for their own support.", ["Mind"]),
        ("Mind how you go, I said to her.", []),  # any word is capitalised there
        ("Yes. Mind you, it was late.", []),
        ("never mind, it doesn't matter", []),
        ("I don't mind doing the visits", []),
        ("MIND the gap", []),
        ("that Mind-set is hard to change", []),
        ('she said "Mind the step" and left', []),
        ("the adults go to Mind. Mind are good", ["Mind"]),  # the second is a sentence start
        ("a worker from Action for\nChildren came", ["Action for Children"]),  # across a line
        ("a worker from action for children came", []),
    ],
)
def test_case_sensitive_phrases_match_only_as_written(
    tmp_path: Path, text: str, found: list[str]
) -> None:
    matches = next(_coder(tmp_path).match([(text, "participant")]))
    got = [m for m in matches if m.rule.startswith("case:")]
    assert [m.rule[5:] for m in got] == found
    for m in got:  # the evidence is the name itself, in the original text
        assert " ".join(text[m.start : m.end].split()) == found[0]


def test_an_unused_case_sensitive_field_leaves_the_codebook_hash_as_before(
    tmp_path: Path,
) -> None:
    without = CODEBOOK.replace("          case_sensitive: [Mind, Action for Children]\n", "")
    path = tmp_path / "a.yaml"
    path.write_text(without)
    content = load_codebook(path, "a.yaml").content()
    rules = content["groups"][0]["codes"][0]["rules"]
    assert "case_sensitive" not in rules  # what the hash is taken over: unchanged
    path.write_text(CODEBOOK)
    rules = load_codebook(path, "a.yaml").content()["groups"][0]["codes"][0]["rules"]
    assert list(rules["case_sensitive"]) == ["Mind", "Action for Children"]


def test_case_sensitive_takes_phrases_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(CODEBOOK.replace("[Mind, Action for Children]", "Mind"))
    one = load_codebook(path, "one.yaml").codes[0].rules.case_sensitive
    assert one == ("Mind",)  # a single phrase may be written without brackets
    path.write_text(CODEBOOK.replace("[Mind, Action for Children]", "{Mind: 1}"))
    with pytest.raises(CodebookError, match="case_sensitive"):
        load_codebook(path, "bad.yaml")


TURNS = (
    ["I'm the line manager for the team."] * 3
    + ["On the front line you see it all.", "The bottom line is money."]
    + ["We use the threshold document for every referral."] * 2
    + ["The food bank is round the corner."] * 2
    + ["Sorry, the dog is barking."] * 11
)


def test_everyday_keywords_are_pointed_out_with_their_share_of_turns(tmp_path: Path) -> None:
    warnings = _coder(tmp_path).lint_against(TURNS)
    assert len(warnings) == 1, warnings
    (line,) = warnings
    assert "cb.yaml:" in line and "factors.thresholds" in line and "'line'" in line
    assert "5 of 20 participant turns (25.0%)" in line
    assert _coder(tmp_path).lint_against([]) == []  # nothing to check against: no warning
    # rare in these transcripts: not worth a warning, however common a word it is
    assert _coder(tmp_path).lint_against(TURNS[3:5] + ["Hello."] * 200) == []


def test_a_name_matched_as_a_lemma_is_sent_to_case_sensitive(tmp_path: Path) -> None:
    text = CODEBOOK.replace("keywords: [food bank]", "keywords: [food bank, Mind]")
    text = text.replace("          case_sensitive: [Mind, Action for Children]\n", "")
    turns = ["Never mind, go on.", "I don't mind.", "Mind you it was fine.", "In my mind, no."]
    warnings = _coder(tmp_path, text).lint_against([*turns, "We refer to Mind."])
    assert any("'Mind' is a name" in w and "case_sensitive" in w for w in warnings), warnings


def test_codebook_check_reads_the_projects_transcripts(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = TURNS[:5] + ["We talk about the families a lot and what they need."] * 5
    project = build(project, {"P01.txt": interview("P01", answers)}, CODEBOOK)
    root = str(project.root)
    project.close()
    capsys.readouterr()
    assert main(["codebook", "check", "-p", root]) == 0
    captured = capsys.readouterr()
    assert "OK: 1 groups, 2 codes" in captured.out
    assert "keyword 'line' is an everyday word" in captured.err
    # a codebook file named outright, inside the project, is checked against it too
    assert main(["codebook", "check", str(Path(root) / "codebooks" / "toy.yaml"), "-p", root]) == 0
    assert "keyword 'line'" in capsys.readouterr().err
