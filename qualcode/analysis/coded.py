"""The coded material every query reads: each segment of the final coding with its participant.

Built on :func:`qualcode.review.findings.resolved_codings` (the final coding, interviewer turns
left out as the reports leave them out), so a query counts exactly what the reports quote.
Participants are named by their id and the attributes [export] allows, never by a speaker's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qualcode.codebook import Codebook
from qualcode.errors import QualcodeError


@dataclass(frozen=True)
class CodedSegment:
    segment: str
    participant: str
    turn: int
    codes: frozenset[str]


@dataclass
class Coded:
    """The final coding of one codebook's codes, segment by segment."""

    codebook: Codebook
    participants: list[str]  # every interviewed participant, sorted
    labels: dict[str, str]  # participant -> id and the attributes reports may show
    attributes: dict[str, dict[str, str]]  # participant -> attribute -> value (for --by)
    segments: list[CodedSegment]
    final_note: str = ""
    rule: str = "all"
    unresolved: int = 0
    documents: dict[str, str] = field(default_factory=dict)  # participant -> document id
    # participants someone has coded (a segment of theirs finished, imported or reconciled, with
    # or without codes): the only ones whose absence of a code says anything
    examined: set[str] = field(default_factory=set)

    def codes(self) -> list[str]:
        return [c.id for c in self.codebook.codes]

    def group_of(self, attribute: str) -> dict[str, str]:
        """participant -> their value of ``attribute`` ('(none)' where they have none)."""
        return {
            p: self.attributes.get(p, {}).get(attribute, "") or "(none)" for p in self.participants
        }


def coded(project: Any, codebook: Codebook) -> Coded:
    """The project's final coding, restricted to ``codebook``'s codes."""
    from qualcode.review.findings import resolved_codings
    from qualcode.review.layers import final_coding

    store = project.store
    allowed = project.settings.export.attributes
    docs = {d["id"]: d for d in store.current_documents()}
    attrs = store.participant_attributes()
    owner: dict[int, str] = {}
    labels: dict[str, str] = {}
    attributes: dict[str, dict[str, str]] = {}
    documents: dict[str, str] = {}
    for doc_id, d in docs.items():
        pid = d["participant_id"] or d["name"]
        owner[doc_id] = pid
        a = attrs.get(d["participant_id"] or "", {})
        shown = [a.get(k, "") for k in allowed if a.get(k, "")]
        labels[pid] = ", ".join([pid, *shown])
        attributes[pid] = dict(a)
        documents[pid] = doc_id
    known = {c.id for c in codebook.codes}
    spans = {s[0]: s for s in store.current_segments()}
    final = final_coding(project)
    segments = []
    for seg, codes in sorted(resolved_codings(project, False, final).items()):
        chosen = frozenset(c for c in codes if c in known)
        if seg in spans and chosen:
            _, doc_id, turn, _, _ = spans[seg]
            segments.append(CodedSegment(seg, owner[doc_id], turn, chosen))
    examined = {owner[spans[s][1]] for s in final.complete | final.codes.keys() if s in spans}
    return Coded(
        codebook,
        sorted(labels),
        labels,
        attributes,
        segments,
        final.note(),
        final.rule,
        len(final.unresolved),
        documents,
        {p for p in examined if p in labels},
    )


def did_you_mean(value: str, known: list[str], otherwise: str) -> str:
    from difflib import get_close_matches

    close = get_close_matches(value, known, n=3, cutoff=0.6)
    return f"did you mean {', '.join(close)}?" if close else otherwise


def choose(codebook: Codebook, codes: list[str] | None, aims: list[str] | None) -> Codebook:
    """The codebook cut to ``codes`` and ``aims`` (ids), each checked: an unknown one is one
    clear line naming it."""
    chosen: list[str] = []
    for option, values, known in (
        ("--codes", codes or [], [c.id for c in codebook.codes] + [g.id for g in codebook.groups]),
        ("--aims", aims or [], [g.id for g in codebook.groups]),
    ):
        for value in values:
            if value not in known:
                raise QualcodeError(
                    f"{option} {value}: no such {'aim' if option == '--aims' else 'code or aim'} "
                    f"in {codebook.source}",
                    did_you_mean(value, known, "see 'qualcode codebook show'"),
                )
            chosen.append(value)
    return codebook.only(tuple(chosen)) if chosen else codebook


def check_attribute(data: Coded, attribute: str) -> None:
    """An attribute nobody has is a typo: one line naming it and the ones there are."""
    names = sorted({k for a in data.attributes.values() for k in a})
    if attribute not in names:
        raise QualcodeError(
            f"--by {attribute}: no participant has this attribute",
            did_you_mean(attribute, names, f"attributes: {', '.join(names) or 'none yet'}"),
        )
