"""Code co-occurrence: how often two codes are given to the same segment (or interview).

A unit is a segment of the final coding (``unit="segment"``) or a participant's whole interview
(``unit="interview"``: the codes given anywhere in it). The count of a pair is the number of units
coded with both; Jaccard is that count over the units coded with either. The diagonal holds the
units coded with the code itself (Jaccard: 1 where the code is used at all).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from qualcode.analysis.coded import Coded

UNITS = ("segment", "interview")
MEASURES = ("count", "jaccard")


@dataclass
class CoTable:
    group: str  # the --by value ('' for everyone)
    codes: list[str]
    matrix: list[list[float]]
    totals: list[int]  # units coded with each code
    units: int  # units coded with any of the codes
    pairs: dict[tuple[str, str], int]  # (a, b) with a before b in codebook order -> count


@dataclass
class Cooccurrence:
    unit: str
    measure: str
    by: str
    tables: list[CoTable]
    names: dict[str, str]  # code -> name
    note: str  # the final coding's note

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "measure": self.measure,
            "by": self.by or None,
            "final_coding": self.note,
            "tables": [
                {
                    "group": t.group or None,
                    "units": t.units,
                    "codes": t.codes,
                    "totals": dict(zip(t.codes, t.totals, strict=True)),
                    "matrix": t.matrix,
                    "pairs": [
                        {"a": a, "b": b, "count": n, "value": _value(self.measure, n, t, a, b)}
                        for (a, b), n in sorted(t.pairs.items(), key=lambda kv: _order(t, kv[0]))
                    ],
                }
                for t in self.tables
            ],
        }


def _order(t: CoTable, pair: tuple[str, str]) -> tuple[int, int]:
    return t.codes.index(pair[0]), t.codes.index(pair[1])


def _value(measure: str, n: int, t: CoTable, a: str, b: str) -> float:
    if measure == "count":
        return n
    either = t.totals[t.codes.index(a)] + t.totals[t.codes.index(b)] - n
    return round(n / either, 4) if either else 0.0


def units_of(data: Coded, unit: str) -> list[tuple[str, frozenset[str]]]:
    """(participant, codes) for every unit: each coded segment, or each interview's codes."""
    if unit == "segment":
        return [(s.participant, s.codes) for s in data.segments]
    by: dict[str, set[str]] = defaultdict(set)
    for s in data.segments:
        by[s.participant] |= s.codes
    return [(p, frozenset(c)) for p, c in sorted(by.items())]


def cooccurrence(
    data: Coded, unit: str = "segment", measure: str = "count", by: str = ""
) -> Cooccurrence:
    """Code x code tables over the final coding: one for everyone, or one per value of ``by``."""
    if unit not in UNITS or measure not in MEASURES:
        raise ValueError(f"unit {unit!r} / measure {measure!r}")
    units = units_of(data, unit)
    used = set().union(*(c for _, c in units)) if units else set()
    codes = [c for c in data.codes() if c in used]  # codes nobody was coded with are left out
    groups: dict[str, list[frozenset[str]]] = defaultdict(list)
    member = data.group_of(by) if by else {}
    for p, c in units:
        groups[member.get(p, "(none)") if by else ""].append(c)
    tables = [_table(g, codes, groups[g], measure) for g in sorted(groups)]
    names = {c.id: c.name for c in data.codebook.codes}
    return Cooccurrence(unit, measure, by, tables, names, data.final_note)


def _table(group: str, codes: list[str], units: list[frozenset[str]], measure: str) -> CoTable:
    index = {c: i for i, c in enumerate(codes)}
    totals = [0] * len(codes)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for u in units:
        mine = sorted((c for c in u if c in index), key=index.__getitem__)
        for c in mine:
            totals[index[c]] += 1
        for a, b in combinations(mine, 2):
            pairs[(a, b)] += 1
    t = CoTable(group, codes, [], totals, sum(1 for u in units if u & index.keys()), dict(pairs))
    t.matrix = [[0.0] * len(codes) for _ in codes]
    for i in range(len(codes)):
        t.matrix[i][i] = float(totals[i]) if measure == "count" else (1.0 if totals[i] else 0.0)
    for (a, b), n in pairs.items():
        v = _value(measure, n, t, a, b)
        t.matrix[index[a]][index[b]] = t.matrix[index[b]][index[a]] = float(v)
    return t
