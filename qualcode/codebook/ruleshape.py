"""A code's ``rules:`` checked as the codebook loader reads them: keywords and other term lists,
spaCy token patterns (keys and regular expressions), near rules and roles. Each mistake is one
problem at its line (see qualcode.codebook.checker)."""

from __future__ import annotations

import re
from typing import Any

from qualcode.codebook.checker import Checker, kind_of
from qualcode.codebook.model import Near, Rules

RULE_FIELDS = {"keywords", "patterns", "near", "veto", "roles", "case_sensitive"}
NEAR_FIELDS = {"a", "b", "within"}
ROLES = {"participant", "interviewer"}


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


def _patterns(ck: Checker, node: dict[str, Any], code: str) -> list[Any]:
    """The rule's spaCy token patterns: a list of lists of mappings, each checked."""
    patterns = node.get("patterns")
    if patterns is None or patterns == []:
        return []
    expected = "'patterns' must be a list of spaCy token patterns (lists of mappings)"
    if not isinstance(patterns, list):
        ck.add(node, f"{expected}, got {kind_of(patterns)}", "patterns", code)
        return []
    for i, pattern in enumerate(patterns):
        if not isinstance(pattern, list) or not pattern:
            what = "an empty list" if pattern == [] else kind_of(pattern)
            ck.add(node, f"{expected}, but pattern {i + 1} is {what}", "patterns", code)
            return []
        bad = next((j for j, t in enumerate(pattern) if not isinstance(t, dict)), None)
        if bad is not None:
            what = kind_of(pattern[bad])
            ck.add(
                node, f"{expected}: token {bad + 1} of pattern {i + 1} is {what}", "patterns", code
            )
            return []
        problem = _pattern_problem(pattern)
        if problem:
            ck.add(node, f"rules.patterns item {i + 1}: {problem}", "patterns", code)
            return []
    return patterns


def _near(ck: Checker, node: dict[str, Any], code: str) -> tuple[Near, ...]:
    items = node.get("near")
    if items is None or items == []:
        return ()
    if not isinstance(items, list):
        ck.add(node, f"'near' must be a list of near rules, got {kind_of(items)}", "near", code)
        return ()
    near: list[Near] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            ck.add(
                items,
                f"near rule {i + 1} is not a mapping with 'a', 'b' and 'within' "
                "(is a keyword list indented under 'near'?)",
                i,
                code,
            )
            return tuple(near)  # the rest of such a list is usually the same mistake
        ck.fields(item, NEAR_FIELDS, "near rule", code)
        before = len(ck.problems)
        a, b = ck.strings(item, "a", code), ck.strings(item, "b", code)
        missing = [k for k in ("a", "b") if not item.get(k)]
        if missing:
            ck.add(
                item,
                f"a near rule needs terms 'a' and 'b' ({' and '.join(missing)} missing)",
                code=code,
            )
        within = item.get("within", 8)
        if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= 50:
            got = (
                f"{within}"
                if isinstance(within, int | float) and not isinstance(within, bool)
                else kind_of(within)
            )
            ck.add(
                item,
                f"a near rule needs 'within' from 1 to 50 (a whole number of tokens), got {got}",
                "within",
                code,
            )
        if len(ck.problems) == before:
            near.append(Near(a, b, within))
    return tuple(near)


def rules_of(ck: Checker, parent: dict[str, Any], code: str) -> Rules:
    """The ``rules`` of a code mapping (``parent``), or empty Rules after saying what is wrong."""
    node = parent.get("rules")
    if node is None:
        return Rules()
    expected = "rules must be a mapping of keywords, patterns, near, veto, roles, case_sensitive"
    if not ck.is_mapping(node, parent, "rules", expected, code):
        return Rules()
    ck.fields(node, RULE_FIELDS, "rules", code)
    patterns = _patterns(ck, node, code)
    near = _near(ck, node, code)
    roles = ck.strings(node, "roles", code) or ("participant",)
    for role in roles:
        if role not in ROLES:
            ck.add(node, f"unknown role '{role}' (use participant or interviewer)", "roles", code)
    return Rules(
        keywords=ck.strings(node, "keywords", code),
        patterns=tuple(tuple(dict(t) for t in p) for p in patterns),
        near=near,
        veto=ck.strings(node, "veto", code),
        roles=roles,
        case_sensitive=ck.strings(node, "case_sensitive", code),
    )
