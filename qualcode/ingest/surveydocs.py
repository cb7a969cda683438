"""Survey respondents -> documents in the store (see :mod:`qualcode.ingest.survey`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.errors import InputFileError
from qualcode.ingest import FileResult
from qualcode.ingest.attributes import _key
from qualcode.ingest.survey import Columns, Survey, choose_columns, read_survey
from qualcode.models import INTERVIEWER, PARTICIPANT, ParsedDocument, Turn

QUESTION = "Question"  # the speaker label of each question's turn


@dataclass
class SurveyResult(FileResult):
    """One survey file's ingest: ``turns`` and ``words`` over all its respondents."""

    respondents: int = 0
    changed: int = 0  # respondents new or changed
    chosen: str = ""  # the columns detected, in one line ("" when all were named)


def respondent_document(
    source: str, rid: str, pairs: list[tuple[str, str]]
) -> ParsedDocument | None:
    """One respondent's document from (question, answer) pairs; None with no answer at all."""
    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for question, answer in pairs:
        answer = answer.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not answer:
            continue
        for speaker, role, said in ((QUESTION, INTERVIEWER, question), (rid, PARTICIPANT, answer)):
            label = f"{speaker}: "
            start = pos + len(label)
            turns.append(Turn(len(turns), speaker, role, start, start + len(said)))
            parts.append(label + said + "\n\n")
            pos += len(parts[-1])
    if not turns:
        return None
    text = "".join(parts)
    # a respondent's record, not a file: the hash covers where it comes from too, so two
    # respondents who gave the same answers are two documents with their own segments
    sha = hashlib.sha256(f"{source}\n{text}".encode()).hexdigest()
    name = source.rsplit("/", 1)[-1]
    return ParsedDocument(source, name, "survey", sha, text, tuple(turns))


def survey_documents(
    survey: Survey, columns: Columns, base: str
) -> tuple[list[ParsedDocument], dict[str, dict[str, str]]]:
    """Documents and attributes (respondent id -> column -> value) of every respondent."""
    docs: list[ParsedDocument] = []
    attributes: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for n, row in survey.rows:
        rid = row[columns.id].strip()
        if not rid:
            raise InputFileError(
                survey.where, f"row {n} has no respondent id", "fill it or delete the row"
            )
        if rid in seen:
            raise InputFileError(
                survey.where,
                f"row {n}: respondent '{rid}' again (first on row {seen[rid]})",
                "keep one row per respondent, or name another --id-column",
            )
        seen[rid] = n
        pairs = [(survey.questions[i], row[i]) for i in columns.answers]
        doc = respondent_document(f"{base}#{rid}", rid, pairs)
        if doc is not None:  # a respondent who answered nothing is no document
            docs.append(doc)
            attributes[rid] = {
                _key(survey.header[i]): row[i].strip() for i in columns.attributes if row[i].strip()
            }
    return docs, attributes


def ingest_survey(
    project: Any, path: Path, run_id: int, id_column: str = "", text_columns: tuple[str, ...] = ()
) -> SurveyResult:
    """Store each respondent of a survey file as a document, in one transaction; respondents
    whose answers are unchanged are left alone (a changed one becomes a new version)."""
    base = project.source_name(path)
    survey = read_survey(path, base)
    columns = choose_columns(survey, id_column, text_columns)
    docs, attributes = survey_documents(survey, columns, base)
    if not docs:
        raise InputFileError(base, "has no answers in the columns chosen", "check --text-column")
    store = project.store
    changed, updated = 0, 0
    with store.transaction():
        links = {}
        for doc in docs:
            current = store.current_version(doc.source)
            if current is not None and current[1] == doc.sha256:
                continue
            doc_id, _, _ = store.add_document(doc, run_id)
            links[doc_id] = doc.source.rsplit("#", 1)[1]
            changed += 1
            updated += current is not None
        store.set_participants(attributes, links)
    status = "unchanged" if not changed else ("updated" if updated else "new")
    return SurveyResult(
        base,
        status,
        "survey",
        sum(len(d.turns) for d in docs),
        sum(d.words for d in docs),
        respondents=len(docs),
        changed=changed,
        chosen=columns.detected,
    )
