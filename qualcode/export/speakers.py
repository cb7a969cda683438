"""Speaker labels as names to pseudonymise: "Tomos Rees" gives "Tomos Rees", "Tomos" and
"Rees" (one person, one stand-in); "Darren Pritchard-Hale" gives "Pritchard" and "Hale" too.

Labels that name a role ("Interviewer", "INT", "P07", "Speaker 2", "Q", "Police Officer")
give nothing: their words are not names, and replacing them would blank out ordinary words in
every quote. Titles ("Mr", "Dr") are dropped from a label's parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qualcode.export.pseudo import Term

TITLES = frozenset("mr mrs ms miss mx dr prof sir dame lady lord cllr rev".split())  # noqa: SIM905
# words of labels that name a role, not a person
ROLE_WORDS = frozenset(
    """interviewer interviewee participant respondent informant moderator facilitator
    researcher speaker unknown int iv ie q a i r p police officer pc pcso dc ds sgt sergeant
    inspector constable detective chief teacher headteacher head deputy parent mum dad mother
    father nurse worker social manager lead chair chairman chairperson coordinator practitioner
    advisor adviser support family carer child young person pupil student staff member panel
    group voice male female man woman caller host guest audience other all both everyone
    multiple several crosstalk inaudible translator interpreter note taker notetaker observer
    doctor gp clerk judge counsel witness client patient partner officer the and of de van von
    ap ab da le la du der""".split()  # noqa: SIM905
)
_ROLE_LABEL = re.compile(
    r"(?:unknown\s+)?(?:interviewer|interviewee|participant|respondent|informant|moderator"
    r"|facilitator|researcher|speaker|int|iv|ie|p|r|q|a|i)(?:\s*\d{1,3})?",
    re.IGNORECASE,
)


def name_parts(label: str) -> list[str]:
    """The words of ``label`` that can be a name: 'Dr Sarah Pritchard-Hale' -> Sarah,
    Pritchard-Hale, Pritchard, Hale."""
    out: list[str] = []
    for word in label.replace(".", " ").split():
        word = word.strip(",;:()[]'\"’‘")
        pieces = [word, *word.split("-")] if "-" in word else [word]
        for piece in pieces:
            low = piece.lower()
            if len(piece) < 2 or any(c.isdigit() for c in piece) or not piece[0].isalpha():
                continue
            if low in TITLES or low in ROLE_WORDS or piece in out:
                continue
            out.append(piece)
    return out


def label_terms(label: str, source: str, everyday: frozenset[str]) -> Iterator[Term]:
    """The terms a speaker label gives (see the module's docstring)."""
    from qualcode.export.pseudo import Term, fold, key

    if not label or _ROLE_LABEL.fullmatch(label.strip()):
        return
    parts = name_parts(label)
    if not parts:
        return
    person = key(" ".join(parts))
    whole = " ".join(w for w in label.split() if w.lower().strip(".") not in TITLES)
    if len(parts) > 1 and whole:
        yield Term(whole, "Name", source, person)
    for part in parts:
        yield Term(part, "Name", source, person, fold(part) not in everyday)
