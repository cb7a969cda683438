"""REFI-QDA project exchange (.qdpx): the project as QDA-XML for NVivo, ATLAS.ti, MAXQDA and
QualCoder, and back.

Export writes ``project.qde`` and one ``sources/<guid>.txt`` per document into a zip. Every GUID
is a uuid5 of stable names (document name, offsets, code id, coder), the zip has fixed dates
and order, and no timestamps are written, so two exports of the same project are identical,
and export, import, export again gives the same file. Import is forgiving of real vendor files
(``Project.qde``, ``Sources/``, sources given inline or missing) and parses XML safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.codebook import Codebook
from qualcode.codebook.refi import add_codes, guid, parse_xml
from qualcode.errors import InputFileError
from qualcode.export import stable_zip

NS = "urn:QDA-XML:project:1.0"


@dataclass
class Source:
    name: str
    text: str
    participant: str = ""
    # (start, end) -> {coder: {code ids}}
    selections: dict[tuple[int, int], dict[str, set[str]]] = field(default_factory=dict)


@dataclass
class Snapshot:
    """What a .qdpx holds, as plain data (built from the store, or read from a file)."""

    name: str
    codebook: Codebook | None
    sources: list[Source]
    attributes: dict[str, dict[str, str]]  # participant -> attribute -> value
    codes: dict[str, str] = field(default_factory=dict)  # imported code guid -> code id
    code_names: dict[str, str] = field(default_factory=dict)  # code id -> name (imports)
    skipped: list[str] = field(default_factory=list)  # sources that could not be read


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def write_qdpx(snap: Snapshot, origin: str) -> bytes:
    from lxml import etree

    project_id = "project"
    root = etree.Element(_q("Project"), nsmap={None: NS}, name=snap.name, origin=origin)
    coders = sorted({c for s in snap.sources for by in s.selections.values() for c in by})
    if coders:
        users = etree.SubElement(root, _q("Users"))
        for coder in coders:
            etree.SubElement(users, _q("User"), guid=guid(project_id, "user", coder), name=coder)
    if snap.codebook is not None:
        add_codes(etree.SubElement(root, _q("CodeBook")), snap.codebook, NS)
    variables = sorted({k for a in snap.attributes.values() for k in a})
    if variables:
        var_el = etree.SubElement(root, _q("Variables"))
        for v in variables:
            etree.SubElement(
                var_el, _q("Variable"), guid=guid(project_id, "variable", v), name=v,
                typeOfVariable="Text",
            )  # fmt: skip
    cases = {s.participant for s in snap.sources if s.participant} | set(snap.attributes)
    if cases:
        cases_el = etree.SubElement(root, _q("Cases"))
        for pid in sorted(cases):
            case = etree.SubElement(
                cases_el, _q("Case"), guid=guid(project_id, "case", pid), name=pid
            )
            for v, value in sorted(snap.attributes.get(pid, {}).items()):
                vv = etree.SubElement(case, _q("VariableValue"))
                etree.SubElement(vv, _q("VariableRef"), targetGUID=guid(project_id, "variable", v))
                etree.SubElement(vv, _q("TextValue")).text = value
            for s in snap.sources:
                if s.participant == pid:
                    etree.SubElement(case, _q("SourceRef"), targetGUID=_source_guid(s))
    code_guid = {c.id: guid("code", c.id) for c in snap.codebook.codes} if snap.codebook else {}
    sources_el = etree.SubElement(root, _q("Sources"))
    files = {}
    for s in sorted(snap.sources, key=lambda s: s.name):
        sg = _source_guid(s)
        src = etree.SubElement(
            sources_el, _q("TextSource"), guid=sg, name=s.name, plainTextPath=f"internal://{sg}.txt"
        )
        files[f"sources/{sg}.txt"] = s.text.encode("utf-8")
        for (start, end), by in sorted(s.selections.items()):
            sel = etree.SubElement(
                src, _q("PlainTextSelection"), guid=guid(sg, "selection", str(start), str(end)),
                name=_label(s.text[start:end]), startPosition=str(start), endPosition=str(end),
            )  # fmt: skip
            for coder in sorted(by):
                for code in sorted(by[coder]):
                    if code not in code_guid:
                        continue
                    coding = etree.SubElement(
                        sel, _q("Coding"), guid=guid(sg, str(start), str(end), code, coder),
                        creatingUser=guid(project_id, "user", coder),
                    )  # fmt: skip
                    etree.SubElement(coding, _q("CodeRef"), targetGUID=code_guid[code])
    qde = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return _zip({"project.qde": bytes(qde), **files})


def _source_guid(s: Source) -> str:
    return guid("project", "source", s.name)


def _label(text: str, limit: int = 60) -> str:
    """A selection's name: its words, cut on a word boundary (a word cut in half, "jo…" of
    "joint", can read as a name, and a stand-in cut in half as a fragment of one)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space > limit // 3:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _zip(files: dict[str, bytes]) -> bytes:
    names = ["project.qde", *sorted(n for n in files if n != "project.qde")]
    return stable_zip([(n, files[n]) for n in names])


