"""REFI-QDA codebook exchange (``.qdc``, QDA-XML codebook 1.0): export and import.

Groups become non-codable parent codes and codes their codable children. GUIDs are uuid5 of the
codebook and code ids, so exporting the same codebook twice gives the same file. XML is parsed
without DTDs, entity expansion or network access.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from qualcode.codebook.model import Code, Codebook, Group
from qualcode.errors import InputFileError

NS = "urn:QDA-XML:codebook:1.0"
NAMESPACE = uuid.UUID("6f1d3c52-8a0e-5d2b-9c1e-2f4b7a9d0e11")
PALETTE = ("#1F77B4", "#D62728", "#2CA02C", "#9467BD", "#FF7F0E", "#17BECF", "#8C564B")


def guid(*parts: str) -> str:
    """A stable GUID. Codes' and groups' depend on their ids alone (not the codebook's file
    name), so the same code keeps its GUID in every export, whichever project made it."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


SECTIONS = (("Include", "include"), ("Exclude", "exclude"), ("Typical examples", "typical"),
            ("Atypical examples", "atypical"))  # fmt: skip


def _description(code: Code) -> str:
    """A code's description as the desktop tools show it: the definition, then each list of
    criteria and examples under its title, then the qualcode id (so an import gets it back)."""
    lines = [code.definition]
    for title, attr in SECTIONS:
        items = getattr(code, attr)
        if items:
            lines += ["", f"{title}:"] + [f"- {item}" for item in items]
    lines += ["", f"[qualcode id: {code.id}]"]
    return "\n".join(lines)


def codebook_xml(codebook: Codebook) -> bytes:
    """The codebook as QDA-XML codebook bytes (UTF-8, deterministic)."""
    from lxml import etree

    root = etree.Element(f"{{{NS}}}CodeBook", nsmap={None: NS}, origin="qualcode")
    add_codes(root, codebook, NS)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def add_codes(parent: Any, codebook: Codebook, ns: str) -> None:
    """Append ``<Codes>`` to ``parent``: groups as non-codable codes holding their codes
    (the same GUIDs in a .qdc codebook and in a .qdpx project)."""
    from lxml import etree

    NS = ns
    codes = etree.SubElement(parent, f"{{{NS}}}Codes")
    for i, group in enumerate(codebook.groups):
        color = group.color or PALETTE[i % len(PALETTE)]
        g = etree.SubElement(
            codes,
            f"{{{NS}}}Code",
            guid=guid("group", group.id),
            name=group.name,
            isCodable="false",
            color=color,
        )
        note = f"[qualcode id: {group.id}]"
        described = f"{group.description}\n\n{note}" if group.description else note
        etree.SubElement(g, f"{{{NS}}}Description").text = described
        for code in group.codes:
            c = etree.SubElement(
                g,
                f"{{{NS}}}Code",
                guid=guid("code", code.id),
                name=code.name,
                isCodable="true",
                color=code.color or color,
            )
            etree.SubElement(c, f"{{{NS}}}Description").text = _description(code)


def safe_parser() -> Any:
    from qualcode.ingest.xmlsafe import safe_parser as parser

    return parser()


def parse_xml(data: bytes, where: str, member: str = "") -> Any:
    """Parse QDA-XML safely (see qualcode.ingest.xmlsafe): no DTD loaded, no entity resolved,
    no network, and a document that declares a DTD at all is refused."""
    from qualcode.ingest.xmlsafe import parse_xml as parse

    return parse(data, where, member)


def _color_of(el: Any) -> str:
    color = (el.get("color") or "").strip().upper()
    return color if re.fullmatch(r"#[0-9A-F]{6}", color) else ""


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug if slug and slug[0].isalpha() else f"c_{slug}"


ID_NOTE = re.compile(r"\n*\[qualcode id: ([a-z0-9_.]+)\]\s*$")


TITLES = "|".join(title for title, _ in SECTIONS)


