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

from qualcode.cli.app import app
from qualcode.cli.helpfmt import literal_brackets, plain_types, tidy
from qualcode.errors import ISSUES, QualcodeError

# Each module registers its commands on import; `qualcode --help` lists them in this order: the
# main job and coding first, then questions asked of the coding, then the team server.
COMMAND_MODULES = (
    "coding", "commands", "review", "suggest", "topics",  # load, code, review, learn
    "search", "analysis", "summaries",  # questions asked of the coding
    "serve", "users", "admin",  # the team server, its accounts and backups
)  # fmt: skip
for _module in COMMAND_MODULES:
    import_module(f"qualcode.cli.{_module}")

tidy(app)
plain_types()
literal_brackets()

__all__ = ["COMMAND_MODULES", "app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 something failed, 2 usage/project error).
    A command that changes the project is appended to its audit log when it succeeds."""
    args = list(sys.argv[1:] if argv is None else argv)
    pending = _audit_begin(args)
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
        app(args=argv, prog_name="qualcode")
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
