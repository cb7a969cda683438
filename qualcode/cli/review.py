"""Commands for agreement between coders."""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import render
from qualcode.cli.app import AsOpt, JsonOpt, ProjectOpt, app

review_app = typer.Typer(
    short_help="Review suggestions in a terminal app, or code blind as a second coder.",
    help="Review machine suggestions in a terminal app (keys: a accept, r reject, c change, "
    "x reject the rest, + add, * key quote, m memo, u undo, n next, s skip, d next document, "
    "? definition, l learn now, q quit), or code blind as a second coder (--blind). Every "
    "decision is stored at once under your name. The model retrains in the background every "
    "[suggest] retrain_every segments and re-ranks the rest of the queue. For a spreadsheet "
    "instead: 'review export' and 'review import'.",
    invoke_without_command=True,
)
app.add_typer(review_app, name="review")


def _sample(value: str) -> float:
    text = value.strip().rstrip("%")
    try:
        share = float(text) / (100 if value.strip().endswith("%") or float(text) > 1 else 1)
    except ValueError:
        raise typer.BadParameter("use a share such as 20% or 0.2", param_hint="--sample") from None
    if not 0 < share <= 1:
        raise typer.BadParameter("use a share between 0% and 100%", param_hint="--sample")
    return share


@review_app.callback()
def review(
    ctx: typer.Context,
    reviewer: AsOpt = "",
    blind: Annotated[
        bool,
        typer.Option("--blind", help="Code from scratch, seeing no other coder's or machine code."),
    ] = False,
    sample: Annotated[
        str, typer.Option("--sample", help="With --blind: a share of each document, e.g. 20%.")
    ] = "100%",
    code: Annotated[
        list[str] | None, typer.Option("--code", help="Only suggestions of this code or aim.")
    ] = None,
    document: Annotated[
        list[str] | None, typer.Option("--document", help="Only this document (repeatable).")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help="Only participants with ATTR=VALUE, e.g. sector=policing."),
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Only rule, model or topic suggestions.")
    ] = None,
    order: Annotated[
        str,
        typer.Option(
            "--order",
            help="uncertainty (the model's least sure first, when there is a model) or document.",
        ),
    ] = "uncertainty",
    overlap_with: Annotated[
        str,
        typer.Option(
            "--overlap-with",
            help="With --blind: sample only segments this coder has coded, so that the two "
            "codings overlap by design (for agreement).",
        ),
    ] = "",
    seed: Annotated[int, typer.Option(help="With --blind: the seed of the sample.")] = 0,
    project: ProjectOpt = None,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from qualcode.project import open_project

    session = open_session(
        open_project(project), reviewer, blind, _sample(sample), code, document, where, kind,
        order, overlap_with, seed,
    )  # fmt: skip
    from qualcode.tui.review import run_review

    run_review(session)
    session.project.close()


