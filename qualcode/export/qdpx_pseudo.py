"""A pseudonymised copy of a project for REFI-QDA exchange (``export qdpx --pseudonymise``).

Each document's text goes through the project's one pseudonymiser; the codings' selections
are moved with it (an offset after a replaced name shifts by the difference in length; a
selection that starts or ends inside a replaced identifier takes in the whole stand-in), so
every coding still covers the same words. Document names and attribute values go through the
same pseudonymiser: "Interview Tomos Rees.docx" would name someone too.
"""

from __future__ import annotations

from dataclasses import replace

from qualcode.export.pseudo import Pseudonymiser, apply, remap
from qualcode.export.qdpx import Snapshot, Source


def pseudonymise_snapshot(snap: Snapshot, pseudo: Pseudonymiser) -> Snapshot:
    sources = []
    for s in snap.sources:
        edits = pseudo.edits(s.text)
        selections = {
            (remap(edits, start), remap(edits, end, end=True)): by
            for (start, end), by in s.selections.items()
        }
        sources.append(Source(pseudo(s.name), apply(s.text, edits), s.participant, selections))
    attributes = {
        pid: {k: pseudo(v) for k, v in values.items()} for pid, values in snap.attributes.items()
    }
    pseudo.allow({c for s in sources for by in s.selections.values() for c in by})  # coders
    return replace(snap, sources=sources, attributes=attributes)
