from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from qualcode.errors import StoreError
from qualcode.project import Project
from qualcode.store import open_store, sql


def test_store_is_private_wal_with_foreign_keys(project: Project) -> None:
    store = project.store
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    versions = [r[0] for r in store.conn.execute("SELECT version FROM migrations")]
    assert versions == [m[0] for m in sql.MIGRATIONS]


def test_decisions_are_append_only(project: Project) -> None:
    c = project.store.conn
    c.execute(
        "INSERT INTO documents (source, name, format, sha256, version, text) "
        "VALUES ('a', 'a', 'txt', 'x', 1, 'hello')"
    )
    c.execute("INSERT INTO turns VALUES (1, 0, 'P', 'participant', 0, 5, 1, NULL)")
    c.execute("INSERT INTO segments VALUES ('s1', 1, 0, 0, 5)")
    c.execute(
        "INSERT INTO decisions (segment_id, code_id, reviewer, action, at) "
        "VALUES ('s1', 'x.y', 'ann', 'add', 'now')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        c.execute("UPDATE decisions SET action = 'reject'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        c.execute("DELETE FROM decisions")
    with pytest.raises(sqlite3.IntegrityError):
        c.execute("INSERT INTO segments VALUES ('s2', 99, 0, 0, 5)")  # no such document


def test_new_migration_backs_up_first(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project.store_path
    project.store.conn.execute("INSERT INTO participants (id) VALUES ('P01')")
    project.close()
    extra = (99, "test column", "ALTER TABLE participants ADD COLUMN note TEXT")
    monkeypatch.setattr(sql, "MIGRATIONS", (*sql.MIGRATIONS, extra))
    store = open_store(path)
    backups = list((path.parent / "backups").glob("*.db"))
    assert len(backups) == 1 and stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT id FROM participants").fetchall() == [("P01",)]
    assert 99 not in [r[0] for r in old.execute("SELECT version FROM migrations")]
    assert 99 in [r[0] for r in store.conn.execute("SELECT version FROM migrations")]
    store.close()


def test_a_failing_migration_leaves_the_store_as_it_was(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project.store_path
    project.close()
    bad = (100, "broken", "CREATE TABLE ok_table (x); CREATE TABLE participants (id)")
    monkeypatch.setattr(sql, "MIGRATIONS", (*sql.MIGRATIONS, bad))
    with pytest.raises(StoreError, match="migration 100 failed"):
        open_store(path)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "ok_table" not in tables


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the project store"):
        open_store(path)
