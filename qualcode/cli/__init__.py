"""The ``qualcode`` command line: thin typer commands over the library.

Each command parses options, calls one public function and renders the result. Errors from the
library (``QualcodeError``) are rendered once, here, as a short message with a hint.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from qualcode.cli import coding, commands, review, suggest, topics
from qualcode.cli.app import app
from qualcode.cli.helpfmt import plain_types, tidy
from qualcode.errors import ISSUES, QualcodeError

tidy(app)
plain_types()

__all__ = ["app", "coding", "commands", "main", "review", "run", "suggest", "topics"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 something failed, 2 usage/project error)."""
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
