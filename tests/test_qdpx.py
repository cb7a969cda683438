"""REFI-QDA project exchange: valid, deterministic exports; round trips; real vendor files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.project import Project, init_project
from tests.conftest import shared
from tests.test_reports import _gold, _project

VENDOR = ("exports", "atlasti-8.4-standard-project")


def _export(root: str, path: Path) -> bytes:
    assert main(["export", "qdpx", "-o", str(path), "-p", root]) == 0
    return path.read_bytes()


def test_export_is_valid_deterministic_and_round_trips(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lxml import etree

    project = _project(project)
    _gold(project, tmp_path)
    name = project.settings.name
    root = str(project.root)
    project.close()
    first = _export(root, tmp_path / "a.qdpx")
    assert _export(root, tmp_path / "b.qdpx") == first
    z = zipfile.ZipFile(io.BytesIO(first))
    assert z.namelist()[0] == "project.qde" and len(z.namelist()) == 3  # + 2 sources
    qde = etree.fromstring(z.read("project.qde"))
    xsd = shared("refi-qda", "schemas", "Project.xsd")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(qde), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    assert [u.get("name") for u in qde.findall("q:Users/q:User", ns)] == ["ann"]
    assert len(qde.findall(".//q:Coding", ns)) == 4
    assert {c.get("name") for c in qde.findall("q:Cases/q:Case", ns)} == {"P01", "P02"}

    other = init_project(tmp_path / "other", name)
    (other.root / "codebooks" / "toy.yaml").write_text(
        Path(root, "codebooks", "toy.yaml").read_text()
    )
    other.close()
    capsys.readouterr()
    assert main(["import", "qdpx", str(tmp_path / "a.qdpx"), "-p", str(other.root)]) == 0
    assert "2 documents and 4 codings by ann" in capsys.readouterr().out
    assert _export(str(other.root), tmp_path / "again.qdpx") == first
    # importing the same file again changes nothing
    assert main(["import", "qdpx", str(tmp_path / "a.qdpx"), "-p", str(other.root)]) == 0
    assert "2 documents and 0 codings" in capsys.readouterr().out
    assert _export(str(other.root), tmp_path / "thrice.qdpx") == first


def _qdpx(tmp_path: Path, qde: str, files: dict[str, bytes] | None = None) -> Path:
    path = tmp_path / "x.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Project.qde", qde)
        for name, data in (files or {}).items():
            z.writestr(name, data)
    return path


INLINE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t">
  <Users><User guid="11111111-1111-1111-1111-111111111111" name="Sam"/></Users>
  <CodeBook><Codes>
    <Code guid="22222222-2222-2222-2222-222222222222" name="Funding" isCodable="true">
      <Description>money [qualcode id: factors.funding]</Description></Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="33333333-3333-3333-3333-333333333333" name="Int 1"
        plainTextPath="internal://33333333-3333-3333-3333-333333333333.txt">
      <PlainTextSelection guid="44444444-4444-4444-4444-444444444444" startPosition="18"
          endPosition="37">
        <Coding guid="55555555-5555-5555-5555-555555555555"
            creatingUser="11111111-1111-1111-1111-111111111111">
          <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""


def test_import_maps_codes_coders_and_crlf_offsets(project: Project, tmp_path: Path) -> None:
    from qualcode.export.qdpx import read_qdpx
    from qualcode.review.exchange import import_snapshot

    text = "I: Hello?\r\nR: The grant ends in March.\r\n"
    path = _qdpx(tmp_path, INLINE, {"Sources/33333333-3333-3333-3333-333333333333.txt": text})
    report = import_snapshot(project, read_qdpx(path), path, {"factors.funding"})
    assert (report.documents, report.codings, report.coders) == (1, 1, ["Sam"])
    row = project.store.conn.execute(
        "SELECT a.code_id, a.kind, a.source, d.text, a.start, a.end FROM applications a "
        "JOIN segments s ON s.id = a.segment_id JOIN documents d ON d.id = s.document_id"
    ).fetchone()
    code, kind, source, stored, start, end = row
    assert (code, kind, source) == ("factors.funding", "import", "Sam")
    assert "\r" not in stored
    assert stored[start:end] == text[18:37] == "grant ends in March"  # CRLF offsets mapped


@pytest.mark.parametrize(
    ("parts", "skipped"),
    [
        ((*VENDOR, "TestProject.qdpx"), 6),  # 'Project.qde', empty Sources/
        ((*VENDOR, "Project.qde"), 6),  # a bare .qde file
        (("exports", "atlasti-23-ponte", "target-atlas-project.qdpx"), 0),
        (("exports", "nvivo-15-mac", "nvivo_project.qdpx"), 2),  # sources with no text
    ],
)
def test_real_vendor_exports_import_without_errors(
    project: Project, parts: tuple[str, ...], skipped: int
) -> None:
    from qualcode.export.qdpx import read_qdpx
    from qualcode.review.exchange import import_snapshot

    path = shared("refi-qda", *parts)
    snap = read_qdpx(path)
    assert snap.codes  # every file has a codebook
    report = import_snapshot(project, snap, path, set())
    assert len(report.skipped) == skipped and report.documents == 0


@pytest.mark.parametrize(
    ("qde", "message"),
    [
        ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><Project/>', "DTD or entities"),
        ("not xml at all", "not well-formed XML"),
        ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "not a QDA-XML project"),
    ],
)
def test_bad_files_are_refused_in_one_line(
    project: Project, tmp_path: Path, qde: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _qdpx(tmp_path, qde)
    root = str(project.root)
    project.close()
    assert main(["import", "qdpx", str(path), "-p", root]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2


def test_a_project_with_no_codebook_takes_the_qdpx_codebook_and_round_trips(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another team's .qdpx into an empty project: codebook, documents and codings come in
    together, and the project exports to the same file."""
    project = _project(project)
    _gold(project, tmp_path)
    name = project.settings.name
    root = str(project.root)
    project.close()
    first = _export(root, tmp_path / "a.qdpx")
    other = init_project(tmp_path / "other", name)  # no codebook at all
    other.close()
    capsys.readouterr()
    assert main(["import", "qdpx", str(tmp_path / "a.qdpx"), "-p", str(other.root)]) == 0
    out = capsys.readouterr().out
    assert "Wrote the project's codebook" in out and "4 codings by ann" in out
    from qualcode.codebook import load_codebook

    written = load_codebook(other.root / "codebooks" / "a.yaml")
    original = load_codebook(Path(root) / "codebooks" / "toy.yaml")
    assert [(c.id, c.name) for c in written.codes] == [(c.id, c.name) for c in original.codes]
    again = _export(str(other.root), tmp_path / "again.qdpx")
    # same documents, codings and codes: only the codebook's id (from the file name) differs
    z1, z2 = (zipfile.ZipFile(io.BytesIO(b)) for b in (first, again))
    assert z1.namelist() == z2.namelist()
    for member in z1.namelist()[1:]:
        assert z1.read(member) == z2.read(member)


