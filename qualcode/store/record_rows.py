"""The record as export rows: each person's coding and each machine suggestion, one row each.

Pure functions over rows the store has read (no SQL here): :meth:`CodingStore.codings` streams a
query of every current segment with its applications, and these functions put each person's
codings (from :class:`qualcode.review.layers.Record`) beside the segment's suggestions.

- A **suggestion** row (``person`` empty, ``how`` 'suggested'): its id, status 'unreviewed',
  'accepted', 'rejected' or 'changed' (the latest decision on it, ``decided_by`` and
  ``decided_at`` saying whose and when) or 'superseded' (a rule suggestion the latest model took
  over on a segment it scored: never shown to anyone). Suggestions a later run replaced are
  listed only when someone decided them (their decision is part of the record).
- A **coding** row (status 'coded'): the person whose layer it is, ``how`` (imported, accepted,
  added, changed, blind), the suggestion it was accepted or changed from, when and by which
  action. The reconciled coding is the person 'resolved' (as in agreement and REFI-QDA),
  ``how`` 'reconciled', ``decided_by`` the lead who reconciled it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from qualcode.review.layers import MACHINE_KINDS, RESOLVED, Record

STATUS = {"accept": "accepted", "reject": "rejected", "recode": "changed"}
CHANGED_FROM = "changed from"
# the positions of an EXPORT_CODINGS row (qualcode.store.sql)
SEGMENT = ("document", "participant", "turn", "speaker", "role", "segment", "segment_start",
           "segment_end", "text")  # fmt: skip
APP = ("suggestion", "code", "kind", "source", "score", "start", "end", "run", "codebook_hash",
       "action", "superseded", "at", "decision", "decided_by", "decided_at",
       "decision_action")  # fmt: skip

Hidden = Callable[[str, str, str, str], bool]


def people_by_segment(
    rec: Record, decisions: Iterable[tuple[Any, ...]], resolved: dict[str, int | None]
) -> dict[str, list[dict[str, Any]]]:
    """segment -> each person's codings on it (and the reconciled ones), as partial rows.
    ``decisions``: the store's record_decisions(); ``resolved``: segment -> the action of its
    live resolution."""
    made: dict[tuple[str, str, str], tuple[int | None, str]] = {}  # the latest accept or add
    recoded: dict[tuple[str, str, int | None], dict[str, int]] = {}  # per action: code -> app
    for _, seg, code, who, action, _k, _m, app, _at, aid, note in decisions:
        if action in ("accept", "add"):
            made[(who, seg, code)] = (aid, note or "")
        elif action == "recode" and app is not None:
            recoded.setdefault((who, seg, aid), {})[code] = int(app)
            recoded.setdefault((who, seg, None), {})[code] = int(app)  # legacy: by the note
    out: dict[str, list[dict[str, Any]]] = {}
    for layer in rec.layers.values():
        for (seg, code), c in layer.codings.items():
            aid, note = made.get((c.person, seg, code), (None, ""))
            suggestion = c.suggestion
            if c.how == "changed":
                suggestion = _changed_from(recoded, c.person, seg, aid, note)
            out.setdefault(seg, []).append({
                "person": c.person, "code": code, "how": c.how, "suggestion": suggestion,
                "at": c.at, "action": aid, "decided_by": None, "decided_at": None,
            })  # fmt: skip
    for seg, (codes, who, at) in rec.resolutions.items():
        for code in sorted(codes):
            out.setdefault(seg, []).append({
                "person": RESOLVED, "code": code, "how": "reconciled", "suggestion": None,
                "at": at, "action": resolved.get(seg), "decided_by": who, "decided_at": at,
            })  # fmt: skip
    return out


def _changed_from(
    recoded: dict[tuple[str, str, int | None], dict[str, int]],
    who: str,
    seg: str,
    aid: int | None,
    note: str,
) -> int | None:
    """The suggestion a change recoded: the recode stored by the same action (the one named in
    the note when there are several), or for legacy rows without actions the one the note
    names."""
    named = note[len(CHANGED_FROM) :].strip() if note.startswith(CHANGED_FROM) else ""
    same_action = recoded.get((who, seg, aid), {}) if aid is not None else {}
    if same_action:
        return same_action.get(named, next(iter(same_action.values())))
    return recoded.get((who, seg, None), {}).get(named) if named else None


def segment_rows(
    group: list[tuple[Any, ...]], people: list[dict[str, Any]], hidden: Hidden
) -> Iterator[dict[str, Any]]:
    """One segment's rows: its suggestions and its people's codings, by code, kind, source."""
    base = dict(zip(SEGMENT, group[0][: len(SEGMENT)], strict=True))
    apps = [dict(zip(APP, r[len(SEGMENT) :], strict=True)) for r in group if r[9] is not None]
    rows = [_suggestion(base, a, hidden) for a in apps if a["kind"] in MACHINE_KINDS]
    typed = {(a["source"], a["code"]): a for a in apps if a["kind"] not in MACHINE_KINDS}
    rows += [_coding(base, p, typed) for p in people]
    rows.sort(key=lambda r: (r["code"], r["kind"], r["source"], r["person"], r["suggestion"] or 0))
    for row in rows:  # the span's words, for readers in Python (not an exported column)
        at = base["segment_start"]
        row["evidence"] = (base["text"] or "")[row["start"] - at : row["end"] - at]
        yield row


def _suggestion(base: dict[str, Any], a: dict[str, Any], hidden: Hidden) -> dict[str, Any]:
    taken_over = hidden(base["segment"], a["kind"], a["codebook_hash"] or "", a["code"])
    if a["decision"] is not None:
        status = STATUS.get(a["decision"], a["decision"])
    elif a["superseded"] is not None or taken_over:
        status = "superseded"
    else:
        status = "unreviewed"
    return {
        **base, "code": a["code"], "kind": a["kind"], "source": a["source"],
        "score": a["score"], "status": status, "start": a["start"], "end": a["end"],
        "run": a["run"], "codebook_hash": a["codebook_hash"], "person": "", "how": "suggested",
        "suggestion": a["suggestion"], "decided_by": a["decided_by"],
        "decided_at": a["decided_at"], "at": a["at"], "action": a["decision_action"],
    }  # fmt: skip


def _coding(
    base: dict[str, Any], p: dict[str, Any], typed: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    """A person's coding: an imported one keeps its stored application's span, provenance and
    action; one made by a decision (or reconciled) covers the segment."""
    a = typed.get((p["person"], p["code"])) if p["how"] == "imported" else None
    row = {
        **base, "code": p["code"], "kind": "human", "source": p["person"], "score": None,
        "status": "coded", "start": base["segment_start"], "end": base["segment_end"],
        "run": None, "codebook_hash": None, **p,
    }  # fmt: skip
    if a is not None:
        row.update(
            kind=a["kind"], score=a["score"], start=a["start"], end=a["end"], run=a["run"],
            codebook_hash=a["codebook_hash"], action=a["action"],
        )  # fmt: skip
    return row
