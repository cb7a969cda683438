"""qualcode: a local-first toolkit for coding qualitative interviews.

The public Python API. Importing this package imports nothing heavy (no spaCy, gensim,
scikit-learn or textual); those load only when a command needs them.
"""

from __future__ import annotations

__version__ = "0.1.0"

from qualcode.errors import QualcodeError
from qualcode.project import Project, init_project, open_project

__all__ = ["Project", "QualcodeError", "__version__", "init_project", "open_project"]
