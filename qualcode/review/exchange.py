"""The project to and from REFI-QDA: building a snapshot from the store, storing an imported one."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.codebook import Codebook
from qualcode.errors import InputFileError
from qualcode.export.qdpx import Snapshot, Source
from qualcode.ingest import parse_bytes
from qualcode.project import Project
from qualcode.segment import segment_id

MACHINE_USERS = {"rule": "qualcode rules", "model": "qualcode model"}


def project_snapshot(
    project: Project, codebook: Codebook, include_suggestions: bool = False
) -> Snapshot:
    """Documents, participants' attributes, and every human coder's codings (including the
    reconciled 'resolved' coder). Machine suggestions are not findings and are left out, unless
    ``include_suggestions``: then each undecided rule or model suggestion (one per segment and
    code, as reviewers see them) is a coding by the user 'qualcode rules' or 'qualcode model',
    so that review can go on in another tool."""
    store = project.store
    docs = {d["id"]: store.document(d["id"]) for d in store.current_documents()}
    sources = {doc_id: Source(d.name, d.text, d.participant_id or "") for doc_id, d in docs.items()}
    spans = {s[0]: s for s in store.current_segments()}
    for coder, by_segment in store.coder_codings().items():
        for seg, codes in by_segment.items():
            if codes and seg in spans:
                _, doc_id, _, start, end = spans[seg]
                by = sources[doc_id].selections.setdefault((start, end), {})
                by.setdefault(coder, set()).update(codes)
    if include_suggestions:
        known = {c.id for c in codebook.codes}
        for _, seg, code, kind, _, _, _, _ in store.queue_applications():
            if kind in MACHINE_USERS and code in known and seg in spans:
                _, doc_id, _, start, end = spans[seg]
                by = sources[doc_id].selections.setdefault((start, end), {})
                by.setdefault(MACHINE_USERS[kind], set()).add(code)
    pids = {d.participant_id for d in docs.values() if d.participant_id}
    attrs = {p: a for p, a in store.participant_attributes().items() if p in pids}
    return Snapshot(project.settings.name, codebook, list(sources.values()), attrs)


@dataclass
class QdpxImport:
    file: str
    documents: int = 0
    codings: int = 0
    coders: list[str] = field(default_factory=list)
    unknown_codes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def import_snapshot(project: Project, snap: Snapshot, where: Path, known: set[str]) -> QdpxImport:
    """Store an imported project's text sources as documents (speaker turns parsed as usual),
    its cases' attributes, and its codings as ``import`` applications by their coders."""
    store = project.store
    report = QdpxImport(where.name, skipped=list(snap.skipped))
    ready = []  # parse and check every source before anything is stored
    for source in snap.sources:
        if not source.text.strip():
            report.skipped.append(source.name)
            continue
        parsed = parse_bytes(
            source.text.encode("utf-8"), f"{Path(source.name).stem}.txt",
            project.settings.interviewer_patterns(),
        )  # fmt: skip
        shift = _offsets(source.text, parsed.text)
        if shift is None:
            raise InputFileError(
                str(where), f"source {source.name} changes when its text is normalised",
                "its selections cannot be placed; export it again with plain UTF-8 text",
            )  # fmt: skip
        doc = replace(parsed, source=f"qdpx:{where.name}/{source.name}", name=source.name)
        ready.append((source, doc, shift))
    who = sorted({c for src in snap.sources for by in src.selections.values() for c in by})
    # one action, all or nothing: a failed or killed import leaves no trace; its coders'
    # finished segments are independent coding (mode "import"), as any import's
    with store.action(", ".join(who) or "qdpx", "import qdpx", mode="import", via="cli"):
        run_id = store.start_run("import", {"file": where.name, "format": "qdpx"})
        attributes: dict[str, dict[str, str]] = {p: dict(a) for p, a in snap.attributes.items()}
        links: dict[int, str] = {}
        coders: set[str] = set()
        for source, doc, shift in ready:
            current = store.current_version(doc.source)
            if current is not None and current[1] == doc.sha256:
                doc_id = current[0]  # imported before, unchanged: its codings are added to it
            else:
                doc_id, _, _ = store.add_document(doc, run_id)
            report.documents += 1
            if source.participant:
                links[doc_id] = source.participant
                attributes.setdefault(source.participant, {})
            seg_rows, apps, reviewed = [], [], []
            for (raw_start, raw_end), by in sorted(source.selections.items()):
                start, end = shift(raw_start), shift(raw_end)
                turn = _turn_at(doc.turns, start)
                if turn is None or not 0 <= start < end <= len(doc.text):
                    continue
                sid = segment_id(doc.sha256, start, end)
                seg_rows.append((sid, doc_id, turn, start, end))
                for coder, codes in sorted(by.items()):
                    coders.add(coder)
                    reviewed.append((sid, coder, run_id))
                    for code in sorted(codes):
                        if code not in known:
                            report.unknown_codes.append(code)
                        apps.append((sid, code, start, end, "import", coder, None, run_id, None))
            report.codings += store.add_imported(seg_rows, apps, reviewed)
        store.set_participants(attributes, links)
        report.coders = sorted(coders)
        report.unknown_codes = sorted(set(report.unknown_codes))
        store.finish_run(run_id, {"documents": report.documents, "codings": report.codings})
    return report


def _offsets(original: str, stored: str) -> Callable[[int], int] | None:
    """How offsets into the source's text map into the stored (newline-normalised) text."""
    if original == stored:
        return lambda i: i
    if original.replace("\r\n", "\n").replace("\r", "\n") != stored:
        return None
    cr = [i for i, ch in enumerate(original) if ch == "\r" and original[i + 1 : i + 2] == "\n"]

    def shift(i: int) -> int:
        return i - bisect_left(cr, i)

    return shift


def _turn_at(turns: tuple, start: int) -> int | None:  # type: ignore[type-arg]
    """The turn holding ``start`` (or the last one starting before it)."""
    best = None
    for t in turns:
        if t.start <= start:
            best = t.index
        if t.start <= start < t.end:
            return int(t.index)
    return best
