"""Framework matrices and theme tables as plain tables, shared by every output format."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from qualcode.codebook.model import Code
from qualcode.export.words import say
from qualcode.review.findings import MACHINE, Quote, ReportData, best_quotes, display, prevalence
from qualcode.review.quotechoice import choose

MAX_CODE_COLUMNS = 6  # a matrix wider than this is split into continued tables (A4 landscape)


@dataclass
class Table:
    aim: str  # group id
    title: str
    headers: list[str]
    rows: list[list[str]]
    codes: list[str] = field(default_factory=list)  # the code of each column after the first


def cite(q: Quote, lang: str = "en") -> str:
    mark = "★ " if q.key else ""
    if q.status == "suggested":  # a machine suggestion: in italics, never like a finding
        body = f"“{q.marked}” {say(lang, 'turn', turn=q.turn)} {say(lang, 'suggested')}"
        return f"{mark}{MACHINE[0]}{body}{MACHINE[1]}"
    return f"{mark}“{q.marked}” {say(lang, 'turn', turn=q.turn)}"


def matrix_tables(report: ReportData, per_cell: int = 1) -> list[Table]:
    """Per aim: one row per participant (id and allowed attributes), one column per code,
    cells holding the participant's best quotes for the code."""
    by: dict[tuple[str, str], list[Quote]] = defaultdict(list)
    for q in report.quotes:
        by[(q.participant, q.code)].append(q)
    if report.transpose:
        return _transposed(report, by, per_cell)
    tables = []
    for group in report.codebook.groups:
        codes = list(group.codes)
        # a participant's cells over the whole aim, so a turn is quoted under one code only,
        # even across continued tables
        cells = {p.id: _row_cells(report, [by[(p.id, c.id)] for c in codes], per_cell)
                 for p in report.participants}  # fmt: skip
        chunks = range(0, len(codes), MAX_CODE_COLUMNS)
        for part, at in enumerate(chunks, start=1):
            chunk = codes[at : at + MAX_CODE_COLUMNS]
            headers = [say(report.lang, "participant"), *(report.code_name(c.id) for c in chunk)]
            rows = []
            for p in report.participants:
                row = cells[p.id][at : at + MAX_CODE_COLUMNS]
                row = _summarised(report, p.id, [c.id for c in chunk], row)
                if any(row):
                    rows.append([p.label(), *row])
            title = say(report.lang, "matrix_title", aim=report.group_name(group.id))
            if len(chunks) > 1:  # a wide aim: continued tables of a readable width
                title += f" ({part}/{len(chunks)})"
            tables.append(Table(group.id, title, headers, rows, [c.id for c in chunk]))
    return tables


def _transposed(
    report: ReportData, by: dict[tuple[str, str], list[Quote]], per_cell: int
) -> list[Table]:
    """Per aim: a row per code, a column per participant (at most MAX_CODE_COLUMNS people per
    table: continued tables for more), for many codes and few participants."""
    tables = []
    for group in report.codebook.groups:
        codes = list(group.codes)
        people = [p for p in report.participants if any(by[(p.id, c.id)] for c in codes)]
        columns = {p.id: _row_cells(report, [by[(p.id, c.id)] for c in codes], per_cell)
                   for p in people}  # fmt: skip
        for p in people:
            columns[p.id] = _summarised(report, p.id, [c.id for c in codes], columns[p.id])
        chunks = [people[i : i + MAX_CODE_COLUMNS] for i in range(0, len(people), MAX_CODE_COLUMNS)]
        for part, chunk in enumerate(chunks, start=1):
            headers = [say(report.lang, "code"), *(p.label() for p in chunk)]
            rows = [
                [report.code_name(c.id), *(columns[p.id][j] for p in chunk)]
                for j, c in enumerate(codes)
            ]
            rows = [r for r in rows if any(r[1:])]
            title = say(report.lang, "matrix_title", aim=report.group_name(group.id))
            if len(chunks) > 1:
                title += f" ({part}/{len(chunks)})"
            tables.append(Table(group.id, title, headers, rows))
    return tables


def _summarised(report: ReportData, pid: str, codes: list[str], cells: list[str]) -> list[str]:
    """Each cell with a framework summary: the summary and its author above the cell's quote
    (a machine draft, only ever in a draft report, set apart like a suggestion)."""
    out = []
    for code, cell in zip(codes, cells, strict=True):
        s = report.summaries.get((pid, code))
        if s is None:
            out.append(cell)
            continue
        if s.draft:
            head = f"{MACHINE[0]}{say(report.lang, 'draft_summary')}: {s.text}{MACHINE[1]}"
        else:
            head = f"{say(report.lang, 'summary_by', author=s.author)}: {s.text}"
        out.append(f"{head}\n\n{cell}" if cell else head)
    return out


