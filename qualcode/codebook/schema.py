"""JSON Schema of the codebook YAML, for editors (``qualcode codebook schema``)."""

from __future__ import annotations

from typing import Any

_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}
_TOKEN_PATTERN: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "object", "description": "a spaCy Matcher token pattern, e.g. {LEMMA: hub}"},
}

RULES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "How the rule coder finds this code. Terms match lemmas, case-insensitively.",
    "properties": {
        "keywords": {**_STRINGS, "description": "phrases matched on lemmas (refer = referred)"},
        "patterns": {
            "type": "array",
            "items": _TOKEN_PATTERN,
            "description": "spaCy token patterns for what keywords cannot say",
        },
        "near": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["a", "b"],
                "properties": {
                    "a": _STRINGS,
                    "b": _STRINGS,
                    "within": {"type": "integer", "minimum": 1, "maximum": 50},
                },
            },
            "description": "a term from 'a' within 'within' tokens of a term from 'b'",
        },
        "veto": {**_STRINGS, "description": "terms whose presence cancels this code's matches"},
        "case_sensitive": {
            **_STRINGS,
            "description": "phrases matched exactly as written, e.g. Mind (the charity), not mind",
        },
        "roles": {"type": "array", "items": {"enum": ["participant", "interviewer"]}},
    },
}

CODE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "definition"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"},
        "name": {"type": "string", "minLength": 1},
        "name_cy": {"type": "string", "description": "Welsh label"},
        "definition": {"type": "string", "minLength": 1},
        "include": {**_STRINGS, "description": "inclusion criteria"},
        "exclude": {**_STRINGS, "description": "exclusion criteria"},
        "definition_cy": {"type": "string", "description": "Welsh definition (--lang cy)"},
        "include_cy": {**_STRINGS, "description": "Welsh inclusion criteria"},
        "exclude_cy": {**_STRINGS, "description": "Welsh exclusion criteria"},
        "examples": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"typical": _STRINGS, "atypical": _STRINGS},
        },
        "examples_cy": {
            "type": "object",
            "additionalProperties": False,
            "description": "Welsh examples (--lang cy)",
            "properties": {"typical": _STRINGS, "atypical": _STRINGS},
        },
        "valence": {
            "type": "boolean",
            "description": "code each use as enabler or blocker as a second dimension",
        },
        "rules": RULES,
        "color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "description": "#RRGGBB"},
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "qualcode codebook",
    "type": "object",
    "additionalProperties": False,
    "required": ["groups"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "version": {"type": ["string", "number"]},
        "description": {"type": "string"},
        "groups": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name", "codes"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "name_cy": {"type": "string"},
                    "description": {"type": "string"},
                    "codes": {"type": "array", "minItems": 1, "items": CODE},
                    "color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"},
                },
            },
        },
    },
}
