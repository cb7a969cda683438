"""`qualcode search` on the example project: counts against an independent count over the
participant turns, filters, every output format, and the hits stored as suggestions or codings."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qualcode.analysis.search import SearchOptions, search
from qualcode.cli import main
from qualcode.ingest.run import ingest
from qualcode.project import Project, open_project
from tests.conftest import ROOT


def _copy_example(root: Path) -> Path:
    for name in ("transcripts", "codebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "qualcode.toml", root / "qualcode.toml")
    project = open_project(root)
    ingest(project)
    project.close()
    return root


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project, ingested once; the tests here only read it."""
    return _copy_example(tmp_path_factory.mktemp("search"))


@pytest.fixture(scope="module")
def opened(example: Path) -> Iterator[Project]:
    project = open_project(example)
    yield project
    project.close()


def _turns(project: Project, role: str = "participant") -> list[tuple[str, dict[str, str], str]]:
    """(participant, attributes, text) of every current turn of ``role``, read from the
    documents themselves (not through the search index)."""
    out = []
    for d in project.store.current_documents():
        doc = project.store.document(d["id"])
        for t in doc.turns:
            if role in ("all", t.role):
                out.append(
                    (doc.participant_id or doc.name, doc.attributes, doc.text[t.start : t.end])
                )
    return out


def _count(texts: list[str], pattern: str) -> int:
    regex = re.compile(pattern, re.IGNORECASE)
    return sum(len(regex.findall(text)) for text in texts)


