"""MAXQDA's "Code System" report (PDF) as a codebook: the top-level codes become groups (aims)
and every code below them a code, its id the slug path of its names (so that a coded segment's
``Parent > Child`` path finds it), its memo the definition."""

from __future__ import annotations

from pathlib import Path

from qualcode.codebook.model import Code, Codebook, Group
from qualcode.codebook.refi import _slug
from qualcode.errors import InputFileError

ROOT = "Code System"


def read_code_system_pdf(path: Path, source: str | None = None) -> Codebook:
    from qualcode.ingest.pdftable import indented_rows

    where = source or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
    rows = [(i, cells) for i, cells in indented_rows(data, where, ROOT) if cells[0] != ROOT]
    if not rows:
        raise InputFileError(where, "lists no codes", "export MAXQDA's code system again")
    levels = sorted({i for i, _ in rows})
    depth = {indent: n for n, indent in enumerate(levels)}
    groups: list[Group] = []
    path_names: list[str] = []
    codes: list[Code] = []
    group: tuple[str, str, str] | None = None

    def close() -> None:
        if group is not None:
            gid, name, memo = group
            found = codes or [Code(f"{gid}.{gid}", name, memo or _todo(where), gid)]
            groups.append(Group(gid, name, description=memo, codes=tuple(found)))

    for indent, cells in rows:
        level = depth[indent]
        name = cells[0].strip()
        memo = cells[1].strip() if len(cells) > 2 else ""
        path_names = [*path_names[:level], name]
        if level == 0:
            close()
            gid = _slug(name)
            taken = {g.id for g in groups}
            while gid in taken:
                gid += "_"
            group, codes = (gid, name, memo), []
            continue
        if group is None:
            continue
        cid = ".".join([group[0], *(_slug(n) for n in path_names[1:])])
        codes.append(Code(cid, name, memo or _todo(where), group[0]))
    close()
    stem = Path(where).stem
    return Codebook(stem, stem, where, tuple(groups))


def _todo(where: str) -> str:
    return f"Imported from {Path(where).name}: write a definition."
