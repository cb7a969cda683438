"""Draft codes: codes a codebook lists before anyone has written their definition.

A code is a draft when its definition is a placeholder that says so: ``DRAFT...`` (written by
``qualcode topics adopt`` and by the spreadsheet importer for a code without a definition) or the
``Imported from FILE: write a definition.`` of the REFI-QDA and MAXQDA importers. The mark lives in
the definition itself, so a draft needs no field of its own and the codebook's hash is unchanged;
``qualcode codebook check`` warns about drafts and never refuses them.
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.codebook.model import Code, Codebook

DRAFT = "DRAFT"
_IMPORTED = re.compile(r"Imported from .+: write a definition\.$")
LISTED = 5  # drafts named one by one by 'codebook check'; more are summed up in one line


def draft_definition(source: str) -> str:
    """The placeholder definition of a code that ``source`` (a file) names but does not define."""
    return f"{DRAFT}: no definition in {Path(source).name}. Write one before coding with it."


def is_draft(code: Code) -> bool:
    return code.definition.startswith(DRAFT) or bool(_IMPORTED.fullmatch(code.definition))


def draft_warnings(codebook: Codebook) -> list[str]:
    """One warning per draft code ('file:line: code ID: ...'), or one line for them all when
    there are more than LISTED."""
    drafts = [c for c in codebook.codes if is_draft(c)]
    todo = "write its definition before coding with it"
    if len(drafts) <= LISTED:
        return [
            f"{codebook.source}:{c.line or 1}: code {c.id}: a draft with no definition yet: {todo}"
            for c in drafts
        ]
    first = ", ".join(c.id for c in drafts[:LISTED])
    return [
        f"{codebook.source}:{drafts[0].line or 1}: {len(drafts)} of {len(codebook.codes)} codes "
        f"are drafts with no definition yet ({first}, ...): write their definitions before "
        "coding with them"
    ]