def open_session(
    proj: Any,
    reviewer: str,
    blind: bool = False,
    sample: float = 1.0,
    code: list[str] | None = None,
    document: list[str] | None = None,
    where: list[str] | None = None,
    kind: list[str] | None = None,
    order: str = "uncertainty",
    overlap_with: str = "",
    seed: int = 0,
) -> Any:
    """A review session for the CLI's options (shared by the app and its tests)."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.session import Filters, ReviewSession

    if order not in ("uncertainty", "document"):
        raise typer.BadParameter("use uncertainty or document", param_hint="--order")
    bad = [k for k in kind or [] if k not in ("rule", "model", "topic")]
    if bad:
        raise typer.BadParameter("use rule, model or topic", param_hint="--kind")
    pairs = []
    for w in where or []:
        if "=" not in w:
            raise typer.BadParameter("use ATTR=VALUE", param_hint="--where")
        k, v = w.split("=", 1)
        pairs.append((k.strip(), v.strip()))
    docs = frozenset(proj.store.find_document(d).id for d in document or [])
    codebook, _ = resolve_codebook(proj, None)
    _check_filters(proj, codebook, code or [], pairs)
    filters = Filters(frozenset(code or []), docs, frozenset(kind or []), tuple(pairs))
    among = None
    if overlap_with:
        from qualcode.review.longform import human_coders

        if not blind:
            raise typer.BadParameter("only with --blind", param_hint="--overlap-with")
        among = frozenset(human_coders(proj.store, [overlap_with])[overlap_with])
    return ReviewSession(
        proj, codebook, reviewer or proj.settings.reviewer, blind, sample, filters, order,
        among, seed,
    )  # fmt: skip


def _check_filters(proj: Any, codebook: Any, codes: list[str], pairs: list[Any]) -> None:
    """A filter that names no code, attribute or value is a typo: an empty queue would read as
    'all done'. Each is an error listing the close matches."""
    from qualcode.errors import QualcodeError

    known = [c.id for c in codebook.codes] + [g.id for g in codebook.groups]
    for c in codes:
        if c not in known and not c.startswith("topic."):
            raise QualcodeError(
                f"--code {c}: no such code or aim in {codebook.source}",
                render.did_you_mean(c, known, "see 'qualcode codebook show'"),
            )
    values: dict[str, set[str]] = {}
    for attrs in proj.store.participant_attributes().values():
        for k, v in attrs.items():
            values.setdefault(k, set()).add(v)
    for k, v in pairs:
        if k not in values:
            raise QualcodeError(
                f"--where {k}={v}: no attribute '{k}' in the project",
                render.did_you_mean(
                    k, sorted(values),
                    f"attributes: {', '.join(sorted(values)) or 'none (no attribute sheet)'}",
                ),
            )  # fmt: skip
        if v not in values[k]:
            raise QualcodeError(
                f"--where {k}={v}: no participant has {k} '{v}'",
                render.did_you_mean(
                    v, sorted(values[k]), f"values of {k}: {', '.join(sorted(values[k]))}", 0.5
                ),
            )  # fmt: skip


@review_app.command("export")
def review_export(
    file: Annotated[Path, typer.Argument(help="Where to write the queue: .xlsx or .csv.")],
    project: ProjectOpt = None,
) -> None:
    """Write the review queue to a spreadsheet (.xlsx or .csv).

    Every undecided machine suggestion (rule, model, topic) with its segment text and empty
    decision, new_code and note columns."""
    from qualcode.project import open_project
    from qualcode.review.sheet import export_queue

    proj = open_project(project)
    n = export_queue(proj.store.review_queue(), file)
    proj.close()
    render.out.print(f"Wrote {n:,} suggestions to {file}: fill in 'decision', then import it.")


@review_app.command("import")
def review_import(
    file: Annotated[Path, typer.Argument(help="A review sheet from 'qualcode review export'.")],
    reviewer: AsOpt = "",
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read a filled-in review sheet back.

    Every row is checked first (decisions, codes, edited text, duplicates); one bad row stores
    nothing. Decisions are appended, never overwritten."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.project import open_project
    from qualcode.review.sheet import import_sheet

    proj = open_project(project)
    codebook, _ = resolve_codebook(proj, None)
    report = import_sheet(proj.store, codebook, file, reviewer or proj.settings.reviewer)
    proj.close()
    if as_json:
        render.print_json(report)
        return
    done = ", ".join(f"{n} {a}" for a, n in sorted(report.actions.items())) or "no decisions"
    render.out.print(f"{report.reviewer}: {done} ({report.rows:,} rows read).")


@app.command()
def agreement(
    coders: Annotated[
        list[str] | None,
        typer.Argument(
            help="Coders to compare (default: every human coder in the project); with "
            "--from-files, the coders' files."
        ),
    ] = None,
    machine: Annotated[
        str,
        typer.Option(
            "--machine", help="Add the machine's 'rule' or 'model' suggestions as a coder."
        ),
    ] = "",
    from_csv: Annotated[
        Path | None,
        typer.Option(
            "--from-csv",
            help="Instead of the project: a long-format CSV with columns unit, coder, code "
            "(an empty code: the coder saw the unit and coded nothing).",
            dir_okay=False,
        ),
    ] = None,
    from_files: Annotated[
        bool,
        typer.Option(
            "--from-files",
            help="Instead of the project: the arguments are files, one per coder (CSV or "
            "XLSX: a unit id such as ResponseId, optionally the question and text, Code 1..N); "
            "coders are named by file name; a unit in one file only is not double-coded.",
        ),
    ] = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    samples: Annotated[
        int, typer.Option(help="Bootstrap resamples for alpha's 95% interval.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
) -> None:
    """Agreement between coders, per code and overall.

    Percent agreement, Cohen's kappa (two coders), Krippendorff's alpha (nominal, any number of
    coders, missing data) with a bootstrap 95% interval, and Gwet's AC1. Units are segments
    (participant turns by default): each coder counts on the segments they saw; --machine adds
    the rules as a coder; --from-csv reads codings made in other tools; --from-files reads one
    wide file per coder (qualcode agreement --from-files ann.csv bob.csv)."""
    from qualcode.review.longform import (
        agreement_from_codings,
        agreement_warnings,
        mean_row,
        read_long_csv,
        stored_codings,
    )

    if machine not in ("", "rule", "model"):
        raise typer.BadParameter("use rule or model", param_hint="--machine")
    names: dict[str, str] = {}
    if from_files:
        from qualcode.coding.wide import read_coder_files

        files = [Path(c) for c in coders or []]
        resolve, names = _project_codes(project)
        units, coders, data = read_coder_files(files, resolve)
        unit_kind = f"units are the ids in {', '.join(f.name for f in files)}"
    elif from_csv is not None:
        units, coders, data = read_long_csv(from_csv)
        unit_kind = f"units as listed in {from_csv.name}"
    else:
        from qualcode.project import open_project

        proj = open_project(project)
        units, coders, data = stored_codings(
            proj.store, coders or None, machine, proj.settings.coding.interviewer_units
        )
        names = _code_names(proj)
        unit_kind = f"units are segments ({proj.settings.coding.unit}s of participants)"
        proj.close()
    rows, overall = agreement_from_codings(units, coders, data, samples, seed, names)
    mean = mean_row(rows)
    everything = [*rows, overall, mean]
    if as_json:
        render.print_json(
            {
                "coders": coders,
                "units": len(units),
                "unit": unit_kind,
                "double_coded": overall.units,
                "codes": rows,
                "overall": overall,
                "mean": mean,
                "warnings": agreement_warnings(rows, overall),
            }
        )
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(asdict(overall)), lineterminator="\n")
        writer.writeheader()
        writer.writerows(asdict(r) for r in everything)
        return
    _show_agreement(coders, units, unit_kind, everything)
    for line in agreement_warnings(rows, overall):
        render.warn(line)


def _project_codes(project: Path | None) -> tuple[Any, dict[str, str]]:
    """The project's codebook as a resolver of code names and ids, and its names, when the
    command runs in a project that has a readable one (else codes are compared as written)."""
    from qualcode.coding.imports import code_resolver
    from qualcode.coding.run import has_codebook, resolve_codebook
    from qualcode.errors import QualcodeError
    from qualcode.project import open_project

    try:
        proj = open_project(project)
    except QualcodeError:
        return None, {}
    try:
        if not has_codebook(proj):
            return None, {}
        codebook, _ = resolve_codebook(proj, None)
    except QualcodeError:
        return None, {}
    finally:
        proj.close()
    return code_resolver(codebook), {c.id: c.name for c in codebook.codes}


def _code_names(proj: Any) -> dict[str, str]:
    from qualcode.coding.run import has_codebook, resolve_codebook

    if not has_codebook(proj):
        return {}
    codebook, _ = resolve_codebook(proj, None)
    return {c.id: c.name for c in codebook.codes}


def _show_agreement(coders: list[str], units: list[str], unit_kind: str, rows: list[Any]) -> None:
    def f(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    table = [
        [
            r.name or r.code,
            r.units,
            r.positives,
            f(r.percent),
            "" if len(coders) != 2 else f(r.kappa),
            f(r.alpha),
            "" if r.alpha_low is None else f"{f(r.alpha_low)} to {f(r.alpha_high)}",
            f(r.ac1),
        ]
        for r in rows
    ]
    double = rows[-2].units
    render.out.print(
        render.table(
            f"Agreement: {len(coders)} coders ({', '.join(coders)}); {unit_kind}: "
            f"{len(units):,} units, {double:,} coded by two or more coders",
            ["code", "units", "given", "agree", "kappa", "alpha", "alpha 95% CI", "AC1"],
            table,
            {1, 2, 3, 4, 5, 7},
        )
    )
    render.out.print(
        "units: coded by two or more coders; given: units where a coder gave the code; "
        "n/a: undefined for these data (why, below)."
    )
    for r in rows:
        if r.reason:
            render.out.print(f"  {r.name or r.code}: {r.reason}")


@app.command()
def reconcile(
    coder_a: Annotated[
        str | None,
        typer.Argument(
            help="A coder's name, or rule / model.", show_default=False, metavar="CODER_A"
        ),
    ] = None,
    coder_b: Annotated[
        str | None,
        typer.Argument(
            help="Another coder, or rule / model.", show_default=False, metavar="CODER_B"
        ),
    ] = None,
    listing: Annotated[
        bool,
        typer.Option(
            "--list",
            help="List the final coding's unresolved disagreements (every coder's, or only "
            "those between A and B) instead of settling them.",
        ),
    ] = False,
    reviewer: AsOpt = "",
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Settle two coders' disagreements, one at a time, side by side.

    A and B are coders, or 'rule' / 'model'. Keys: 1 choose A, 2 choose B, t both, x neither,
    o another code, w rationale, u undo the last choice, s skip, q quit. Each choice is stored
    at once and becomes the resolved coding ('resolved' in agreement); the record of who chose
    what stays. --list prints the segments the final coding still has to settle: who coded
    them, and how."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.project import open_project
    from qualcode.review.reconcile import ReconcileSession

    if listing:
        _list_unresolved(project, [c for c in (coder_a, coder_b) if c], as_json)
        return
    if not coder_a or not coder_b:
        raise typer.BadParameter("name two coders (or list disagreements with --list)")
    proj = open_project(project)
    codebook, _ = resolve_codebook(proj, None)
    session = ReconcileSession(proj, codebook, coder_a, coder_b, reviewer or proj.settings.reviewer)
    if not session.items:
        render.out.print(f"{coder_a} and {coder_b} agree on every segment both coded.")
        proj.close()
        return
    from qualcode.tui.reconcile import ReconcileApp

    ReconcileApp(session).run()
    proj.close()


def _list_unresolved(project: Path | None, coders: list[str], as_json: bool) -> None:
    """The unresolved disagreements of the final coding (only those between ``coders``)."""
    from qualcode.project import open_project
    from qualcode.review.reconcile import unresolved

    proj = open_project(project)
    found = [d for d in unresolved(proj) if all(c in d["codes"] for c in coders)]
    proj.close()
    if as_json:
        render.print_json(found)
        return
    between = f" between {' and '.join(coders)}" if coders else ""
    n = len(found)
    title = f"{n} unresolved disagreement{'s' if n != 1 else ''}{between}"
    if not found:
        render.out.print(f"{title}: nothing to reconcile.")
        return
    rows = [
        [d["segment"], d["participant"] or d["document"], d["turn"], _codes_line(d["codes"])]
        for d in found
    ]
    render.out.print(render.table(title, ["segment", "participant", "turn", "codes"], rows, {2}))
    pairs = sorted({" ".join(list(d["codes"])[:2]) for d in found})
    render.out.print(
        "Settle them with "
        + ", ".join(f"'qualcode reconcile {p}'" for p in pairs[:3])
        + (" and others" if len(pairs) > 3 else "")
        + "."
    )


def _codes_line(codes: dict[str, list[str]]) -> str:
    return "\n".join(f"{who}: {', '.join(c) or '(no code)'}" for who, c in codes.items())


ListFormat = Annotated[
    str,
    typer.Option(
        "--format", "-f", help="table (the terminal), md, csv or docx (written to outputs/)."
    ),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="File to write (default: in outputs/).")
]


def _show_listing(proj: Any, listing: Any, fmt: str, output: Path | None, stem: str) -> None:
    from qualcode.export.listing import FORMATS, write_listing

    if fmt == "table":
        if listing.rows:
            render.out.print(render.table(listing.title, listing.headers, listing.rows))
        else:
            render.out.print(f"{listing.title}: none yet.")
        return
    if fmt not in FORMATS:
        raise typer.BadParameter(f"use table or one of {', '.join(FORMATS)}", param_hint="--format")
    path = output or proj.path(proj.settings.paths.outputs) / f"{stem}.{fmt}"
    write_listing(listing, fmt, path)
    render.out.print(f"Wrote {path}: {len(listing.rows):,} rows (pseudonymised).")


@app.command()
def memos(
    code: Annotated[
        str, typer.Option("--code", help="Only on segments with this code or aim.")
    ] = "",
    document: Annotated[str, typer.Option("--document", help="Only in this document.")] = "",
    fmt: ListFormat = "table",
    output: OutputOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List reviewers' memos and reconcile rationales: who wrote what, where, when.

    Memos taken back with undo are left out (and kept in the store). Texts are pseudonymised
    with the project's [export] names and places, as in the reports."""
    from qualcode.project import open_project
    from qualcode.review.notes import memos as build

    proj = open_project(project)
    listing = build(proj, code, document)
    if as_json:
        render.print_json(replace(listing, listed=None))  # never the names it knows
    else:
        _show_listing(proj, listing, fmt, output, "memos")
    proj.close()


@app.command()
def quotes(
    code: Annotated[str, typer.Argument(help="A code id, e.g. police.feedback_loop.")],
    include_suggestions: Annotated[
        bool,
        typer.Option("--include-suggestions", help="Also unreviewed machine suggestions, marked."),
    ] = False,
    fmt: ListFormat = "table",
    output: OutputOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every segment coded with CODE, by participant: the evidence behind one theme.

    Resolved codings (human, imported, accepted, reconciled) by default; quotes are trimmed and
    pseudonymised as in the reports, and participants shown by id and [export] attributes."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.errors import QualcodeError
    from qualcode.project import open_project
    from qualcode.review.notes import quotes as build

    proj = open_project(project)
    codebook, _ = resolve_codebook(proj, None)
    if codebook.code(code) is None:
        raise QualcodeError(
            f"no code '{code}' in {codebook.source}",
            render.did_you_mean(
                code, [c.id for c in codebook.codes], "see 'qualcode codebook show'"
            ),
        )
    listing = build(proj, codebook, code, include_suggestions)
    if as_json:
        render.print_json(replace(listing, listed=None))  # never the names it knows
    else:
        _show_listing(proj, listing, fmt, output, f"quotes-{code}")
    proj.close()
