"""Load and validate codebook YAML. Every problem names the file, the line and the code id."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qualcode.codebook.checker import Checker, CodebookError, kind_of, line_of
from qualcode.codebook.model import Code, Codebook, Group
from qualcode.codebook.ruleshape import rules_of

TOP_FIELDS = {"id", "name", "version", "description", "groups"}
GROUP_FIELDS = {"id", "name", "name_cy", "description", "codes", "color"}
COLOR_RE = re.compile(r"#[0-9A-Fa-f]{6}")
CODE_FIELDS = {
    "id",
    "name",
    "name_cy",
    "definition",
    "include",
    "exclude",
    "examples",
    "valence",
    "rules",
    "definition_cy",
    "include_cy",
    "exclude_cy",
    "examples_cy",
    "color",
}
EXAMPLE_FIELDS = {"typical", "atypical"}
ID_RE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
# Limits that stop a runaway file early instead of hanging (a real codebook of 150 codes with
# examples and rules is about 4,000 lines and 200 KB).
MAX_CODEBOOK_BYTES = 5_000_000
MAX_CODEBOOK_LINES = 100_000
MAX_NESTING = 100  # brackets inside brackets (a codebook needs five or six)


def _nesting(text: str) -> int:
    """The deepest nesting of flow brackets or of indentation (a cheap check before parsing:
    the YAML parser takes seconds to fail on ten thousand levels)."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
    indent = max((len(ln) - len(ln.lstrip(" ")) for ln in text.split("\n")), default=0)
    return max(deepest, indent // 2)


def _examples(
    ck: Checker, node: dict[str, Any], cid: str, key: str = "examples"
) -> tuple[tuple[str, ...], ...]:
    """(typical, atypical) from ``key`` ("examples", or "examples_cy" for their Welsh)."""
    examples = node.get(key)
    if not examples:  # absent, or written empty
        return (), ()
    expected = f"{key} must be a mapping with typical and atypical"
    if not ck.is_mapping(examples, node, key, expected, cid):
        return (), ()
    ck.fields(examples, EXAMPLE_FIELDS, key, cid)
    return ck.strings(examples, "typical", cid), ck.strings(examples, "atypical", cid)


def _code(ck: Checker, codes: list[Any], index: int, group: str) -> Code | None:
    node = codes[index]
    expected = f"code {index + 1} of group '{group}' must be a mapping with id, name and definition"
    if not ck.is_mapping(node, codes, index, expected):
        return None
    raw = node.get("id")
    cid = "" if raw is None else ck.text(node, "id")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        where = "id" if "id" in node else None
        ck.add(node, "'id' is missing or empty", where, f"{index + 1} of group '{group}'")
    elif cid and not ID_RE.fullmatch(cid):
        ck.add(
            node,
            f"code id '{cid}' must be lower-case words joined by dots, e.g. '{group}.my_code'",
            "id",
        )
    ck.fields(node, CODE_FIELDS, "a code", cid)
    typical, atypical = _examples(ck, node, cid)
    typical_cy, atypical_cy = _examples(ck, node, cid, "examples_cy")
    valence = node.get("valence", False)
    if not isinstance(valence, bool):
        ck.add(node, f"'valence' must be true or false, got {kind_of(valence)}", "valence", cid)
    return Code(
        id=cid,
        name=ck.text(node, "name", cid, required=True),
        definition=ck.text(node, "definition", cid, required=True),
        group=group,
        name_cy=ck.text(node, "name_cy", cid),
        include=ck.strings(node, "include", cid),
        exclude=ck.strings(node, "exclude", cid),
        typical=typical,
        atypical=atypical,
        valence=bool(valence),
        rules=rules_of(ck, node, cid),
        line=line_of(node),
        definition_cy=ck.text(node, "definition_cy", cid),
        include_cy=ck.strings(node, "include_cy", cid),
        exclude_cy=ck.strings(node, "exclude_cy", cid),
        typical_cy=typical_cy,
        atypical_cy=atypical_cy,
        color=_color(ck, node, cid),
    )


def _color(ck: Checker, node: dict[str, Any], cid: str = "") -> str:
    """An optional display colour, '#RRGGBB' (kept from and given to other QDA tools)."""
    color = ck.text(node, "color", cid) if "color" in node else ""
    if color and not COLOR_RE.fullmatch(color):
        ck.add(node, f"colour '{color}' must be written #RRGGBB, e.g. #1F77B4", "color", cid)
        return ""
    return color.upper()


def _group(ck: Checker, groups: list[Any], index: int) -> Group | None:
    node = groups[index]
    expected = f"group {index + 1} must be a mapping with id, name and codes"
    if not ck.is_mapping(node, groups, index, expected):
        return None
    ck.fields(node, GROUP_FIELDS, "a group")
    gid = ck.text(node, "id", required=True)
    if gid and not ID_RE.fullmatch(gid):
        ck.add(node, f"group id '{gid}' must be a lower-case word, e.g. 'police'", "id")
    codes = node.get("codes")
    if not codes and not isinstance(codes, bool | int | float):
        ck.add(node, f"group '{gid}' has no codes", "codes" if "codes" in node else None)
        codes = []
    elif not isinstance(codes, list):
        hint = " (put '- ' before each code)" if isinstance(codes, dict) else ""
        expected = f"codes of group '{gid}' must be a list of codes, got {kind_of(codes)}{hint}"
        ck.add(node, expected, "codes")
        codes = []
    built = [c for c in (_code(ck, codes, i, gid) for i in range(len(codes))) if c is not None]
    return Group(
        gid,
        ck.text(node, "name", required=True),
        ck.text(node, "name_cy"),
        ck.text(node, "description"),
        tuple(built),
        color=_color(ck, node),
    )


def _groups(ck: Checker, data: dict[str, Any]) -> list[Group]:
    groups = data.get("groups")
    if not groups and not isinstance(groups, bool | int | float):
        ck.add(data, "the codebook has no groups", "groups" if "groups" in data else None)
        return []
    if not isinstance(groups, list):
        hint = " (put '- ' before each group)" if isinstance(groups, dict) else ""
        ck.add(data, f"groups must be a list of groups, got {kind_of(groups)}{hint}", "groups")
        return []
    return [g for g in (_group(ck, groups, i) for i in range(len(groups))) if g is not None]


def parse_codebook(data: Any, source: str, first_line: int = 1) -> Codebook:
    """Build and validate a codebook from parsed YAML; raises CodebookError listing problems."""
    ck = Checker(source, first_line)
    if not isinstance(data, dict):
        ck.add(
            data, f"the codebook must be a mapping with id, name and groups, got {kind_of(data)}"
        )
        raise CodebookError(ck.problems)
    ck.fields(data, TOP_FIELDS, "the codebook")
    about = {key: ck.text(data, key) for key in ("id", "name", "description", "version")}
    groups = _groups(ck, data)
    seen: dict[str, int] = {}
    for code in (c for g in groups for c in g.codes):
        if code.id and code.id in seen:
            ck.problems.append(
                f"{source}:{code.line}: code {code.id}: duplicate id (first at "
                f"line {seen[code.id]})"
            )
        seen.setdefault(code.id, code.line)
    if ck.problems:
        raise CodebookError(ck.problems)
    return Codebook(
        about["id"] or Path(source).stem,
        about["name"] or Path(source).stem,
        source,
        tuple(groups),
        about["description"],
        about["version"],
    )


def load_codebook(path: Path, source: str | None = None) -> Codebook:
    """Read a codebook YAML file safely (no arbitrary objects) and validate it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    where = source or str(path)
    text, raw = _read_text(path, where)
    if (where, raw) in _PARSED:
        return _PARSED[(where, raw)]
    if len(raw) > MAX_CODEBOOK_BYTES or text.count("\n") > MAX_CODEBOOK_LINES:
        raise CodebookError(
            [
                f"{where}: too large for a codebook ({len(raw):,} bytes, "
                f"{text.count(chr(10)):,} lines; the limit is {MAX_CODEBOOK_BYTES:,} bytes and "
                f"{MAX_CODEBOOK_LINES:,} lines): check that this is the codebook file"
            ]
        )
    if _nesting(text) > MAX_NESTING:
        raise CodebookError([f"{where}: {TOO_DEEP}"])
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise CodebookError([_yaml_problem(exc, text, where)]) from exc
    except RecursionError as exc:
        raise CodebookError([f"{where}: {TOO_DEEP}"]) from exc
    if data is None:
        raise CodebookError([f"{where}: the file is empty (or only comments)"])
    codebook = parse_codebook(data, where, _first_line(text))
    _PARSED.clear()  # one codebook remembered: a command reads the same one several times
    _PARSED[(where, raw)] = codebook
    return codebook


# The last codebook parsed, by (name, exact bytes): 'qualcode run' reads its codebook in five
# stages and the YAML parse was 0.3-0.4 s each; a Codebook is frozen, so sharing it is safe.
_PARSED: dict[tuple[str, bytes], Codebook] = {}


TOO_DEEP = "nested too deeply to be a codebook (groups > codes > rules is enough)"


def _read_text(path: Path, where: str) -> tuple[str, bytes]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CodebookError([f"{where}: no such codebook file"]) from exc
    except OSError as exc:
        raise CodebookError([f"{where}: cannot be read ({exc.strerror})"]) from exc
    try:
        return raw.decode("utf-8-sig"), raw
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CodebookError(
            [
                f"{where}:{line}: is not UTF-8 text (byte 0x{raw[exc.start]:02X}): "
                "save the codebook as UTF-8"
            ]
        ) from exc


def _yaml_problem(exc: Exception, text: str, where: str) -> str:
    """One line for a YAML error: its line and problem, or the character YAML refuses."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        return f"{where}:{mark.line + 1}: YAML syntax error: {problem}"
    position, character = getattr(exc, "position", None), getattr(exc, "character", None)
    if isinstance(position, int) and isinstance(character, int):
        line = text[:position].count("\n") + 1
        return (
            f"{where}:{line}: has a character YAML does not allow (U+{character:04X}, "
            "a control or non-character code point)"
        )
    at = f":{mark.line + 1}" if mark is not None else ""
    context = getattr(exc, "context", None) or type(exc).__name__
    return f"{where}{at}: YAML syntax error: {context}"


def _first_line(text: str) -> int:
    """The first line holding YAML content (not blank, a comment or a directive)."""
    for number, line in enumerate(text.split("\n"), start=1):
        bare = line.strip()
        if bare and not bare.startswith(("#", "%", "---")):
            return number
    return 1