def _split_description(text: str) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The definition and the lists (include, exclude, typical, atypical) of a description
    written by :func:`_description` (anything else is all definition)."""
    parts = re.split(rf"\n\s*\n(?=(?:{TITLES}):)", text.strip())
    definition = parts[0].strip()
    lists: dict[str, list[str]] = {attr: [] for _, attr in SECTIONS}
    by_title = dict(SECTIONS)
    for part in parts[1:]:
        title, _, body = part.partition(":")
        items = [ln.strip()[2:].strip() for ln in body.splitlines() if ln.strip().startswith("- ")]
        lists[by_title[title.strip()]].extend(items)
    return definition, {k: tuple(v) for k, v in lists.items()}


def _walk(
    node: Any, path: list[str], group: str, out: list[Code], source: str, ns: str = NS
) -> None:
    for child in node.findall(f"{{{ns}}}Code"):
        name = child.get("name", "").strip() or "unnamed"
        ids = [*path, _slug(name)]
        desc = child.findtext(f"{{{ns}}}Description") or ""
        note = ID_NOTE.search(desc)
        definition, lists = _split_description(ID_NOTE.sub("", desc))
        if child.get("isCodable", "true") == "true" or not child.findall(f"{{{ns}}}Code"):
            out.append(
                Code(
                    note.group(1) if note else ".".join(ids),
                    name,
                    definition or f"Imported from {source}: write a definition.",
                    group,
                    include=lists["include"],
                    exclude=lists["exclude"],
                    typical=lists["typical"],
                    atypical=lists["atypical"],
                    color=_color_of(child),
                )
            )
        _walk(child, ids, group, out, source, ns)


PROJECT_NS = "urn:QDA-XML:project:1.0"


def project_qde(data: bytes, where: str, zipped: bool) -> tuple[bytes, str, dict[str, bytes]]:
    """The QDA-XML of a .qdpx project (a zip holding project.qde) or of a bare .qde / .qdc file:
    (its bytes, its member name or '', every member by lower-cased name). ``zipped``: the file
    should be a zip (a .qdpx), so anything else is named for what it looks like."""
    import io
    import zipfile

    from qualcode.ingest.zipsafe import looks_like, not_a_zip, read_members

    if data[:4] == b"PK\x03\x04" or zipfile.is_zipfile(io.BytesIO(data)):
        raw = read_members(data, where, what=".qdpx")
        members = {k.lower(): v for k, v in raw.items()}
        name = "project.qde" if "project.qde" in members else None
        name = name or next((k for k in sorted(members) if k.endswith(".qde")), None)
        if name is None:
            raise InputFileError(where, "has no project.qde inside", "export it again as .qdpx")
        original = next(k for k in raw if k.lower() == name)
        return members[name], original, members
    kind = looks_like(data) if data else ""
    if kind == "an XML document":
        return data, "", {}
    problem = not_a_zip(data) if zipped or not data else f"is not QDA-XML: it starts like {kind}"
    raise InputFileError(where, problem, "export it again from its tool as .qdpx or .qdc")


def _codes_element(data: bytes, where: str) -> tuple[Any, str]:
    """The <Codes> element of a .qdc codebook, or of a .qdpx project (zipped) or bare .qde,
    with its namespace."""
    qde, member, _ = project_qde(data, where, zipped=where.lower().endswith(".qdpx"))
    root = parse_xml(qde, where, member)
    for ns in (NS, PROJECT_NS):
        if root.tag == f"{{{ns}}}CodeBook":
            codes = root.find(f"{{{ns}}}Codes")
        elif root.tag == f"{{{ns}}}Project":
            codes = root.find(f"{{{ns}}}CodeBook/{{{ns}}}Codes")
        else:
            continue
        if codes is not None:
            return codes, ns
    raise InputFileError(
        where,
        "has no codebook (<CodeBook><Codes>) in the QDA-XML namespaces",
        "check that it is a REFI-QDA .qdc codebook or .qdpx project",
    )


def read_qdc(path: Path, source: str | None = None) -> Codebook:
    """Read the codebook of a ``.qdc`` codebook or a ``.qdpx`` / ``.qde`` project: top-level
    codes become groups."""
    where = source or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
    codes_el, NS = _codes_element(data, where)
    groups, seen = [], set()
    for top in codes_el.findall(f"{{{NS}}}Code"):
        top_desc = top.findtext(f"{{{NS}}}Description") or ""
        note = ID_NOTE.search(top_desc)
        gid = (
            note.group(1) if note and "." not in note.group(1) else _slug(top.get("name", "group"))
        )
        while gid in seen:
            gid += "_"
        seen.add(gid)
        codes: list[Code] = []
        _walk(top, [gid], gid, codes, where, NS)
        if not codes:
            desc = ID_NOTE.sub("", top_desc)
            codes = [
                Code(
                    f"{gid}.{gid}",
                    top.get("name", gid),
                    desc.strip() or f"Imported from {where}: write a definition.",
                    gid,
                )
            ]
        top_color = _color_of(top)
        codes = [replace(c, color="") if c.color == top_color else c for c in codes]
        groups.append(
            Group(
                gid,
                top.get("name", gid),
                description=ID_NOTE.sub("", top_desc).strip(),
                color=top_color,
                codes=tuple(codes),
            )
        )
    return Codebook(Path(where).stem, Path(where).stem, where, tuple(groups))


def codebook_yaml(codebook: Codebook) -> str:
    """A codebook as qualcode YAML text (used after importing a .qdc)."""
    import io

    from ruamel.yaml import YAML

    def code(c: Code) -> dict[str, Any]:
        d: dict[str, Any] = {"id": c.id, "name": c.name, "definition": c.definition}
        if c.include:
            d["include"] = list(c.include)
        if c.exclude:
            d["exclude"] = list(c.exclude)
        examples = {k: list(getattr(c, k)) for k in ("typical", "atypical") if getattr(c, k)}
        if examples:
            d["examples"] = examples
        if c.color:
            d["color"] = c.color
        return d

    data = {
        "id": codebook.id,
        "name": codebook.name,
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                **({"description": g.description} if g.description else {}),
                **({"color": g.color} if g.color else {}),
                "codes": [code(c) for c in g.codes],
            }
            for g in codebook.groups
        ],
    }
    buf = io.StringIO()
    yaml = YAML()
    yaml.width = 100
    yaml.dump(data, buf)
    return buf.getvalue()
