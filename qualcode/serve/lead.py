"""A lead's pages (and the reviewers' read-only ones): quotes for a code, memos, agreement,
reconcile side by side, report downloads, users. Blind coders are refused every one."""

from __future__ import annotations

from typing import Any

from qualcode.serve.site import Site


def routes(site: Site) -> list[Any]:
    return []
