"""Help that reads well at any terminal width.

Docstrings are hard-wrapped at 100 columns in the source; typer keeps those line breaks, so the
terminal's own wrapping broke sentences mid-line. :func:`tidy` joins each paragraph into one line
(keeping list items apart) for every command. Newer typer versions also print a value type
beside every option, ``<bool>`` even on flags; :func:`plain_types` keeps types for options that
take a value and names them in words. Help names settings as ``[server] store``: rich would take
``[server]`` for markup and print nothing, so :func:`literal_brackets` makes every bracket in
help literal (help uses no markup).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import typer

_ITEM = re.compile(r"\s*(?:[-*]|\d+[.)])\s")
_TYPE_WORDS = {"str": "text", "list[str]": "text", "list[Path]": "path", "Path": "path"}


def unwrap(text: str) -> str:
    """Join hard-wrapped lines into paragraphs; list items ("- ", "1. ") stay on their own."""
    paragraphs = []
    for para in inspect.cleandoc(text).split("\n\n"):
        lines: list[str] = []
        for line in para.split("\n"):
            if lines and not _ITEM.match(line):
                lines[-1] = f"{lines[-1]} {line.strip()}"
            else:
                lines.append(line.rstrip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def tidy(app: typer.Typer) -> None:
    """Unwrap the help of every command and command group of ``app``, recursively."""
    for command in app.registered_commands:
        doc = command.help or inspect.getdoc(command.callback) or ""
        command.help = unwrap(doc)
    for group in app.registered_groups:
        sub = group.typer_instance
        if sub is not None:
            if isinstance(sub.info.help, str):
                sub.info.help = unwrap(sub.info.help)
            tidy(sub)


def plain_types() -> None:
    """No type beside a flag; value types in words (``<text>``, ``<path>``)."""
    from typer import core

    try:  # typer < 0.29 names its vendored click's string type "str"; click calls it "text"
        from typer._click import types as click_types

        if getattr(click_types.StringParamType, "name", "") == "str":
            click_types.StringParamType.name = "text"
    except ImportError:
        pass
    base = getattr(core, "_TyperParameter", None)
    option = getattr(core, "TyperOption", None)
    if base is None or option is None or not hasattr(option, "display_type_rich"):
        return  # an older typer prints no types: nothing to tidy
    display_type = base.display_type
    display_rich = option.display_type_rich

    def _display_type(self: Any, ctx: Any) -> str:
        shown = str(display_type(self, ctx))
        inner = shown[1:-1] if shown.startswith("<") and shown.endswith(">") else None
        return f"<{_TYPE_WORDS[inner]}>" if inner in _TYPE_WORDS else shown

    def _display_rich(self: Any, ctx: Any) -> str | None:
        return None if getattr(self, "is_flag", False) else display_rich(self, ctx)

    base.display_type = _display_type
    option.display_type_rich = _display_rich


_OPEN = re.compile(r"(?<!\\)\[")


def literal_brackets() -> None:
    """Show every ``[`` in help as written: ``[suggest] retrain_every`` is a setting's name,
    not rich markup (escapes already written as ``\\[`` are left as they are)."""
    try:
        from typer import rich_utils
    except ImportError:  # no rich: click prints help as written
        return
    make = getattr(rich_utils, "_make_rich_text", None)
    if make is None or getattr(make, "literal_brackets", False):
        return

    def literal(*, text: str, **kwargs: Any) -> Any:
        return make(text=_OPEN.sub(r"\\[", text), **kwargs)

    literal.literal_brackets = True  # type: ignore[attr-defined]
    rich_utils._make_rich_text = literal
