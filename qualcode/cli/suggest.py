"""Commands for learned suggestions and importing other coders' work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import render
from qualcode.cli.app import JsonOpt, ProjectOpt, app
from qualcode.cli.coding import CodebookOpt

suggest_app = typer.Typer(
    short_help="Suggestions learned from human coding: train, suggest, evaluate, queue.",
    help=(
        "Machine suggestions learned from human coding. Without a subcommand: score every "
        "segment no human has labelled with the latest trained model and store the codes it "
        "suggests (kind 'model', with calibrated probabilities and the model's hash)."
    ),
    invoke_without_command=True,
)
import_app = typer.Typer(help="Import work done elsewhere.", no_args_is_help=True)
app.add_typer(suggest_app, name="suggest")
app.add_typer(import_app, name="import")


ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help=(
            "A model file written by 'suggest train --output' (e.g. in another project with the "
            "same codebook, checked by hash) instead of this project's latest. Model files are "
            "arrays and JSON: loading one cannot run code (a pickle is refused)."
        ),
    ),
]
CoderOpt = Annotated[
    list[str] | None,
    typer.Option("--coder", help="Learn only from this coder's coding (repeatable)."),
]
DocumentOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--document", help="Learn only from this interview (participant id or file; repeatable)."
    ),
]


def _rare_warning(codes: list[str], positives: dict[str, int] | None, need: int) -> None:
    """One short line naming the codes that get no model suggestions."""
    if not codes:
        return
    if positives is not None:
        codes = sorted(codes, key=lambda c: (positives[c], c))
    shown = ", ".join(f"{c} ({positives[c]})" if positives else c for c in codes[:5])
    more = f" and {len(codes) - 5} more" if len(codes) > 5 else ""
    render.warn(
        f"{len(codes)} codes have too few examples to learn (need {need}) and get no model "
        f"suggestions: {shown}{more} ('--json' lists them all)"
    )


@suggest_app.callback()
def suggest(
    ctx: typer.Context,
    codebook: CodebookOpt = None,
    model: ModelOpt = None,
    project: ProjectOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count; store nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from qualcode.coding.learn import suggest as run_suggest
    from qualcode.project import open_project

    proj = open_project(project)
    with render.spinner("Scoring", enabled=not as_json):
        report = run_suggest(proj, dry_run, codebook, model)
    floor = proj.settings.suggest.floor
    need = proj.settings.suggest.min_positives
    proj.close()
    if as_json:
        render.print_json(report)
        return
    if report.shown != "model":
        render.out.print(
            f"Model {report.model}: no code's suggestions come from it, so they are not "
            f"stored for the {report.scored:,} unlabelled segments and the rules' stand: "
            f"{_why_rules(report.compared)}. "
            "It still orders the review queue (least certain first)."
        )
        return
    note = " (dry run: nothing stored)" if dry_run else f", {report.added:,} new"
    from qualcode.coding.sources import counts

    n = counts(report.sources)
    render.out.print(
        f"Model {report.model}: scored {report.scored:,} unlabelled segments, "
        f"{report.suggestions:,} suggestions at p >= {floor:g} or each code's tuned threshold"
        f"{note}, for the {n['model']} codes where it did better than the rules on unseen "
        f"interviews (the rules' evidence and the text in one score: on the segments scored, "
        f"each replaces the rules' suggestion of its code). The rules suggest {n['rules']} "
        f"codes; {n['none']} get no suggestion."
    )
    _rare_warning(report.not_suggested, None, need)


def _why_rules(compared: dict[str, float]) -> str:
    if not compared:
        return (
            "with fewer than two human-coded interviews nothing shows it beats the rules "
            '([suggest] show = "model" shows it anyway)'
        )
    return (
        f"on interviews it did not see it scored macro-F1 {compared['model']:.2f}, the rules "
        f"{compared['rules']:.2f}, and no code's F1 cleared the floor and the rules'"
    )


def _show_sources(states: dict[str, int], by_code: dict[str, str]) -> None:
    """How many codes reviewers see the model's, the rules' or no suggestions for."""
    from qualcode.coding.sources import STATES, WHY

    rows: list[list[object]] = [
        [state, states.get(state, 0), WHY[state],
         ", ".join(sorted(c for c, s in by_code.items() if s == state)[:2])
         + (" ..." if states.get(state, 0) > 2 else "")]
        for state in STATES
    ]  # fmt: skip
    title = "Whose suggestions reviewers see, per code"
    render.out.print(render.table(title, ["source", "codes", "why", "e.g."], rows, {1}))


@suggest_app.command("train")
def train(
    codebook: CodebookOpt = None,
    coder: CoderOpt = None,
    document: DocumentOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also write the model to this file (portable)."),
    ] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit one model per code on what humans decided, seeded by the codebook.

    Codings and accepted suggestions are positives; rejections, and codes not given on a
    segment coded blind or imported, are negatives (a code a reviewer was never shown and did
    not give counts as absent with the weight [suggest] unjudged: 1, or 0 for partial labels).
    Each code's suggestions come from the model only where, on interviews it did not see, its
    F1 reaches [suggest] min_f1 and the rules'; else from the rules, else none (the table says
    how many codes are in each state). The codebook's examples, inclusion criteria and
    definitions are extra examples (a cold start: with no human coding yet, they alone make
    the first model). Each code's precision is estimated on interviews the model did not see
    and shown to reviewers beside its suggestions."""
    from qualcode.coding.learn import train as run_train
    from qualcode.project import open_project

    proj = open_project(project)
    with render.spinner("Training", enabled=not as_json):
        report = run_train(proj, codebook, tuple(coder or ()), tuple(document or ()), output)
    need = proj.settings.suggest.min_positives
    proj.close()
    if as_json:
        render.print_json(report)
        return
    seeded = f" and {report.seeds} examples from the codebook" if report.seeds else ""
    start = " (a cold start: no human coding yet)" if not report.segments else ""
    render.out.print(
        f"Model {report.model}: trained on {report.segments:,} human-labelled segments"
        f"{seeded}{start}, {len(report.trained)} codes."
    )
    if report.compared:
        render.out.print(
            f"On interviews it did not see (5 folds): macro-F1 {report.compared['model']:.2f}, "
            f"rules alone {report.compared['rules']:.2f}, what reviewers are shown "
            f"{report.compared.get('shown', report.compared['model']):.2f}."
        )
    else:
        render.out.print(f"The model's own suggestions are held: {_why_rules({})}.")
    _show_sources(report.states, report.sources)
    if report.embeddings:
        render.out.print(report.embeddings)
    if report.output:
        render.out.print(f"Wrote {report.output}.")
    _rare_warning(list(report.skipped), report.skipped, need)


