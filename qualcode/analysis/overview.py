"""A framework matrix's overview, for large codebooks: codes x participants with the segments each
participant was coded with per code, grouped by aim, with totals per code and per aim, and the
participants raising each code per group of the report's ``group_by`` attribute.

Made from the report's own quotes (one per coded segment and code), so the overview counts
exactly what the detail below it quotes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from qualcode.review.findings import ReportData


@dataclass
class Row:
    code: str  # a code id, or the aim's id on an aim's total row
    name: str
    cells: dict[str, int]  # participant -> segments
    by_group: dict[str, int] = field(default_factory=dict)  # group -> participants

    @property
    def participants(self) -> int:
        return sum(1 for n in self.cells.values() if n)

    @property
    def segments(self) -> int:
        return sum(self.cells.values())


@dataclass
class Aim:
    id: str
    name: str
    total: Row  # participants coded with any of its codes; segments with any
    codes: list[Row]


@dataclass
class Overview:
    participants: list[str]  # ids, as the matrix rows name them first
    groups: list[str]  # values of ``by``
    sizes: dict[str, int]  # group -> participants in it
    by: str
    aims: list[Aim]


def overview(report: ReportData) -> Overview:
    # a reviewed report counts only participants already coded (ReportData.examined), as its
    # theme tables do: "of 53" would count unread interviews as without every code
    people = [
        p.id for p in report.participants if report.examined is None or p.id in report.examined
    ]
    group = {p: report.groups.get(p, "") or "(none)" for p in people}
    groups = sorted(set(group.values())) if report.group_by else []
    sizes = {g: sum(1 for v in group.values() if v == g) for g in groups}
    segs: dict[tuple[str, str], set[str]] = defaultdict(set)  # (code, participant) -> turns
    for q in report.quotes:
        segs[(q.code, q.participant)].add(f"{q.turn}")
    aims = []
    for g in report.codebook.groups:
        rows = []
        anyof: dict[str, set[str]] = defaultdict(set)
        for c in g.codes:
            cells = {p: len(segs.get((c.id, p), ())) for p in people}
            for p in people:
                anyof[p] |= segs.get((c.id, p), set())
            rows.append(Row(c.id, report.code_name(c.id), cells, _by(cells, group, groups)))
        cells = {p: len(anyof[p]) for p in people}
        total = Row(g.id, report.group_name(g.id), cells, _by(cells, group, groups))
        aims.append(Aim(g.id, report.group_name(g.id), total, rows))
    return Overview(people, groups, sizes, report.group_by, aims)


def _by(cells: dict[str, int], group: dict[str, str], groups: list[str]) -> dict[str, int]:
    return {g: sum(1 for p, n in cells.items() if n and group[p] == g) for g in groups}
