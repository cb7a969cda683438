"""The typer application object and the options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
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
