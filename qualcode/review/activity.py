"""The audit log as people read it: commands, and people's actions in batches.

The store keeps an entry per write a command commits ('part', in the same transaction as the
write) and one when it succeeds ('end'); and one action per key press or form post. Here they
become one line per command (its end entry, or its parts summed and marked unfinished when it
was stopped before the end) and one line per batch of a person's actions (consecutive actions
of one person, in one place and mode, less than ``GAP`` apart).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

GAP = 30 * 60  # seconds between two actions of a person that start a new batch


def _commands(audit: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_run: dict[str, list[dict[str, Any]]] = {}
    out: list[dict[str, Any]] = []
    for entry in audit:
        key = entry.get("invocation")
        if key is None:  # written before entries were grouped: one line each
            out.append({**entry, "kind": "command", "complete": True})
            continue
        by_run.setdefault(key, []).append(entry)
    for entries in by_run.values():
        end = next((e for e in entries if e.get("part") == "end"), None)
        if end is not None:
            out.append({**end, "started": entries[0]["started"], "kind": "command",
                        "complete": True})  # fmt: skip
            continue
        changes: dict[str, int] = {}
        for e in entries:
            for k, v in e["changes"].items():
                changes[k] = changes.get(k, 0) + int(v)
        last = entries[-1]
        out.append({**last, "started": entries[0]["started"], "changes": changes,
                    "kind": "command", "complete": False})  # fmt: skip
    return out


def _seconds(at: str) -> float:
    try:
        return datetime.fromisoformat(at).timestamp()
    except ValueError:
        return 0.0


def batches(actions: list[dict[str, Any]], gap: float = GAP) -> list[dict[str, Any]]:
    """Consecutive actions of one person (same place and mode, under ``gap`` seconds apart) as
    one log entry: when, who, where, and what they stored and undid."""
    out: list[dict[str, Any]] = []
    open_: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a in actions:
        key = (a["who"], a["via"], a["mode"])
        batch = open_.get(key)
        if batch is None or _seconds(a["at"]) - _seconds(batch["finished"]) > gap:
            batch = open_[key] = {
                "id": a["id"], "started": a["at"], "finished": a["at"], "who": a["who"],
                "command": f"{a['mode'] or 'actions'} ({a['via'] or 'unknown'})",
                "options": {}, "codebook": None, "model": None, "kind": "actions",
                "complete": True, "changes": {},
            }  # fmt: skip
            out.append(batch)
        batch["finished"] = a["at"]
        changes = batch["changes"]
        changes["actions"] = changes.get("actions", 0) + 1
        for k in ("decisions", "marks", "reviewed", "resolutions"):
            if a[k]:
                changes[k] = changes.get(k, 0) + int(a[k])
        if a["undone"]:
            changes["undone"] = changes.get("undone", 0) + 1
    return out


def log_entries(audit: list[dict[str, Any]], actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Commands and batches of actions, in the order they started."""
    personal = [a for a in actions if a["via"] in ("terminal", "browser")]  # others: commands
    merged = _commands(audit) + batches(personal)
    return sorted(merged, key=lambda e: (_seconds(e["started"]), e["kind"] == "actions"))
