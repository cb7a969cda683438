"""Everything the project knows that identifies someone, as the one pseudonymiser every
output uses (reports, listings, memos, ``export codings``, the server's pages and downloads,
``export qdpx --pseudonymise``).

It knows: the ``[export]`` names and places; every speaker label stored for the project (all
documents, all versions) and the literal names in ``[speakers]``, with their parts; the values
of the attribute columns ``[export] identifying`` names; and the UK identifier patterns of
:mod:`qualcode.export.patterns`. The leak gate reads every written output back against the same
knowledge.
"""

from __future__ import annotations

import re
from collections import defaultdict

from qualcode.errors import QualcodeError
from qualcode.export.pseudo import Pseudonymiser
from qualcode.project import Project

_LITERAL = re.compile(r"[^\W\d_][\w' .’-]*")  # a speaker setting that is a name, not a pattern


def known_speakers(project: Project) -> list[str]:
    """Every speaker label stored, and the names written literally in ``[speakers]``."""
    s = project.settings.speakers
    literal = [p for p in (*s.interviewer, *s.participant) if _LITERAL.fullmatch(p)]
    return sorted({*project.store.speaker_labels(), *literal})


def identifying_values(project: Project) -> dict[str, list[str]]:
    """attribute -> its values, for the attribute columns ``[export] identifying`` names."""
    settings = project.settings.export
    shown = set(settings.identifying) & set(settings.attributes)
    if shown:
        raise QualcodeError(
            f"[export] identifying and attributes both name {', '.join(sorted(shown))}",
            "a column whose values identify someone cannot be shown beside participant ids: "
            "take it out of [export] attributes",
        )
    out: dict[str, set[str]] = defaultdict(set)
    for values in project.store.participant_attributes().values():
        for name in settings.identifying:
            if values.get(name, "").strip():
                out[name].add(values[name].strip())
    return {k: sorted(v) for k, v in out.items()}


def project_pseudonymiser(project: Project) -> Pseudonymiser:
    """A fresh pseudonymiser with all the project knows (one per output: its own numbering)."""
    s = project.settings.export
    return Pseudonymiser(s.names, s.places, known_speakers(project), identifying_values(project))
