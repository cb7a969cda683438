"""REFI-QDA codebook exchange (``.qdc``, QDA-XML codebook 1.0): export and import.

Groups become non-codable parent codes and codes their codable children. GUIDs are uuid5 of the
codebook and code ids, so exporting the same codebook twice gives the same file. XML is parsed
without DTDs, entity expansion or network access.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from qualcode.codebook.model import Code, Codebook, Group
from qualcode.errors import InputFileError

NS = "urn:QDA-XML:codebook:1.0"
NAMESPACE = uuid.UUID("6f1d3c52-8a0e-5d2b-9c1e-2f4b7a9d0e11")
PALETTE = ("#1F77B4", "#D62728", "#2CA02C", "#9467BD", "#FF7F0E", "#17BECF", "#8C564B")


def guid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _description(code: Code) -> str:
    lines = [code.definition]
    for title, items in (("Include", code.include), ("Exclude", code.exclude)):
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
        color = PALETTE[i % len(PALETTE)]
        g = etree.SubElement(
            codes,
            f"{{{NS}}}Code",
            guid=guid(codebook.id, group.id),
            name=group.name,
            isCodable="false",
            color=color,
        )
        if group.description:
            etree.SubElement(g, f"{{{NS}}}Description").text = group.description
        for code in group.codes:
            c = etree.SubElement(
                g,
                f"{{{NS}}}Code",
                guid=guid(codebook.id, code.id),
                name=code.name,
                isCodable="true",
                color=color,
            )
            etree.SubElement(c, f"{{{NS}}}Description").text = _description(code)


def safe_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=True,
    )


def parse_xml(data: bytes, where: str) -> Any:
    """Parse QDA-XML safely: the parser loads no DTD, resolves no entity and reaches no network,
    and a document that declares a DTD at all (in any encoding, anywhere before its root) is
    refused, since QDA-XML never needs one and that is how entity-expansion bombs work."""
    from lxml import etree

    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InputFileError(
            where, f"is not well-formed XML ({exc.msg})", "export the file again from its tool"
        ) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise InputFileError(
            where, f"cannot be parsed as XML ({type(exc).__name__})", "export it again"
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise InputFileError(
            where,
            "declares a DTD or entities, which QDA-XML never needs",
            "refused for safety; export the file again from its tool",
        )
    return root


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug if slug and slug[0].isalpha() else f"c_{slug}"


ID_NOTE = re.compile(r"\n*\[qualcode id: ([a-z0-9_.]+)\]\s*$")


def _split_description(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    parts = re.split(r"\n\s*\n(?=(?:Include|Exclude):)", text.strip())
    definition = parts[0].strip()
    include: list[str] = []
    exclude: list[str] = []
    for part in parts[1:]:
        title, _, body = part.partition(":")
        items = [ln.strip()[2:].strip() for ln in body.splitlines() if ln.strip().startswith("- ")]
        (include if title.strip() == "Include" else exclude).extend(items)
    return definition, tuple(include), tuple(exclude)


def _walk(node: Any, path: list[str], group: str, out: list[Code], source: str) -> None:
    for child in node.findall(f"{{{NS}}}Code"):
        name = child.get("name", "").strip() or "unnamed"
        ids = [*path, _slug(name)]
        desc = child.findtext(f"{{{NS}}}Description") or ""
        note = ID_NOTE.search(desc)
        definition, inc, exc = _split_description(ID_NOTE.sub("", desc))
        if child.get("isCodable", "true") == "true" or not child.findall(f"{{{NS}}}Code"):
            out.append(
                Code(
                    note.group(1) if note else ".".join(ids),
                    name,
                    definition or f"Imported from {source}: write a definition.",
                    group,
                    include=inc,
                    exclude=exc,
                )
            )
        _walk(child, ids, group, out, source)


def read_qdc(path: Path, source: str | None = None) -> Codebook:
    """Read a ``.qdc`` codebook: top-level codes become groups."""
    where = source or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
    root = parse_xml(data, where)
    codes_el = root.find(f"{{{NS}}}Codes")
    if root.tag != f"{{{NS}}}CodeBook" or codes_el is None:
        raise InputFileError(
            where,
            "has no <CodeBook><Codes> in the QDA-XML codebook namespace",
            "check that it is a REFI-QDA .qdc export",
        )
    groups, seen = [], set()
    for top in codes_el.findall(f"{{{NS}}}Code"):
        gid = _slug(top.get("name", "group"))
        while gid in seen:
            gid += "_"
        seen.add(gid)
        codes: list[Code] = []
        _walk(top, [gid], gid, codes, where)
        if not codes:
            desc = top.findtext(f"{{{NS}}}Description") or ""
            codes = [
                Code(
                    f"{gid}.{gid}",
                    top.get("name", gid),
                    desc.strip() or f"Imported from {where}: write a definition.",
                    gid,
                )
            ]
        groups.append(
            Group(
                gid,
                top.get("name", gid),
                description=(top.findtext(f"{{{NS}}}Description") or "").strip(),
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
        return d

    data = {
        "id": codebook.id,
        "name": codebook.name,
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                **({"description": g.description} if g.description else {}),
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
