"""Framework summaries (the Framework Method's charting): a person's summary of one participant's
data for one code, shown in that cell of the framework matrix with a supporting quote.

- A summary is written by a person (a sheet imported with ``--as NAME``, or the browser form),
  stored append-only as one action; the latest one of a cell counts; an empty text takes it away.
- A machine draft (:func:`drafts`: the participant's most central coded sentences for the code)
  is stored with ``draft`` set and the author 'machine'. A draft is marked as such everywhere and
  never appears in a final report: it becomes a summary only when a person edits it (a sheet
  cell that still holds the draft's exact text, its DRAFT mark and all, stays a draft).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qualcode.codebook import Codebook
from qualcode.errors import QualcodeError

DRAFT_MARK = "DRAFT (machine, unedited): "


@dataclass(frozen=True)
class Summary:
    participant: str
    code: str
    text: str
    author: str
    draft: bool
    at: str

    def shown(self) -> str:
        """The text as a sheet or a page shows it: a draft carries its mark."""
        return DRAFT_MARK + self.text if self.draft else self.text


def current(project: Any) -> dict[tuple[str, str], Summary]:
    """(participant, code) -> the cell's summary or draft, for every cell that has one."""
    return {
        (p, c): Summary(p, c, t, a, d, at) for p, c, t, a, d, at, _ in project.store.summaries()
    }


def participants(project: Any) -> list[str]:
    """The interviewed participants, by the id reports use."""
    return sorted({d["participant_id"] or d["name"] for d in project.store.current_documents()})


def changes(
    project: Any,
    codebook: Codebook,
    cells: dict[tuple[str, str], str],
    pseudo: Callable[[str], str] | None = None,
) -> list[tuple[str, str, str, bool]]:
    """The (participant, code, text, draft) rows that ``cells`` (as a sheet or form gives them,
    drafts with their mark) change; a cell equal to what is stored (or, with ``pseudo``, to its
    pseudonymised form, as a workbook shows it) changes nothing. Every participant and code is
    checked first: an unknown one raises, naming it."""
    people, codes = set(participants(project)), {c.id for c in codebook.codes}
    for p, c in cells:
        if p not in people:
            raise QualcodeError(
                f"no participant '{p}' in the project", "use the ids 'qualcode status' lists"
            )
        if c not in codes:
            raise QualcodeError(
                f"no code '{c}' in {codebook.source}", "see 'qualcode codebook show'"
            )
    now = current(project)
    # as the workbook showed them: pseudonymised in the same order, so the same stand-ins
    shown = {k: pseudo(s.shown()).strip() for k, s in now.items()} if pseudo else {}
    out = []
    for (p, c), text in sorted(cells.items()):
        text = text.strip()
        if (p, c) in shown and text == shown[(p, c)]:
            continue  # unchanged in the workbook
        if text.startswith(DRAFT_MARK.strip()):  # the mark is never part of a summary
            text = text[len(DRAFT_MARK.strip()) :].strip()
        old = now.get((p, c))
        if text == (old.text.strip() if old else ""):
            continue  # unchanged (a draft left as it is stays a draft)
        out.append((p, c, text, False))  # edited: the person's own now
    return out


def save(project: Any, who: str, rows: list[tuple[str, str, str, bool]], via: str = "cli") -> int:
    """Store the rows as one action of ``who`` (nothing stored when there are none)."""
    if not rows:
        return 0
    return int(project.store.write_summaries(who, rows, via))


def for_report(project: Any, drafts: bool = False) -> dict[tuple[str, str], Summary]:
    """The summaries a report shows: people's, and machine drafts only in a draft report; their
    text pseudonymised as the quotes are (a person may have written a name)."""
    from dataclasses import replace

    from qualcode.review.identifiers import project_pseudonymiser

    pseudo = project_pseudonymiser(project)
    return {
        k: replace(s, text=pseudo(s.text))
        for k, s in current(project).items()
        if drafts or not s.draft
    }


# machine drafts -------------------------------------------------------------------------------
WORD = re.compile(r"[a-z][a-z']+")
_STOPWORDS = (
    "the and that was were with for they but have this you what not there their them just "
    "like really about would from when which been into then than very know think yeah it's "
    "we're i'm don't that's our are had has she her his him its one all can could also"
)
STOP = frozenset(_STOPWORDS.split())


def _vector(sentence: str) -> Counter[str]:
    return Counter(w for w in WORD.findall(sentence.lower()) if w not in STOP)


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(n * b[w] for w, n in a.items() if w in b)
    size = math.sqrt(sum(n * n for n in a.values())) * math.sqrt(sum(n * n for n in b.values()))
    return dot / size if size else 0.0


def central(sentences: list[str], n: int = 2) -> list[str]:
    """The ``n`` sentences most like the others (the sum of their cosine similarities), in the
    order they were said; ties go to the earlier sentence."""
    vectors = [_vector(s) for s in sentences]
    score = [
        sum(_cosine(v, w) for j, w in enumerate(vectors) if j != i) for i, v in enumerate(vectors)
    ]
    best = sorted(range(len(sentences)), key=lambda i: (-score[i], i))[:n]
    return [sentences[i] for i in sorted(best)]


def drafts(
    project: Any, codebook: Codebook, overwrite: bool = False
) -> list[tuple[str, str, str, bool]]:
    """A machine draft for each participant x code cell with coded segments and no summary
    (``overwrite``: also replacing earlier drafts, never a person's summary): the participant's
    most central coded sentences for the code, pseudonymised as reports are."""
    from qualcode.analysis.coded import coded
    from qualcode.review.identifiers import project_pseudonymiser
    from qualcode.segment import sentence_spans

    data = coded(project, codebook)
    pseudo = project_pseudonymiser(project)
    spans = {s[0]: s for s in project.store.current_segments()}
    texts: dict[int, str] = {}
    said: dict[tuple[str, str], list[str]] = defaultdict(list)
    for seg in data.segments:
        _, doc_id, _, start, end = spans[seg.segment]
        if doc_id not in texts:
            texts[doc_id] = project.store.document(doc_id).text
        text = texts[doc_id]
        sentences = [" ".join(text[a:b].split()) for a, b in sentence_spans(text, start, end)]
        for code in seg.codes:
            said[(seg.participant, code)] += [s for s in sentences if len(s.split()) >= 6]
    now = current(project)
    out = []
    for (p, c), sentences in sorted(said.items()):
        old = now.get((p, c))
        if sentences and (old is None or (overwrite and old.draft)):
            out.append((p, c, pseudo(" … ".join(central(sentences))), True))
    return out
