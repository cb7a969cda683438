from __future__ import annotations

from pathlib import Path

from qualcode.ingest.run import ingest
from qualcode.project import Project, open_project


def _write(project: Project, name: str, text: str) -> Path:
    path = project.root / "transcripts" / name
    path.write_text(text, encoding="utf-8")
    return path


def _settings(project: Project, attributes: str) -> Project:
    toml = (project.root / "qualcode.toml").read_text()
    toml = toml.replace('attributes = ""', f'attributes = "{attributes}"')
    (project.root / "qualcode.toml").write_text(toml)
    project.close()
    return open_project(project.root)


def test_reingest_unchanged_changes_nothing_and_changed_is_a_new_version(project: Project) -> None:
    _write(project, "P01.txt", "INT: Hello?\nP01: Hi.\n")
    first = ingest(project)
    assert [f.status for f in first.files] == ["new"]
    before = project.store.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    again = ingest(project)
    assert [f.status for f in again.files] == ["unchanged"]
    assert project.store.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == before
    doc_id = project.store.current_documents()[0]["id"]
    c = project.store.conn
    c.execute("INSERT INTO segments VALUES ('s1', ?, 1, 0, 3)", (doc_id,))
    c.execute(
        "INSERT INTO decisions (segment_id, code_id, reviewer, action, at) "
        "VALUES ('s1', 'a.b', 'ann', 'add', 'now')"
    )
    _write(project, "P01.txt", "INT: Hello?\nP01: Hi there, changed.\n")
    changed = ingest(project)
    assert [(f.status, f.version, f.kept_decisions) for f in changed.files] == [("updated", 2, 1)]
    docs = project.store.current_documents()
    assert len(docs) == 1 and docs[0]["version"] == 2
    assert c.execute("SELECT count(*) FROM decisions").fetchone()[0] == 1
    assert (
        project.store.document(doc_id).turn_text(project.store.document(doc_id).turns[1]) == "Hi."
    )


def test_bad_files_are_reported_and_the_rest_still_ingested(project: Project) -> None:
    _write(project, "good.txt", "INT: Hello?\nP01: Hi.\n")
    (project.root / "transcripts" / "empty.txt").write_bytes(b"")
    (project.root / "transcripts" / "bad.docx").write_bytes(b"PK\x03\x04broken")
    (project.root / "transcripts" / "gone.txt").symlink_to(project.root / "missing.txt")
    (project.root / "transcripts" / "notes.odt").write_bytes(b"x")
    report = ingest(project)
    status = {f.source.split("/")[-1]: f.status for f in report.files}
    assert status == {
        "good.txt": "new",
        "empty.txt": "failed",
        "bad.docx": "failed",
        "gone.txt": "failed",
        "notes.odt": "skipped",
    }
    assert len(project.store.current_documents()) == 1
    explicit = ingest(project, [project.root / "transcripts" / "notes.odt"])
    assert [f.status for f in explicit.files] == ["failed"]


def test_attribute_sheet_links_participants_and_reports_unknowns(project: Project) -> None:
    _write(project, "P01.txt", "INT: Hello?\nP01: Hi.\n")
    _write(project, "interview-b.txt", "INT: Hello?\nP02: Hi.\n")
    _write(project, "orphan.txt", "INT: Hello?\nP09: Hi.\n")
    sheet = project.root / "people.csv"
    sheet.write_text(
        "Participant ID,File,Role,Local authority\nP01,,PCSO,Newport\n"
        "P02,interview-b.txt,social worker,Bridgend\nP03,,PCSO,Newport\n"
    )
    project = _settings(project, "people.csv")
    report = ingest(project)
    a = report.attributes
    assert a is not None and a.participants == 3 and a.linked_documents == 2
    assert a.unknown_rows == ["row 4: P03 matches no ingested transcript"]
    assert a.documents_without_row == ["transcripts/orphan.txt"]
    status = project.store.status()
    assert status["participants"] == 3  # the orphan is named from its file: never left out
    assert project.store.find_document("orphan.txt").participant_id == "orphan"
    assert report.derived_participants == 1
    assert status["attributes"]["role"] == {"PCSO": 1, "social worker": 1}
    project.close()


def test_xlsx_attribute_sheet(project: Project) -> None:
    import openpyxl

    _write(project, "P01.txt", "INT: Hello?\nP01: Hi.\n")
    book = openpyxl.Workbook()
    book.active.append(["participant_id", "agency"])
    book.active.append(["P01", "police"])
    book.save(project.root / "people.xlsx")
    project = _settings(project, "people.xlsx")
    ingest(project)
    assert project.store.status()["attributes"] == {"agency": {"police": 1}}
    project.close()
