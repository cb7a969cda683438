"""`qualcode search`: text search over the transcripts, as keyword-in-context lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.analysis.query import UsageError
from qualcode.cli import render
from qualcode.cli.app import JsonOpt, ProjectOpt, app

FORMATS = ("csv", "xlsx", "docx", "md")
SHOWN = 50  # lines shown in the terminal unless --limit says otherwise


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="What to find (see above); quote it in the shell.")],
    regex: Annotated[
        bool, typer.Option("--regex", help="QUERY is a regular expression (Python's syntax).")
    ] = False,
    forms: Annotated[
        bool, typer.Option("--forms", help="Find every form of each word: refer, refers, referred.")
    ] = False,
    case: Annotated[bool, typer.Option("--case-sensitive", help="Match case exactly.")] = False,
    speakers: Annotated[
        str, typer.Option("--speakers", help="Whose turns: participant, interviewer or all.")
    ] = "participant",
    doc: Annotated[
        list[str] | None,
        typer.Option("--doc", help="Only this document (path, file name or participant id)."),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help="Only participants with ATTR=VALUE, e.g. sector=policing."),
    ] = None,
    code: Annotated[
        str, typer.Option("--code", help="Only inside segments the final coding gives this code.")
    ] = "",
    by: Annotated[str, typer.Option("--by", help="Count hits by this attribute's values.")] = "",
    context: Annotated[
        int, typer.Option("--context", min=10, max=400, help="Characters of context each side.")
    ] = 60,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Lines shown in the terminal (0: all).")
    ] = SHOWN,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Write the lines as csv, xlsx, docx or md.")
    ] = "",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: in outputs/).")
    ] = None,
    suggest: Annotated[
        str, typer.Option("--suggest", help="Store the hits' segments as suggestions of CODE.")
    ] = "",
    code_as: Annotated[
        str,
        typer.Option("--code-as", help="Store the hits' segments as --as NAME's coding of CODE."),
    ] = "",
    person: Annotated[str, typer.Option("--as", help="The person coding, with --code-as.")] = "",
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find words, phrases and patterns in the transcripts, shown in context.

    QUERY: words (any case, whole words), "a phrase" in double quotes, wildcards (refer* for any
    ending, organi?ation for one letter), A NEAR/5 B (at most 5 words apart, either order), and
    AND (implied between words), OR, NOT, parentheses. --forms finds every form of a word
    (by the lemmatiser the rules use); --regex takes a regular expression instead.

    Participants' turns are searched unless --speakers says otherwise. Each hit is shown as a
    keyword-in-context line (participant, turn, left context, hit, right context), quotes
    pseudonymised as in the reports; --by ATTR counts hits per group. -f csv|xlsx|docx|md writes
    every line to a file; --json prints them all.

    --suggest CODE stores each hit's segment as a suggestion of CODE (source "search: QUERY") for
    review; --code-as CODE --as NAME stores them as NAME's coding of that one code (nothing else
    about the segments is judged).

    Example: qualcode search "refer*" --where sector=policing --by local_authority -f docx
    """
    from qualcode.analysis.search import SearchOptions, kwic, pseudonymiser, search
    from qualcode.project import open_project

    fmt, output = _output(fmt, output)
    if suggest and code_as:
        raise UsageError("--suggest and --code-as both given", "choose one of them")
    if person and not code_as:
        raise UsageError("--as is for --code-as", "give --code-as CODE --as NAME")
    options = SearchOptions(query, regex, forms, case, speakers, tuple(doc or ()),
                            tuple(where or ()), code, by)  # fmt: skip
    proj = open_project(project)
    try:
        person = _check_storing(proj, suggest or code_as, code_as, person)  # before searching
        result = search(proj, options)
        kwic(result, pseudonymiser(proj), context, 0 if (fmt or as_json) else limit)
        stored = _store(proj, result, suggest, code_as, person)
        written = _write(proj, result, fmt, output, query) if fmt else None
    finally:
        proj.close()
    _show(result, stored, written, limit, as_json)


