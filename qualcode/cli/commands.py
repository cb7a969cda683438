"""The commands. Each parses options, calls one library function and renders the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import render
from qualcode.cli.app import JsonOpt, ProjectOpt, app
from qualcode.errors import QualcodeError


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new project.")],
    name: Annotated[str | None, typer.Option(help="Project name (default: folder name).")] = None,
) -> None:
    """Create a new project: qualcode.toml, transcripts/, codebooks/, outputs/ and the store."""
    from qualcode.project import init_project

    project = init_project(directory, name)
    render.out.print(f"Created project in {project.root}")
    render.out.print("Next: put transcripts in transcripts/ and run 'qualcode ingest'.")
    project.close()


def _ingest(
    project_dir: Path | None,
    paths: list[Path] | None,
    as_json: bool,
    reparse: bool = False,
    survey: tuple[str, tuple[str, ...]] = ("", ()),
) -> tuple[Any, Any]:
    from qualcode.ingest import collect
    from qualcode.ingest.run import ingest
    from qualcode.project import open_project

    project = open_project(project_dir)
    targets = paths or [project.path(project.settings.paths.transcripts)]
    total = len(collect(targets, project.settings.ingest.exclude)[0])
    with render.progress("Ingesting", total, enabled=not as_json) as step:
        report = ingest(project, paths or None, step, reparse, *survey)
    return project, report


def _show_ingest(report: Any, verbose: bool = False) -> None:
    """The files ingested, then what needs a look: errors one per file; shape notes one line
    per kind with counts and the files most affected (every note with ``verbose``)."""
    rows = [
        [f.source, f.status, f.format, f.turns, f.words, f.version or ""]
        for f in report.files
        if f.status not in ("failed", "skipped", "unchanged")  # unchanged: counted below
    ]
    if rows:
        render.out.print(
            render.table(
                "Ingest", ["file", "status", "format", "turns", "words", "version"], rows, {3, 4, 5}
            )
        )
    for f in report.files:
        if f.status == "failed":
            render.error(f"{f.source}: {f.message}", f.hint)
        elif f.status == "skipped":
            render.warn(f"{f.source}: skipped ({f.message})")
        elif f.kept_decisions:
            render.warn(
                f"{f.source} changed: version {f.version} stored; {f.kept_decisions} "
                "review decisions stay with the previous version"
            )
        for note in f.notes if verbose else ():
            render.warn(f"{f.source}: {note}")
    if not verbose:
        _show_note_groups(report.files)
    a = report.attributes
    if a is not None:
        render.out.print(
            f"Attributes: {a.participants} participants from {a.sheet}, "
            f"{a.linked_documents} transcripts linked."
        )
        for line in a.unknown_rows:
            render.warn(f"{a.sheet} {line}")
        missing = a.documents_without_row
        if verbose or len(missing) <= MAX_NOTES:
            for source in missing:
                render.warn(f"{source}: no row in {a.sheet}")
        else:
            render.warn(
                f"{len(missing)} transcripts have no row in {a.sheet}: "
                f"{', '.join(missing[:3])} and {len(missing) - 3} more"
            )
    if report.derived_participants:
        render.out.print(
            f"Participant ids from file names: {report.derived_participants} transcripts "
            "(no row in an attribute sheet)."
        )
    counts = ", ".join(
        f"{report.count(s)} {s}"
        for s in ("new", "updated", "reparsed", "unchanged", "failed")
        if report.count(s)
    )
    render.out.print(f"Files: {counts or 'none found'}.")


def _show_note_groups(files: list[Any]) -> None:
    """One warning per kind of shape note: the note itself when it is the only one, else how
    many in how many files, and the files with most."""
    from qualcode.ingest.run import group_notes

    groups = group_notes(files)
    for g in groups:
        if g.first:
            render.warn(g.first)
            continue
        most = ", ".join(f"{source} ({n})" for source, n in g.files[:3])
        more = f" and {len(g.files) - 3} more" if len(g.files) > 3 else ""
        render.warn(f"{g.kind}: {g.notes} notes in {len(g.files)} files: {most}{more}")
    if any(not g.first for g in groups):
        render.err.print(
            "  the files: 'qualcode status'; each note, marked where it is: 'qualcode show "
            "FILE'; every note as files are ingested: 'qualcode ingest --verbose'",
            style="dim",
            soft_wrap=True,
            markup=False,
        )


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders (default: the project's transcripts folder)."),
    ] = None,
    reparse: Annotated[
        bool,
        typer.Option(
            "--reparse",
            help="Parse unchanged files again with the current parser and speaker settings; "
            "a file whose turns change becomes a new version (review decisions are kept).",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Print every shape note, not one line per kind of note."
        ),
    ] = False,
    id_column: Annotated[
        str,
        typer.Option(
            "--id-column", help="A survey file's respondent id column (default: detected)."
        ),
    ] = "",
    text_column: Annotated[
        list[str] | None,
        typer.Option(
            "--text-column",
            help="A survey file's answer column, headed by its question; repeat it for "
            "several questions (default: the free-text columns, detected).",
        ),
    ] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load transcripts (.docx, .txt, .md, .rst, .vtt, .srt, .pdf) and the attribute sheet.

    A .csv or .xlsx file named here is a survey export (one row per respondent): each
    respondent becomes a document, each non-empty answer a participant turn after its question,
    the other columns the respondent's attributes. Its id and answer columns are --id-column and
    --text-column, else [ingest.survey], else detected (one line says which). Folders never
    yield surveys: the attribute sheet and other sheets in them are not read as answers.

    Unchanged files are left alone; a changed file becomes a new version. A file that cannot be
    read is reported in one line and the others are still loaded; the exit code is then 1.

    Each transcript's shape is checked (one turn only, no interviewer, one speaker in many
    turns in a row, a label-like line inside a turn, a long header): what looks wrong is
    reported as one warning line per kind, with counts and the files with most (--verbose:
    every note), and 'qualcode status' lists those files again. Auto-transcripts (a timestamp
    on nearly every turn: Teams, Zoom, Otter, subtitles) are not warned about one speaker in
    many turns in a row: that is how they split speech.
    Documents without a row in the attribute sheet get a participant id from the file name.
    """
    survey = (id_column, tuple(text_column or ()))
    proj, report = _ingest(project, paths, as_json, reparse, survey)
    proj.close()
    if as_json:
        render.print_json({"files": report.files, "attributes": report.attributes})
    else:
        for f in report.files:  # survey files: which columns were detected, one line each
            if getattr(f, "chosen", ""):
                render.out.print(f"{f.source}: {f.chosen}", soft_wrap=True)
        _show_ingest(report, verbose)
    if report.failed:
        raise typer.Exit(1)


