"""The search query language: what a query parses to, what it matches in a text, what it asks
the index, and the one-line problems of queries that cannot be read."""

from __future__ import annotations

import re
import sqlite3

import pytest

from qualcode.analysis import fts
from qualcode.analysis import query as q
from qualcode.analysis.matcher import Matcher
from qualcode.analysis.search import SearchOptions


def _hits(query: str, text: str, **kw: object) -> list[str]:
    matcher = Matcher(SearchOptions(query, **kw), {})  # type: ignore[arg-type]
    return [text[s:e] for s, e in matcher(matcher.prepare(text))]


def test_a_query_parses_to_terms_and_operators() -> None:
    assert q.parse("hub") == q.Term("hub")
    assert q.parse('"early  help"') == q.Term("early help", phrase=True)
    node = q.parse("police AND (MASH OR hub) NOT court")
    assert node == q.Op("AND", (q.Term("police"), q.Op("OR", (q.Term("MASH"), q.Term("hub"))),
                                q.Not(q.Term("court"))))  # fmt: skip
    assert q.parse("school police") == q.Op("AND", (q.Term("school"), q.Term("police")))
    assert q.parse("hub NEAR/5 referral*") == q.Near(q.Term("hub"), q.Term("referral*"), 5)
    assert q.parse("and or not") == q.Op("AND", (q.Term("and"), q.Term("or"), q.Term("not")))


def test_words_are_whole_words_in_any_case() -> None:
    text = "The Hub, the hubs and the HUB-based team; a shub."
    assert _hits("hub", text) == ["Hub", "HUB"]
    assert _hits("hub", text, case=True) == []
    assert _hits("Hub", text, case=True) == ["Hub"]


def test_phrases_allow_punctuation_between_their_words() -> None:
    text = "Early help. Early, help! early-help and earlyhelp"
    assert _hits('"early help"', text) == ["Early help", "Early, help", "early-help"]


def test_wildcards_stay_inside_one_word() -> None:
    text = "refer, referral, referring, preferred, refer_x, organisation, organization, organ"
    assert _hits("refer*", text) == ["refer", "referral", "referring"]
    assert _hits("organi?ation", text) == ["organisation", "organization"]
    assert _hits("*ferred", text) == ["preferred"]


def test_apostrophes_either_way() -> None:
    assert _hits("don't", "I don't know, I don’t, dont") == ["don't", "don’t"]


def test_near_counts_the_words_between_in_either_order() -> None:
    text = "the referral went to the hub; later the hub got a referral"
    assert _hits("referral NEAR/3 hub", text) == ["referral went to the hub", "hub got a referral"]
    assert _hits("referral NEAR/2 hub", text) == ["hub got a referral"]
    assert _hits("referral NEAR/1 hub", text) == []


def test_and_not_or_decide_the_turn_and_its_hits() -> None:
    text = "the hub and the police"
    assert _hits("hub AND police", text) == ["hub", "police"]
    assert _hits("hub NOT police", text) == []
    assert _hits("hub NOT court", text) == ["hub"]
    assert _hits("court OR police", text) == ["police"]
    assert _hits("hub AND court", text) == []


def test_the_index_query_never_excludes_a_turn_that_matches() -> None:
    assert fts.fts_query(q.parse("hub")) == '"hub"'
    assert fts.fts_query(q.parse("multi-agency")) == '"multi agency"'
    assert fts.fts_query(q.parse("refer*")) == '"refer" *'
    assert fts.fts_query(q.parse("organi?ation")) == '"organi" *'
    assert fts.fts_query(q.parse("*agency")) is None  # without the index's terms: every turn
    assert fts.fts_query(q.parse("hub NOT police")) == '("hub")'  # NOT never narrows
    assert fts.fts_query(q.parse("hub OR *agency")) is None
    assert fts.fts_query(q.parse("hub NEAR/5 MASH")).startswith('NEAR("hub" "MASH", ')  # type: ignore[union-attr]
    listed = fts.with_index_terms(
        q.parse("*agency OR hub"), lambda: ["agency", "multiagency", "hub"]
    )
    assert fts.fts_query(listed) == '(("agency" OR "multiagency") OR "hub")'
    none = fts.with_index_terms(q.parse("*zzz AND hub"), lambda: ["hub"])
    assert fts.fts_query(none) == fts.NOTHING


def test_every_index_query_is_valid_fts5() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    conn.execute("INSERT INTO t (body) VALUES ('the multi-agency hub: don''t refer')")
    for query in ["hub", "multi-agency", "refer*", "don't", "hub NEAR/3 refer*", '"the hub"',
                  "(hub OR mash) AND NOT x", "re-fer*", "café"]:  # fmt: skip
        match = fts.fts_query(q.parse(query))
        assert match is not None
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (match,)).fetchall()


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ('"early help', "quote is not closed"),
        ("hub NEAR referral", "NEAR needs a number"),
        ("hub NEAR/0 referral", "from 1 to 100"),
        ("hub NEAR/5 (a OR b)", "NEAR joins two words or phrases"),
        ("a NEAR/2 b NEAR/2 c", "not three"),
        ("", "query is empty"),
        ("(hub", "bracket is not closed"),
        ("hub)", "a ) with no ("),
        ("NOT hub", "NOT needs something to keep"),
        ("hub OR", "ends where a word was expected"),
        ("AND hub", "AND needs a word on each side"),
        ("!!!", "has no letters or digits"),
        ('"early* help"', "wildcards work on single words"),
    ],
)
def test_a_bad_query_names_its_problem(query: str, problem: str) -> None:
    with pytest.raises(q.QueryError) as caught:
        q.parse(query)
    assert problem in caught.value.message
    assert caught.value.message.startswith("search query: ")
    assert caught.value.exit_code == 2


def test_a_bad_regular_expression_names_its_problem() -> None:
    with pytest.raises(q.QueryError, match=re.escape("not a valid regular expression")):
        q.check_regex("refer(al")
    with pytest.raises(q.QueryError, match="matches empty text"):
        q.check_regex("x?")
    assert q.check_regex("refer(ral|red)").search("REFERRED")


def test_a_regular_expression_that_starts_a_word_is_narrowed_by_its_letters() -> None:
    assert fts.regex_fts(r"\bsafeguard(ing|ed)\b") == '"safeguard" *'
    assert fts.regex_fts(r"\breferrals?") == '"referral" *'
    assert fts.regex_fts(r"safeguard") is None  # may start inside a word
    assert fts.regex_fts(r"\bhub|mash") is None  # either side may match
