"""The search index (migration 12) follows the documents: new, re-ingested and superseded
versions, and a project made before the index existed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from qualcode.analysis.search import SearchOptions, search
from qualcode.ingest.run import ingest
from qualcode.project import Project, open_project
from qualcode.store import sql
from tests.conftest import interview


def _reopen(project: Project) -> Project:
    project.close()
    return open_project(project.root)


def _hits(project: Project, query: str, speakers: str = "participant") -> list[tuple[str, int]]:
    return [
        (h.participant, h.turn)
        for h in search(project, SearchOptions(query, speakers=speakers)).hits
    ]


def _indexed(project: Project) -> int:
    return int(project.store.conn.execute(sql.SEARCH_INDEX_SIZE).fetchone()[0])


def _current_turns(project: Project) -> int:
    return sum(
        len(project.store.document(d["id"]).turns) for d in project.store.current_documents()
    )


def test_the_index_follows_ingest_and_reingest(project: Project) -> None:
    folder = project.root / "transcripts"
    (folder / "P01.txt").write_text(interview("P01", ["We phone the hub first", "Then the school"]))
    (folder / "P02.txt").write_text(interview("P02", ["The hub rang back"]))
    ingest(project)
    assert _hits(project, "hub") == [("P01", 1), ("P02", 1)]
    assert _indexed(project) == _current_turns(project) == 6
    project.store.search_index_check()

    # P01's file changes: the old version's words leave the index, the new version's arrive
    (folder / "P01.txt").write_text(interview("P01", ["We ring the MASH now", "Then the school"]))
    project = _reopen(project)
    ingest(project)
    assert _hits(project, "hub") == [("P02", 1)]
    assert _hits(project, "MASH") == [("P01", 1)]
    assert _hits(project, "school") == [("P01", 3)]  # once: the superseded version is gone
    assert _indexed(project) == _current_turns(project)
    project.store.search_index_check()
    ingest(project)  # nothing changed: nothing added twice
    assert _hits(project, "school") == [("P01", 3)]
    assert _indexed(project) == _current_turns(project)
    project.close()


def test_the_index_holds_interviewer_turns_for_speakers_all(project: Project) -> None:
    (project.root / "transcripts" / "P01.txt").write_text(interview("P01", ["Yes the hub"]))
    ingest(project)
    assert _hits(project, "question") == []
    assert _hits(project, "question", "interviewer") == [("P01", 0)]
    assert len(_hits(project, "question OR hub", "all")) == 2


def test_a_project_made_before_the_index_gets_one(project: Project) -> None:
    (project.root / "transcripts" / "P01.txt").write_text(interview("P01", ["The hub again"]))
    ingest(project)
    path = project.store_path
    project.close()
    conn = sqlite3.connect(path)  # as a store before migration 12 was
    conn.executescript(
        """DROP TRIGGER turn_search_add; DROP TRIGGER turn_search_drop;
        DROP TRIGGER turn_search_supersede; DROP TRIGGER turn_search_restore;
        DROP TRIGGER turn_search_retext; DROP TABLE turn_search_terms; DROP TABLE turn_search;
        DROP VIEW turn_texts; DELETE FROM migrations WHERE version = 12;"""
    )
    conn.close()
    project = open_project(project.root)
    assert _hits(project, "hub") == [("P01", 1)]
    assert list((path.parent / "backups").glob("*.db"))  # backed up before migrating
    project.store.search_index_check()
    project.close()


def test_a_broken_index_is_caught_by_the_check(project: Project) -> None:
    import pytest

    (project.root / "transcripts" / "P01.txt").write_text(interview("P01", ["The hub again"]))
    ingest(project)
    conn = project.store.conn
    conn.execute("INSERT INTO turn_search (rowid, body) VALUES (99999999, 'stray words')")
    with pytest.raises(sqlite3.DatabaseError):
        project.store.search_index_check()
    project.store.rebuild_search_index()
    project.store.search_index_check()
    assert Path(project.store_path).exists()
