"""Failed logins to the review server, kept in the project so that a restart keeps them: each
failure with the name tried and the client address it came from. The server's rule (how many,
for how long: qualcode.serve.logins) counts them per name and address and per address, so
nobody can lock a teammate out from elsewhere; a lead can unlock a name, and that is audited."""

from __future__ import annotations

from qualcode.store import sql
from qualcode.store.accounts import AccountStore
from qualcode.store.base import now


class LoginStore(AccountStore):
    def login_failures(self, name: str, address: str, since: str) -> tuple[int, int]:
        """(failures for this name from this address, failures from this address) after
        ``since`` (an ISO time)."""
        row = self.conn.execute(sql.LOGIN_FAILURES, (name, address, since, address, since))
        pair, anywhere = row.fetchone()
        return int(pair), int(anywhere)

    def login_failed(self, name: str, address: str, forget_before: str) -> None:
        """One more failed login; failures older than ``forget_before`` are dropped."""
        with self.transaction() as c:
            c.execute(sql.PRUNE_LOGIN_FAILURES, (forget_before,))
            c.execute(sql.INSERT_LOGIN_FAILURE, (name, address, now()))

    def login_succeeded(self, name: str, address: str) -> None:
        """The right password from ``address``: its failures for this name are forgotten."""
        with self.transaction() as c:
            c.execute(sql.CLEAR_LOGIN_FAILURES, (name, address))

    def locked_names(self, since: str, failures: int) -> dict[str, int]:
        """Names with at least ``failures`` failed logins after ``since`` from one address:
        name -> the most from one address."""
        return {n: int(k) for n, k in self.conn.execute(sql.LOCKED_NAMES, (since, failures))}

    def unlock(self, name: str, by: str = "", via: str = "") -> int:
        """Forget every failed login for ``name`` (from every address), with its audit entry;
        how many were forgotten."""
        with self.transaction() as c:
            forgotten = int(c.execute(sql.UNLOCK_NAME, (name,)).rowcount or 0)
            self.audit_event(by, "users unlock", [name], {"logins unlocked": 1}, via)
        return forgotten
