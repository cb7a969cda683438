"""Accounts for the review server: users, one-time invites and browser sessions. Only hashes of
passwords and tokens are stored.

Who may work on the project is part of the record: a user added or deactivated, and each login,
appends an audit entry in the transaction of the change (both are stored, or neither). ``by`` is
the person who did it (a lead in the browser); on the command line ('qualcode users add') the
entry is a part of that command's own entry.
"""

from __future__ import annotations

import uuid
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.store import sql
from qualcode.store.base import StoreBase, now


class AccountStore(StoreBase):
    def add_user(
        self,
        name: str,
        role: str,
        sample: float = 1.0,
        seed: int = 0,
        overlap: str = "",
        invite: str = "",
        by: str = "",
        via: str = "",
    ) -> int:
        """A user; a coder's ``sample`` (share of participant turns), ``seed`` and ``overlap``
        (another coder whose segments the sample is drawn from) fix what they code blind. With
        ``invite`` (a token's hash), their one-time invite, stored with them."""
        row = (name, role, sample, seed, overlap, now())
        argv = [name, "--role", role, *_sample_argv(role, sample, seed, overlap)]
        with self.transaction() as c:
            user_id = int(c.execute(sql.INSERT_USER, row).lastrowid or 0)
            if invite:
                c.execute(sql.INSERT_INVITE, (invite, user_id, now()))
            self.audit_event(by, "users add", argv, {"users added": 1}, via)
            return user_id

    def user(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute(sql.USER_BY_NAME, (name,)).fetchone()
        return _user(row)

    def user_by_id(self, user_id: int) -> dict[str, Any] | None:
        return _user(self.conn.execute(sql.USER_BY_ID, (user_id,)).fetchone())

    def users(self) -> list[dict[str, Any]]:
        return [
            {"id": i, "name": n, "role": role, "has_password": bool(pw), "active": bool(active),
             "created": at, "sample": sample, "seed": seed, "overlap": overlap}
            for i, n, role, pw, active, at, sample, seed, overlap in self.conn.execute(
                sql.ALL_USERS
            )
        ]  # fmt: skip

    def set_password(self, user_id: int, password_hash: str) -> None:
        with self.transaction() as c:
            c.execute(sql.SET_PASSWORD, (password_hash, user_id))

    def deactivate(self, name: str, by: str = "", via: str = "") -> bool:
        """Deactivate a user and end their sessions; False when there is no such user. The
        last active lead is never deactivated (nobody could manage the team then)."""
        with self.transaction() as c:
            user = self.user(name)
            if user is None:
                return False
            self._keeps_a_lead(user, f"deactivate {name}")
            c.execute(sql.DEACTIVATE_USER, (name,))
            c.execute(sql.DROP_USER_SESSIONS, (user["id"],))
            self.audit_event(by, "users deactivate", [name], {"users deactivated": 1}, via)
        return True

    def reinvite(self, name: str, invite: str, by: str = "", via: str = "") -> None:
        """A new one-time invite (``invite``: its token's hash) for an active user: their
        password is cleared, their older invites end unused and their sessions end, with the
        audit entry, all together (they choose a new password through the new link)."""
        with self.transaction() as c:
            user = self._account(name)
            if not user["active"]:
                raise QualcodeError(
                    f"{name} is deactivated",
                    f"reactivate them first: 'qualcode users reactivate {name}'",
                )
            c.execute(sql.END_USER_INVITES, (now(), user["id"]))
            c.execute(sql.CLEAR_PASSWORD, (user["id"],))
            c.execute(sql.DROP_USER_SESSIONS, (user["id"],))
            c.execute(sql.INSERT_INVITE, (invite, user["id"], now()))
            self.audit_event(by, "users reinvite", [name], {"users reinvited": 1}, via)

    def reactivate(self, name: str, by: str = "", via: str = "") -> None:
        """Let a deactivated user log in again (with their password, if they had set one)."""
        with self.transaction() as c:
            user = self._account(name)
            if user["active"]:
                raise QualcodeError(f"{name} is active already", "see 'qualcode users list'")
            c.execute(sql.REACTIVATE_USER, (user["id"],))
            self.audit_event(by, "users reactivate", [name], {"users reactivated": 1}, via)

    def set_role(
        self,
        name: str,
        role: str,
        sample: float = 1.0,
        seed: int = 0,
        overlap: str = "",
        by: str = "",
        via: str = "",
    ) -> None:
        """Give a user another role (a coder's ``sample``, ``seed`` and ``overlap`` with it;
        any other role codes no sample). Their open sessions take the new role at their next
        request. The last active lead keeps the role."""
        argv = [name, role, *_sample_argv(role, sample, seed, overlap)]
        with self.transaction() as c:
            user = self._account(name)
            was = next(u for u in self.users() if u["id"] == user["id"])
            if (was["role"], was["sample"], was["seed"], was["overlap"]) == (
                role,
                sample,
                seed,
                overlap,
            ):
                raise QualcodeError(f"{name} is a {role} already", "see 'qualcode users list'")
            if role != "lead":
                self._keeps_a_lead(user, f"make {name} a {role}")
            c.execute(sql.SET_ROLE, (role, sample, seed, overlap, user["id"]))
            self.audit_event(by, "users role", argv, {"roles changed": 1}, via)

    def _account(self, name: str) -> dict[str, Any]:
        user = self.user(name)
        if user is None:
            raise QualcodeError(f"no user '{name}'", "see 'qualcode users list'")
        return user

    def _keeps_a_lead(self, user: dict[str, Any], doing: str) -> None:
        """Refuse a change that would leave the project without an active lead."""
        if user["role"] != "lead" or not user["active"]:
            return
        if int(self.conn.execute(sql.ACTIVE_LEADS).fetchone()[0]) <= 1:
            raise QualcodeError(
                f"cannot {doing}: {user['name']} is the last active lead",
                "make someone else a lead first ('qualcode users role NAME lead')",
            )

    def add_invite(self, user_id: int, token_hash: str) -> None:
        with self.transaction() as c:
            c.execute(sql.INSERT_INVITE, (token_hash, user_id, now()))

    def open_invite(self, token_hash: str, since: str = "") -> int | None:
        """The user an unused invite made after ``since`` is for (older ones have expired)."""
        row = self.conn.execute(sql.OPEN_INVITE, (token_hash, since)).fetchone()
        return int(row[0]) if row else None

    def use_invite(
        self, token_hash: str, user_id: int, password_hash: str, since: str = ""
    ) -> bool:
        """Set the password through an unused invite, once (atomically)."""
        with self.transaction() as c:
            if c.execute(sql.USE_INVITE, (now(), token_hash, since)).rowcount != 1:
                return False
            c.execute(sql.SET_PASSWORD, (password_hash, user_id))
        return True

    def add_session(self, token_hash: str, user_id: int, csrf: str) -> None:
        with self.transaction() as c:
            c.execute(sql.INSERT_SESSION, (token_hash, user_id, csrf, now()))

    def log_in(self, token_hash: str, user_id: int, csrf: str, how: str) -> None:
        """A browser session for a user who just logged in (``how``: password or invite), and
        its audit entry (who and how, never a password), together."""
        user = self.user_by_id(user_id)
        with self.transaction():
            self.add_session(token_hash, user_id, csrf)
            who = user["name"] if user else str(user_id)
            self.audit_event(who, "login", [], {"logins": 1}, "browser", how)

    def audit_event(
        self,
        by: str,
        command: str,
        argv: list[str],
        changes: dict[str, int],
        via: str,
        how: str = "",
    ) -> None:
        """The audit entry of one change to who may work on the project, in the open
        transaction: a part of the command this process runs when it is that command (e.g.
        'users add' on the command line), else an entry of its own, by ``by``."""
        scope = self._audit_scope()
        if scope is not None and scope.command == command:
            self._insert_audit(scope.started, scope.who, scope.command, scope.options, None,
                               None, changes, scope.invocation, "part")  # fmt: skip
            return
        options: dict[str, Any] = {"argv": argv, "via": via or "library"}
        if how:
            options["with"] = how
        who = by or (scope.who if scope is not None else "")
        self._insert_audit(now(), who, command, options, None, None, changes,
                           uuid.uuid4().hex, "end")  # fmt: skip

    def session(self, token_hash: str, since: str = "") -> dict[str, Any] | None:
        """The active user of a session begun after ``since`` (an ISO time; older ones have
        expired), with the session's CSRF token."""
        row = self.conn.execute(sql.SESSION, (token_hash, since)).fetchone()
        if row is None:
            return None
        return {"id": row[0], "name": row[1], "role": row[2], "csrf": row[3],
                "sample": float(row[4]), "seed": int(row[5]), "overlap": str(row[6])}  # fmt: skip

    def drop_session(self, token_hash: str) -> None:
        with self.transaction() as c:
            c.execute(sql.DROP_SESSION, (token_hash,))


def _user(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row[0], "name": row[1], "role": row[2], "password_hash": row[3],
            "active": bool(row[4])}  # fmt: skip


def _sample_argv(role: str, sample: float, seed: int, overlap: str) -> list[str]:
    """A coder's sample as the audit log shows the command's options."""
    argv = ["--sample", f"{sample:g}", "--seed", str(seed)] if role == "coder" else []
    return argv + (["--overlap-with", overlap] if overlap else [])
