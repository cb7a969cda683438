"""Coding queries over the final coding: co-occurrence and crosstabs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import render
from qualcode.cli.app import JsonOpt, ProjectOpt, app

CodesOpt = Annotated[
    list[str] | None,
    typer.Option("--codes", help="Only these codes or aims (repeatable)."),
]
AimsOpt = Annotated[list[str] | None, typer.Option("--aims", help="Only these aims (repeatable).")]
FmtOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", help="Write a file: docx, xlsx, csv or md (with -o)."),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write (default: outputs/<query>.<format>)."),
]


def _data(project: Path | None, codes: list[str] | None, aims: list[str] | None) -> Any:
    from qualcode.analysis.coded import choose, coded
    from qualcode.coding.run import resolve_codebook
    from qualcode.project import open_project

    proj = open_project(project)
    codebook, _ = resolve_codebook(proj, None)
    data = coded(proj, choose(codebook, codes, aims))
    if not data.segments:
        render.warn(
            "nothing is coded in the final coding yet: review the suggestions ('qualcode "
            "review') or import a coder's codings ('qualcode import codings')"
        )
    return proj, data


def _write(proj: Any, report: Any, fmt: str | None, output: Path | None, name: str) -> None:
    from qualcode.export.grids import FORMATS, write_grids

    if fmt is None and output is not None:
        fmt = output.suffix.lstrip(".").lower()
    if fmt is None:
        return
    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    path = output or proj.path(proj.settings.paths.outputs) / f"{name}.{fmt}"
    written = write_grids(report, fmt, path)
    render.err.print("Wrote " + ", ".join(str(p) for p in written))


def _show(report: Any) -> None:
    for g in report.grids:
        rows = [[label, *cells] for label, cells in zip(g.rows, g.cells, strict=True)]
        right = set(range(1, len(g.columns) + 1))
        render.out.print(render.table(g.title, ["", *g.columns], rows, right))
    for note in report.notes:
        render.out.print(note)


@app.command("cooccurrence")
def cooccurrence(
    unit: Annotated[
        str, typer.Option("--unit", help="Count segments (default) or interviews coded with both.")
    ] = "segment",
    measure: Annotated[
        str, typer.Option("--measure", help="count (default) or jaccard (both over either).")
    ] = "count",
    codes: CodesOpt = None,
    aims: AimsOpt = None,
    by: Annotated[str, typer.Option("--by", help="One table per value of this attribute.")] = "",
    fmt: FmtOpt = None,
    output: OutOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which codes travel together: codes x codes in the final coding.

    A cell counts the segments (or, with --unit interview, the interviews) coded with both
    codes; the diagonal, those coded with the code. --measure jaccard divides by those coded
    with either. Codes nobody was coded with are left out.

    (Example: qualcode cooccurrence --aims police --by sector -f docx -o outputs/co.docx)"""
    from qualcode.analysis.coded import check_attribute
    from qualcode.analysis.cooccurrence import MEASURES, UNITS
    from qualcode.analysis.cooccurrence import cooccurrence as query
    from qualcode.export.queries import cooccurrence_report

    if unit not in UNITS:
        raise typer.BadParameter(f"use {' or '.join(UNITS)}", param_hint="--unit")
    if measure not in MEASURES:
        raise typer.BadParameter(f"use {' or '.join(MEASURES)}", param_hint="--measure")
    proj, data = _data(project, codes, aims)
    if by:
        check_attribute(data, by)
    result = query(data, unit, measure, by)
    report = cooccurrence_report(result, proj.settings.name)
    _write(proj, report, fmt, output, "cooccurrence")
    proj.close()
    if as_json:
        render.print_json(result.as_json())
    elif fmt is None and output is None:
        _show(report)


@app.command("crosstab")
def crosstab(
    by: Annotated[str, typer.Option("--by", help="The attribute whose values make the columns.")],
    codes: CodesOpt = None,
    aims: AimsOpt = None,
    fmt: FmtOpt = None,
    output: OutOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Codes x attribute values: participants coded with each code, n/N and column %.

    Each column is one value of the attribute (and 'All'); a cell says how many of that
    group's participants were coded with the code in the final coding, of how many, and the
    share. --json adds the segments counted.

    (Example: qualcode crosstab --by sector --aims factors -f xlsx -o outputs/by-sector.xlsx)"""
    from qualcode.analysis.coded import check_attribute
    from qualcode.analysis.crosstab import crosstab as query
    from qualcode.export.queries import crosstab_report

    proj, data = _data(project, codes, aims)
    check_attribute(data, by)
    result = query(data, by)
    report = crosstab_report(result, proj.settings.name)
    _write(proj, report, fmt, output, f"crosstab-{by}")
    proj.close()
    if as_json:
        render.print_json(result.as_json())
    elif fmt is None and output is None:
        _show(report)
