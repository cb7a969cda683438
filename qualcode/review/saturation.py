"""Thematic saturation as Guest, Namey and Chen (2020) assess it: did a run of further interviews
add new codes, relative to what a base of early interviews found?

Interviews are taken in the order they were held. The *base* is the first ``base`` interviews and
the number of distinct codes they carry. Then each *run* of ``run`` consecutive interviews after
it is checked in turn: its new codes (not in any earlier interview) as a share of the base's
codes is its *new information*. Saturation is reached after interview ``s`` when the run that
follows it, interviews s+1 to s+run, brings new information at or under ``threshold``; the
runs are tried from the first interview after the base onwards, and the first that qualifies
counts. A run that cannot be completed (too few interviews left) is not tried.

Guest G, Namey E, Chen M (2020) A simple method to assess and report thematic saturation in
qualitative research. PLoS ONE 15(5): e0232076.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Run:
    first: int  # 1-based position of the run's first interview
    last: int
    new_codes: list[str]
    new_information: float  # new codes / the base's codes


@dataclass
class Saturation:
    interviews: list[str]  # in the order they were held
    dates: list[str]
    codes: list[int]  # distinct codes per interview
    new: list[int]  # codes no earlier interview had
    cumulative: list[int]
    base: int
    run: int
    threshold: float
    base_codes: int
    runs: list[Run] = field(default_factory=list)
    point: int | None = None  # saturation after this many interviews (None: not reached)
    order: str = ""  # what the order is based on

    def sentence(self) -> str:
        """The finding in one sentence, with its parameters."""
        rule = (
            f"base of {self.base} interviews ({self.base_codes} codes), runs of {self.run}, "
            f"new-information threshold {self.threshold:.0%} (Guest, Namey and Chen 2020)"
        )
        if not self.base_codes:
            return f"Saturation could not be assessed: the base interviews carry no codes ({rule})."
        if self.point is None:
            return (
                f"Saturation was not reached in {len(self.interviews)} interviews: every run "
                f"after the base added more than {self.threshold:.0%} new information ({rule})."
            )
        run = next(r for r in self.runs if r.first == self.point + 1)
        return (
            f"Saturation was reached after {self.point} of {len(self.interviews)} interviews: "
            f"the next {self.run} (interviews {run.first}-{run.last}) added "
            f"{len(run.new_codes)} new code{'' if len(run.new_codes) == 1 else 's'}, "
            f"{run.new_information:.0%} of the base ({rule})."
        )


def saturation(
    interviews: Sequence[tuple[str, str, set[str]]],
    base: int = 4,
    run: int = 2,
    threshold: float = 0.05,
    order: str = "",
) -> Saturation:
    """``interviews``: (label, date, codes) in the order they were held."""
    if base < 1 or run < 1 or not 0 <= threshold < 1:
        raise ValueError("need base >= 1, run >= 1 and 0 <= threshold < 1")
    seen: set[str] = set()
    new, cumulative = [], []
    for _, _, codes in interviews:
        new.append(len(codes - seen))
        seen |= codes
        cumulative.append(len(seen))
    base_codes: set[str] = set().union(*(c for _, _, c in interviews[:base]))
    out = Saturation(
        [i[0] for i in interviews],
        [i[1] for i in interviews],
        [len(i[2]) for i in interviews],
        new,
        cumulative,
        base,
        run,
        threshold,
        len(base_codes),
        order=order,
    )
    if not base_codes or len(interviews) < base + run:
        return out
    for start in range(base, len(interviews) - run + 1):
        before: set[str] = set().union(*(c for _, _, c in interviews[:start]))
        added: set[str] = set().union(*(c for _, _, c in interviews[start : start + run]))
        fresh = sorted(added - before)
        share = len(fresh) / len(base_codes)
        out.runs.append(Run(start + 1, start + run, fresh, share))
        if share <= threshold + 1e-12:
            out.point = start
            break
    return out


def as_dict(s: Saturation) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(s) | {"sentence": s.sentence()}


@dataclass
class Coverage:
    """For a codebook fixed before coding, what saturation can honestly say: how many of the
    codebook's codes each interview carries, and how much of each code's final prevalence
    (the interviews that carry it in the end) had been reached by each interview."""

    interviews: list[str]  # in the order they were held
    dates: list[str]
    codes: list[str]  # the codebook's codes
    present: list[int]  # codebook codes each interview carries
    final: dict[str, int]  # code -> interviews carrying it, over all of them
    reached: dict[str, list[float]]  # code -> share of ``final`` reached by interview k (1-based)

    def mean_reached(self) -> list[float]:
        """By interview k, the share of their final prevalence the codes had reached, on
        average over the codes that occur at all."""
        shown = [self.reached[c] for c in self.codes if self.final[c]]
        if not shown:
            return [0.0] * len(self.interviews)
        return [sum(r[k] for r in shown) / len(shown) for k in range(len(self.interviews))]

    def milestones(self) -> list[int]:
        """The interviews (1-based) a table reports shares at: a quarter, half, three quarters
        of the way, and the last."""
        n = len(self.interviews)
        return sorted({max(1, -(-n * q // 4)) for q in (1, 2, 3, 4)})


def coverage(interviews: Sequence[tuple[str, str, set[str]]], codes: Sequence[str]) -> Coverage:
    """``interviews``: (label, date, codes) in the order they were held; ``codes``: the
    codebook's."""
    final = {c: sum(c in i[2] for i in interviews) for c in codes}
    reached: dict[str, list[float]] = {}
    for c in codes:
        seen, shares = 0, []
        for _, _, carried in interviews:
            seen += c in carried
            shares.append(seen / final[c] if final[c] else 0.0)
        reached[c] = shares
    known = set(codes)
    return Coverage(
        [i[0] for i in interviews],
        [i[1] for i in interviews],
        list(codes),
        [len(i[2] & known) for i in interviews],
        final,
        reached,
    )
