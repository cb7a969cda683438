"""What reviewers wrote and what was coded, as listings: memos and reconcile rationales, and
every quote for one code (the "node" view of desktop QDA tools). Pure data for the exporters;
texts are pseudonymised as in the reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.codebook import Codebook
from qualcode.project import Project
from qualcode.review.findings import build_report, resolved_codings
from qualcode.review.identifiers import project_pseudonymiser


@dataclass(frozen=True)
class Listing:
    title: str
    headers: list[str]
    rows: list[list[str]]
    listed: Any = None  # the pseudonymiser its texts were made with (None: raw texts)
    note: str = ""  # what readers must know of the listing: for quotes, the final coding's rule


def _places(project: Project) -> dict[str, tuple[str, str, int]]:
    """segment -> (document, participant, turn)."""
    store = project.store
    docs = {d["id"]: d for d in store.current_documents()}
    out = {}
    for seg, doc_id, turn, _, _ in store.current_segments():
        d = docs[doc_id]
        out[seg] = (str(d["name"]), str(d["participant_id"] or d["name"]), int(turn))
    return out


def memos(
    project: Project, code: str = "", document: str = "", pseudonymise: bool = True
) -> Listing:
    """Live memos and reconcile rationales, in order, with where they were written."""
    store = project.store
    places = _places(project)
    keep = set(places)
    if code:
        coded = resolved_codings(project, include_suggestions=True)
        keep = {s for s, codes in coded.items() if any(c == code or c.startswith(code + ".")
                                                      for c in codes)}  # fmt: skip
    if document:
        doc = store.find_document(document)
        keep = {s for s in keep if places[s][0] == doc.name}
    known = project_pseudonymiser(project) if pseudonymise else None
    pseudo: Any = known if known is not None else (lambda t: t)
    rows = []
    for _, seg, who, text, at in store.memos():
        if seg in keep:
            _, pid, turn = places[seg]
            rows.append([pid, str(turn), who, at[:10], "memo", pseudo(text)])
    for seg, who, rationale, at in store.rationales():
        if seg in keep:
            _, pid, turn = places[seg]
            rows.append([pid, str(turn), who, at[:10], "reconcile rationale", pseudo(rationale)])
    rows.sort(key=lambda r: (r[0], int(r[1]), r[3]))
    if known is not None:  # the "by" column names reviewers on purpose
        known.allow(r[2] for r in rows)
    title = "Memos" + (f" on {code}" if code else "") + (f" in {document}" if document else "")
    return Listing(title, ["participant", "turn", "by", "date", "kind", "text"], rows, known)


def quotes(
    project: Project, codebook: Codebook, code: str, include_suggestions: bool = False
) -> Listing:
    """Every segment coded with ``code`` (resolved codings; with suggestions if asked), by
    participant and turn, pseudonymised, with its status."""
    report = build_report(project, codebook, include_suggestions)
    labels = {p.id: p.label() for p in report.participants}
    chosen = sorted(
        (q for q in report.quotes if q.code == code), key=lambda q: (q.participant, q.turn)
    )
    rows = [
        [
            labels.get(q.participant, q.participant),
            str(q.turn),
            q.text,
            "key quote" if q.key else ("" if q.status == "resolved" else "suggested, unreviewed"),
        ]
        for q in chosen
    ]
    name = report.code_name(code)
    people = len({q.participant for q in chosen})
    title = f"{name}: {len(rows)} coded segments from {people} participants"
    headers = ["participant", "turn", "quote", "note"]
    return Listing(title, headers, rows, report.listed, report.final_note)