def test_unreviewed_suggestions_travel_as_codings_of_the_machine_users(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lxml import etree

    project = _project(project)
    waiting = {
        (seg, code)
        for _, seg, code, kind, _, _, _, _ in project.store.queue_applications()
        if kind == "rule"
    }
    root = str(project.root)
    project.close()
    plain = _export(root, tmp_path / "plain.qdpx")
    path = tmp_path / "with.qdpx"
    assert main(["export", "qdpx", "--include-suggestions", "-o", str(path), "-p", root]) == 0
    qde = etree.fromstring(zipfile.ZipFile(path).read("project.qde"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    users = {u.get("guid"): u.get("name") for u in qde.findall("q:Users/q:User", ns)}
    assert "qualcode rules" in users.values()
    codings = qde.findall(".//q:Coding", ns)
    by_machine = [c for c in codings if users[c.get("creatingUser")] == "qualcode rules"]
    assert len(by_machine) == len(waiting) > 0
    schema = etree.XMLSchema(etree.parse(str(shared("refi-qda", "schemas", "Project.xsd"))))
    assert schema.validate(qde), schema.error_log
    assert plain != path.read_bytes()  # without the option nothing of the machine's goes out
    plain_qde = etree.fromstring(zipfile.ZipFile(tmp_path / "plain.qdpx").read("project.qde"))
    assert "qualcode rules" not in {u.get("name") for u in plain_qde.findall("q:Users/q:User", ns)}


@pytest.mark.parametrize(
    "name",
    [
        "atlasti-23-ponte/target-atlas-project.qdpx",
        "atlasti-8.4-standard-project/TestProject.qdpx",
        "nvivo-15-mac/nvivo_project.qdpx",
    ],
)
def test_real_vendor_projects_round_trip_byte_for_byte(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A vendor's .qdpx into an empty project, out again, into another, out again: the two
    exports are the same bytes (codes keep their GUIDs whichever project wrote them)."""
    source = shared("refi-qda", "exports", *name.split("/"))
    first, second = (init_project(tmp_path / n, "shared") for n in ("one", "two"))
    first.close()
    second.close()
    assert main(["import", "qdpx", str(source), "-p", str(first.root)]) == 0
    a = _export(str(first.root), tmp_path / "a.qdpx")
    assert main(["import", "qdpx", str(tmp_path / "a.qdpx"), "-p", str(second.root)]) == 0
    assert _export(str(second.root), tmp_path / "b.qdpx") == a
    codes = etree_codes(a)
    assert codes  # the vendor's codebook came through


def etree_codes(qdpx: bytes) -> list[str]:
    from lxml import etree

    qde = etree.fromstring(zipfile.ZipFile(io.BytesIO(qdpx)).read("project.qde"))
    return [c.get("name") for c in qde.iter("{urn:QDA-XML:project:1.0}Code")]
