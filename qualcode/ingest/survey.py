"""Open-ended survey answers (a CSV or XLSX export, one row per respondent) as documents.

Each respondent becomes one document, its source ``answers.csv#R_123`` and its participant id
the respondent's id. Each non-empty answer is a participant turn, preceded by its question (the
column header; for a Qualtrics export with its two extra header rows, the question's full text)
as an interviewer turn. The other columns are the respondent's attributes, stored as the
attribute sheet stores them (column names normalised, empty values left out); identifying
metadata columns (IP address, e-mail, names, location) and free-text columns not taken as
answers are left out.

Columns are named (``--id-column``, ``--text-column``, or ``[ingest.survey]``) or detected: the
id column by its name (ResponseId, respondent_id, id, participant_id, ...), else the first
column of unique short values; answer columns as those holding free text (most values several
words long, few repeated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.attributes import _key
from qualcode.ingest.csvtext import read_rows

SURVEY_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")
ID_NAMES = ("responseid", "response_id", "respondent_id", "respondentid", "respondent",
            "participant_id", "participant", "pid", "id", "case_id", "case", "record_id",
            "uuid")  # fmt: skip
LEFT_OUT = ("ipaddress", "ip_address", "recipientemail", "recipientfirstname",
            "recipientlastname", "email", "locationlatitude", "locationlongitude",
            "name")  # fmt: skip
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


@dataclass
class Survey:
    """A survey file read: its header, the question text of each column, and the data rows
    (row number as in the file, cells)."""

    where: str
    header: list[str]
    questions: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass
class Columns:
    """The columns chosen: the id's, the answers', the attributes', and whether detected."""

    id: int
    answers: list[int]
    attributes: list[int] = field(default_factory=list)
    detected: str = ""  # "" when named; else what was detected, said in one line


def read_survey(path: Path, where: str) -> Survey:
    """The rows of a survey export, or one clear error naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})", "check the path") from exc
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from qualcode.ingest.attributes import xlsx_rows

        table = xlsx_rows(data, where)
    else:
        table = read_rows(data, where, "\t" if path.suffix.lower() == ".tsv" else ",")
    table = [r for r in table if any(c.strip() for c in r)]
    if len(table) < 2:
        raise InputFileError(
            where,
            "is empty (no header row and answers)" if not table else "has a header row only",
            "export the survey with a header row and one row per respondent",
        )
    header = [h.strip() for h in table[0]]
    questions, start = list(header), 1
    if len(table) > 2 and any(c.strip().startswith('{"ImportId"') for c in table[2]):
        questions = [q.strip() or h for q, h in zip(table[1], header, strict=False)]
        start = 3  # Qualtrics: question text, then import ids, under the header
    questions += header[len(questions) :]
    width = len(header)
    rows = [(n + 1, (r + [""] * width)[:width]) for n, r in enumerate(table) if n >= start]
    return Survey(where, header, questions, rows)


def _find(survey: Survey, name: str, option: str) -> int:
    wanted = _key(name)
    for i, h in enumerate(survey.header):
        if _key(h) == wanted or _key(survey.questions[i]) == wanted:
            return i
    shown = ", ".join(h for h in survey.header[:8]) + (" ..." if len(survey.header) > 8 else "")
    raise InputFileError(
        survey.where,
        f"has no column '{name}' (named by {option})",
        f"name a column as its header is written; the columns are: {shown}",
    )


def _values(survey: Survey, i: int) -> list[str]:
    return [r[i].strip() for _, r in survey.rows if r[i].strip()]


def _id_like(survey: Survey, i: int) -> bool:
    values = _values(survey, i)
    return (
        len(values) == len(survey.rows)
        and len(set(values)) == len(values)
        and all(len(v) <= 40 and " " not in v for v in values)
    )


def _free_text(survey: Survey, i: int) -> bool:
    values = _values(survey, i)
    if not values or any(_DATE.match(v) for v in values[:20]):
        return False
    long = sum(len(v.split()) >= 4 for v in values)
    return long >= 0.5 * len(values) and len(set(values)) >= 0.5 * len(values)


def choose_columns(
    survey: Survey, id_column: str = "", text_columns: tuple[str, ...] = ()
) -> Columns:
    """The id and answer columns, as named or else detected."""
    said = []
    if id_column:
        ident = _find(survey, id_column, "--id-column")
    else:
        keys = [_key(h) for h in survey.header]
        named = [i for name in ID_NAMES for i, k in enumerate(keys) if k == name]
        found = named or [i for i in range(len(keys)) if _id_like(survey, i)]
        if not found:
            raise InputFileError(
                survey.where,
                "has no respondent id column that could be found",
                "name it with --id-column (e.g. --id-column ResponseId) or [ingest.survey]",
            )
        ident = found[0]
        said.append(f"respondents by '{survey.header[ident]}' (detected; or --id-column)")
    if text_columns:
        answers = [_find(survey, name, "--text-column") for name in text_columns]
    else:
        answers = [i for i in range(len(survey.header)) if i != ident and _free_text(survey, i)]
        if not answers:
            raise InputFileError(
                survey.where,
                "has no column of free-text answers that could be found",
                "name each question's column with --text-column (repeat it for several)",
            )
        shown = ", ".join(f"'{survey.header[i]}'" for i in answers)
        said.append(f"answers from {shown} (detected; or --text-column, repeated)")
    if ident in answers:
        raise InputFileError(survey.where, "uses one column as both id and answer", "name others")
    rest = [i for i, h in enumerate(survey.header) if i != ident and i not in answers and _key(h)]
    prose = [i for i in rest if _free_text(survey, i)]  # free text is no attribute
    others = [i for i in rest if i not in prose and _key(survey.header[i]) not in LEFT_OUT]
    if prose and text_columns:
        names = ", ".join(f"'{survey.header[i]}'" for i in prose)
        said.append(f"free text left out: {names} (another --text-column takes it in)")
    detected = "; ".join(said)
    return Columns(ident, list(dict.fromkeys(answers)), others, detected)