@suggest_app.command("eval")
def evaluate(
    codebook: CodebookOpt = None,
    folds: Annotated[
        int, typer.Option("--folds", min=2, help="Folds over interviews (at most one each).")
    ] = 10,
    coder: CoderOpt = None,
    document: DocumentOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Precision, recall, F1 and kappa of the suggestions on interviews the model has not seen.

    Folds are grouped by interview (no interview is in both the training and the test part of
    a fold), per code and as micro and macro averages; codes with fewer human examples than the
    model needs are flagged. The first table scores what reviewers are shown: each code from
    the source each fold's own check chose (the model, the rules or nothing). A second table
    compares it with the rules alone, the model on the text alone and the combined model (the
    rules' evidence and the text) for every code."""
    from qualcode.coding.learn import evaluate as run_eval
    from qualcode.project import open_project

    proj = open_project(project)
    with render.spinner("Cross-validating", enabled=not as_json):
        result = run_eval(proj, codebook, folds, tuple(coder or ()), tuple(document or ()))
    need = proj.settings.suggest.min_positives
    proj.close()
    scores, total = result.scores, result.sources["shown"]
    fields = ("precision", "recall", "f1", "kappa")
    if as_json:
        render.print_json(
            {
                "segments": result.segments,
                "interviews": result.interviews,
                "folds": result.folds,
                "grouped_by": "interview",
                "codebook_examples": result.seeds,
                "summary": {k: round(v, 3) for k, v in total.items()},
                "sources": {
                    name: {k: round(v, 3) for k, v in s.items()}
                    for name, s in result.sources.items()
                },
                "codes": [
                    {"code": s.code, "support": s.support, "too_rare": s.support < need}
                    | {k: round(getattr(s, k), 3) for k in fields}
                    for s in scores
                ],
            }
        )
        return
    rows: list[list[object]] = [
        [
            s.code + (" (too rare)" if s.support < need else ""),
            s.support,
            *(f"{getattr(s, k):.2f}" for k in fields),
        ]
        for s in scores
        if s.support
    ]
    rows.append(
        ["(micro: all decisions)", sum(s.support for s in scores),
         f"{total['micro_precision']:.2f}", f"{total['micro_recall']:.2f}",
         f"{total['micro_f1']:.2f}", ""]
    )  # fmt: skip
    rows.append(
        [f"(macro: mean of {int(total['codes'])} codes)", "", "", "", f"{total['macro_f1']:.2f}",
         f"{total['mean_kappa']:.2f}"]
    )  # fmt: skip
    title = (
        f"Suggestions vs humans on unseen interviews: {result.folds} folds over "
        f"{result.interviews} interviews, {result.segments:,} segments"
    )
    render.out.print(
        render.table(title, ["code", "human", "P", "R", "F1", "kappa"], rows, {1, 2, 3, 4, 5})
    )
    source_rows: list[list[object]] = [
        [name, f"{s['micro_f1']:.2f}", f"{s['macro_f1']:.2f}", f"{s['mean_kappa']:.2f}"]
        for name, s in result.sources.items()
    ]
    render.out.print(
        render.table(
            "Where suggestions come from (same folds)",
            ["source", "micro F1", "macro F1", "mean kappa"],
            source_rows,
            {1, 2, 3},
        )
    )


@suggest_app.command("queue")
def queue(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many.")] = 20,
    codebook: CodebookOpt = None,
    model: ModelOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The unreviewed segments the model is least sure about (review these first).

    Interviews are mixed: the most uncertain segment of another interview comes before a
    fourth from the same one."""
    from qualcode.coding.learn import queue as run_queue
    from qualcode.project import open_project

    proj = open_project(project)
    items = run_queue(proj, limit, codebook, model)
    names = {d["id"]: d["participant_id"] or d["name"] for d in proj.store.current_documents()}
    proj.close()
    for item in items:
        item["document"] = names.get(item["document_id"], "")
    if as_json:
        render.print_json(items)
        return
    rows = [
        [
            i["document"],
            i["turn"],
            f"{i['uncertainty']:.2f}",
            ", ".join(f"{c} {p:.2f}" for c, p in i["codes"].items()),
        ]
        for i in items
    ]
    render.out.print(
        render.table(
            "Review next (least certain first)",
            ["document", "turn", "unsure", "top codes"],
            rows,
            {1},
        )
    )


@import_app.command("codings")
def import_codings(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, XLSX, or MAXQDA's Coded Segments report as PDF: turn-level "
            "(document, turn, codes) or quote-level (document, quote, code); or an XLSX of one "
            "sheet per participant (Data chunk, Code)."
        ),
    ],
    coder: Annotated[
        list[str],
        typer.Option(
            "--coder",
            help="Whose coding this is; repeat it for a sheet with one column per coder.",
        ),
    ],
    numbering: Annotated[
        str,
        typer.Option(
            "--numbering",
            help="Turn numbers count 'all' turns (as 'qualcode show' numbers them) or "
            "'participant' turns only.",
        ),
    ] = "all",
    skip_unplaced: Annotated[
        bool,
        typer.Option(
            "--skip-unplaced", help="Import the quotes that can be placed; list the others."
        ),
    ] = False,
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Write every quote not placed to this CSV, with the passage most like it "
            "(document, turn, excerpt, similarity), to fix the sheet from.",
        ),
    ] = None,
    add_missing_codes: Annotated[
        bool,
        typer.Option(
            "--add-missing-codes",
            help="Add codes the codebook lacks to it as draft codes instead of refusing them.",
        ),
    ] = False,
    codebook: CodebookOpt = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a coder's codings made elsewhere (a spreadsheet, NVivo, MAXQDA, ATLAS.ti, Delve).

    Turn-level: one row per participant turn (participant_id or document, turn, codes; codes
    separated by ';'); a row with no codes records that the coder saw the turn and gave it
    none; a 'text' column, when present, is checked against the turn. Quote-level: one row per
    coded excerpt (document as file name or participant id, quote, code); each quote is found
    in its document (whitespace, line breaks, punctuation, smart quotes and small edits
    tolerated) and coded on the participant turn it lies in (a quote wholly inside a question
    is kept on the interviewer's turn, a unit only with [coding] interviewer_units); every
    participant turn of a document named counts as seen. Codes may be ids or names, or paths
    like 'Aim > Code'. A sheet with one column of codes per coder (document, turn, ann, bob)
    imports them all: --coder ann --coder bob. A workbook of one sheet per participant (sheet
    named 'Participant 3', 'P03' or the file name; header Question / Data chunk / Code / Memo,
    perhaps a few rows down; a chunk carried down over the code rows below it; codes in one
    cell or in Code 1..N) reads as quotes; a quote cut with '...' is placed as its parts.
    Every row is checked first: one bad row stores nothing."""
    from qualcode.coding.imports import import_codings as run_import
    from qualcode.project import open_project

    if numbering not in ("all", "participant"):
        raise typer.BadParameter("use all or participant", param_hint="--numbering")
    proj = open_project(project)
    # at a terminal: rows checked shown as they go, the first problem rows as soon as found
    live = not as_json and render.err.is_terminal
    try:
        with render.counter("Checking rows", enabled=live) as step:
            report = run_import(
                proj, file, tuple(coder), codebook, numbering, skip_unplaced, step,
                render.warn if live else None, report_file, add_missing_codes,
            )  # fmt: skip
    finally:
        proj.close()
    if as_json:
        render.print_json(report)
        return
    render.out.print(
        f"Imported {report.codings:,} codings on {report.units:,} turns from {report.coder} "
        f"({report.added:,} new)."
    )
    if report.on_interviewer_turns:
        render.out.print(
            f"{report.on_interviewer_turns:,} of them are on interviewer turns (question markers): "
            "kept, and counted in agreement and reports only with [coding] interviewer_units."
        )
    if report.unplaced:
        shown = "; ".join(report.unplaced[:5])
        more = f" and {len(report.unplaced) - 5} more" if len(report.unplaced) > 5 else ""
        render.warn(f"{len(report.unplaced)} quotes could not be placed, left out: {shown}{more}")
    if report.drafts:
        render.out.print(
            f"Added {len(report.drafts)} draft codes to the codebook (write their definitions): "
            + ", ".join(report.drafts)
        )
    if report.skipped_sheets:
        render.warn(
            "sheets skipped (no header row, and no document of that name): "
            + ", ".join(f"'{s}'" for s in report.skipped_sheets)
        )
    if report.report:
        render.out.print(f"Unplaced quotes and their nearest passages: {report.report}")


def _codebook_from(proj: Any, file: Path) -> str:
    """Write the .qdpx's codebook as the project's codebook YAML (there is none yet); returns
    its path, or '' when the file has no codebook."""
    from qualcode.codebook.refi import codebook_yaml, read_qdc
    from qualcode.errors import InputFileError
    from qualcode.export import atomic_write_bytes

    try:
        codebook = read_qdc(file)
    except InputFileError:
        return ""  # a project without codes: its documents still come in
    folder = proj.path(proj.settings.paths.codebooks)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_slug_name(file.stem)}.yaml"
    atomic_write_bytes(path, codebook_yaml(codebook).encode("utf-8"))
    return str(path)


def _slug_name(stem: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "codebook"


@import_app.command("qdpx")
def import_qdpx(
    file: Annotated[Path, typer.Argument(help="A REFI-QDA .qdpx (or .qde) from another tool.")],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a REFI-QDA project (.qdpx or .qde) from another tool.

    Text sources become documents (speaker turns found as usual), cases' variables become
    participant attributes, and codings become 'import' codings by their coders. A project
    with no codebook yet gets one from the file (codebooks/<name>.yaml: named codes, hierarchy,
    descriptions, criteria and examples). Vendor quirks are tolerated; sources without text
    are listed and skipped."""
    from qualcode.coding.run import has_codebook, resolve_codebook
    from qualcode.export.qdpx import read_qdpx
    from qualcode.project import open_project
    from qualcode.review.exchange import import_snapshot

    proj = open_project(project)
    snap = read_qdpx(file)
    written = ""
    if not has_codebook(proj):
        written = _codebook_from(proj, file)
    known = {c.id for c in resolve_codebook(proj, None)[0].codes} if has_codebook(proj) else set()
    report = import_snapshot(proj, snap, file, known)
    proj.close()
    if written and not as_json:
        render.out.print(f"Wrote the project's codebook {written} from {file.name}.")
    if as_json:
        render.print_json(report)
        return
    render.out.print(
        f"Imported {report.documents} documents and {report.codings} codings"
        f"{' by ' + ', '.join(report.coders) if report.coders else ''} from {file.name}."
    )
    if report.skipped:
        render.warn(f"sources without text, skipped: {', '.join(report.skipped)}")
    if report.unknown_codes:
        render.warn(
            f"{len(report.unknown_codes)} codes are not in the project's codebook (e.g. "
            f"{report.unknown_codes[0]}): 'qualcode codebook import' can bring them in"
        )