MAX_LISTED_VALUES = 12
MAX_NOTES = 5  # more warnings of one kind than this are summarised in one line (--verbose: all)


def _show_status(status: dict[str, Any], name: str) -> None:
    totals = [
        [k.replace("_", " "), status[k]]
        for k in ("documents", "turns", "words", "participant_words", "participants")
    ]
    totals.append(["formats", ", ".join(f"{k} {v}" for k, v in status["formats"].items())])
    names = {
        "rule": "rule",
        "model": "model",
        "topic": "topic",
        "human": "human",
        "import": "imported",
    }
    if status.get("codings"):
        totals.append(
            ["codings", ", ".join(f"{names.get(k, k)} {v}" for k, v in status["codings"].items())]
        )
    if status.get("decisions"):
        totals.append(["decisions", ", ".join(f"{k} {v}" for k, v in status["decisions"].items())])
    if status.get("reconciled_segments"):
        totals.append(["reconciled segments", status["reconciled_segments"]])
    render.out.print(render.table(name, ["", "count"], totals, {1}))
    final = status.get("final_coding")
    if final:  # what every finding reads where coders disagree (qualcode.review.layers)
        render.out.print(
            f"unresolved disagreements: {final['unresolved']:,} (rule: {final['rule']}, "
            f"{final['uses']}); 'qualcode reconcile' lists and settles them"
        )
    rows: list[list[Any]] = []
    for attr, values in status["attributes"].items():
        if len(values) > MAX_LISTED_VALUES:  # dates, ids, years: a count says enough
            rows.append([attr, f"({len(values)} distinct values)", sum(values.values())])
        else:
            rows.extend([attr, value, n] for value, n in values.items())
    if rows:
        render.out.print(
            render.table("Participants by attribute", ["attribute", "value", "n"], rows, {2})
        )
    reviewers = status.get("reviewers") or {}
    if reviewers:
        render.out.print(
            render.table(
                "Review progress",
                ["reviewer", "segments reviewed", "left in the queue", "key quotes", "memos"],
                [
                    [
                        who,
                        c.get("reviewed", 0),
                        c.get("left", 0),
                        c.get("key_quotes", 0),
                        c.get("memos", 0),
                    ]
                    for who, c in sorted(reviewers.items())
                ],
                {1, 2, 3, 4},
            )
        )
    look = status.get("documents_to_check") or {}
    if look:
        render.out.print(
            render.table(
                f"Documents that need a look ({len(look)}): 'qualcode show FILE' marks where",
                ["file", "notes", "first note"],
                [[source, len(notes), notes[0]] for source, notes in look.items()],
                {1},
            )
        )


