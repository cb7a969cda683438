"""A search's hits put to work: as suggestions of a code for review, or as a person's coding.

- ``suggest_code``: each segment holding a hit gets a machine suggestion of the code (kind
  ``rule``, source ``search: QUERY`` with listed names pseudonymised, its span the segment's
  first hit), shown in the review queue like any rule suggestion and never a coding until a
  person accepts it. Running the same search again adds nothing (applications are unique per
  segment, code and source).
- ``record_code``: each segment holding a hit becomes NAME's coding of the code, in one action:
  an 'add' of that code by NAME (mode ``search``), which judges nothing else about the segment,
  so it neither finishes the segment for NAME nor makes anyone's other codes a disagreement.

Only participant turns' segments are coded; hits on interviewer turns are counted, not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.analysis.scope import code_id


@dataclass(frozen=True)
class Stored:
    code: str
    segments: int  # segments holding a hit
    added: int  # of them, newly stored (the rest were there already)
    interviewer_hits: int  # hits on interviewer turns: not coded
    how: str  # "suggestion" or "coding"
    by: str = ""  # the person (a coding)
    source: str = ""  # a suggestion's source: "search: QUERY"


def _segments(result: Any) -> dict[str, tuple[tuple[str, int, int, int, int], int, int]]:
    """Segment id -> (segment row, first hit's start, end), for hits on participant turns."""
    from qualcode.analysis.search import fill_segments, turn_spans

    fill_segments(result)
    out: dict[str, tuple[tuple[str, int, int, int, int], int, int]] = {}
    for h in result.hits:
        if not h.segment or h.segment in out:
            continue
        text = result.texts[h.document_id][h.turn_start : h.turn_end]
        spans = turn_spans(result.unit, h.turn_start, h.turn_end, text)
        a, b = next(((a, b) for a, b in spans if a <= h.start < b), spans[-1])
        out[h.segment] = ((h.segment, h.document_id, h.turn, a, b), h.start, h.end)
    return out


def suggest_code(project: Any, result: Any, code: str) -> Stored:
    """Store the hits' segments as suggestions of ``code`` (source "search: QUERY")."""
    code = code_id(project, code)
    store = project.store
    units = _segments(result)
    from qualcode.analysis.search import pseudonymiser

    # pseudonymised like every quote: a listed name searched for never reaches an export
    source = f"search: {pseudonymiser(project)(result.query)}"
    run_id = store.start_run("search", {"query": result.query, "code": code, "mode": result.mode})
    apps = [
        (seg, code, s, e, "rule", source, 1.0, run_id, None) for seg, (_, s, e) in units.items()
    ]
    added = store.add_applications([u for u, _, _ in units.values()], apps)
    store.finish_run(run_id, {"segments": len(units), "added": added})
    return Stored(code, len(units), added, _asked(result), "suggestion", source=source)


def record_code(project: Any, result: Any, code: str, person: str) -> Stored:
    """Store the hits' segments as ``person``'s coding of ``code``, in one action."""
    from qualcode.coding.imports import check_coder_name

    check_coder_name(person)
    person = person.strip()
    code = code_id(project, code)
    store = project.store
    units = _segments(result)
    from qualcode.analysis.search import pseudonymiser
    from qualcode.review.layers import record

    layer = record(project).layers.get(person)
    have = {s for s, c in layer.codes.items() if code in c} if layer else set()
    rows = [u for u, _, _ in units.values()]
    note = f"search: {pseudonymiser(project)(result.query)}"
    new = [(seg, code, person, note) for seg, *_ in rows if seg not in have]
    # one code given where the words are: the person judged nothing else about these segments
    # (layers.PARTIAL_MODES), so no one's other codes become disagreements
    with store.action(person, "code from search", mode="search", via="cli"):
        added = store.add_codings(rows, new)
    return Stored(code, len(units), added, _asked(result), "coding", person)


def _asked(result: Any) -> int:
    return sum(1 for h in result.hits if h.role != "participant")
