"""A project: a folder with ``qualcode.toml`` and a SQLite store. What the CLI and TUI open."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import ProjectError
from qualcode.settings import SETTINGS_FILE, TEMPLATE, Settings, load_settings
from qualcode.store import Store, open_store


@dataclass
class Project:
    root: Path
    settings: Settings
    _store: Store | None = field(default=None, repr=False)

    def path(self, relative: str) -> Path:
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.root / p

    @property
    def store_path(self) -> Path:
        return self.path(self.settings.paths.store)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.store_path)
        return self._store

    def source_name(self, file: Path) -> str:
        """How a file is named in the store: relative to the project root where possible."""
        resolved = Path(os.path.abspath(file))  # noqa: PTH100 - keep symlinks' own names
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            return resolved.as_posix()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def find_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def open_project(path: Path | str | None = None) -> Project:
    """Open the project at ``path`` (or the current folder, or the nearest one above it)."""
    start = Path(path or Path.cwd()).expanduser().resolve()
    if path is not None and not start.is_dir():
        raise ProjectError(f"{start}: no such folder", "pass --project DIR of an existing project")
    root = start if path is not None else find_root(start)
    if root is None or not (root / SETTINGS_FILE).is_file():
        raise ProjectError(
            f"no {SETTINGS_FILE} in {start}",
            "run 'qualcode init DIR' to create a project, or pass --project DIR",
        )
    return Project(root, load_settings(root))


def init_project(path: Path | str, name: str | None = None) -> Project:
    """Create a new project folder with settings, the standard folders and an empty store."""
    root = Path(path).expanduser().resolve()
    if (root / SETTINGS_FILE).exists():
        raise ProjectError(f"{root / SETTINGS_FILE} already exists", "open it instead of init")
    root.mkdir(parents=True, exist_ok=True)
    title = " ".join((name or root.name).split())  # one line: a title, never a TOML break
    title = title.replace("\\", "\\\\").replace('"', '\\"')
    (root / SETTINGS_FILE).write_text(TEMPLATE.format(name=title), encoding="utf-8")
    for folder in ("transcripts", "codebooks", "outputs"):  # participants' words: owner only
        (root / folder).mkdir(mode=0o700, exist_ok=True)
    project = Project(root, load_settings(root))
    project.store  # noqa: B018  (creates and migrates the store)
    return project
