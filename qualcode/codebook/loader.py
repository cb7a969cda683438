"""Load and validate codebook YAML. Every problem names the file, the line and the code id."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qualcode.codebook.model import Code, Codebook, Group, Near, Rules
from qualcode.errors import QualcodeError

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
    "color",
}
EXAMPLE_FIELDS = {"typical", "atypical"}
RULE_FIELDS = {"keywords", "patterns", "near", "veto", "roles", "case_sensitive"}
NEAR_FIELDS = {"a", "b", "within"}
ROLES = {"participant", "interviewer"}
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


class CodebookError(QualcodeError):
    """A codebook file has problems; ``problems`` lists each as 'file:line: ...'."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more, "run 'qualcode codebook check' to list them all")
        self.problems = problems


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def add(self, node: Any, message: str, key: str | None = None, code: str = "") -> None:
        line = _line(node, key)
        where = f"{self.source}:{line}" if line else self.source
        self.problems.append(f"{where}: {'code ' + code + ': ' if code else ''}{message}")

    def fields(self, node: Any, allowed: set[str], what: str, code: str = "") -> bool:
        if not isinstance(node, dict):
            self.add(node, f"{what} must be a mapping", code=code)
            return False
        for key in node:
            if key not in allowed:
                self.add(
                    node,
                    f"unknown field '{key}' in {what} (allowed: {', '.join(sorted(allowed))})",
                    key,
                    code,
                )
        return True

    def strings(self, node: Any, key: str, code: str = "") -> tuple[str, ...]:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.add(node, f"'{key}' must be a list of non-empty strings", key, code)
            return ()
        return tuple(" ".join(v.split()) for v in value)

    def text(self, node: dict[str, Any], key: str, code: str = "", required: bool = False) -> str:
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(node, f"'{key}' is missing or empty", key if key in node else None, code)
            return ""
        if not isinstance(value, str | int | float):
            self.add(node, f"'{key}' must be text", key, code)
            return ""
        return " ".join(str(value).split())


def _line(node: Any, key: str | None = None) -> int:
    lc = getattr(node, "lc", None)
    if lc is None:
        return 0
    try:
        return int(lc.key(key)[0]) + 1 if key is not None else int(lc.line) + 1
    except (KeyError, TypeError):
        return int(lc.line) + 1


def _item_line(seq: Any, index: int) -> int:
    """1-based line of item ``index`` of a YAML sequence, or 0 when unknown."""
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return 0


def _pattern_problem(pattern: list[Any]) -> str:
    """What is wrong with a token pattern's keys or regular expressions, or ''."""
    for token in pattern:
        for key, value in token.items():
            if not isinstance(key, str):
                return f"a token's keys must be attributes such as LOWER or LEMMA, not {key!r}"
            if isinstance(value, dict) and "REGEX" in value:
                regex = value["REGEX"]
                if not isinstance(regex, str):
                    return "a REGEX must be text"
                try:
                    re.compile(regex)
                except re.error as exc:
                    return f"the regular expression {regex!r} is not valid ({exc})"
    return ""


def _rules(ck: _Checker, node: Any, code: str) -> Rules:
    if node is None:
        return Rules()
    if not ck.fields(node, RULE_FIELDS, "rules", code):
        return Rules()
    patterns = node.get("patterns") or []
    if not isinstance(patterns, list) or not all(
        isinstance(p, list) and p and all(isinstance(t, dict) for t in p) for p in patterns
    ):
        ck.add(
            node,
            "'patterns' must be a list of spaCy token patterns (lists of mappings)",
            "patterns",
            code,
        )
        patterns = []
    for i, pattern in enumerate(patterns):
        problem = _pattern_problem(pattern)
        if problem:
            ck.add(node, f"rules.patterns item {i + 1}: {problem}", "patterns", code)
    if any(_pattern_problem(p) for p in patterns):
        patterns = []
    near = []
    items = node.get("near") or []
    if not isinstance(items, list):
        ck.add(node, "'near' must be a list of near rules", "near", code)
        items = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            line = _item_line(items, i)
            ck.problems.append(
                f"{ck.source}{f':{line}' if line else ''}: code {code}: near rule {i + 1} is not "
                "a mapping with 'a', 'b' and 'within' (is a keyword list indented under 'near'?)"
            )
            break  # the rest of such a list is usually the same mistake
        if ck.fields(item, NEAR_FIELDS, "near rule", code):
            a, b = ck.strings(item, "a", code), ck.strings(item, "b", code)
            within = item.get("within", 8)
            if not a or not b or not isinstance(within, int) or not 1 <= within <= 50:
                ck.add(
                    item, "a near rule needs terms 'a' and 'b' and 'within' from 1 to 50", code=code
                )
                continue
            near.append(Near(a, b, within))
    roles = ck.strings(node, "roles", code) or ("participant",)
    for role in roles:
        if role not in ROLES:
            ck.add(node, f"unknown role '{role}' (use participant or interviewer)", "roles", code)
    return Rules(
        keywords=ck.strings(node, "keywords", code),
        patterns=tuple(tuple(dict(t) for t in p) for p in patterns),
        near=tuple(near),
        veto=ck.strings(node, "veto", code),
        roles=roles,
        case_sensitive=ck.strings(node, "case_sensitive", code),
    )