def _row_cells(report: ReportData, per_code: list[list[Quote]], per_cell: int) -> list[str]:
    """One participant's cells: the best quotes of each code, never a turn already quoted in
    another cell of the row (the next best is taken; with none left, the cell points to it)."""
    used: dict[int, str] = {}  # turn -> the code it is quoted under
    cells = []
    for quotes in per_code:
        ranked = best_quotes(quotes, per_cell + len(used))  # enough to skip the used turns
        fresh = [q for q in ranked if q.turn not in used][:per_cell]
        if fresh:
            cells.append("\n\n".join(cite(q, report.lang) for q in fresh))
            used.update((q.turn, q.code) for q in fresh)
        elif ranked:
            q = ranked[0]
            code = report.code_name(used[q.turn])
            cells.append(say(report.lang, "quoted_under", turn=q.turn, code=code))
        else:
            cells.append("")
    return cells


def theme_tables(report: ReportData, quotes: int = 3) -> list[Table]:
    """Per aim: one row per code: definition, how many participants raised it (n of N), the
    split by group, and illustrative quotes attributed by pseudonym and role."""
    prev = prevalence(report)
    sure = prevalence(report, resolved_only=True)
    labels = {p.id: p.label() for p in report.participants}
    by_code: dict[str, list[Quote]] = defaultdict(list)
    for q in report.quotes:
        by_code[q.code].append(q)
    tables = []
    for group in report.codebook.groups:
        chosen, used = _choose_for_table(report, group.codes, by_code, quotes)
        rows = []
        for code in group.codes:
            counts = prev[code.id]
            n, total = counts[""]
            reviewed = sure[code.id][""][0]
            split = "; ".join(
                f"{display(g)} {say(report.lang, 'n_of', n=sure[code.id][g][0], total=m)}"
                + (f" {MACHINE[0]}(+{k - sure[code.id][g][0]}){MACHINE[1]}"
                   if k > sure[code.id][g][0] else "")
                for g, (k, m) in counts.items()
                if g
            )  # fmt: skip
            cited = "\n\n".join(
                f"{cite(q, report.lang)} ({labels.get(q.participant, q.participant)})"
                for q in chosen[code.id]
            ) or _elsewhere(report, by_code[code.id], used)
            of = say(report.lang, "n_of", n=reviewed, total=total)
            if n > reviewed:  # what only suggestions add, set apart (italics in Word)
                extra = say(report.lang, "more_suggested", n=n - reviewed)
                of += f" {MACHINE[0]}{extra}{MACHINE[1]}"
            row = [report.code_name(code.id), report.definition(code.id), of, split, cited]
            rows.append(row if report.group_by else row[:3] + row[4:])
        lang = report.lang
        headers = [
            say(lang, "code"),
            say(lang, "definition"),
            say(lang, "participants"),
            say(lang, "by", attribute=report.attribute(report.group_by)),
            say(lang, "quotes"),
        ]
        if not report.group_by:  # no [export] group_by: no split column
            del headers[3]
        title = say(report.lang, "themes_title", aim=report.group_name(group.id))
        tables.append(Table(group.id, title, headers, rows))
    return tables


def _choose_for_table(
    report: ReportData, codes: Iterable[Code], by_code: dict[str, list[Quote]], n: int
) -> tuple[dict[str, list[Quote]], dict[tuple[str, int], str]]:
    """Each code's quotes for one table (``qualcode.review.quotechoice``): one per
    participant, spread over the report's groups, and a turn under one code only; the codes
    with the fewest quotes to choose from choose first. Returns the choice and the turns used
    (participant, turn) -> code."""
    used: dict[tuple[str, int], str] = {}
    chosen: dict[str, list[Quote]] = {}
    for code in sorted(codes, key=lambda c: (len(by_code[c.id]), c.id)):
        chosen[code.id] = choose(by_code[code.id], n, report.groups, set(used))
        used.update(((q.participant, q.turn), code.id) for q in chosen[code.id])
    return chosen, used


def _elsewhere(report: ReportData, quotes: list[Quote], used: dict[tuple[str, int], str]) -> str:
    """For a code whose every quote is quoted under another code of the table: where."""
    ranked = best_quotes(quotes, 1)
    if not ranked:
        return ""
    q = ranked[0]
    code = report.code_name(used[(q.participant, q.turn)])
    return say(report.lang, "quoted_under", turn=q.turn, code=code) + f" ({q.participant})"


def long_rows(report: ReportData) -> tuple[list[str], list[list[str]]]:
    """Every exported coding, one row each (for CSV and the Excel long sheet)."""
    attrs = list(report.participants[0].attributes) if report.participants else []
    people = {p.id: p for p in report.participants}
    aim = {c.id: c.group for c in report.codebook.codes}
    headers = ["aim", "code", "participant", *attrs, "turn", "status", "key_quote", "quote"]
    rows = []
    for q in sorted(report.quotes, key=lambda q: (aim[q.code], q.code, q.participant, q.turn)):
        p = people.get(q.participant)
        values = [p.attributes.get(a, "") for a in attrs] if p else [""] * len(attrs)
        rows.append([aim[q.code], q.code, q.participant, *values, str(q.turn), q.status,
                     "yes" if q.key else "", q.text])  # fmt: skip
    return headers, rows
