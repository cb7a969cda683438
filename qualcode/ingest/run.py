"""Ingest files into a project's store, one atomic write per file, and link attributes."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import ISSUES, InputFileError, QualcodeError
from qualcode.ingest import STATUSES, FileResult, IngestReport, collect, parse_bytes, read_file
from qualcode.ingest.attributes import AttributeReport, link, participant_from_name, read_sheet
from qualcode.ingest.survey import SURVEY_SUFFIXES
from qualcode.models import Document, ParsedDocument
from qualcode.project import Project

Progress = Callable[[str], None]


def _same_parse(stored: Document, doc: ParsedDocument) -> bool:
    return (stored.text, stored.preamble_end, stored.turns) == (
        doc.text,
        doc.preamble_end,
        doc.turns,
    )


def _one(project: Project, file: Path, run_id: int, reparse: bool) -> FileResult:
    source = project.source_name(file)
    data = read_file(file, source)
    store = project.store
    current = store.current_version(source)
    if current is not None and not reparse and current[1] == hashlib.sha256(data).hexdigest():
        # the stored version has these very bytes: nothing to parse (a daily 'qualcode run'
        # reads every transcript again, and parsing them was most of its ingest)
        fmt, turns, words = store.document_counts(current[0])
        return FileResult(source, "unchanged", fmt, turns, words, version=current[2])
    settings = project.settings
    doc = parse_bytes(data, source, settings.interviewer_patterns(), settings.speakers.participant)
    twin = store.same_content(doc.sha256, source)
    if twin is not None:  # one interview twice would count its words and codes twice
        raise InputFileError(
            source, f"has the same content as {twin}", "remove one of the two copies"
        )
    notes = [str(n) for n in doc.notes]
    status = "updated" if current else "new"
    if current is not None and current[1] == doc.sha256:  # with reparse
        unchanged = FileResult(
            source, "unchanged", doc.format, len(doc.turns), doc.words, version=current[2]
        )
        if _same_parse(store.document(current[0]), doc):
            store.replace_notes(current[0], doc.notes)
            unchanged.notes = notes
            return unchanged
        status = "reparsed"
    _, version, kept = store.add_document(doc, run_id)
    return FileResult(
        source,
        status,
        doc.format,
        len(doc.turns),
        doc.words,
        len({t.speaker for t in doc.turns}),
        version,
        notes=notes,
        kept_decisions=kept,
    )


def ingest(
    project: Project,
    paths: Sequence[Path] | None = None,
    progress: Progress | None = None,
    reparse: bool = False,
    id_column: str = "",
    text_columns: tuple[str, ...] = (),
) -> IngestReport:
    """Ingest ``paths`` (default: the project's transcripts folder) and its attribute sheet.

    A file that cannot be read is reported and skipped; every other file is still stored, each in
    its own transaction, so the store is consistent whatever fails. With ``reparse``, unchanged
    files are parsed again with the current parser and stored as a new version where their
    turns change. Every document without a row in the sheet gets a participant id from its
    file name.
    """
    settings = project.settings
    targets = list(paths) if paths else [project.path(settings.paths.transcripts)]
    sheet = project.path(settings.paths.attributes) if settings.paths.attributes else None
    exclude = settings.ingest.exclude
    files, skipped = collect(targets, exclude)
    if sheet is not None:
        files = [f for f in files if f.resolve() != sheet.resolve()]
    report = IngestReport(
        [FileResult(project.source_name(s), "skipped", message="unsupported type") for s in skipped]
    )
    run_id = project.store.start_run("ingest", {"paths": [str(p) for p in targets]})
    for file in files:
        if progress:
            progress(project.source_name(file))
        try:
            if file.suffix.lower() in SURVEY_SUFFIXES:  # named by the user: folders skip these
                report.files.append(_survey(project, file, run_id, id_column, text_columns))
                continue
            report.files.append(_one(project, file, run_id, reparse))
        except InputFileError as exc:
            report.files.append(
                FileResult(project.source_name(file), "failed", message=exc.problem, hint=exc.hint)
            )
        except (QualcodeError, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug met in one file must not stop the others
            if os.environ.get("QUALCODE_DEBUG"):
                raise
            report.files.append(
                FileResult(
                    project.source_name(file),
                    "failed",
                    message=f"could not be read: internal error ({type(exc).__name__})",
                    hint=f"please report it to {ISSUES}; QUALCODE_DEBUG=1 shows the traceback",
                )
            )
    if sheet is not None:
        try:
            report.attributes = apply_attributes(project, sheet)
        except InputFileError as exc:
            report.files.append(
                FileResult(project.source_name(sheet), "failed", message=exc.problem, hint=exc.hint)
            )
    report.derived_participants = name_participants(project)
    project.store.finish_run(run_id, {s: report.count(s) for s in STATUSES})
    return report


@dataclass
class NoteGroup:
    """One kind of shape note across an ingest: how many notes, and in which files (most
    first). ``first`` is the one note when there is only one."""

    kind: str
    notes: int
    files: list[tuple[str, int]]
    first: str = ""


def group_notes(files: Sequence[FileResult]) -> list[NoteGroup]:
    """The shape notes of ``files`` by kind, most important kind first (``shape.KINDS``),
    each kind's files ordered by how many of its notes they have."""
    from qualcode.ingest.shape import KINDS, kind

    by_kind: dict[str, Counter[str]] = {}
    first: dict[str, str] = {}
    for f in files:
        for note in f.notes:
            k = kind(note)
            by_kind.setdefault(k, Counter())[f.source] += 1
            first.setdefault(k, f"{f.source}: {note}")
    rank = {name: i for i, (name, _) in enumerate(KINDS)}
    groups = [
        NoteGroup(k, sum(c.values()), sorted(c.items(), key=lambda x: (-x[1], x[0])))
        for k, c in by_kind.items()
    ]
    for g in groups:
        g.first = first[g.kind] if g.notes == 1 else ""
    return sorted(groups, key=lambda g: (rank.get(g.kind, -1), g.kind))


def name_participants(project: Project) -> int:
    """Give every document linked to no participant an id from its file name (``P07_...``,
    ``Interview 12``), else its file stem; returns how many were named."""
    docs = project.store.documents_without_participant()
    if not docs:
        return 0
    stems = Counter(Path(name).stem.casefold() for _, _, name in docs)
    links = {}
    for doc_id, source, name in docs:
        pid = participant_from_name(name)
        if pid is None:
            stem = Path(name).stem
            pid = stem if stems[stem.casefold()] == 1 else str(Path(source).with_suffix(""))
        links[doc_id] = pid
    project.store.set_participants({}, links)
    return len(links)


def _survey(
    project: Project, file: Path, run_id: int, id_column: str, text_columns: tuple[str, ...]
) -> FileResult:
    from qualcode.ingest.surveydocs import ingest_survey

    named = project.settings.ingest.survey
    return ingest_survey(
        project, file, run_id, id_column or named.id_column, text_columns or named.text_columns
    )


def apply_attributes(project: Project, sheet: Path) -> AttributeReport:
    """Read the attribute sheet and link its rows to the current documents (survey
    respondents have their attributes from their survey file)."""
    rows = read_sheet(sheet)
    docs = [d for d in project.store.current_documents() if d["format"] != "survey"]
    attrs, links, report = link(rows, docs, project.source_name(sheet))
    project.store.set_participants(attrs, links)
    return report
