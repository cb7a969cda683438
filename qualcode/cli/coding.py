"""Commands for codebooks, coding and exporting codings."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import render
from qualcode.cli.app import JsonOpt, ProjectOpt, app

codebook_app = typer.Typer(help="Check, show and describe codebooks.", no_args_is_help=True)
export_app = typer.Typer(help="Export codings and reports.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")
app.add_typer(export_app, name="export")

CodebookOpt = Annotated[
    Path | None,
    typer.Option(
        "--codebook",
        "-c",
        help="Codebook YAML (default: \\[coding] codebook, or the only one in codebooks/).",
        dir_okay=False,
    ),
]


def _codebook(project_dir: Path | None, path: Path | None) -> Any:
    from qualcode.coding.run import resolve_codebook
    from qualcode.project import open_project

    project = open_project(project_dir)
    return project, resolve_codebook(project, path)[0]


def _participant_texts(proj: Any) -> list[str]:
    from qualcode.segment import segments

    units = segments(proj.store.participant_turns(), proj.settings.coding.unit)
    texts = [text for _, text in units]
    proj.close()
    return texts


def _participant_texts_near(project_dir: Path | None) -> list[str]:
    """The participant turns of the project here (or at --project), if there is one with a
    store; none otherwise (a codebook checked on its own)."""
    from qualcode.errors import ProjectError
    from qualcode.project import open_project

    try:
        proj = open_project(project_dir)
    except ProjectError:
        return []
    if not proj.store_path.exists():
        return []
    return _participant_texts(proj)


@codebook_app.command("check")
def codebook_check(
    file: Annotated[Path | None, typer.Argument(help="Codebook YAML.")] = None,
    project: ProjectOpt = None,
) -> None:
    """Validate a codebook: fields, ids, definitions and every rule pattern.

    Warns about draft codes (a definition still to write: 'DRAFT...', as imports and 'topics
    adopt' leave them); they are never refused.

    In a project with transcripts, also warns about keywords that are everyday words in its
    own participant turns ('line', 'email', 'gone up') and names matched in lower case (the
    charity 'Mind' in "mind how you go": list such names under rules.case_sensitive)."""
    from qualcode.codebook import CodebookError, load_codebook
    from qualcode.codebook.drafts import draft_warnings
    from qualcode.coding.rules import RuleCoder

    texts: list[str] = []
    try:
        if file is not None:
            cb = load_codebook(file)
            coder = RuleCoder(cb)
        else:
            proj, cb = _codebook(project, None)
            coder = RuleCoder(cb, proj.settings.coding.spacy_model)
            texts = _participant_texts(proj)
    except CodebookError as exc:
        for problem in exc.problems:
            render.error(problem)
        raise typer.Exit(2) from None
    if file is not None:  # a codebook file inside a project: check it against its transcripts
        texts = _participant_texts_near(project)
    for warning in [*draft_warnings(cb), *coder.lint(), *coder.lint_against(texts)]:
        render.warn(warning)
    ruled = sum(1 for c in cb.codes if not c.rules.empty)
    render.out.print(
        f"{cb.source}: OK: {len(cb.groups)} groups, {len(cb.codes)} codes "
        f"({ruled} with rules), hash {cb.hash[:12]}"
    )


@codebook_app.command("show")
def codebook_show(
    file: Annotated[Path | None, typer.Argument(help="Codebook YAML.")] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List a codebook's groups and codes with their definitions."""
    from qualcode.codebook import load_codebook

    cb = load_codebook(file) if file is not None else _codebook(project, None)[1]
    if as_json:
        render.print_json({"hash": cb.hash, **cb.content()})
        return
    for g in cb.groups:
        rows = [[c.id, c.name, c.definition] for c in g.codes]
        render.out.print(render.table(f"{g.id}: {g.name}", ["id", "name", "definition"], rows))


@codebook_app.command("export")
def codebook_export(
    output: Annotated[Path, typer.Argument(help="The .qdc file to write.")],
    codebook: CodebookOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the codebook as a REFI-QDA .qdc for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    from qualcode.codebook.refi import codebook_xml
    from qualcode.export import atomic_write_bytes

    proj, cb = _codebook(project, codebook)
    proj.close()
    atomic_write_bytes(output, codebook_xml(cb))
    render.out.print(f"Wrote {len(cb.codes)} codes in {len(cb.groups)} groups to {output}")


@codebook_app.command("import")
def codebook_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="A REFI-QDA .qdc codebook or .qdpx project, MAXQDA's Code System as PDF, or a "
            "spreadsheet (.xlsx, .csv) listing the codes.",
            dir_okay=False,
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Codebook YAML to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Import the codebook of another tool or of a spreadsheet as qualcode YAML.

    From a REFI-QDA .qdc codebook or .qdpx project, top-level codes become groups (aims), the
    codes under them codes; names, descriptions, inclusion and exclusion criteria and typical
    and atypical examples are kept, and a code whose name cannot be an id gets a slug as its id
    and keeps the name. From a spreadsheet, each sheet's header row (Code, Description,
    Inclusion criteria, Exclusion criteria, Typical example, Atypical example, Parent...) is
    found in its first 15 rows; each sheet, or each parent, is a group; ids are made from the
    names; a code without a definition becomes a draft."""
    from qualcode.codebook.importer import import_codebook
    from qualcode.codebook.refi import codebook_yaml
    from qualcode.errors import QualcodeError
    from qualcode.export import atomic_write_bytes

    if output.exists() and not force:
        raise QualcodeError(f"{output} already exists", "choose another --output or add --force")
    cb, warnings = import_codebook(file)
    for warning in warnings:
        render.warn(warning)
    atomic_write_bytes(output, codebook_yaml(cb).encode("utf-8"))
    render.out.print(
        f"Wrote {len(cb.codes)} codes in {len(cb.groups)} groups to {output}; "
        "check it with 'qualcode codebook check'"
    )


@codebook_app.command("schema")
def codebook_schema() -> None:
    """Print the codebook JSON Schema (for editors' YAML validation and completion)."""
    from qualcode.codebook.schema import SCHEMA

    render.print_json(SCHEMA)


@app.command("code")
def code(
    codebook: CodebookOpt = None,
    project: ProjectOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the summary; store nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Apply the codebook's rules to every participant turn and store the suggestions.

    Each suggestion keeps its provenance (rule, codebook hash, run) and evidence span. Running
    again with the same inputs adds nothing: when neither the codebook nor the documents
    changed since the last coding run, the rules are not even run again (the run is recorded
    with the same figures). A changed codebook supersedes earlier rule suggestions but never
    touches human decisions.
    """
    from qualcode.project import open_project

    proj = open_project(project)
    report = run_coding(proj, codebook, dry_run, as_json)
    proj.close()
    show_coding(report, as_json)


def run_coding(proj: Any, codebook: Path | None, dry_run: bool, as_json: bool) -> Any:
    from qualcode.coding.run import code_project

    with render.counter("Coding", enabled=not as_json) as step:
        return code_project(proj, codebook, dry_run, step)


def show_coding(report: Any, as_json: bool) -> None:
    if as_json:
        render.print_json(report)
        return
    rows = [[c.group, c.code_id, c.segments, c.participants] for c in report.codes]
    title = f"Rule coding with {report.codebook}" + (
        " (dry run: nothing stored)" if report.dry_run else ""
    )
    render.out.print(render.table(title, ["aim", "code", "segments", "participants"], rows, {2, 3}))
    render.out.print(
        f"{report.segments:,} segments ({report.words:,} words), "
        f"{report.suggestions:,} suggestions, {report.added:,} new."
    )


@export_app.command("codings")
def export_codings(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "csv",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Write speakers' names and the text as they are, not pseudonymised "
            "(for your own analysis only: never share it).",
        ),
    ] = False,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Only rule, model, topic, human or import rows (repeatable)."),
    ] = None,
    coder: Annotated[
        list[str] | None,
        typer.Option(
            "--coder",
            help="Only this person's layer: their imported, accepted, added, changed or blind "
            "codings; 'resolved' for the reconciled ones (repeatable).",
        ),
    ] = None,
    document: Annotated[
        list[str] | None,
        typer.Option("--document", help="Only this interview: participant id or file."),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            help="Only rows with this status: coded, unreviewed, accepted, rejected, changed "
            "or superseded (repeatable).",
        ),
    ] = None,
    project: ProjectOpt = None,
) -> None:
    """The record, for other tools: one row per person's coding and per machine suggestion.

    Columns: document, participant, turn, speaker, role, code, kind and source (a person's
    coding: import or human, and the person; a suggestion: rule, model or topic, and the rule,
    model or topic that made it), score, status, start, end, the segment and its span, run,
    codebook_hash and the segment text; then who and how:

    person: whose coding it is (empty on a suggestion; 'resolved' for the reconciled coding).
    how: imported, accepted, added, changed, blind, reconciled; 'suggested' on a suggestion.
    suggestion: a suggestion's id; on a coding, the suggestion it was accepted or changed from.
    decided_by, decided_at: who decided a suggestion, and when (on a reconciled coding, the
    lead who reconciled it). at: when the coding was made, or the suggestion's run started.
    action: the action that stored it (one key press, form post or import).

    status: coded (a person's coding); for a suggestion, unreviewed, the latest decision on it
    (accepted, rejected, changed), or superseded (a rule suggestion the latest model took over,
    never shown to anyone: count unreviewed work without these). Pseudonymised like the reports
    by default: the text with [export] names and places and identifiers replaced, and the
    speaker shown by role and participant id, never by name. --kind, --coder, --document and
    --status choose rows (each repeatable)."""
    from qualcode.errors import QualcodeError
    from qualcode.export.codings import (
        KINDS,
        OLD_STATUSES,
        STATUSES,
        filter_codings,
        write_codings,
    )
    from qualcode.export.leakgate import check_written
    from qualcode.project import open_project
    from qualcode.review.findings import pseudonymise_codings
    from qualcode.review.identifiers import project_pseudonymiser
    from qualcode.review.layers import RESOLVED, Record

    if fmt not in ("csv", "jsonl"):
        raise typer.BadParameter("use csv or jsonl", param_hint="--format")
    for values, known, hint in ((kind, KINDS, "--kind"), (status, STATUSES, "--status")):
        for value in values or ():
            if value not in known and (hint != "--status" or value not in OLD_STATUSES):
                raise typer.BadParameter(f"'{value}': use {', '.join(known)}", param_hint=hint)
    proj = open_project(project)
    sources = {proj.store.find_document(key).source for key in document or ()}
    record = Record(proj.store)
    if coder:
        people = set(record.people()) | ({RESOLVED} if record.resolutions else set())
        for who in coder:
            if who not in people:
                raise QualcodeError(
                    f"--coder {who}: no coding by {who} in this project",
                    render.did_you_mean(who, sorted(people), "see 'qualcode agreement'"),
                )
    rows: Iterable[dict[str, Any]] = filter_codings(
        proj.store.codings(record),  # streamed segment by segment
        set(kind or ()),
        set(coder or ()),
        sources,
        set(status or ()),
    )
    pseudo = None
    if raw:
        render.warn("--raw: speakers' names and unredacted text; keep this file to yourself")
    else:
        pseudo = project_pseudonymiser(proj)
        rows = pseudonymise_codings(rows, pseudo)
    n = write_codings(rows, fmt, output)
    proj.close()
    if output is not None:
        check_written(output, pseudo)  # (None: a raw file, nothing to check)
        render.err.print(f"Wrote {n:,} rows to {output}")


def _report_command(
    kind: str,
    fmt: str,
    output: Path | None,
    include_suggestions: bool,
    by: str,
    lang: str,
    check: bool,
    project: Path | None,
    long: bool = False,
    codes: tuple[str, ...] = (),
    transpose: bool = False,
    overview: str = "",  # "front": the matrix opens with its overview; "only": nothing else
) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.errors import QualcodeError
    from qualcode.export.report import FORMATS, draft_name, write_report
    from qualcode.project import open_project
    from qualcode.review.findings import build_report

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    if lang not in ("en", "cy", "en+cy"):
        raise typer.BadParameter("use en, cy or en+cy", param_hint="--lang")
    proj = open_project(project)
    codebook, _ = resolve_codebook(proj, None)
    if codes:
        known = [c.id for c in codebook.codes] + [g.id for g in codebook.groups]
        for c in codes:
            if c not in known:
                raise QualcodeError(
                    f"--codes {c}: no such code or aim in {codebook.source}",
                    render.did_you_mean(c, known, "see 'qualcode codebook show'"),
                )
        codebook = codebook.only(codes)
    report = build_report(proj, codebook, include_suggestions, by, lang)
    report.transpose = transpose
    if check and not report.quotes:  # nothing to check: write nothing, pass nothing
        proj.close()
        render.warn(
            "--check: nothing to check and nothing written: no resolved codings yet (review "
            "first, or add --include-suggestions to check the machine draft)"
        )
        raise typer.Exit(1)
    if kind == "matrix":  # each cell's framework summary (drafts only in a draft report)
        from qualcode.analysis.summaries import for_report

        report.summaries = for_report(proj, drafts=include_suggestions)
    outputs = proj.path(proj.settings.paths.outputs)
    path = output or outputs / draft_name(kind, fmt, include_suggestions, lang)
    report.overview = overview == "front"
    if overview == "only" or (overview and fmt == "csv"):  # a CSV holds one table
        from qualcode.export.leakgate import check_written
        from qualcode.export.overview import write_overview

        path = output or outputs / draft_name("overview", fmt, include_suggestions, lang)
        write_overview(report, fmt, path)
        check_written(path, report.listed)
    else:
        write_report(kind, fmt, report, path, long)
    keep = proj.settings.export.keep
    proj.close()
    swaps = ", ".join(f"{n} {k}" for k, n in sorted(report.replacements.items()) if n)
    render.out.print(
        f"Wrote {path}: {len(report.quotes):,} codings"
        f"{' (with unreviewed suggestions, marked)' if include_suggestions else ''}; "
        f"replaced in quotes: {swaps or 'nothing'}."
    )
    if not report.quotes and not include_suggestions:
        render.warn("no resolved codings yet: review first, or add --include-suggestions")
    if lang != "en":
        _warn_untranslated(report)
    if report.unresolved[0]:  # said here too: a CSV has no room for notes above its header
        render.warn(report.final_note)
    if check:
        _check_quotes(report, keep)


def _check_quotes(report: Any, keep: tuple[str, ...]) -> None:
    """List what is left in the quotes for a person to look at; exit 1 when anything is."""
    from qualcode.export.check import check

    left = check([q.text for q in report.quotes], keep)
    if not left:
        render.out.print(
            f"check: nothing left to look at in {len(report.quotes):,} quotes (no capitalised "
            "words, schools, places, titles, handles or spelled-out addresses)."
        )
        return
    render.out.print(
        render.table(
            f"--check: {len(left)} things in the quotes for a person to look at",
            ["kind", "text", "times"],
            [[s.kind, s.text, s.count] for s in left],
            {2},
        )
    )
    render.warn(
        "add names to [export] names, places to [export] places, and words that are fine "
        "to [export] keep; then export again"
    )
    raise typer.Exit(1)


def _warn_untranslated(report: Any) -> None:
    """One warning listing the codes the codebook gives no Welsh for, one for attribute values
    [export.cy] does not translate: they are shown in English."""
    from qualcode.review.findings import untranslated

    codes, values = untranslated(report)
    if codes:
        render.warn(
            f"{len(codes)} code{'' if len(codes) == 1 else 's'} without Welsh text in the "
            f"codebook, shown in English: {', '.join(codes)} (add name_cy, definition_cy, "
            "include_cy, exclude_cy and examples_cy)"
        )
    if values:
        render.warn(
            f"attribute values without Welsh, shown in English: {', '.join(values)} (add them "
            'to [export.cy] in qualcode.toml, e.g. partner = "partner")'
        )


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="docx, xlsx, csv or md.")]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="File to write (default: outputs/<kind>.<format>; <kind>-draft.<format> for a "
        "machine draft, <kind>.cy.<format> in Welsh).",
    ),
]
SuggestOpt = Annotated[
    bool,
    typer.Option(
        "--include-suggestions",
        help="Also export unreviewed machine suggestions (marked as such).",
    ),
]
ByOpt = Annotated[
    str, typer.Option("--by", help="Attribute to split participants by (default: \\[export]).")
]
LangOpt = Annotated[
    str,
    typer.Option(
        "--lang",
        help="en, cy or en+cy: every fixed string and the codebook's *_cy text in Welsh, the "
        "title and attribute values from [export.cy]; written to <kind>.cy.<format>.",
    ),
]
CodesOpt = Annotated[
    list[str] | None,
    typer.Option("--codes", help="Only these codes or aims (repeatable), e.g. --codes police."),
]
CheckOpt = Annotated[
    bool,
    typer.Option(
        "--check",
        help="List what is left in the quotes for a person to look at: capitalised words, "
        "schools and places, names with a title, @handles, spelled-out e-mails and addresses; "
        "exit 1 if anything is listed (or nothing was reviewed to check).",
    ),
]


@export_app.command("matrix")
def export_matrix(
    fmt: FormatOpt = "docx",
    output: OutputOpt = None,
    include_suggestions: SuggestOpt = False,
    by: ByOpt = "",
    lang: LangOpt = "en",
    check: CheckOpt = False,
    long: Annotated[
        bool, typer.Option("--long", help="With --format csv: one row per coding.")
    ] = False,
    codes: CodesOpt = None,
    transpose: Annotated[
        bool,
        typer.Option(
            "--transpose",
            help="Codes as rows and participants as columns (many codes, few people).",
        ),
    ] = False,
    overview: Annotated[
        bool,
        typer.Option(
            "--overview",
            help="Open with an overview: the codebook's codes with participants and segments "
            "(by --by group), and codes x participants with the segments in each cell, by aim.",
        ),
    ] = False,
    overview_only: Annotated[
        bool, typer.Option("--overview-only", help="Write the overview alone.")
    ] = False,
    aims: Annotated[
        list[str] | None, typer.Option("--aims", help="Only these aims (repeatable).")
    ] = None,
    project: ProjectOpt = None,
) -> None:
    """Framework matrices: participants x codes, best quotes in the cells.

    One matrix per aim: a row per participant (id, role, local authority), a column per code,
    cells holding their best quotes (key quotes first), pseudonymised, and each cell's
    framework summary with its author where someone wrote one ('qualcode summaries'). CSV is
    wide (a column per code) or, with --long, one row per coding. For a large codebook,
    --overview puts a few pages of overview before the detail (in a CSV: the overview alone).

    (Example: qualcode export matrix --overview --aims police --aims factors)"""
    if aims:
        from qualcode.analysis.coded import choose
        from qualcode.coding.run import resolve_codebook
        from qualcode.project import open_project

        proj = open_project(project)
        choose(resolve_codebook(proj, None)[0], None, aims)  # each one an aim, or one clear line
        proj.close()
    _report_command(
        "matrix", fmt, output, include_suggestions, by, lang, check, project, long,
        (*(codes or ()), *(aims or ())), transpose,
        "only" if overview_only else "front" if overview else "",
    )  # fmt: skip


@export_app.command("themes")
def export_themes(
    fmt: FormatOpt = "docx",
    output: OutputOpt = None,
    include_suggestions: SuggestOpt = False,
    by: ByOpt = "",
    lang: LangOpt = "en",
    check: CheckOpt = False,
    codes: CodesOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Theme tables: each code's definition, prevalence and illustrative quotes.

    Per aim and code: the definition, how many participants raised it (n of N), the split by
    group, and quotes attributed as (P07, PCSO, Bridgend), pseudonymised. Quotes carry the
    code's evidence, hold 12 words or more, are never introductions or consent talk where
    anything else was coded, come from different participants and groups, and quote a turn
    under one code only."""
    _report_command(
        "themes", fmt, output, include_suggestions, by, lang, check, project, False,
        tuple(codes or ()),
    )  # fmt: skip


@export_app.command("qdpx")
def export_qdpx(
    output: OutputOpt = None,
    include_suggestions: Annotated[
        bool,
        typer.Option(
            "--include-suggestions",
            help="Also the unreviewed rule and model suggestions, as codings of the users "
            "'qualcode rules' and 'qualcode model' (to go on reviewing in another tool).",
        ),
    ] = False,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="Replace names, places and identifiers in the texts (as in the reports), "
            "moving every coding with its words: a copy to share. Without it the file holds "
            "the raw transcripts.",
        ),
    ] = False,
    project: ProjectOpt = None,
) -> None:
    """The project as REFI-QDA .qdpx, for NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Documents, codebook (with criteria and examples in each code's description), coders,
    participants' attributes as cases, and every human coding. Two exports of the same project
    are identical. The file holds the raw transcripts, names and all (exchange needs the text
    as it was coded); --pseudonymise writes a pseudonymised project instead
    (outputs/project-pseudonymised.qdpx), read back by the leak gate like every report."""
    from qualcode import __version__
    from qualcode.coding.run import resolve_codebook
    from qualcode.export import atomic_write_bytes
    from qualcode.export.leakgate import check_written
    from qualcode.export.qdpx import write_qdpx
    from qualcode.project import open_project
    from qualcode.review.exchange import project_snapshot

    proj = open_project(project)
    codebook, _ = resolve_codebook(proj, None)
    snap = project_snapshot(proj, codebook, include_suggestions)
    pseudo = None
    if pseudonymise:
        from qualcode.export.qdpx_pseudo import pseudonymise_snapshot
        from qualcode.review.identifiers import project_pseudonymiser

        pseudo = project_pseudonymiser(proj)
        snap = pseudonymise_snapshot(snap, pseudo)
    name = "project-pseudonymised.qdpx" if pseudonymise else "project.qdpx"
    path = output or proj.path(proj.settings.paths.outputs) / name
    atomic_write_bytes(path, write_qdpx(snap, f"qualcode {__version__}"))
    proj.close()
    check_written(path, pseudo)  # (None: the raw project, nothing to check)
    coded = sum(len(s.selections) for s in snap.sources)
    render.out.print(f"Wrote {path}: {len(snap.sources)} documents, {coded} coded selections.")
    if pseudo is not None:
        swaps = ", ".join(f"{n} {k}" for k, n in sorted(pseudo.replacements.items()) if n)
        render.out.print(f"Pseudonymised: {swaps or 'nothing to replace'}.")
    else:
        render.warn(
            "this file holds the raw transcripts, names and identifiers as spoken: keep it "
            "within the project team (--pseudonymise writes a copy to share)"
        )


@export_app.command("methods")
def export_methods(
    fmt: Annotated[str, typer.Option("--format", "-f", help="docx or md.")] = "docx",
    output: OutputOpt = None,
    lang: Annotated[
        str, typer.Option("--lang", help="en, or cy: headings, tables and captions in Welsh.")
    ] = "en",
    samples: Annotated[
        int, typer.Option(help="Bootstrap resamples for agreement's 95% intervals.")
    ] = 1000,
    project: ProjectOpt = None,
) -> None:
    """The methods appendix: what was done, by whom, how reliably, and when themes stopped.

    From the project store alone: the corpus, the codebook and its versions, the Framework
    Method's steps with what the project records for each, who coded what, agreement per aim
    and overall (Krippendorff's alpha with bootstrap intervals), the learned suggester's
    figures on unseen interviews, saturation (code coverage per interview for a codebook fixed
    before coding; Guest, Namey and Chen 2020 over codes added during the analysis) with a
    figure, and the limitations the data shows. Each number names the command that prints it.
    Before anyone has coded or reviewed, a draft: methods-draft.docx."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.export.methods import FORMATS, write_methods
    from qualcode.project import open_project
    from qualcode.review.methods import build_methods

    if fmt not in FORMATS:
        raise typer.BadParameter("use docx or md", param_hint="--format")
    if lang not in ("en", "cy"):
        raise typer.BadParameter("use en or cy", param_hint="--lang")
    proj = open_project(project)
    codebook, _ = resolve_codebook(proj, None)
    with render.spinner("Writing the methods appendix"):
        data = build_methods(proj, codebook, lang, samples)
    from qualcode.export.report import draft_name

    outputs = proj.path(proj.settings.paths.outputs)
    path = output or outputs / draft_name("methods", fmt, data.draft, lang)
    written = write_methods(data, fmt, path)
    if data.draft:
        render.warn("nothing coded or reviewed by a person yet: the appendix is a draft")
    proj.close()
    render.out.print(f"Wrote {', '.join(str(p) for p in written)}.")
