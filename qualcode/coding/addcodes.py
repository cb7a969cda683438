"""Writing new codes into a codebook YAML, keeping its comments, quotes and order: the writer
'qualcode topics adopt' and 'import codings --add-missing-codes' share."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from qualcode.codebook.refi import _slug


def add_codes(path: Path, group: str, group_name: str, codes: list[dict[str, Any]]) -> None:
    """Append ``codes`` to group ``group`` of the codebook at ``path`` (the group made, named
    ``group_name``, at the end when it is absent). The result is parsed before it is written,
    atomically: a codebook that would fail is never written."""
    from ruamel.yaml import YAML

    from qualcode.codebook.loader import parse_codebook
    from qualcode.export import atomic_write_bytes

    yaml = YAML(typ="rt")
    yaml.width = 4096  # never re-wrap the author's lines
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout codebooks are written in
    data = yaml.load(path.read_text(encoding="utf-8"))
    groups = data.setdefault("groups", [])
    target = next((g for g in groups if g.get("id") == group), None)
    if target is None:
        target = {"id": group, "name": group_name, "codes": []}
        groups.append(target)
    target.setdefault("codes", []).extend(codes)
    out = StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    parse_codebook(YAML(typ="rt").load(text), str(path))  # never write a codebook that fails
    atomic_write_bytes(path, text.encode("utf-8"))


IMPORTED = ("imported", "Codes from imported codings")


def draft_codes(names: list[str], taken: set[str], source: str) -> dict[str, dict[str, Any]]:
    """Draft codes for names a coding uses that the codebook lacks: name -> code (id made from
    the name, unique among ``taken``; a DRAFT definition, which 'codebook check' warns about)."""
    drafts: dict[str, dict[str, Any]] = {}
    used = set(taken)
    for name in names:
        base = f"{IMPORTED[0]}.{_slug(name)}"
        cid, k = base, 2
        while cid in used:
            cid, k = f"{base}_{k}", k + 1
        used.add(cid)
        drafts[name] = {
            "id": cid,
            "name": " ".join(name.split()),
            "definition": f"DRAFT: used in {Path(source).name} but not in the codebook. "
            "Write a definition before coding with it.",
        }
    return drafts
