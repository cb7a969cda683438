"""No store query scans a large table inside a loop: every join and correlated subquery that asks
"has this been decided / coded / reviewed?" finds its rows through an index. Without one, a
review history makes every command slow in proportion to applications x decisions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualcode.store import open_store, sql

SMALL = {"runs", "migrations", "sqlite_master", "attributes", "participants", "undone", "l"}
STATEMENTS = sorted(
    name
    for name, value in vars(sql).items()
    if name.isupper()
    and isinstance(value, str)
    and re.match(r"\s*(SELECT|UPDATE|DELETE)\b", value, re.I)
)


def _loops_in_loops(plan: list[tuple[int, int, int, str]]) -> list[str]:
    """Plan lines that scan a large table as an inner loop or inside a correlated subquery."""
    parents = {row[0]: row[1] for row in plan}
    detail = {row[0]: row[3] for row in plan}
    seen_loop: dict[int, bool] = {}
    bad = []
    for _node, parent, _, text in plan:
        is_loop = text.startswith(("SCAN ", "SEARCH "))
        scanned = re.match(r"SCAN (\w+)", text)
        correlated, p = False, parent
        while p:
            correlated = correlated or "CORRELATED" in detail.get(p, "")
            p = parents.get(p, 0)
        if scanned and scanned.group(1) not in SMALL and (seen_loop.get(parent) or correlated):
            bad.append(text)
        if is_loop:
            seen_loop[parent] = True
    return bad


def test_the_statements_are_found() -> None:
    assert {"QUEUE_APPLICATIONS", "RECORD_DECISIONS", "SEGMENT_CODES", "EXPORT_CODINGS"} <= set(
        STATEMENTS
    )


@pytest.mark.parametrize("name", STATEMENTS)
def test_no_full_scan_inside_a_loop(name: str, tmp_path: Path) -> None:
    store = open_store(tmp_path / "plans.db")
    statement = getattr(sql, name)
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN " + statement, (None,) * statement.count("?")
    ).fetchall()
    store.close()
    assert not _loops_in_loops(plan), (name, [r[3] for r in plan])


def test_the_check_catches_a_correlated_scan(tmp_path: Path) -> None:
    store = open_store(tmp_path / "plans.db")
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT a.id FROM applications a WHERE NOT EXISTS "
        "(SELECT 1 FROM decisions x WHERE x.note = a.source)"
    ).fetchall()
    store.close()
    assert _loops_in_loops(plan)