# reading -----------------------------------------------------------------------------------
def read_qdpx(path: Path) -> Snapshot:
    """Read a .qdpx (or a bare .qde) into plain data, leniently and safely."""
    from qualcode.codebook.refi import project_qde

    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
    qde, member, members = project_qde(data, where, zipped=path.suffix.lower() == ".qdpx")
    root = parse_xml(qde, where, member)
    if root.tag != _q("Project"):
        raise InputFileError(where, "is not a QDA-XML project (no <Project>)", "check the file")
    try:
        return _snapshot(root, members, where)
    except _Malformed as exc:
        raise InputFileError(where, str(exc), "export the project again from its tool") from exc


class _Malformed(Exception):
    """A required attribute of QDA-XML is missing or not what the schema says."""


def _position(el: Any, attr: str) -> int:
    value = (el.get(attr) or "").strip()
    if not value.isdigit() or len(value) > 12:
        raise _Malformed(f"a selection's {attr} is '{value[:20]}', not a character position")
    return int(value)


def _required(el: Any, *attrs: str) -> str:
    value = next((el.get(a) for a in attrs if (el.get(a) or "").strip()), None)
    if value is None:
        what = el.tag.rsplit("}", 1)[-1]
        raise _Malformed(f"a <{what}> has no {' or '.join(attrs)}")
    return str(value).strip()


def _member(src: Any, attr: str, members: dict[str, bytes]) -> bytes | None:
    path = (src.get(attr) or "").strip()
    if not path.startswith("internal://"):
        return None
    return members.get(f"sources/{path[len('internal://') :].lower()}")


def _text_of(src: Any, members: dict[str, bytes], where: str) -> str | None:
    """The source's plain text: inline, or its internal .txt; when a tool left that empty
    (NVivo does), the text of its rich-text .docx."""
    inline = src.findtext(_q("PlainTextContent"))
    if inline is not None and inline.strip():
        return str(inline)
    raw = _member(src, "plainTextPath", members)
    text = raw.decode("utf-8-sig", errors="replace") if raw is not None else None
    if text is not None and text.strip():
        return text
    rich = _member(src, "richTextPath", members)
    if rich is not None and (src.get("richTextPath") or "").lower().endswith(".docx"):
        from qualcode.ingest.docx_reader import read_docx

        try:
            return read_docx(rich, f"{where}: {src.get('name')}")[0]
        except InputFileError:
            return None
    return text


def _snapshot(root: Any, members: dict[str, bytes], where: str) -> Snapshot:
    from qualcode.codebook.refi import _slug

    users = {u.get("guid"): u.get("name") or u.get("guid") for u in root.iter(_q("User"))}
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    for code in root.iter(_q("Code")):
        desc = code.findtext(_q("Description")) or ""
        marker = desc.rsplit("[qualcode id: ", 1)
        cid = marker[1].split("]")[0] if len(marker) == 2 else _slug(code.get("name", "code"))
        codes[_required(code, "guid")] = cid
        names[cid] = code.get("name", cid)
    variables = {v.get("guid"): v.get("name") for v in root.iter(_q("Variable"))}
    attributes: dict[str, dict[str, str]] = {}
    participant_of: dict[str, str] = {}
    for case in root.iter(_q("Case")):
        pid = _required(case, "name", "guid")
        attrs = attributes.setdefault(pid, {})
        for vv in case.findall(_q("VariableValue")):
            ref = vv.find(_q("VariableRef"))
            value = next((c.text for c in vv if c.tag != _q("VariableRef")), None)
            if ref is not None and value is not None:
                attrs[variables.get(ref.get("targetGUID"), "variable")] = value
        for ref in case.findall(_q("SourceRef")):
            participant_of[ref.get("targetGUID")] = pid
    snap = Snapshot(root.get("name", Path(where).stem), None, [], attributes, codes, names)
    for src in root.iter(_q("TextSource")):
        name = _required(src, "name", "guid")
        text = _text_of(src, members, where)
        if text is None:
            snap.skipped.append(name)
            continue
        source = Source(name, text, participant_of.get(src.get("guid"), ""))
        for sel in src.findall(_q("PlainTextSelection")):
            start, end = _position(sel, "startPosition"), _position(sel, "endPosition")
            for coding in sel.findall(_q("Coding")):
                ref = coding.find(_q("CodeRef"))
                if ref is None or ref.get("targetGUID") not in codes:
                    continue
                coder = users.get(coding.get("creatingUser"), "imported")
                by = source.selections.setdefault((start, end), {})
                by.setdefault(coder, set()).add(codes[ref.get("targetGUID")])
        snap.sources.append(source)
    return snap
