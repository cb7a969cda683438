"""The codebook loader's problem list: each shape mistake one line naming the file, the line and
what was expected ("groups must be a list of groups, got a number"), said once.

Lines come from ruamel's round-trip positions: a mapping knows the line of each of its keys and a
list the line of each item, so a wrong value is placed at its key or item even when the value
itself (a number, text, nothing) carries no position.
"""

from __future__ import annotations

import datetime
from typing import Any

from qualcode.errors import QualcodeError


class CodebookError(QualcodeError):
    """A codebook file has problems; ``problems`` lists each once as 'file:line: ...'."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        problems = list(dict.fromkeys(problems))  # the same mistake is said once
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more, "run 'qualcode codebook check' to list them all")
        self.problems = problems


def kind_of(value: Any) -> str:
    """What a YAML value is, in the words of an error message ('a number', 'text')."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, bytes):
        return "binary data"
    tag = getattr(value, "tag", None)
    if tag is not None:
        return f"a value tagged {getattr(tag, 'value', tag)}"
    return "a set" if isinstance(value, set | frozenset) else "a value of another kind"


def line_of(node: Any, key: Any = None) -> int:
    """1-based line of ``node`` (or of its key or item ``key``), or 0 when unknown."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 0
    try:
        if key is None:
            return int(lc.line) + 1
        if isinstance(node, list):
            return int(lc.item(key)[0]) + 1
        return int(lc.key(key)[0]) + 1
    except (KeyError, TypeError, IndexError, AttributeError):
        return int(lc.line) + 1


class Checker:
    """Collects problems as 'file:line: [code ID: ]message'."""

    def __init__(self, source: str, first_line: int = 1) -> None:
        self.source = source
        self.first_line = first_line  # where a document with no positions (a bare scalar) starts
        self.problems: list[str] = []

    def add(self, node: Any, message: str, key: Any = None, code: str = "") -> None:
        """A problem at ``node`` (a mapping or list), or at its key or item ``key``."""
        line = line_of(node, key) or self.first_line
        self.problems.append(
            f"{self.source}:{line}: {'code ' + code + ': ' if code else ''}{message}"
        )

    def is_mapping(self, value: Any, parent: Any, key: Any, expected: str, code: str = "") -> bool:
        """True if ``value`` (``parent[key]``) is a mapping; else says what it is instead."""
        if isinstance(value, dict):
            return True
        hint = " (is a list written where its items should be?)" if isinstance(value, list) else ""
        self.add(parent, f"{expected}, got {kind_of(value)}{hint}", key, code)
        return False

    def fields(self, node: dict[str, Any], allowed: set[str], what: str, code: str = "") -> None:
        for key in node:
            if key not in allowed:
                hint = HINTS.get((what, str(key)), "")
                allowed_list = ", ".join(sorted(allowed))
                message = f"unknown field '{key}' in {what} (allowed: {allowed_list}){hint}"
                self.add(node, message, key, code)

    def strings(self, node: dict[str, Any], key: str, code: str = "") -> tuple[str, ...]:
        """A list of non-empty strings (one string is a list of one); () if absent or wrong."""
        value = node.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        expected = f"'{key}' must be a list of non-empty strings"
        if not isinstance(value, list):
            self.add(node, f"{expected}, got {kind_of(value)}", key, code)
            return ()
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                what = kind_of(item) if not isinstance(item, str) else "empty"
                self.add(node, f"{expected}, but item {i + 1} is {what}", key, code)
                return ()
        return tuple(" ".join(v.split()) for v in value)

    def text(self, node: dict[str, Any], key: str, code: str = "", required: bool = False) -> str:
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(node, f"'{key}' is missing or empty", key if key in node else None, code)
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(node, f"'{key}' must be text, got {kind_of(value)}", key, code)
            return ""
        return " ".join(str(value).split())


RULE_WORDS = ("keywords", "patterns", "near", "veto", "roles", "case_sensitive")
HINTS = {
    **{("a code", w): " (rule terms go under 'rules:')" for w in RULE_WORDS},
    ("the codebook", "codes"): " (codes go inside a group, under 'groups:')",
    ("a group", "keywords"): " (rule terms go under a code's 'rules:')",
}
