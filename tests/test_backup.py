"""'qualcode backup' and 'qualcode restore': a consistent, checked, owner-only copy taken while
decisions are being written, and a restore that checks the copy, keeps the current store aside
and refuses while the server serves the store."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.errors import StoreError
from qualcode.project import open_project
from qualcode.store import open_store
from qualcode.store.backup import backup, restore, serving_lock
from tests.test_serve import served  # noqa: F401 - a fixture


def _decision_ids(store_path: Path) -> set[int]:
    store = open_store(store_path)
    try:
        return {r[0] for r in store.conn.execute("SELECT id FROM decisions")}
    finally:
        store.close()


def test_a_backup_during_writes_holds_every_decision_acknowledged_before_it(
    served: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    project = open_project(served)
    store_path = project.store_path
    segments = [r[0] for r in project.store.current_segments()]
    project.close()
    acknowledged: list[int] = []
    stop = threading.Event()

    def write() -> None:  # a reviewer deciding as fast as the store takes it
        store = open_store(store_path)
        try:
            i = 0
            while not stop.is_set():
                segment = segments[i % len(segments)]
                acknowledged.append(store.decide(None, segment, f"c{i}", "rhian", "add"))
                i += 1
        finally:
            store.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(acknowledged) < 50:
            threading.Event().wait(0.01)
        before = set(acknowledged)  # acknowledged before the backup began
        copy = backup(store_path, tmp_path / "copy.db")
        more = len(acknowledged)
    finally:
        stop.set()
        writer.join(30)
    assert more > len(before) or not writer.is_alive()
    held = _decision_ids(copy.path)
    assert before <= held, f"{len(before - held)} acknowledged decisions missing from the copy"
    assert copy.decisions == len(held)


def test_backup_names_the_copy_checks_it_and_keeps_it_private(
    served: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["backup", "-p", str(served)]) == 0
    out = capsys.readouterr().out
    assert "integrity check ok" in out
    copies = list((served / ".qualcode" / "backups").glob("project-backup-*.db"))
    assert len(copies) == 1 and str(copies[0].name) in out.replace("\n", "")
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600
    assert main(["backup", str(copies[0]), "-p", str(served)]) == 1  # never overwritten
    assert "already exists" in capsys.readouterr().err


def test_restore_checks_the_copy_keeps_the_store_aside_and_waits_for_the_server(
    served: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = open_project(served)
    store_path = project.store_path
    segment = project.store.current_segments()[0][0]
    project.close()
    copy = backup(store_path, tmp_path / "copy.db")
    store = open_store(store_path)
    late = store.decide(None, segment, "later", "rhian", "add")  # after the backup
    store.close()

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(StoreError, match=r"not a qualcode project store|damaged"):
        restore(store_path, damaged)
    with serving_lock(store_path):  # 'qualcode serve' is running
        assert main(["restore", str(copy.path), "-p", str(served)]) == 1
        assert "being served by 'qualcode serve'" in capsys.readouterr().err
    assert late in _decision_ids(store_path)  # refused: nothing changed

    assert main(["restore", str(copy.path), "-p", str(served)]) == 0
    out = capsys.readouterr().out.replace("\n", "")
    assert late not in _decision_ids(store_path)  # the store is the copy again
    kept = list((store_path.parent / "backups").glob("project-before-restore-*.db"))
    assert len(kept) == 1 and kept[0].name in out
    assert late in _decision_ids(kept[0])  # the replaced store, kept aside whole
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
