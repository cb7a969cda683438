"""Agreement from a long-format CSV (unit, coder, code), e.g. codings made in other tools."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from qualcode.errors import InputFileError, QualcodeError
from qualcode.ingest.csvtext import read_rows
from qualcode.review.agreement import (
    MIN_POSITIVES,
    MIN_UNITS,
    AgreementRow,
    agreement_table,
    defined,
    pooled_alpha_bootstrap,
)

UNIT_COLUMNS = ("unit", "segment", "unit_id", "segment_id")
CODER_COLUMNS = ("coder", "rater", "reviewer", "annotator")
CODE_COLUMNS = ("code", "code_id", "label", "category")


def _column(header: list[str], names: tuple[str, ...], where: str) -> int:
    for i, h in enumerate(header):
        if h.strip().lower() in names:
            return i
    raise InputFileError(
        where,
        f"has no '{names[0]}' column",
        "columns: unit, coder, code "
        "(a row with an empty code means the coder saw the unit and coded nothing)",
    )


def read_long_csv(path: Path) -> tuple[list[str], list[str], dict[str, dict[str, set[str]]]]:
    """(units, coders, coder -> unit -> codes) from a long-format CSV."""
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
    rows = [r for r in read_rows(raw, where) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise InputFileError(where, "has no rows", "add a header row: unit,coder,code")
    u, c, k = (
        _column(rows[0], names, where) for names in (UNIT_COLUMNS, CODER_COLUMNS, CODE_COLUMNS)
    )
    data: dict[str, dict[str, set[str]]] = {}
    units: dict[str, None] = {}
    for n, row in enumerate(rows[1:], start=2):
        if max(u, c, k) >= len(row) or not row[u].strip() or not row[c].strip():
            raise InputFileError(where, f"row {n} lacks a unit or coder", "fill it or delete it")
        unit, coder, code = row[u].strip(), row[c].strip(), row[k].strip()
        units.setdefault(unit)
        codes = data.setdefault(coder, {}).setdefault(unit, set())
        if code:
            codes.add(code)
    return list(units), sorted(data), data


def agreement_from_codings(
    units: list[str],
    coders: list[str],
    data: dict[str, dict[str, set[str]]],
    samples: int = 1000,
    seed: int = 0,
    names: dict[str, str] | None = None,
) -> tuple[list[AgreementRow], AgreementRow]:
    """Per-code rows, and the overall row over all (unit, code) decisions pooled."""
    codes = sorted({code for by_unit in data.values() for cs in by_unit.values() for code in cs})
    if len(coders) < 2 or not codes:
        raise InputFileError("codings", "need at least two coders and one code")
    arr = np.full((len(codes), len(coders), len(units)), np.nan)
    index = {u: i for i, u in enumerate(units)}
    for j, coder in enumerate(coders):
        for unit, cs in data[coder].items():
            i = index[unit]
            arr[:, j, i] = 0.0
            for code in cs:
                arr[codes.index(code), j, i] = 1.0
    rows = [replace(r, name=(names or {}).get(r.code, "")) for r in
            agreement_table(arr, codes, samples, seed)]  # fmt: skip
    pooled = arr.transpose(1, 0, 2).reshape(1, len(coders), len(codes) * len(units))
    overall = agreement_table(pooled, [POOLED], 0, seed)[0]
    alpha, low, high = pooled_alpha_bootstrap(arr, samples, seed)
    double = int(((~np.isnan(arr)).sum(axis=1) >= 2).any(axis=0).sum())
    return rows, replace(
        overall,
        units=double,
        positives=sum(r.positives for r in rows),
        alpha=defined(alpha),
        alpha_low=defined(low),
        alpha_high=defined(high),
        reason=overall.reason or "every (unit, code) decision pooled, as one reliability test",
    )


POOLED = "(all codes, pooled)"
MEAN = "(mean of codes)"


def mean_row(rows: list[AgreementRow]) -> AgreementRow:
    """The mean of each statistic over the codes where it is defined (beside the pooled row:
    a few frequent codes dominate the pooled figure)."""

    def mean(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else None

    undefined = sum(r.alpha is None for r in rows)
    return AgreementRow(
        MEAN,
        max((r.units for r in rows), default=0),
        sum(r.positives for r in rows),
        mean([r.percent for r in rows]),
        mean([r.kappa for r in rows]),
        mean([r.alpha for r in rows]),
        None,
        None,
        mean([r.ac1 for r in rows]),
        f"over the {len(rows) - undefined} of {len(rows)} codes where each is defined"
        if undefined
        else f"over all {len(rows)} codes",
    )


def agreement_warnings(rows: list[AgreementRow], overall: AgreementRow) -> list[str]:
    """What makes the figures say little: too few double-coded units, rare codes."""
    out = []
    if overall.units < MIN_UNITS:
        out.append(
            f"only {overall.units} units were coded by two or more coders: too few for "
            f"agreement figures to mean much (aim for {MIN_UNITS} or more, e.g. a blind "
            "second coding of 10-20% of the segments)"
        )
    rare = [r.name or r.code for r in rows if r.positives < MIN_POSITIVES]
    if rare:
        out.append(
            f"{len(rare)} codes were given on fewer than {MIN_POSITIVES} double-coded units, "
            f"so their figures say little: {', '.join(rare[:8])}{' ...' if len(rare) > 8 else ''}"
        )
    return out


def human_coders(
    store: Any, names: list[str] | None = None, exclude: set[str] | None = None
) -> dict[str, dict[str, set[str]]]:
    """The named human coders' codings (default: every coder in the project), or a clear
    error naming the coders there are; segments in ``exclude`` are left out."""
    data = store.coder_codings()
    if exclude:
        data = {c: {u: cs for u, cs in by.items() if u not in exclude} for c, by in data.items()}
    names = names or sorted(data)
    unknown = [c for c in names if c not in data]
    if unknown:
        raise QualcodeError(
            f"no coding by {', '.join(unknown)} in the project",
            f"coders in the project: {', '.join(sorted(data)) or 'none yet'}",
        )
    return {c: data[c] for c in names}


def stored_codings(
    store: Any,
    coders: list[str] | None = None,
    machine: str = "",
    interviewer_units: bool = False,
) -> tuple[list[str], list[str], dict[str, dict[str, set[str]]]]:
    """(units, coders, coder -> unit -> codes) from the project store: the named human coders
    (default: all), plus the machine's ``machine`` suggestions ('rule' or 'model') as a coder
    that saw every unit any human coded. Units are segment ids; interviewer turns (coded only
    by imports) are units only with ``interviewer_units``."""
    exclude = None if interviewer_units else store.interviewer_segments()
    chosen = human_coders(store, coders, exclude)
    units = sorted({u for by_unit in chosen.values() for u in by_unit})
    if machine:
        suggested = store.machine_codings(machine)
        chosen[machine] = {u: set(suggested.get(u, set())) for u in units}
        if not any(chosen[machine].values()):
            hint = (
                "the model never scores segments humans coded (they are what it learned from): "
                "use 'qualcode suggest eval' for its cross-validated agreement"
                if machine == "model"
                else "run 'qualcode code' first"
            )
            raise QualcodeError(f"no {machine} suggestions on the coders' segments", hint)
    return units, list(chosen), chosen
