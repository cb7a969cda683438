"""``qualcode code``: segment every participant turn, run the rule coder, store suggestions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook import Codebook, CodebookError, load_codebook
from qualcode.project import Project
from qualcode.segment import segments

Progress = Callable[[int, int], None]


@dataclass
class CodeSummary:
    code_id: str
    name: str
    group: str
    segments: int
    participants: int


@dataclass
class CodingReport:
    codebook: str
    codebook_hash: str
    run_id: int | None
    segments: int
    words: int
    suggestions: int
    added: int
    dry_run: bool
    codes: list[CodeSummary] = field(default_factory=list)


def resolve_codebook(project: Project, path: Path | None) -> tuple[Codebook, Path]:
    chosen = codebook_path(project, path)
    return load_codebook(chosen, project.source_name(chosen)), chosen


def codebook_path(project: Project, path: Path | None = None) -> Path:
    """The codebook file a command uses: ``path``, else [coding] codebook, else the only YAML
    file in the codebooks folder."""
    chosen = path or (
        project.path(project.settings.coding.codebook) if project.settings.coding.codebook else None
    )
    if chosen is None:
        found = sorted(project.path(project.settings.paths.codebooks).glob("*.y*ml"))
        if len(found) != 1:
            raise CodebookError(
                [
                    f"{project.settings.paths.codebooks}/: {'no' if not found else 'several'} "
                    "codebooks: pass --codebook FILE or set [coding] codebook in qualcode.toml"
                ]
            )
        chosen = found[0]
    return chosen


def has_codebook(project: Project) -> bool:
    """Whether ``qualcode code`` would find a codebook without being told which."""
    if project.settings.coding.codebook:
        return True
    return len(list(project.path(project.settings.paths.codebooks).glob("*.y*ml"))) == 1


def code_project(
    project: Project,
    codebook_path: Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CodingReport:
    """Apply the codebook's rules to every participant segment; store them unless ``dry_run``.

    When the latest coding run used this codebook, unit and rule engine and no document was
    loaded since, the rules would store exactly what is stored: the run is recorded (with its
    figures) without running them again, and spaCy is never loaded."""
    from qualcode.coding.rules import RuleCoder, engine

    codebook, _ = resolve_codebook(project, codebook_path)
    rules = engine(project.settings.coding.spacy_model)
    if not dry_run:
        again = _unchanged(project, codebook, rules)
        if again is not None:
            return again
    coder = RuleCoder(codebook, project.settings.coding.spacy_model)
    units = list(segments(project.store.participant_turns(), project.settings.coding.unit))
    seg_rows, apps, words = [], [], 0
    counts: dict[str, set[str]] = {}
    people: dict[str, set[int]] = {}
    results = coder.match(((text, "participant") for _, text in units))
    for i, ((seg, text), matches) in enumerate(zip(units, results, strict=True)):
        words += len(text.split())
        seg_rows.append((seg.id, seg.document_id, seg.turn_index, seg.start, seg.end))
        for m in matches:
            apps.append(
                (seg.id, m.code_id, seg.start + m.start, seg.start + m.end, "rule", m.rule, m.score)
            )
            counts.setdefault(m.code_id, set()).add(seg.id)
            people.setdefault(m.code_id, set()).add(seg.document_id)
        if progress and i % 200 == 0:
            progress(i, len(units))
    report = CodingReport(
        codebook.source, codebook.hash, None, len(units), words, len(apps), 0, dry_run
    )
    store = project.store
    if not dry_run:
        unit = project.settings.coding.unit
        store.save_codebook_version(codebook.hash, codebook.source, codebook.content())
        run_id = store.start_run("code", {"codebook": codebook.source, "unit": unit})
        rows = [(*a, run_id, codebook.hash) for a in apps]
        report.added = store.add_applications(seg_rows, rows, (run_id, codebook.hash))
        store.finish_run(
            run_id,
            {
                "segments": len(units),
                "added": report.added,
                "codebook_hash": codebook.hash,  # the stored matches are this codebook's: the
                "unit": unit,  # suggester reads them instead of running the rules again
                "engine": rules,  # ... and the next coding run too, when nothing changed
                "words": words,
                "suggestions": len(apps),
            },
        )
        report.run_id = run_id
    report.codes = _summary(project, codebook, counts, people, dry_run)
    return report


def _unchanged(project: Project, codebook: Codebook, rules: str) -> CodingReport | None:
    """The report of a coding run that needs no rule run (see code_project), recorded as a
    run; None when the rules must run."""
    store = project.store
    unit = project.settings.coding.unit
    latest = store.latest_run("code")
    if latest is None:
        return None
    last_id, last = latest
    same = (last.get("codebook_hash"), last.get("unit"), last.get("engine")) == (
        codebook.hash,
        unit,
        rules,
    )
    figures = ("segments", "words", "suggestions")
    if not same or any(not isinstance(last.get(k), int) for k in figures):
        return None
    if store.documents_loaded_after(last_id):
        return None
    run_id = store.start_run("code", {"codebook": codebook.source, "unit": unit})
    summary = {k: last[k] for k in figures}
    store.finish_run(
        run_id,
        {
            **summary,
            "added": 0,
            "codebook_hash": codebook.hash,
            "unit": unit,
            "engine": rules,
            "same_as_run": last_id,
        },
    )
    report = CodingReport(
        codebook.source,
        codebook.hash,
        run_id,
        summary["segments"],
        summary["words"],
        summary["suggestions"],
        0,
        False,
    )
    report.codes = _summary(project, codebook, {}, {}, False)
    return report


def _summary(
    project: Project,
    codebook: Codebook,
    counts: dict[str, set[str]],
    people: dict[str, set[int]],
    dry: bool,
) -> list[CodeSummary]:
    stored = {} if dry else project.store.coding_summary("rule")
    out = []
    for code in codebook.codes:
        fallback = (len(counts.get(code.id, ())), len(people.get(code.id, ())))
        segs, n = stored.get(code.id, fallback)
        out.append(CodeSummary(code.id, code.name, code.group, segs, n))
    return out
