"""Codes by attribute values (a matrix coding query, a crosstab): in each group of participants
(one value of an attribute), how many were coded with each code (n of N) and what share of the
group that is (a column percentage), with the segments counted beside."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from qualcode.analysis.coded import Coded

ALL = "all"


@dataclass
class Crosstab:
    by: str
    groups: list[str]  # the attribute's values, sorted; the table adds 'all' first
    sizes: dict[str, int]  # group -> participants in it (N); 'all' -> everyone
    codes: list[str]
    people: dict[str, dict[str, int]]  # code -> group -> participants coded with it (n)
    segments: dict[str, dict[str, int]]  # code -> group -> segments coded with it
    names: dict[str, str]
    note: str
    uncoded: int = 0  # participants nobody has coded yet: not in any N

    def denominator(self) -> str:
        """What N counts, in a sentence."""
        if not self.uncoded:
            return "N counts every participant."
        n = self.uncoded
        return (
            f"N counts the participants someone has coded; {n} participant"
            f"{' nobody has' if n == 1 else 's nobody has'} coded yet "
            f"{'is' if n == 1 else 'are'} left out (a code not found there is not yet known)."
        )

    def share(self, code: str, group: str) -> float:
        n, m = self.people[code][group], self.sizes[group]
        return n / m if m else 0.0

    def as_json(self) -> dict[str, Any]:
        columns = [ALL, *self.groups]
        return {
            "by": self.by,
            "final_coding": self.note,
            "uncoded_participants": self.uncoded,
            "groups": {g: self.sizes[g] for g in columns},
            "codes": [
                {
                    "code": c,
                    "name": self.names.get(c, c),
                    "cells": {
                        g: {
                            "participants": self.people[c][g],
                            "of": self.sizes[g],
                            "percent": round(100 * self.share(c, g), 1),
                            "segments": self.segments[c][g],
                        }
                        for g in columns
                    },
                }
                for c in self.codes
            ],
        }


def crosstab(data: Coded, by: str) -> Crosstab:
    # only participants someone has coded count in N: one nobody has read says nothing about
    # whether a code is there (53 interviews with 45 coded must not read as 45 of 53 with a code)
    member = {p: g for p, g in data.group_of(by).items() if p in data.examined}
    groups = sorted(set(member.values()))
    sizes = {ALL: len(member)}
    for g in groups:
        sizes[g] = sum(1 for v in member.values() if v == g)
    raised: dict[str, set[str]] = defaultdict(set)
    segs: dict[tuple[str, str], int] = defaultdict(int)
    for s in data.segments:
        for c in s.codes:
            raised[c].add(s.participant)
            segs[(c, member.get(s.participant, "(none)"))] += 1
    codes = data.codes()
    people = {
        c: {
            ALL: len(raised[c]),
            **{g: sum(1 for p in raised[c] if member.get(p) == g) for g in groups},
        }
        for c in codes
    }
    segments = {
        c: {ALL: sum(segs[(c, g)] for g in groups), **{g: segs[(c, g)] for g in groups}}
        for c in codes
    }
    names = {c.id: c.name for c in data.codebook.codes}
    uncoded = len(data.participants) - len(member)
    return Crosstab(by, groups, sizes, codes, people, segments, names, data.final_note, uncoded)
