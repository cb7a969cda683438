"""Ingest files into a project's store, one atomic write per file, and link attributes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest import FileResult, IngestReport, collect, parse_bytes, read_file
from qualcode.ingest.attributes import AttributeReport, link, read_sheet
from qualcode.project import Project

Progress = Callable[[str], None]


def _one(project: Project, file: Path, run_id: int) -> FileResult:
    source = project.source_name(file)
    data = read_file(file, source)
    store = project.store
    doc = parse_bytes(data, source, project.settings.interviewer_patterns())
    current = store.current_version(source)
    if current is not None and current[1] == doc.sha256:
        return FileResult(
            source, "unchanged", doc.format, len(doc.turns), doc.words, version=current[2]
        )
    _, version, kept = store.add_document(doc, run_id)
    return FileResult(
        source,
        "updated" if current else "new",
        doc.format,
        len(doc.turns),
        doc.words,
        len({t.speaker for t in doc.turns}),
        version,
        "; ".join(doc.notes),
        kept_decisions=kept,
    )


def ingest(
    project: Project, paths: Sequence[Path] | None = None, progress: Progress | None = None
) -> IngestReport:
    """Ingest ``paths`` (default: the project's transcripts folder) and its attribute sheet.

    A file that cannot be read is reported and skipped; every other file is still stored, each in
    its own transaction, so the store is consistent whatever fails.
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
            report.files.append(_one(project, file, run_id))
        except InputFileError as exc:
            report.files.append(
                FileResult(project.source_name(file), "failed", message=exc.problem, hint=exc.hint)
            )
    if sheet is not None:
        try:
            report.attributes = apply_attributes(project, sheet)
        except InputFileError as exc:
            report.files.append(
                FileResult(project.source_name(sheet), "failed", message=exc.problem, hint=exc.hint)
            )
    project.store.finish_run(
        run_id, {s: report.count(s) for s in ("new", "updated", "unchanged", "failed", "skipped")}
    )
    return report


def apply_attributes(project: Project, sheet: Path) -> AttributeReport:
    """Read the attribute sheet and link its rows to the current documents."""
    rows = read_sheet(sheet)
    attrs, links, report = link(rows, project.store.current_documents(), project.source_name(sheet))
    project.store.set_participants(attrs, links)
    return report
