"""The one error family qualcode raises on purpose.

The library never prints or exits: it raises a ``QualcodeError`` carrying a short message and a
hint saying what to do. ``qualcode.cli.main`` renders it once, at the edge. Messages name files and
settings, never participants' words.
"""

from __future__ import annotations

# Where a true bug (an "internal error") should be reported.
ISSUES = "the qualcode issue tracker (README: 'Reporting a problem')"


class QualcodeError(Exception):
    """An expected failure with a one-line message and a hint for the user."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        message = " ".join(message.split())  # one line, whatever a library's message held
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ProjectError(QualcodeError):
    """The project folder or its settings are missing or wrong."""

    exit_code = 2


class StoreError(QualcodeError):
    """The SQLite store cannot be opened, migrated or written."""


class InputFileError(QualcodeError):
    """One input file cannot be read; names the file."""

    def __init__(self, path: str, message: str, hint: str = "") -> None:
        super().__init__(f"{path}: {message}", hint)
        self.path = path
        self.problem = " ".join(message.split())
