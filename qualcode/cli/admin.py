"""Looking after a served project: 'qualcode users unlock', 'qualcode backup' and 'restore'."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli import render
from qualcode.cli.app import JsonOpt, ProjectOpt, app
from qualcode.cli.serve import _served, users_app
from qualcode.errors import QualcodeError


@users_app.command("unlock")
def users_unlock(
    name: Annotated[str, typer.Argument(help="The user whose failed logins are forgotten.")],
    project: ProjectOpt = None,
) -> None:
    """Let a name log in again at once after too many wrong passwords (from every address).

    'qualcode serve' holds back a name from one address after 5 wrong passwords in 15
    minutes, and an address after 20 (whatever the names); the right password from another
    address still works. The unlock is in 'qualcode log'."""
    proj = _served(project)
    try:
        if proj.store.user(name) is None:
            raise QualcodeError(f"no user '{name}'", "see 'qualcode users list'")
        forgotten = proj.store.unlock(name, via="cli")
    finally:
        proj.close()
    render.out.print(f"Unlocked {name} ({forgotten} failed logins forgotten).")


@app.command("backup")
def backup_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Where to write the copy (default: backups/ beside the store, named with the "
            "time).",
            show_default=False,
        ),
    ] = None,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy the project store consistently, even while 'qualcode serve' runs, and check the copy.

    The copy holds every decision stored before it began (SQLite's online backup), passes
    SQLite's integrity check, and is readable by its owner only. Schedule it daily (README:
    'Backups'); 'qualcode restore FILE' puts a copy back."""
    from qualcode.store.backup import backup

    proj = _served(project)
    store = proj.store_path
    proj.close()
    copy = backup(store, file)
    if as_json:
        render.print_json({"path": str(copy.path), "bytes": copy.size,
                           "decisions": copy.decisions, "schema": copy.version})  # fmt: skip
        return
    render.out.print(
        f"Backed up {store.name} to {copy.path} ({copy.size / 1e6:.1f} MB, "
        f"{copy.decisions} decisions); integrity check ok.",
        soft_wrap=True,
    )


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A copy made by 'qualcode backup'.")],
    project: ProjectOpt = None,
) -> None:
    """Put a backup in place of the project store, after checking it.

    The current store is kept aside under backups/ (the line printed says where). Refused while
    'qualcode serve' serves the store: stop it first, then start it again after."""
    from qualcode.store.backup import restore

    proj = _served(project)
    store = proj.store_path
    proj.close()
    copy, aside = restore(store, file)
    kept = f"; the store it replaced is kept at {aside}" if aside else ""
    render.out.print(
        f"Restored {store} from {file} ({copy.decisions} decisions){kept}.", soft_wrap=True
    )
