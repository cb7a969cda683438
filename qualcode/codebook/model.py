"""The codebook as frozen data: groups (the evaluation's aims) of codes with criteria and rules."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any

VALENCES = ("enabler", "blocker", "mixed")
WELSH_FIELDS = ("definition_cy", "include_cy", "exclude_cy", "typical_cy", "atypical_cy")


@dataclass(frozen=True)
class Near:
    """Two sets of terms (lemmas) within ``within`` tokens of each other."""

    a: tuple[str, ...]
    b: tuple[str, ...]
    within: int = 8


@dataclass(frozen=True)
class Rules:
    keywords: tuple[str, ...] = ()  # lemma phrases, case-insensitive
    patterns: tuple[tuple[dict[str, Any], ...], ...] = ()  # spaCy token patterns
    near: tuple[Near, ...] = ()
    veto: tuple[str, ...] = ()  # lemma phrases: their presence in the segment vetoes the code
    roles: tuple[str, ...] = ("participant",)
    case_sensitive: tuple[str, ...] = ()  # phrases matched exactly as written (proper nouns)

    @property
    def empty(self) -> bool:
        return not (self.keywords or self.patterns or self.near or self.case_sensitive)


@dataclass(frozen=True)
class Code:
    id: str
    name: str
    definition: str
    group: str
    name_cy: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    typical: tuple[str, ...] = ()
    atypical: tuple[str, ...] = ()
    valence: bool = False
    rules: Rules = field(default_factory=Rules)
    line: int = 0  # where the code starts in its file (1-based), for messages
    definition_cy: str = ""  # Welsh wording for reports with --lang cy (optional)
    include_cy: tuple[str, ...] = ()
    exclude_cy: tuple[str, ...] = ()
    typical_cy: tuple[str, ...] = ()  # Welsh examples (examples_cy: typical, atypical)
    atypical_cy: tuple[str, ...] = ()
    color: str = ""  # '#RRGGBB' from another QDA tool (optional)


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    name_cy: str = ""
    description: str = ""
    codes: tuple[Code, ...] = ()
    color: str = ""


@dataclass(frozen=True)
class Codebook:
    id: str
    name: str
    source: str
    groups: tuple[Group, ...]
    description: str = ""
    version: str = ""

    @property
    def codes(self) -> tuple[Code, ...]:
        return tuple(c for g in self.groups for c in g.codes)

    def code(self, code_id: str) -> Code | None:
        return next((c for c in self.codes if c.id == code_id), None)

    def only(self, chosen: tuple[str, ...]) -> Codebook:
        """The codebook cut down to these code or aim ids (for a report on part of it)."""
        groups = []
        for g in self.groups:
            codes = tuple(c for c in g.codes if g.id in chosen or c.id in chosen)
            if codes:
                groups.append(replace(g, codes=codes))
        return replace(self, groups=tuple(groups))

    def content(self) -> dict[str, Any]:
        """The codebook's content, without file positions: what its hash is taken over."""
        data = asdict(self)
        data.pop("source")
        for g in data["groups"]:
            if not g.get("color"):  # absent = as before: older codebooks keep their hash
                g.pop("color", None)
            for c in g["codes"]:
                if not c.get("color"):
                    c.pop("color", None)
                c.pop("line")
                for key in WELSH_FIELDS:  # absent = as before: older codebooks keep their hash
                    if not c.get(key):
                        c.pop(key, None)
                if not c["rules"].get("case_sensitive"):  # likewise
                    c["rules"].pop("case_sensitive", None)
        return data

    @cached_property
    def hash(self) -> str:
        blob = json.dumps(self.content(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()
