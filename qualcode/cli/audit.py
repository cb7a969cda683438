"""The audit log, kept by the CLI: every command that changes the project (or writes its
outputs) appends who ran it, when, with which codebook and model, and what it added.

Each write transaction the command commits appends a 'part' entry in that same transaction (a
killed command leaves its data and their entries, or neither); when the command succeeds, an
'end' entry sums up what it added. The store refuses to edit or delete entries. The options are
the command line after the command's name, with paths shortened to file names and nothing the
command read (no participant's words) ever included. A person's key presses in the review app
and form posts in the review server are recorded as actions (who, what, when), each in the
transaction of what it stored.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Commands whose success is logged, by their words on the command line.
LOGGED = {
    ("ingest",), ("code",), ("run",), ("reconcile",), ("review",), ("review", "import"),
    ("suggest",), ("suggest", "train"), ("import", "codings"), ("import", "qdpx"),
    ("topics",), ("topics", "adopt"), ("users", "add"), ("users", "deactivate"), ("serve",),
    ("users", "reinvite"), ("users", "reactivate"), ("users", "role"),
    ("export", "matrix"), ("export", "themes"), ("export", "qdpx"), ("export", "codings"),
    ("export", "methods"), ("search",),
}  # fmt: skip
# Logged only with one of these options (a search that stores or writes nothing changes nothing).
LOGGED_ONLY_WITH: dict[tuple[str, ...], set[str]] = {
    ("search",): {"--suggest", "--code-as", "-o", "--output", "-f", "--format"}
}
LOGGED |= {("users", "unlock")}  # a lead unlocking a name after failed logins
GROUPS = {"codebook", "export", "review", "suggest", "import", "topics", "users"}
LOGGED |= {("summaries", "import"), ("summaries", "draft")}  # framework summaries
GROUPS |= {"summaries"}
NOT_LOGGED_WITH = {"--dry-run", "--no-store", "--help", "-h"}
# Commands that may create the project's store; the others are logged only in a project that
# has one (logging never creates a store as a side effect).
CREATES_STORE = {("ingest",), ("run",), ("import", "qdpx")}
VALUED = {"-p", "--project", "--as", "--coder", "-o", "--output", "--codebook", "--model"}


@dataclass
class Pending:
    command: tuple[str, ...]
    options: list[str]
    project: Path | None
    who: str
    started: str
    before: dict[str, int]
    invocation: str = field(default_factory=lambda: uuid.uuid4().hex)
    store: Path | None = None


def _command(argv: list[str]) -> tuple[tuple[str, ...], list[str]]:
    words: list[str] = []
    rest = list(argv)
    while rest and not rest[0].startswith("-") and len(words) < 2:
        if words and words[0] not in GROUPS:
            break
        words.append(rest.pop(0))
    return tuple(words), rest


def _shown(options: list[str]) -> list[str]:
    """The options as logged: a path is shortened to its file name."""
    out = []
    for value in options:
        out.append(Path(value).name if ("/" in value or os.sep in value) else value)
    return out


def _value(options: list[str], *names: str) -> str | None:
    for i, token in enumerate(options):
        for name in names:
            if token == name and i + 1 < len(options):
                return options[i + 1]
            if token.startswith(name + "="):
                return token.split("=", 1)[1]
    return None


def begin(argv: list[str]) -> Pending | None:
    """Note what is about to run, if it is a logged command (None otherwise, or when there is
    no project to log in)."""
    command, options = _command(argv)
    if command not in LOGGED or NOT_LOGGED_WITH & set(options):
        return None  # (before any import of the project: --help stays light)
    needed = LOGGED_ONLY_WITH.get(command)
    if needed is not None and not needed & {o.split("=", 1)[0] for o in options}:
        return None
    from qualcode.errors import QualcodeError
    from qualcode.project import open_project
    from qualcode.store.base import now

    where = _value(options, "-p", "--project") or os.environ.get("QUALCODE_PROJECT")
    try:
        project = open_project(Path(where) if where else None)
    except QualcodeError:
        return None  # the command will say what is wrong
    try:
        exists = project.store_path.exists()
        if not exists and command not in CREATES_STORE:
            return None
        before = project.store.counts() if exists else {}
        import getpass

        who = _value(options, "--as") or project.settings.reviewer or getpass.getuser()
        store_path = project.store_path
    except QualcodeError:
        return None
    finally:
        project.close()
    return Pending(command, _shown(options), project.root, who, now(), before, store=store_path)


@contextmanager
def scope(pending: Pending) -> Iterator[None]:
    """While the command runs, its writes to the project's store log themselves."""
    from qualcode.store.base import AUDIT, AuditScope

    if pending.store is None:
        yield
        return
    store_path = pending.store
    options = {"argv": pending.options}
    AUDIT.append(AuditScope(store_path, pending.invocation, pending.who,
                            " ".join(pending.command), options, pending.started))  # fmt: skip
    try:
        yield
    finally:
        AUDIT.clear()


def finish(pending: Pending) -> None:
    """Append the entry for a command that succeeded."""
    from qualcode.project import open_project

    project = open_project(pending.project)
    try:
        store = project.store
        after = store.counts()
        changes: dict[str, Any] = {
            k: after[k] - pending.before.get(k, 0)
            for k in after
            if after[k] != pending.before.get(k, 0)
        }
        code = store.latest_run("code")
        train = store.latest_run("train")
        store.audit(
            pending.started,
            pending.who,
            " ".join(pending.command),
            {"argv": pending.options},
            code[1].get("codebook_hash") if code else None,
            train[1].get("model") if train else None,
            changes,
            pending.invocation,
        )
    finally:
        project.close()