@app.command()
def status(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """What the project holds: documents, turns, words, participants, counts by attribute."""
    from qualcode.project import open_project

    proj = open_project(project)
    data = proj.store.status(proj.settings.review.unresolved)
    proj.close()
    if as_json:
        render.print_json(data)
    else:
        _show_status(data, proj.settings.name)


@app.command()
def run(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """The main job, start to finish: ingest, code, learn, suggest topics, report.

    Ingests the transcripts, codes them with the project's codebook (when it has one),
    trains the suggester on the human coding so far and the codebook's own examples (its
    suggestions replace the rules' once shown at least as good on unseen interviews; until
    then it orders the review queue), suggests topics the codebook lacks, shows the status,
    and writes the Word framework matrices and theme tables to the outputs folder."""
    from qualcode.cli.coding import run_coding, show_coding
    from qualcode.cli.topics import run_topics, show_topics
    from qualcode.coding.run import has_codebook

    proj, report = _ingest(project, None, as_json)
    coding = run_coding(proj, None, False, as_json) if has_codebook(proj) else None
    learned, learn_skipped = None, ""
    if coding is not None:
        try:
            learned = _learn(proj, as_json)
        except QualcodeError as exc:  # e.g. a code with no examples at all: rules still stand
            learn_skipped = f"learned suggestions skipped: {exc.message}"
    topics, topics_skipped = None, ""
    try:
        topics = run_topics(proj, "", True, as_json)
    except QualcodeError as exc:  # e.g. too few turns yet: the rest of the run still counts
        topics_skipped = f"topics skipped: {exc.message}"
    data = proj.store.status()
    from datetime import UTC, datetime

    reports_at = datetime.now(UTC).isoformat(timespec="seconds")
    reports = _run_reports(proj) if has_codebook(proj) else []
    if has_codebook(proj):
        reports.append(_run_methods(proj, reports_at if reports else ""))
    proj.close()
    if as_json:
        render.print_json(
            {
                "ingest": {"files": report.files, "attributes": report.attributes},
                "coding": coding,
                "learned": learned,
                "topics": topics,
                "status": data,
                "reports": reports,
            }
        )
    else:
        _show_ingest(report)
        if coding is not None:
            show_coding(coding, False)
        if learned is not None:
            _show_learned(learned)
        elif learn_skipped:
            render.warn(learn_skipped)
        if topics is not None:
            show_topics(topics, False)
        elif topics_skipped:
            render.warn(topics_skipped)
        _show_status(data, proj.settings.name)
        for line in reports:
            render.out.print(line)
    if report.failed:
        raise typer.Exit(1)


def _learn(proj: Any, as_json: bool) -> dict[str, Any]:
    from qualcode.coding.learn import suggest, train

    with render.spinner("Learning from the coding so far", enabled=not as_json):
        trained = train(proj)
        suggested = suggest(proj)
    return {"train": trained, "suggest": suggested}


def _show_learned(learned: dict[str, Any]) -> None:
    trained, suggested = learned["train"], learned["suggest"]
    source = f"{trained.segments:,} human-coded segments and {trained.seeds} codebook examples"
    if suggested.shown == "model":
        n = trained.states
        render.out.print(
            f"Learned suggestions: model {trained.model} from {source}; "
            f"{suggested.suggestions:,} suggestions on {suggested.scored:,} uncoded segments "
            f"for {n.get('model', 0)} codes where it beat the rules on unseen interviews "
            f"(the rules suggest {n.get('rules', 0)} codes, {n.get('none', 0)} get none)."
        )
    else:
        render.out.print(
            f"Learned suggestions: model {trained.model} from {source} orders the review "
            "queue; the rules' suggestions stand until human coding of two or more interviews "
            "shows the model at least as good ('qualcode suggest eval')."
            if not trained.compared
            else f"Learned suggestions: model {trained.model} from {source} orders the review "
            f"queue; the rules' suggestions stand (macro-F1 on unseen interviews: model "
            f"{trained.compared['model']:.2f}, rules {trained.compared['rules']:.2f})."
        )


def _run_methods(proj: Any, reports_at: str = "") -> str:
    """The methods appendix, into the outputs folder (what the store can say so far): a
    draft, named so, while nothing has been coded or reviewed by a person.
    ``reports_at``: when this run wrote the reports (it is not in the audit log yet)."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.export.methods import write_methods
    from qualcode.export.report import draft_name
    from qualcode.review.methods import build_methods

    codebook, _ = resolve_codebook(proj, None)
    data = build_methods(proj, codebook, samples=200, reports_now=reports_at)
    path = proj.path(proj.settings.paths.outputs) / draft_name("methods", "docx", data.draft)
    write_methods(data, "docx", path)
    return f"Wrote the {'draft ' if data.draft else ''}methods appendix {path}"


def _run_reports(proj: Any) -> list[str]:
    """The Word framework matrices and theme tables, into the outputs folder. Until anything
    has been reviewed they show the machine's suggestions, marked as unreviewed."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.export.report import draft_name, write_report
    from qualcode.review.findings import build_report

    codebook, _ = resolve_codebook(proj, None)
    from qualcode.review.layers import labelled

    reviewed = bool(labelled(proj)[0])
    report = build_report(proj, codebook, include_suggestions=not reviewed)
    outputs = proj.path(proj.settings.paths.outputs)
    lines = []
    for kind in ("matrix", "themes"):
        path = write_report(kind, "docx", report, outputs / draft_name(kind, "docx", not reviewed))
        lines.append(f"Wrote {'the machine draft ' if not reviewed else ''}{path}")
    if not reviewed:
        lines.append(
            "Nothing reviewed yet: these are machine drafts of unreviewed suggestions, marked "
            "on every page; 'qualcode review' settles them, and the next run writes the "
            "reviewed matrix.docx, themes.docx and methods.docx."
        )
    return lines


@app.command()
def show(
    document: Annotated[str, typer.Argument(help="Path, file name or participant id.")],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one document's speaker turns: index, speaker, role, timestamp and text."""
    from qualcode.project import open_project

    proj = open_project(project)
    doc = proj.store.find_document(document)
    proj.close()
    turns = [
        {
            "index": t.index,
            "speaker": t.speaker,
            "role": t.role,
            "timestamp": t.timestamp,
            "start": t.start,
            "end": t.end,
            "text": doc.turn_text(t),
        }
        for t in doc.turns
    ]
    if as_json:
        render.print_json(
            {
                "source": doc.source,
                "version": doc.version,
                "participant": doc.participant_id,
                "attributes": doc.attributes,
                "preamble": doc.text[: doc.preamble_end],
                "turns": turns,
                "notes": [{"turn": n.turn, "message": n.message} for n in doc.notes],
            }
        )
        return
    attrs = ", ".join(f"{k}: {v}" for k, v in doc.attributes.items())
    render.out.print(
        f"[bold]{doc.source}[/] (version {doc.version}) {doc.participant_id or ''} {attrs}",
        markup=True,
    )
    flagged = {n.turn for n in doc.notes}
    rows = [
        [
            f"! {t['index']}" if t["index"] in flagged else t["index"],
            t["speaker"] or "",
            t["role"],
            t["timestamp"] or "",
            t["text"],
        ]
        for t in turns
    ]
    table = render.table("", ["#", "speaker", "role", "time", "text"], rows, {0})
    render.out.print(table, soft_wrap=False)
    if doc.notes:
        render.out.print("Needs a look (turns marked '!'):")
        for note in doc.notes:
            render.out.print(f"  {note}")


@app.command("log")
def log(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """The audit log: every command that changed the project, and people's work, by whom and when.

    Each command: when it started and finished, who ran it (--as, else [project] reviewer, else
    your login), the command and its options (paths as file names), the codebook and model
    versions in force, and what it added (documents, codings, suggestions, decisions, reviewed
    segments, marks, resolutions); a command stopped before the end is marked 'unfinished' with
    what it had stored (each write is logged in its own transaction). People's key presses in
    'qualcode review' and form posts in 'qualcode serve' are shown in batches (one person, one
    place, under 30 minutes apart): how many actions, what they stored, how many were undone.
    The log is append-only."""
    from qualcode.project import open_project
    from qualcode.review.activity import log_entries

    proj = open_project(project)
    entries = log_entries(proj.store.audit_log(), proj.store.actions_log())
    proj.close()
    if as_json:
        render.print_json(entries)
        return
    rows = [
        [
            e["started"].replace("T", " ")[:16],
            e["who"],
            " ".join([e["command"], *e["options"].get("argv", [])])
            + ("" if e["complete"] else " (unfinished)"),
            (e["codebook"] or "")[:8],
            (e["model"] or "")[:8],
            ", ".join(f"{v:+,} {k}" for k, v in sorted(e["changes"].items())) or "-",
        ]
        for e in entries
    ]
    render.out.print(
        render.table(
            f"Audit log ({len(entries)} entries)",
            ["when (UTC)", "who", "command", "codebook", "model", "changes"],
            rows,
            set(),
        )
    )


@app.command("saturation")
def saturation(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """When the codes stopped growing: new codes per interview, in interview order.

    As Guest, Namey and Chen (2020): a base of the first interviews ([methods] base, 4), then
    runs of [methods] run (2) interviews; saturation is reached after the last interview
    before the first run whose new codes are at most [methods] threshold (5%) of the base's.
    Only interviews people coded (at least half of their segments) count, ordered by the
    [methods] date attribute when every one has it."""
    from qualcode.project import open_project
    from qualcode.review.methods import project_saturation
    from qualcode.review.saturation import as_dict

    proj = open_project(project)
    result = project_saturation(proj)
    proj.close()
    if result is None:
        raise QualcodeError(
            "no interview has been coded by people yet",
            "review or import codings first ('qualcode review', 'qualcode import codings')",
        )
    if as_json:
        render.print_json(as_dict(result))
        return
    mark = {r.first: f"run {r.first}-{r.last}: {r.new_information:.0%} new" for r in result.runs}
    rows = [
        [
            str(i + 1),
            result.interviews[i],
            result.dates[i] or "-",
            result.codes[i],
            result.new[i],
            result.cumulative[i],
            ("base" if i < result.base else mark.get(i + 1, ""))
            + (" <- saturation after this one" if result.point == i + 1 else ""),
        ]
        for i in range(len(result.interviews))
    ]
    render.out.print(
        render.table(
            f"New codes per interview ({result.order})",
            ["#", "interview", "date", "codes", "new", "so far", ""],
            rows,
            {0, 3, 4, 5},
        )
    )
    render.out.print(result.sentence())
    render.warn(
        f"caveat: {result.codes[0]} of the {result.cumulative[-1]} codes found appear in the "
        "first interview; with a codebook defined before coding this measure finds most codes "
        "early whatever was said. The methods appendix ('qualcode export methods') reports code "
        "coverage instead, and this measure only over codes added during the analysis."
    )
