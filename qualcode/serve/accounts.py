"""Passwords and tokens: scrypt hashes (hashlib, no extra dependency), random tokens stored only
as SHA-256 hashes, constant-time comparisons."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from qualcode.errors import QualcodeError
from qualcode.project import Project

ROLES = ("coder", "reviewer", "lead")
N, R, P = 2**14, 8, 1  # scrypt cost: ~50 ms and 16 MB per hash here
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        hashlib.scrypt(b"x", salt=b"0" * 16, n=N, r=R, p=P, dklen=32)  # same time either way
        return False
    _, n, r, p, salt, digest = stored.split("$")
    got = hashlib.scrypt(
        password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(got.hex(), digest)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def add_user(
    project: Project,
    name: str,
    role: str,
    sample: float = 1.0,
    seed: int = 0,
    overlap: str = "",
    by: str = "",
    via: str = "",
) -> str:
    """Create a user and return a one-time invite token (its hash is what is stored). A
    coder's ``sample`` (0 < share <= 1 of participant turns, drawn per interview with ``seed``;
    with ``overlap``, only among the turns that coder has coded) is what they code blind. The
    user, their invite and the audit entry (``by`` whom, ``via`` browser or cli) are stored
    together."""
    name = name.strip()
    if not name or len(name) > 100 or any(c in name for c in "\n\r\t"):
        raise QualcodeError("a user needs a name of 1 to 100 characters on one line")
    _check_role(project, role, sample, overlap)
    if project.store.user(name) is not None:
        raise QualcodeError(f"there is already a user '{name}'", "choose another name")
    token = new_token()
    project.store.add_user(
        name, role, sample, seed, overlap.strip(), invite=token_hash(token), by=by, via=via
    )
    return token


def _check_role(project: Project, role: str, sample: float, overlap: str) -> None:
    """A known role; a sample (and the coder it overlaps with) only for a coder."""
    if role not in ROLES:
        raise QualcodeError(f"unknown role '{role}'", f"use one of {', '.join(ROLES)}")
    if not 0 < sample <= 1:
        raise QualcodeError(f"sample {sample} is not a share", "use a number above 0, up to 1")
    if (sample < 1 or overlap) and role != "coder":
        raise QualcodeError(
            "only a coder (blind second coding) has a sample", "drop --sample and --overlap-with"
        )
    if overlap and overlap not in project.store.coder_codings():
        raise QualcodeError(
            f"'{overlap}' has coded nothing yet", "name a coder who has ('qualcode agreement')"
        )


def reinvite(project: Project, name: str, by: str = "", via: str = "") -> str:
    """A new one-time invite token for an active user who forgot their password (or whose
    link expired): their password is cleared, older invites and their sessions end, and the
    audit entry is stored with the change. Only the token's hash is stored."""
    token = new_token()
    project.store.reinvite(name.strip(), token_hash(token), by, via)
    return token


def set_role(
    project: Project,
    name: str,
    role: str,
    sample: float = 1.0,
    seed: int = 0,
    overlap: str = "",
    by: str = "",
    via: str = "",
) -> None:
    """Give a user another role (a coder with their blind ``sample``), audited with the change;
    refused for the last active lead."""
    _check_role(project, role, sample, overlap)
    project.store.set_role(name.strip(), role, sample, seed, overlap.strip(), by, via)
