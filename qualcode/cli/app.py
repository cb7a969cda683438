"""The typer application object and the options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

APP_SETTINGS = dict(
    name="qualcode",
    help=(
        "qualcode: code qualitative interviews. Load transcripts, apply a codebook, review the "
        "machine's suggestions and export themed quote matrices. Every command works on the "
        "project in the current folder (or the nearest one above it), or on --project DIR."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app = typer.Typer(**APP_SETTINGS)  # type: ignore[arg-type]


def _version_callback(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        from qualcode import __version__
        from qualcode.cli import render

        render.out.print(f"qualcode {__version__}")
        raise typer.Exit(0)


# on the app itself (not in a command module): with only one command module loaded, the app
# stays a group of commands rather than becoming that one command
app.callback(invoke_without_command=True)(_version_callback)

ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-p",
        help="Project folder (default: the current folder).",
        envvar="QUALCODE_PROJECT",
        file_okay=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

AsOpt = Annotated[str, typer.Option("--as", help="Reviewer name (default: \\[project] reviewer).")]
