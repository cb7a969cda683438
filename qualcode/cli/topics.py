"""Commands for topic suggestions: themes the codebook does not yet have."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import render
from qualcode.cli.app import JsonOpt, ProjectOpt, app
from qualcode.cli.coding import CodebookOpt

QUOTE_CHARS = 160

topics_app = typer.Typer(
    short_help="Themes the codebook lacks, from a topic model; adopt one as a draft code.",
    help=(
        "Topic suggestions. Without a subcommand: fit a seeded topic model to participant turns "
        "(the number of topics chosen by coherence), show each topic's terms, quotes, prevalence "
        "by group and coverage by existing codes, and store poorly covered topics as 'topic' "
        "suggestions. The fit of the same turns with the same settings is kept (.qualcode/cache) "
        "and reused. Settings: \\[topics] in qualcode.toml."
    ),
    invoke_without_command=True,
)
app.add_typer(topics_app, name="topics")


@topics_app.callback()
def topics(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option("--by", help="Attribute to compare groups by (default: sector).")
    ] = "",
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Show the topics; store no suggestions.")
    ] = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from qualcode.project import open_project

    proj = open_project(project)
    report = run_topics(proj, by, not no_store, as_json)
    proj.close()
    show_topics(report, as_json)


def run_topics(proj: Any, by: str, store: bool, as_json: bool) -> Any:
    from qualcode.coding.topics import model_topics

    with render.spinner("Modelling topics", enabled=not as_json):
        return model_topics(proj, by, store)


def show_topics(report: Any, as_json: bool) -> None:
    if as_json:
        render.print_json(report)
        return
    tried = ", ".join(f"k={t['k']} NPMI {t['npmi']:.3f}" for t in report.tried)
    render.out.print(f"Topics ({report.method}, {report.segments:,} turns): tried {tried}.")
    groups = sorted({g for t in report.topics for g in t.prevalence})
    rows = []
    for t in report.topics:
        covered = f"{t.coverage:.0%} {t.top_code}" if t.coded_turns else "- (none coded)"
        rows.append(
            [
                f"{t.number}{' *' if t.candidate else ''}",
                ", ".join(t.terms[:7]),
                f"{t.weight:.0%}",
                covered,
                *(f"{t.prevalence.get(g, 0):.1f}" for g in groups),
            ]
        )
    columns = ["topic", "top terms", "share", "covered by", *groups]
    title = (
        f"{report.k} topics (* = poorly covered: stored as suggestions, adopt with 'topics adopt')"
    )
    render.out.print(render.table(title, columns, rows, {2, *range(4, 4 + len(groups))}))
    if report.coded_documents:
        render.out.print(
            f"'covered by': the share of a topic's turns, in the {report.coded_documents} coded "
            "interviews, that carry its most common code."
        )
    quotes = [
        [str(t.number), q["participant"] or "", str(q["turn"]), _trim(q["text"], QUOTE_CHARS)]
        for t in report.topics
        for q in t.quotes[:2]
    ]
    if quotes:
        render.out.print(
            render.table(
                "What each topic sounds like (its most typical turns)",
                ["topic", "participant", "turn", "quote"],
                quotes,
                {2},
            )
        )
    if report.weak:
        best = max(t["npmi"] for t in report.tried)
        render.warn(
            f"the topics are barely more coherent than chance (best NPMI {best:.3f}, under "
            "0.05): read them as hints; more or longer turns, or [topics] k_min/k_max, may help"
        )
    if report.stored:
        render.out.print(f"{report.stored:,} topic suggestions stored for review.")


@topics_app.command("adopt")
def adopt(
    number: Annotated[int, typer.Argument(help="Topic number, as 'qualcode topics' shows it.")],
    code_id: Annotated[
        str, typer.Option("--id", help="New code id, e.g. emerging.welsh_language.")
    ],
    group: Annotated[str, typer.Option("--group", help="Group to add it to.")] = "emerging",
    codebook: CodebookOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write a topic into the codebook as a draft code.

    The draft has a name and definition from the topic's top terms, example quotes and keyword
    rules; the codebook file keeps its comments and order."""
    from qualcode.coding.topics import adopt as run_adopt
    from qualcode.project import open_project

    proj = open_project(project)
    path = run_adopt(proj, number, code_id, group, codebook)
    proj.close()
    render.out.print(f"Added draft code {code_id} to {Path(path).name}: edit its definition.")


def _trim(text: str, chars: int) -> str:
    from qualcode.segment import trim

    return trim(text, chars)
