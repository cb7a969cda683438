"""Rendering results for people (rich tables) and machines (JSON). No library logic here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# Output is text, not markup: transcripts are full of "[laughs]" and "[inaudible]".
# Piped or redirected, output is never cut to 80 columns: tables take the width they need.
PIPED_WIDTH = 10_000
out = Console(
    highlight=False,
    soft_wrap=False,
    markup=False,
    width=None if sys.stdout.isatty() else PIPED_WIDTH,
)
err = Console(stderr=True, highlight=False)


def error(message: str, hint: str = "") -> None:
    """One clear line on stderr (and the hint, if any, after it). Messages are printed as
    text, never as markup: file names and settings like [project] must survive."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)
    if hint:
        err.print(f"  [dim]hint:[/] {escape(hint)}", soft_wrap=True)


def did_you_mean(value: str, known: list[str], otherwise: str, cutoff: float = 0.6) -> str:
    """The hint for a name that matches nothing: the close matches, or `otherwise`."""
    from difflib import get_close_matches

    close = get_close_matches(value, known, n=3, cutoff=cutoff)
    return f"did you mean {', '.join(close)}?" if close else otherwise


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def _plain(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    raise TypeError(type(obj).__name__)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_plain, ensure_ascii=False) + "\n")


def table(
    title: str, columns: list[str], rows: list[list[Any]], right: set[int] | None = None
) -> Table:
    # a title as wide as the table needs, so a narrow table does not fold it
    t = Table(title=title, title_justify="left", header_style="bold", min_width=len(title))
    for i, c in enumerate(columns):
        t.add_column(c, justify="right" if right and i in right else "left")
    for r in rows:
        t.add_row(*[Text("" if v is None else str(v)) for v in r])
    return t


@contextmanager
def progress(label: str, total: int, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr; yields a callback to advance it by one item."""
    if not enabled or total < 2 or not err.is_terminal:
        yield lambda _name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda _name: bar.advance(task)


@contextmanager
def counter(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A progress bar for work that reports (done, total) as it goes."""
    if not enabled or not err.is_terminal:
        yield lambda _done, _total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@contextmanager
def spinner(label: str, enabled: bool = True) -> Iterator[None]:
    """A spinner on stderr for work whose length is unknown (model fits)."""
    if not enabled or not err.is_terminal:
        yield
        return
    with err.status(label + "..."):
        yield
