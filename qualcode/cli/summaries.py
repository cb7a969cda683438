"""Framework summaries: export a workbook to fill in, import it, machine drafts, a listing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import render
from qualcode.cli.analysis import AimsOpt, CodesOpt
from qualcode.cli.app import JsonOpt, ProjectOpt, app

summaries_app = typer.Typer(
    help="Framework summaries: a person's summary of each participant's data per code.",
    no_args_is_help=True,
)
app.add_typer(summaries_app, name="summaries")


def _codebook(proj: Any, codes: list[str] | None, aims: list[str] | None) -> Any:
    from qualcode.analysis.coded import choose
    from qualcode.coding.run import resolve_codebook

    codebook, _ = resolve_codebook(proj, None)
    return choose(codebook, codes, aims)


@summaries_app.command("export")
def summaries_export(
    output: Annotated[Path, typer.Argument(help="The workbook to write (.xlsx).", dir_okay=False)],
    codes: CodesOpt = None,
    aims: AimsOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write a participant x code workbook to fill in, each cell's coded quotes beside it.

    Sheet Summaries: a row per participant, a column per code, the summaries written so far
    (machine drafts marked DRAFT). Sheet Quotes: the same grid with each cell's coded quotes
    from the final coding, pseudonymised as the reports are.

    (Example: qualcode summaries export outputs/summaries.xlsx --aims police)"""
    from qualcode.analysis.summaries import current
    from qualcode.export.leakgate import check_written
    from qualcode.export.summaries import SummarySheet, write_sheet
    from qualcode.export.tables import cite
    from qualcode.project import open_project
    from qualcode.review.findings import build_report

    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter("write an .xlsx workbook", param_hint="OUTPUT")
    proj = open_project(project)
    codebook = _codebook(proj, codes, aims)
    report = build_report(proj, codebook)
    quotes: dict[tuple[str, str], list[str]] = {}
    for q in sorted(report.quotes, key=lambda q: (q.participant, q.code, q.turn)):
        quotes.setdefault((q.participant, q.code), []).append(cite(q))
    pseudo = _pseudo(proj)  # a shared workbook: the summaries pseudonymised like the quotes
    summaries = {k: pseudo(s.shown()) for k, s in current(proj).items()}
    sheet = SummarySheet(
        [(c.id, c.name) for c in codebook.codes],
        [(p.id, p.label()) for p in report.participants],
        summaries,
        {k: [_plain(v) for v in vs] for k, vs in quotes.items()},
    )
    write_sheet(sheet, output)
    check_written(output, report.listed)
    proj.close()
    filled = sum(1 for p, c in summaries if c in {x for x, _ in sheet.codes})
    render.out.print(
        f"Wrote {output}: {len(sheet.people)} participants x {len(sheet.codes)} codes, "
        f"{filled} cells with a summary or draft, {len(quotes)} cells with quotes."
    )


def _pseudo(proj: Any) -> Any:
    from qualcode.review.identifiers import project_pseudonymiser

    return project_pseudonymiser(proj)


def _plain(text: str) -> str:
    from qualcode.review.findings import unmark

    return unmark(text)


@summaries_app.command("import")
def summaries_import(
    file: Annotated[Path, typer.Argument(help="The filled-in workbook (.xlsx).", dir_okay=False)],
    who: Annotated[str, typer.Option("--as", help="Whose summaries these are.")],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read a filled-in summaries workbook back: all of it, or nothing.

    Every cell is checked against the project's participants and the codebook's codes first; an
    unknown one stops the import with one line naming the cell, and nothing is stored. Cells
    that changed are stored as one action of --as NAME (audit-logged); a machine draft left
    as it is stays a draft.

    (Example: qualcode summaries import outputs/summaries.xlsx --as ana)"""
    from qualcode.analysis.summaries import changes, participants, save
    from qualcode.export.summaries import read_sheet
    from qualcode.project import open_project

    if not who.strip():
        raise typer.BadParameter("say whose summaries these are", param_hint="--as")
    proj = open_project(project)
    codebook = _codebook(proj, None, None)
    cells = read_sheet(file, set(participants(proj)), {c.id: c.name for c in codebook.codes})
    rows = changes(proj, codebook, cells, _pseudo(proj))
    stored = save(proj, who.strip(), rows)
    proj.close()
    written = sum(1 for r in rows if r[2])
    if as_json:
        render.print_json(
            {
                "file": str(file),
                "cells": len(cells),
                "stored": stored,
                "written": written,
                "removed": stored - written,
            }
        )
    else:
        render.out.print(
            f"Read {len(cells)} cells from {file.name}: {written} summaries by {who} stored"
            f"{f', {stored - written} taken away' if stored - written else ''}."
        )


@summaries_app.command("draft")
def summaries_draft(
    codes: CodesOpt = None,
    aims: AimsOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Also redraft cells holding an earlier draft.")
    ] = False,
    who: Annotated[str, typer.Option("--as", help="Who asked for the drafts.")] = "",
    project: ProjectOpt = None,
) -> None:
    """Machine drafts for empty cells: each participant's most central coded sentences.

    A draft is marked DRAFT in the sheet, the browser and draft reports, and never appears in
    a final report until a person edits it. Cells with a person's summary are never touched.

    (Example: qualcode summaries draft --aims police)"""
    from qualcode.analysis.summaries import drafts, save
    from qualcode.project import open_project

    proj = open_project(project)
    codebook = _codebook(proj, codes, aims)
    rows = drafts(proj, codebook, overwrite)
    stored = save(proj, who or proj.settings.reviewer or "machine", rows)
    proj.close()
    render.out.print(
        f"Drafted {stored} cells (marked as machine drafts until a person edits them)."
    )


@summaries_app.command("list")
def summaries_list(
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The summaries and drafts written so far: participant, code, author, when."""
    from qualcode.analysis.summaries import current
    from qualcode.project import open_project

    proj = open_project(project)
    got = list(current(proj).values())
    proj.close()
    if as_json:
        render.print_json([s.__dict__ for s in got])
        return
    rows = [
        [
            s.participant,
            s.code,
            "machine draft" if s.draft else s.author,
            s.at[:16],
            s.text[:60] + ("…" if len(s.text) > 60 else ""),
        ]
        for s in got
    ]
    render.out.print(
        render.table("Framework summaries", ["participant", "code", "by", "at", "summary"], rows)
    )
