"""The ``qualcode`` command line: thin typer commands over the library.

Each command parses options, calls one public function and renders the result. Errors from the
library (``QualcodeError``) are rendered once, here, as a short message with a hint.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import typer

from qualcode.cli.app import APP_SETTINGS, _version_callback, app
from qualcode.cli.helpfmt import literal_brackets, plain_types, tidy
from qualcode.errors import ISSUES, QualcodeError

# Each module registers its commands on import. Only the modules of the command being run are
# imported (`qualcode status --help` converts one module's commands, not all of them); `qualcode
# --help` prints the listing below without importing any. Each entry: a top-level command or
# group, in the order --help lists them, its one line, and the modules that register it and its
# subcommands. tests/test_startup.py checks this against the commands themselves.
COMMAND_MODULES = (
    "coding", "commands", "review", "suggest", "topics",  # load, code, review, learn
    "search", "analysis", "summaries",  # questions asked of the coding
    "serve", "users", "admin",  # the team server, its accounts and backups
)  # fmt: skip
COMMANDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("code", "Apply the codebook's rules to every participant turn and store the suggestions.",
     ("coding",)),
    ("init", "Create a new project: qualcode.toml, transcripts/, codebooks/, outputs/ and the "
     "store.", ("commands",)),
    ("ingest", "Load transcripts (.docx, .txt, .md, .rst, .vtt, .srt, .pdf) and the attribute "
     "sheet.", ("commands",)),
    ("status", "What the project holds: documents, turns, words, participants, counts by "
     "attribute.", ("commands",)),
    ("run", "The main job, start to finish: ingest, code, learn, suggest topics, report.",
     ("commands",)),
    ("show", "Show one document's speaker turns: index, speaker, role, timestamp and text.",
     ("commands",)),
    ("log", "The audit log: every command that changed the project, and people's work, by whom "
     "and when.", ("commands",)),
    ("saturation", "When the codes stopped growing: new codes per interview, in interview order.",
     ("commands",)),
    ("agreement", "Agreement between coders, per code and overall.", ("review",)),
    ("reconcile", "Settle two coders' disagreements, one at a time, side by side.", ("review",)),
    ("memos", "List reviewers' memos and reconcile rationales: who wrote what, where, when.",
     ("review",)),
    ("quotes", "Every segment coded with CODE, by participant: the evidence behind one theme.",
     ("review",)),
    ("search", "Find words, phrases and patterns in the transcripts, shown in context.",
     ("search",)),
    ("cooccurrence", "Which codes travel together: codes x codes in the final coding.",
     ("analysis",)),
    ("crosstab", "Codes x attribute values: participants coded with each code, n/N and column %.",
     ("analysis",)),
    ("serve", "Serve the project's review to a team's browsers (Ctrl+C stops it).", ("serve",)),
    ("backup", "Copy the project store consistently, even while 'qualcode serve' runs, and "
     "check the copy.", ("admin",)),
    ("restore", "Put a backup in place of the project store, after checking it.", ("admin",)),
    ("codebook", "Check, show and describe codebooks.", ("coding",)),
    ("export", "Export codings and reports.", ("coding",)),
    ("review", "Review suggestions in a terminal app, or code blind as a second coder.",
     ("review",)),
    ("suggest", "Suggestions learned from human coding: train, suggest, evaluate, queue.",
     ("suggest",)),
    ("import", "Import work done elsewhere.", ("suggest",)),
    ("topics", "Themes the codebook lacks, from a topic model; adopt one as a draft code.",
     ("topics",)),
    ("summaries", "Framework summaries: a person's summary of each participant's data per code.",
     ("summaries",)),
    ("users", "Accounts for 'qualcode serve': add (with a one-time invite link), list, "
     "deactivate, reinvite, reactivate, role.", ("serve", "users", "admin")),
)  # fmt: skip
_MODULES_OF = {name: modules for name, _, modules in COMMANDS}
plain_types()
literal_brackets()
_loaded: set[str] = set()


def load(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """Import these command modules (all of them by default) and return the app holding their
    commands, their help tidied."""
    fresh = [m for m in modules if m not in _loaded]
    for module in fresh:
        import_module(f"qualcode.cli.{module}")
        _loaded.add(module)
    if fresh:
        tidy(app)
        # --help lists commands in COMMANDS order, whichever modules a process loaded first
        order = {name: i for i, (name, _, _) in enumerate(COMMANDS)}
        app.registered_commands.sort(key=lambda c: order.get(_name(c), len(order)))
        app.registered_groups.sort(key=lambda g: order.get(g.name or "", len(order)))
    return app


def _name(command: Any) -> str:
    return str(command.name or command.callback.__name__.replace("_", "-"))


def _app_for(argv: list[str]) -> typer.Typer:
    """The app to run ``argv``: the listing alone for `qualcode --help`, the invoked command's
    modules for a known command, everything otherwise (an unknown command's suggestions)."""
    if argv in ([], ["--help"], ["-h"]) and _loaded != set(COMMAND_MODULES):
        return _listing()
    first = argv[0] if argv and not argv[0].startswith("-") else ""
    if first in _MODULES_OF:
        return load(_MODULES_OF[first])
    return load()


def _listing() -> typer.Typer:
    """An app with one stand-in per top-level command, listing what `load()` would: its
    --help is the real one, made without importing a command module."""
    listing = typer.Typer(**APP_SETTINGS)  # type: ignore[arg-type]
    listing.callback(invoke_without_command=True)(_version_callback)
    for name, line, _ in COMMANDS:
        listing.command(name, help=line)(_stand_in)
    return listing


def _stand_in() -> None:  # pragma: no cover - only its help is ever shown
    load()


__all__ = ["COMMANDS", "COMMAND_MODULES", "app", "load", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 something failed, 2 usage/project error).
    A command that changes the project is appended to its audit log when it succeeds."""
    args = list(sys.argv[1:] if argv is None else argv)
    # help changes nothing (the audit log's own rule, NOT_LOGGED_WITH): not even its module loads
    pending = None if {"--help", "-h"} & set(args) else _audit_begin(args)
    if pending is None:
        return _main(args)
    from qualcode.cli import audit

    with audit.scope(pending):  # type: ignore[arg-type]  # each write it commits carries its own audit entry
        code = _main(args)
    if code == 0:
        _audit_finish(pending)
    return code


def _audit_errors() -> tuple[type[Exception], ...]:
    import sqlite3  # here, not at the top: --help loads no database module

    return (QualcodeError, OSError, sqlite3.Error, ValueError)


def _audit_begin(args: list[str]) -> object:
    from qualcode.cli import audit

    try:
        return audit.begin(args)
    except _audit_errors() as exc:  # the log must never stop the work; it says so instead
        _audit_failed(exc)
        return None


def _audit_finish(pending: object) -> None:
    from qualcode.cli import audit

    try:
        audit.finish(pending)  # type: ignore[arg-type]
    except _audit_errors() as exc:
        _audit_failed(exc)


def _audit_failed(exc: Exception) -> None:
    from qualcode.cli.render import warn

    warn(f"the audit log was not written ({type(exc).__name__}); the command itself ran")


_PYTHON_SHOWWARNING: Any = None  # Python's own, kept for other libraries' warnings


def _show_warning(message: object, category: type[Warning], *args: object, **kw: object) -> None:
    """qualcode's own warnings (e.g. an old model file converted) as one 'warning:' line; any
    other library's as Python shows them."""
    if not category.__module__.startswith("qualcode"):
        _PYTHON_SHOWWARNING(message, category, *args, **kw)
        return
    from qualcode.cli.render import warn

    warn(str(message))


def _main(argv: list[str]) -> int:
    import warnings

    if warnings.showwarning is not _show_warning:
        globals()["_PYTHON_SHOWWARNING"] = warnings.showwarning
        warnings.showwarning = _show_warning
    try:
        _app_for(argv)(args=argv, prog_name="qualcode")
    except SystemExit as exc:  # typer (standalone mode) exits with the command's code
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except QualcodeError as exc:
        from qualcode.cli.render import error

        error(exc.message, exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("QUALCODE_DEBUG"):
            raise
        from qualcode.cli.render import error

        if type(exc).__name__ == "OperationalError":  # sqlite3's, outside a transaction
            from qualcode.store.base import busy

            locked = busy(Path("project store"), exc)  # type: ignore[arg-type]
            if locked is not None:
                error(locked.message, locked.hint)
                return locked.exit_code

        error(
            f"internal error ({type(exc).__name__})",
            f"please report it to {ISSUES}; set QUALCODE_DEBUG=1 to see the traceback",
        )
        return 3
    return 0


def run() -> None:  # console-script entry point
    sys.exit(main())