def _lemmas() -> Any:
    """spaCy's English lookup table itself (a Table: get() takes the word, items() gives hashes)."""
    from qualcode.coding.nlp import import_spacy

    import_spacy()
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["search", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


# words, phrases and wildcards as a plain regular expression over the participants' turns
WORD_QUERIES = [
    ("police", r"(?<!\w)police(?!\w)"),
    ("family", r"(?<!\w)family(?!\w)"),
    ("hub", r"(?<!\w)hub(?!\w)"),
    ('"early help"', r"(?<!\w)early\W+help(?!\w)"),
    ('"social services"', r"(?<!\w)social\W+services(?!\w)"),
    ('"front door"', r"(?<!\w)front\W+door(?!\w)"),
    ("refer*", r"(?<!\w)refer\w*"),
    ("safeguard*", r"(?<!\w)safeguard\w*"),
]
FORM_QUERIES = ["refer", "work"]


@pytest.mark.parametrize(("query", "pattern"), WORD_QUERIES)
def test_hit_counts_equal_a_count_over_the_participant_turns(
    example: Path, opened: Project, capsys: pytest.CaptureFixture[str], query: str, pattern: str
) -> None:
    texts = [text for _, _, text in _turns(opened)]
    expected = _count(texts, pattern)
    assert expected > 0
    got = _cli_json(capsys, query, "-p", str(example))
    assert len(got["hits"]) == expected
    assert {h["role"] for h in got["hits"]} == {"participant"}


@pytest.mark.parametrize("word", FORM_QUERIES)
def test_forms_count_every_word_with_the_same_lemma(
    example: Path, opened: Project, capsys: pytest.CaptureFixture[str], word: str
) -> None:
    lemma = _lemmas()
    target = lemma.get(word, word)
    words = [w for _, _, text in _turns(opened) for w in re.findall(r"\w+", text.lower())]
    expected = sum(1 for w in words if lemma.get(w, w) == target)
    forms = {w for w in words if lemma.get(w, w) == target}
    assert expected > _count([" ".join(words)], rf"(?<!\w){word}(?!\w)") > 0  # more than the word
    got = _cli_json(capsys, word, "--forms", "-p", str(example))
    assert len(got["hits"]) == expected
    assert set(got["forms"][word]) >= forms


def test_the_index_only_narrows_the_search(
    opened: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every query finds the same hits whether the index narrows the turns or every turn is read."""
    from qualcode.analysis import matcher as module

    queries = ["refer* AND NOT police", "hub NEAR/5 referral*", "(MASH OR hub) school", "don't",
               "multi-agency", "police OR \"early help\"", "organi?ation*", "*agency"]  # fmt: skip
    patterns = [r"\bsafeguard(ing|ed)\b", r"\breferrals?", r"(?<!\w)hub\W+\w+"]
    options = [SearchOptions(q, speakers="all") for q in queries]
    options += [SearchOptions(p, regex=True, speakers="all") for p in patterns]
    assert all(module.Matcher(o, {}).fts() for o in options[:-4])  # the index narrows them
    narrowed = [search(opened, o).hits for o in options]
    monkeypatch.setattr(module.Matcher, "fts", lambda self: None)
    for o, hits in zip(options, narrowed, strict=True):
        everything = search(opened, o).hits
        assert [(h.document_id, h.start, h.end) for h in hits] == [
            (h.document_id, h.start, h.end) for h in everything
        ], o.query
        assert everything, o.query


def test_filters_speakers_documents_and_attributes(
    example: Path, opened: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    every = _turns(opened, "all")
    asked = _turns(opened, "interviewer")
    pattern = r"(?<!\w)police(?!\w)"
    assert len(_cli_json(capsys, "police", "--speakers", "all", "-p", str(example))["hits"]) == (
        _count([t for _, _, t in every], pattern)
    )
    got = _cli_json(capsys, "police", "--speakers", "interviewer", "-p", str(example))
    assert len(got["hits"]) == _count([t for _, _, t in asked], pattern) > 0
    policing = [t for _, a, t in _turns(opened) if a.get("sector") == "policing"]
    got = _cli_json(capsys, "police", "--where", "sector=policing", "-p", str(example))
    assert len(got["hits"]) == _count(policing, pattern) > 0
    p03 = [t for p, _, t in _turns(opened) if p == "P03"]
    got = _cli_json(capsys, "police", "--doc", "P03", "-p", str(example))
    assert len(got["hits"]) == _count(p03, pattern) > 0
    assert {h["participant"] for h in got["hits"]} == {"P03"}


def test_hits_are_counted_by_group(
    example: Path, opened: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    got = _cli_json(capsys, "refer*", "--by", "sector", "-p", str(example))
    groups = {g["group"]: g for g in got["groups"]}
    turns = _turns(opened)
    for sector, g in groups.items():
        texts = [t for _, a, t in turns if a.get("sector") == sector]
        assert g["hits"] == _count(texts, r"(?<!\w)refer\w*")
        assert g["of"] == len({p for p, a, _ in turns if a.get("sector") == sector})
    assert sum(g["hits"] for g in groups.values()) == len(got["hits"])


def test_quotes_are_pseudonymised_as_in_the_reports(
    example: Path, opened: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    got = _cli_json(capsys, "Tyler", "--context", "200", "-p", str(example))
    assert got["hits"]
    names = opened.settings.export.names
    for h in got["hits"]:
        line = h["left"] + h["hit"] + h["right"]
        assert h["hit"].startswith("[Name ")
        assert not [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", line)]


def test_keyword_in_context_offsets_come_from_the_stored_text(opened: Project) -> None:
    from qualcode.analysis.search import kwic

    result = search(opened, SearchOptions('"early help"'))
    kwic(result, lambda text: text, 40)  # (no pseudonymiser: its stand-ins change lengths)
    texts = {d["id"]: opened.store.document(d["id"]).text for d in opened.store.current_documents()}
    for h in result.hits:
        assert re.fullmatch(r"early\W+help", texts[h.document_id][h.start : h.end], re.I)
        assert h.hit.casefold() == "early help"
        assert len(h.left) <= 43 and len(h.right) <= 43  # 40 characters, an ellipsis, a space
        whole = " ".join(texts[h.document_id][h.turn_start : h.turn_end].split())
        assert (h.left.removeprefix("… ") + h.hit + h.right.removesuffix(" …")) in whole


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx", "md"])
def test_every_output_format_holds_every_line(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    expected = _cli_json(capsys, "hub", "--by", "sector", "-p", str(example))
    out = tmp_path / f"hits.{fmt}"
    assert main(["search", "hub", "--by", "sector", "-o", str(out), "-p", str(example)]) == 0
    assert "Wrote" in capsys.readouterr().out
    hits = expected["hits"]
    first = hits[0]
    if fmt == "csv":
        rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
        assert rows[0] == ["participant", "sector", "turn", "left context", "hit", "right context"]
        assert rows[1] == [first["participant"], first["group"], str(first["turn"]), first["left"],
                           first["hit"], first["right"]]  # fmt: skip
        assert len(rows) == len(hits) + 1
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(out)
        rows = list(wb["hits"].iter_rows(values_only=True))
        assert len(rows) == len(hits) + 1 and rows[1][2] == first["turn"]
        by = list(wb["by sector"].iter_rows(values_only=True))
        assert sum(r[1] for r in by[1:]) == len(hits)
    elif fmt == "docx":
        import docx

        tables = docx.Document(str(out)).tables
        assert len(tables) == 2 and len(tables[1].rows) == len(hits) + 1
        assert tables[1].rows[1].cells[4].text == first["hit"]
    else:
        text = out.read_text(encoding="utf-8")
        assert text.startswith("# Search: hub")
        assert (
            sum(1 for line in text.splitlines() if line.startswith(f"| {first['participant']} "))
            >= 1
        )
        kwic_rows = [
            ln for ln in text.split("## Hits in context")[1].splitlines() if ln.startswith("| P")
        ]
        assert len(kwic_rows) == len(hits)


def test_format_from_the_file_name_and_a_default_path(example: Path, tmp_path: Path) -> None:
    assert main(["search", "hub", "-f", "md", "-p", str(example)]) == 0
    assert (example / "outputs" / "search-hub.md").exists()
    assert main(["search", "hub", "-o", str(tmp_path / "x.txt"), "-p", str(example)]) == 2
    assert not (tmp_path / "x.txt").exists()


BAD_QUERIES = [
    (['"early help'], "quote is not closed"),
    (["hub NEAR referral"], "NEAR needs a number"),
    (["hub NEAR/x referral"], "distance must be a number"),
    (["hub NEAR/5"], "ends where a word was expected"),
    ([""], "query is empty"),
    (["   "], "query is empty"),
    (["(hub OR mash"], "bracket is not closed"),
    (["hub)"], "a ) with no ("),
    (["NOT hub"], "NOT needs something to keep"),
    (["hub AND"], "ends where a word was expected"),
    (["OR hub"], "OR needs a word on each side"),
    (['"..."'], "no letters or digits"),
    (['"refer* hub"'], "wildcards work on single words"),
    (["(refer", "--regex"], "not a valid regular expression"),
    (["a*", "--regex"], "matches empty text"),
    (['"early help"', "--forms"], "--forms needs a plain word"),
]


@pytest.mark.parametrize(("args", "problem"), BAD_QUERIES)
def test_a_bad_query_is_one_clear_line(
    example: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    assert main(["search", *args, "-p", str(example)]) == 2
    err = capsys.readouterr().err
    assert problem in err
    assert "Traceback" not in err and err.count("error:") == 1


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--code", "no such code"], "no code 'no such code'"),
        (["--where", "sector"], "give an attribute and a value"),
        (["--where", "sectr=policing"], "no participant has an attribute 'sectr'"),
        (["--where", "sector=fire"], "no participant has sector 'fire'"),
        (["--by", "colour"], "no participant has an attribute 'colour'"),
        (["--doc", "P99"], "no document 'P99'"),
        (["--speakers", "everyone"], "--speakers everyone"),
        (["--suggest", "nope"], "no code 'nope'"),
        (["--as", "ann"], "--as is for --code-as"),
        (["--code-as", "pathways.front_door", "--as", "rule"], "'rule' cannot be a coder's name"),
        (["--code-as", "pathways.front_door", "--suggest", "pathways.front_door"], "choose one"),
    ],
)
def test_a_bad_filter_is_one_clear_line(
    example: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    code = main(["search", "hub", *args, "-p", str(example)])
    err = capsys.readouterr().err
    assert code in (1, 2) and problem in err and "Traceback" not in err


def test_help_shows_a_worked_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example: qualcode search" in out and "NEAR/5" in out and "--code-as" in out


# storing hits: a project of its own ------------------------------------------------------------
@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_example(tmp_path_factory.mktemp("search-coded"))


def test_suggest_stores_review_suggestions_once(
    coded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = _cli_json(capsys, "hub", "--suggest", "Front door and routing", "-p", str(coded))
    segments = {h["segment"] for h in got["hits"]}
    assert got["stored"]["segments"] == len(segments) == got["stored"]["added"] > 0
    project = open_project(coded)
    try:
        queue = [r for r in project.store.review_queue() if r["source"] == "search: hub"]
        assert {r["code"] for r in queue} == {"pathways.front_door"}
        assert len(queue) == len(segments)
        assert all(r["kind"] == "rule" for r in queue)
        from qualcode.cli.review import open_session
        from qualcode.review.layers import final_coding

        assert not any("pathways.front_door" in c for c in final_coding(project).codes.values())
        session = open_session(project, "rita", order="document")  # the review app's queue
        shown = {s.source for item in session.items for s in item.suggestions}
        assert "search: hub" in shown
    finally:
        project.close()
    again = _cli_json(capsys, "hub", "--suggest", "pathways.front_door", "-p", str(coded))
    assert again["stored"]["added"] == 0
    named = _cli_json(capsys, "Tyler", "--suggest", "pathways.front_door", "-p", str(coded))
    assert named["stored"]["source"] == "search: [Name 1]"  # as quotes are, never the name


def test_code_as_records_a_persons_coding_in_one_action(
    coded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = "collaboration.information_sharing"
    got = _cli_json(
        capsys, '"information sharing"', "--code-as", code, "--as", "ann", "-p", str(coded)
    )
    segments = {h["segment"] for h in got["hits"]}
    assert got["stored"]["added"] == len(segments) > 0
    project = open_project(coded)
    try:
        from qualcode.review.layers import final_coding, record

        layer = record(project).layers["ann"]
        assert {s for s, c in layer.codes.items() if code in c} == segments
        assert {s for s, c in final_coding(project).codes.items() if code in c} == segments
        actions = [a for a in project.store.actions_log() if a["kind"] == "code from search"]
        assert len(actions) == 1 and actions[0]["who"] == "ann"
        entries = [
            e
            for e in project.store.audit_log()
            if e["command"] == "search" and "--code-as" in e["options"]["argv"]
        ]
        assert entries and {e["who"] for e in entries} == {"ann"}
        assert entries[-1]["part"] == "end" and entries[-1]["changes"]["decisions"] == len(segments)
        # --code: only hits inside segments the final coding gives the code
        inside = search(project, SearchOptions("refer*", code=code))
        turns = {(h.document_id, h.turn) for h in inside.hits}
        coded_turns = {(h["participant"], h["turn"]) for h in got["hits"]}
        assert {(h.participant, h.turn) for h in inside.hits} <= coded_turns
        expected = 0
        for d in project.store.current_documents():
            doc = project.store.document(d["id"])
            for t in doc.turns:
                if (doc.participant_id, t.index) in coded_turns:
                    expected += _count([doc.text[t.start : t.end]], r"(?<!\w)refer\w*")
        assert len(inside.hits) == expected > 0 and turns
    finally:
        project.close()


def test_a_search_that_stores_nothing_is_not_audited(coded: Path) -> None:
    project = open_project(coded)
    before = len(project.store.audit_log())
    project.close()
    assert main(["search", "hub", "-p", str(coded)]) == 0
    project = open_project(coded)
    assert len(project.store.audit_log()) == before
    project.close()


def test_code_as_judges_nothing_else_about_the_segments(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--code-as gives one code where the words are: another coder's codes on the same turns do
    not become disagreements, and the segments are not finished or independently coded by the
    person (an import would have said every other code is absent)."""
    from qualcode.review.layers import final_coding, record
    from tests.conftest import TEAM, THREE_CODES, build, team_transcript, turn_sheet

    project = build(project, {f"{p}.txt": team_transcript(p) for p in TEAM}, THREE_CODES)
    sheet = turn_sheet(tmp_path / "gold.csv", {(p, 1): ["factors.funding"] for p in TEAM})
    root = project.root
    project.close()
    assert main(["import", "codings", str(sheet), "--coder", "gold", "-p", str(root)]) == 0
    capsys.readouterr()
    before = open_project(root)
    gold_before = record(before).layers["gold"].finished()
    before.close()
    got = _cli_json(capsys, "ppn", "--code-as", "police.referral_quality", "--as", "ann",
                    "-p", str(root))  # fmt: skip
    segments = {h["segment"] for h in got["hits"]}
    assert segments and got["stored"]["added"] == len(segments)
    after = open_project(root)
    try:
        rec = record(after)
        ann = rec.layers["ann"]
        assert {s for s, c in ann.codes.items() if c} == segments
        assert not (ann.complete | ann.independent) & segments
        assert rec.layers["gold"].finished() == gold_before  # gold's coding untouched
        final = final_coding(after)
        gold = set(gold_before)
        assert segments - gold  # hits on turns gold did not code: ann's code alone, no dispute
        for seg in segments - gold:
            assert seg not in final.unresolved and final.codes[seg] == {"police.referral_quality"}
        for seg in segments & gold:  # gold judged every other code absent there: that is the
            # disagreement, and only about ann's code; gold's funding is never disputed
            assert final.unresolved[seg] == {
                "gold": {"factors.funding"},
                "ann": {"police.referral_quality"},
            }
            assert final.codes[seg] == {"factors.funding", "police.referral_quality"}
            assert rec.final("agreed").codes[seg] == {"factors.funding"}  # what both allow
        # the same search again stores nothing new
        again = _cli_json(capsys, "ppn", "--code-as", "police.referral_quality", "--as", "ann",
                          "-p", str(root))  # fmt: skip
        assert again["stored"]["added"] == 0
    finally:
        after.close()