def _code(ck: _Checker, node: Any, group: str) -> Code | None:
    cid = str(node.get("id", "")) if isinstance(node, dict) else ""
    if not ck.fields(node, CODE_FIELDS, "a code", cid):
        return None
    if not ID_RE.fullmatch(cid):
        ck.add(
            node,
            f"code id '{cid}' must be lower-case words joined by dots, e.g. '{group}.my_code'",
            "id" if "id" in node else None,
        )
    examples = node.get("examples") or {}
    if examples and ck.fields(examples, EXAMPLE_FIELDS, "examples", cid):
        typical, atypical = (
            ck.strings(examples, "typical", cid),
            ck.strings(examples, "atypical", cid),
        )
    else:
        typical = atypical = ()
    valence = node.get("valence", False)
    if not isinstance(valence, bool):
        ck.add(node, "'valence' must be true or false", "valence", cid)
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
        rules=_rules(ck, node.get("rules"), cid),
        line=_line(node),
        definition_cy=ck.text(node, "definition_cy", cid),
        include_cy=ck.strings(node, "include_cy", cid),
        exclude_cy=ck.strings(node, "exclude_cy", cid),
        color=_color(ck, node, cid),
    )


def _color(ck: _Checker, node: Any, cid: str = "") -> str:
    """An optional display colour, '#RRGGBB' (kept from and given to other QDA tools)."""
    color = ck.text(node, "color", cid) if isinstance(node, dict) and "color" in node else ""
    if color and not COLOR_RE.fullmatch(color):
        ck.add(node, f"colour '{color}' must be written #RRGGBB, e.g. #1F77B4", "color", cid)
        return ""
    return color.upper()


def _group(ck: _Checker, node: Any) -> Group | None:
    if not ck.fields(node, GROUP_FIELDS, "a group"):
        return None
    gid = ck.text(node, "id", required=True)
    if gid and not ID_RE.fullmatch(gid):
        ck.add(node, f"group id '{gid}' must be a lower-case word, e.g. 'police'", "id")
    codes = node.get("codes") or []
    if not isinstance(codes, list) or not codes:
        ck.add(node, f"group '{gid}' has no codes")
        codes = []
    built = [c for c in (_code(ck, c, gid) for c in codes) if c is not None]
    return Group(
        gid,
        ck.text(node, "name", required=True),
        ck.text(node, "name_cy"),
        ck.text(node, "description"),
        tuple(built),
        color=_color(ck, node),
    )


def parse_codebook(data: Any, source: str) -> Codebook:
    """Build and validate a codebook from parsed YAML; raises CodebookError listing problems."""
    ck = _Checker(source)
    if not ck.fields(data, TOP_FIELDS, "the codebook"):
        raise CodebookError(ck.problems)
    groups = [g for g in (_group(ck, g) for g in data.get("groups") or []) if g is not None]
    if not groups:
        ck.add(data, "the codebook has no groups", "groups" if "groups" in data else None)
    seen: dict[str, int] = {}
    for code in (c for g in groups for c in g.codes):
        if code.id in seen:
            ck.problems.append(
                f"{source}:{code.line}: code {code.id}: duplicate id (first at "
                f"line {seen[code.id]})"
            )
        seen.setdefault(code.id, code.line)
    if ck.problems:
        raise CodebookError(ck.problems)
    return Codebook(
        ck.text(data, "id", required=False) or Path(source).stem,
        ck.text(data, "name") or Path(source).stem,
        source,
        tuple(groups),
        ck.text(data, "description"),
        ck.text(data, "version"),
    )


def load_codebook(path: Path, source: str | None = None) -> Codebook:
    """Read a codebook YAML file safely (no arbitrary objects) and validate it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    where = source or str(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise CodebookError([f"{where}: no such codebook file"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError([f"{where}: cannot be read as UTF-8 text"]) from exc
    if len(raw) > MAX_CODEBOOK_BYTES or text.count("\n") > MAX_CODEBOOK_LINES:
        raise CodebookError(
            [
                f"{where}: too large for a codebook ({len(raw):,} bytes, "
                f"{text.count(chr(10)):,} lines; the limit is {MAX_CODEBOOK_BYTES:,} bytes and "
                f"{MAX_CODEBOOK_LINES:,} lines): check that this is the codebook file"
            ]
        )
    if _nesting(text) > MAX_NESTING:
        raise CodebookError(
            [f"{where}: nested too deeply to be a codebook (groups > codes > rules is enough)"]
        )
    try:
        data = YAML(typ="rt").load(text)
        return parse_codebook(data, where) if data is not None else _empty(where)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise CodebookError([f"{where}{line}: YAML syntax error: {problem}"]) from exc
    except RecursionError as exc:
        raise CodebookError(
            [f"{where}: nested too deeply to be a codebook (groups > codes > rules is enough)"]
        ) from exc


def _empty(where: str) -> Codebook:
    raise CodebookError([f"{where}: the file is empty"])