def _output(fmt: str, output: Path | None) -> tuple[str, Path | None]:
    if not fmt and output is not None:
        fmt = output.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise UsageError(f"-o {output}: cannot tell the format", "give -f csv|xlsx|docx|md")
    if fmt and fmt not in FORMATS:
        raise UsageError(f"--format {fmt}", "use csv, xlsx, docx or md")
    return fmt, output


def _check_storing(proj: Any, code: str, code_as: str, person: str) -> str:
    """The person coding (with --code-as), once the code and the name are known to be good."""
    if not code:
        return ""
    from qualcode.analysis.scope import code_id
    from qualcode.coding.imports import check_coder_name

    code_id(proj, code)
    if not code_as:
        return ""
    who = person or proj.settings.reviewer
    if not who:
        raise UsageError("--code-as needs the person coding", "give --as NAME")
    check_coder_name(who)
    return str(who)


def _store(proj: Any, result: Any, suggest: str, code_as: str, person: str) -> Any:
    from qualcode.analysis.searchcode import record_code, suggest_code

    if suggest:
        return suggest_code(proj, result, suggest)
    if code_as:
        return record_code(proj, result, code_as, person)
    return None


def _write(proj: Any, result: Any, fmt: str, output: Path | None, query: str) -> Path:
    from qualcode.export.kwic import write_kwic

    if output is None:
        slug = re.sub(r"[^\w]+", "-", query.casefold()).strip("-")[:40] or "query"
        output = proj.path(proj.settings.paths.outputs) / f"search-{slug}.{fmt}"
    output.parent.mkdir(parents=True, exist_ok=True)
    return write_kwic(result, fmt, output, tuple(proj.settings.export.names))


def _show(result: Any, stored: Any, written: Path | None, limit: int, as_json: bool) -> None:
    from qualcode.export.kwic import group_rows, lines, summary

    if as_json:
        data = result.as_dict()
        if stored is not None:
            data["stored"] = stored
        if written is not None:
            data["written"] = str(written)
        render.print_json(data)
        return
    render.out.print(summary(result))
    if result.by:
        headers, rows = group_rows(result)
        render.out.print(render.table(f"Hits by {result.by}", headers, rows, {1, 2, 3, 4}))
    if result.hits:
        headers, rows = lines(result)
        shown = rows[:limit] if limit else rows
        render.out.print(_kwic_table(headers, shown))
        if len(shown) < len(rows):
            more = len(rows) - len(shown)
            render.out.print(f"... {more:,} more lines: --limit 0 shows all, -f writes them all.")
    if stored is not None:
        render.out.print(_stored_line(stored))
    if written is not None:
        render.out.print(f"Wrote {written}")


def _kwic_table(headers: list[str], rows: list[list[str]]) -> Any:
    from rich.table import Table
    from rich.text import Text

    t = Table(header_style="bold", show_edge=False)
    for h in headers:
        right = h in ("left context", "turn")
        t.add_column(
            h, justify="right" if right else "left", no_wrap=h != "hit" and "context" not in h
        )
    for r in rows:
        t.add_row(
            *[
                Text(c, style="bold") if h == "hit" else Text(c)
                for h, c in zip(headers, r, strict=True)
            ]
        )
    return t


def _stored_line(stored: Any) -> str:
    new = f"{stored.added:,} new" if stored.added != stored.segments else "all new"
    if stored.how == "suggestion":
        text = (
            f"Stored {stored.segments:,} segments as suggestions of {stored.code} ({new}), "
            f"source '{stored.source}': review them with 'qualcode review'."
        )
    else:
        text = (
            f"Stored {stored.segments:,} segments as {stored.by}'s coding of {stored.code} ({new})."
        )
    if stored.interviewer_hits:
        text += f" {stored.interviewer_hits:,} hits on interviewer turns were not coded."
    return text
