"""Co-occurrence and crosstab results as grids (the tables every format and the terminal show)."""

from __future__ import annotations

from qualcode.analysis.cooccurrence import Cooccurrence
from qualcode.analysis.crosstab import ALL, Crosstab
from qualcode.export.grids import Grid, GridReport
from qualcode.review.findings import display


def _number(v: float, measure: str) -> str:
    if measure == "jaccard":
        return f"{v:.2f}" if v else "·"
    return str(int(v)) if v else "·"


def cooccurrence_report(result: Cooccurrence, title: str) -> GridReport:
    """One grid per group: rows 'n. name', columns numbered (the key names them)."""
    grids = []
    key: list[str] = []
    for t in result.tables:
        rows = [f"{i}. {result.names.get(c, c)}" for i, c in enumerate(t.codes, start=1)]
        columns = [str(i) for i in range(1, len(t.codes) + 1)]
        cells = [[_number(v, result.measure) for v in row] for row in t.matrix]
        data: list[list[float | int]] = [
            [int(v) if result.measure == "count" else v for v in row] for row in t.matrix
        ]
        off = [[0.0 if i == j else v for j, v in enumerate(row)] for i, row in enumerate(t.matrix)]
        name = f"{display(result.by)}: {display(t.group)}" if result.by else "Everyone"
        grids.append(Grid(f"{name} ({t.units} {result.unit}s)", rows, columns, off, cells, data))
        key = rows if len(rows) > len(key) else key
    unit = "segments" if result.unit == "segment" else "interviews"
    measure = (
        f"the number of {unit} coded with both codes (the diagonal: with the code itself)"
        if result.measure == "count"
        else f"Jaccard: {unit} coded with both over {unit} coded with either"
    )
    said = f"Code co-occurrence in the final coding: {measure}. Columns are numbered as the rows."
    notes = [said, result.note]
    return GridReport(f"{title}: code co-occurrence", notes, grids, [])


def crosstab_report(result: Crosstab, title: str) -> GridReport:
    groups = [ALL, *result.groups]
    columns = [f"{'All' if g == ALL else display(g)} (N={result.sizes[g]})" for g in groups]
    rows = [result.names.get(c, c) for c in result.codes]
    cells = [
        [
            f"{result.people[c][g]}/{result.sizes[g]} ({round(100 * result.share(c, g))}%)"
            for g in groups
        ]
        for c in result.codes
    ]
    values = [[result.share(c, g) for g in groups] for c in result.codes]
    data: list[list[float | int]] = [
        [v for g in groups for v in (result.people[c][g], round(100 * result.share(c, g), 1))]
        for c in result.codes
    ]
    heads = [f"{col} {what}" for col in columns for what in ("n", "%")]
    grid = Grid(f"Codes by {display(result.by).lower()}", rows, columns, values, cells, data, heads)
    notes = [
        f"Participants coded with each code in the final coding, by {display(result.by).lower()}: "
        "n of N in the group, and the column percentage. " + result.denominator(),
        result.note,
    ]
    return GridReport(f"{title}: codes by {display(result.by).lower()}", notes, [grid], [])
