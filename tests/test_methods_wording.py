"""The methods appendix's sentences read as English with zero and all-of-them cases: no
"rests on 0 segments", no "the rules' for 22 codes" followed by every code id."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from qualcode.review.layers import Final
from qualcode.review.methods import describe_sources, limitations


def test_one_source_for_every_code_is_said_once_and_whole() -> None:
    """Found in the example: 'reviewers were shown the rules' for 22 codes (every id...)'."""
    said = describe_sources({"a.one": "rules", "a.two": "rules", "b.one": "rules"}, 0.3)
    assert said.startswith(
        "Code by code, reviewers were shown the rules' suggestions for every code:"
    )
    assert "a.one" not in said and "rules' for" not in said


def test_mixed_sources_name_their_codes() -> None:
    said = describe_sources({"a.one": "model", "a.two": "rules", "b.one": "rules"}, 0.3)
    assert "the model's suggestions for 1 code (a.one)" in said
    assert "the rules' suggestions for 2 codes (a.two, b.one)" in said
    assert describe_sources({}, 0.3) == ""


def _data(double: int) -> Any:
    return SimpleNamespace(
        corpus={"attributes": {}},
        coders={"double_coded": double},
        agreement=[SimpleNamespace(label="All codes", alpha=None)],
        agreement_note="",
        machine={"compared": {"x": 1}},
        added_saturation=None,
    )


def test_no_double_coding_is_said_as_none_not_zero() -> None:
    project: Any = SimpleNamespace(settings=SimpleNamespace(export=SimpleNamespace(group_by="")))
    codebook: Any = SimpleNamespace(codes=[SimpleNamespace(id="a.one")])
    final = Final(codes={"s1": {"a.one"}}, origin={"s1": "ann"}, unresolved={}, rule="all")
    none = " ".join(limitations(project, codebook, _data(0), final))
    assert "rests on 0" not in none and "No segment was coded independently" in none
    assert "rests on 1 independently double-coded segment," in " ".join(
        limitations(project, codebook, _data(1), final)
    )


def test_the_coding_step_says_none_double_coded_not_zero(project: Any, tmp_path: Any) -> None:
    """Found: '1,201 segments coded by 2 people, 0 of them independently by two or more'."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.methods import build_methods
    from tests.test_reports import _gold, _project

    project = _project(project)
    _gold(project, tmp_path)  # one coder: nothing double-coded
    codebook, _ = resolve_codebook(project, None)
    data = build_methods(project, codebook, samples=10)
    coding = next(s for s in data.process if s["step"] == "Coding")
    assert "none of them independently by two or more" in coding["record"]
    assert " 0 of them" not in coding["record"]
