"""Codebooks: YAML schema and loader (errors with file:line and code id), REFI-QDA .qdc."""

from qualcode.codebook.checker import CodebookError
from qualcode.codebook.loader import load_codebook, parse_codebook
from qualcode.codebook.model import Code, Codebook, Group, Near, Rules

__all__ = [
    "Code",
    "Codebook",
    "CodebookError",
    "Group",
    "Near",
    "Rules",
    "load_codebook",
    "parse_codebook",
]
