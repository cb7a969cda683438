"""The lead's Users page beyond adding and deactivating: a new invite link, reactivation, another
role (each audited with the change by the store), and each person's progress as "done of
their share": a coder's blind sample, a reviewer's segments with suggestions."""

from __future__ import annotations

from typing import Any

from qualcode.errors import QualcodeError

ACTIONS = ("reinvite", "reactivate", "role")


def manage(proj: Any, lead: dict[str, Any], form: Any) -> str:
    """Apply one of ACTIONS the lead's form asks for; the new invite token for 'reinvite',
    else ''. A refused change raises QualcodeError and stores nothing."""
    from qualcode.serve.accounts import reinvite, set_role

    action, name = str(form.get("action", "")), str(form.get("name", "")).strip()
    if action == "reinvite":
        if name == lead["name"]:  # it would log them out with no password
            raise QualcodeError("You cannot re-invite yourself: ask another lead.")
        return reinvite(proj, name, lead["name"], "browser")
    if action == "reactivate":
        proj.store.reactivate(name, lead["name"], "browser")
        return ""
    role, given = str(form.get("role", "")), str(form.get("sample", ""))
    was = next((u for u in proj.store.users() if u["name"] == name), None)
    if was is not None and was["role"] == role and not given.strip():
        raise QualcodeError(f"{name} is a {role} already.")  # their sample stays as it is
    set_role(proj, name, role, _share(given), 0, "", lead["name"], "browser")
    return ""


def _share(text: str) -> float:
    """A percentage from a form as a share (empty: all of it)."""
    try:
        return float(text) / 100 if text.strip() else 1.0
    except ValueError:
        raise QualcodeError(f"'{text}' is not a number") from None


def progress(proj: Any, users: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per user, (done, of): a coder's segments coded of their blind sample; a reviewer's or
    lead's segments finished of those finished plus those still waiting for them: the queue
    the review page counts (without rule suggestions a model has taken over)."""
    from qualcode.serve import cache
    from qualcode.serve.app import blind_sample

    store = proj.store
    finished = store.reviewer_progress()
    out: dict[str, tuple[int, int]] = {}
    for u in users:
        if u["role"] == "coder":
            sample = blind_sample(proj, u)
            out[u["name"]] = (len(store.reviewed_by(u["name"]) & set(sample)), len(sample))
        else:
            done = finished.get(u["name"], {}).get("reviewed", 0)
            out[u["name"]] = (done, done + cache.waiting_for(proj, u["name"]))
    return out
