"""qualcode: a local-first toolkit for coding qualitative interviews.

The public Python API. Importing this package imports nothing heavy (no spaCy, gensim,
scikit-learn or textual), and not even the store: the names below load when first used, so
``qualcode --help`` starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Project", "QualcodeError", "__version__", "init_project", "open_project"]

if TYPE_CHECKING:
    from qualcode.errors import QualcodeError
    from qualcode.project import Project, init_project, open_project

_LAZY = {
    "QualcodeError": "qualcode.errors",
    "Project": "qualcode.project",
    "init_project": "qualcode.project",
    "open_project": "qualcode.project",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")
