"""Zip containers (.docx, .xlsx, .qdpx) read with limits, so a hostile or broken file stops early.

Every member's declared size and compression ratio are checked before it is read, and it is read
with a bounded read, so a member that lies about its size cannot inflate past the limit either.
Encrypted members, unknown compression methods, duplicated names and corrupt data are each a
specific error naming the file.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable

from qualcode.errors import InputFileError

MAX_MEMBERS = 20_000  # entries in one container
MAX_MEMBER_BYTES = 100 * 1024 * 1024  # one member, uncompressed
MAX_TOTAL_BYTES = 400 * 1024 * 1024  # all members read, uncompressed
MAX_RATIO = 200  # uncompressed / compressed, for members over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)
_HINT = "open it in the program that made it and save it again"


def _check(info: zipfile.ZipInfo, where: str) -> None:
    name = info.filename
    if info.flag_bits & 0x1:
        raise InputFileError(where, f"is encrypted ({name})", "save an unprotected copy")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputFileError(where, f"uses an unsupported compression method ({name})", _HINT)
    if info.file_size > MAX_MEMBER_BYTES:
        raise InputFileError(
            where,
            f"member {name} would unpack to {info.file_size / 1e6:,.0f} MB "
            f"(limit {MAX_MEMBER_BYTES / 1e6:,.0f} MB)",
            "refused as a possible zip bomb; check where the file came from",
        )
    if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise InputFileError(
            where,
            f"member {name} is compressed {info.file_size // max(info.compress_size, 1):,} to 1",
            "refused as a possible zip bomb; check where the file came from",
        )


def read_members(
    data: bytes,
    where: str,
    wanted: Callable[[str], bool] | None = None,
    what: str = "zip container",
) -> dict[str, bytes]:
    """The members of a zip (those ``wanted`` names, or all), within the limits above;
    ``what`` names the kind of file in messages (".docx")."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (*_BROKEN, RuntimeError) as exc:
        raise InputFileError(
            where, f"is not a readable {what} (corrupt or not one)", _HINT
        ) from exc
    if len(infos) > MAX_MEMBERS:
        raise InputFileError(where, f"has {len(infos):,} entries (limit {MAX_MEMBERS:,})", _HINT)
    members: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in infos:
            if info.is_dir() or (wanted is not None and not wanted(info.filename)):
                continue
            if info.filename in members:
                raise InputFileError(where, f"lists {info.filename} twice (corrupt)", _HINT)
            _check(info, where)
            try:
                with archive.open(info) as fh:
                    body = fh.read(MAX_MEMBER_BYTES + 1)
            except (*_BROKEN, RuntimeError) as exc:
                raise InputFileError(
                    where, f"member {info.filename} is corrupt ({type(exc).__name__})", _HINT
                ) from exc
            total += len(body)
            if len(body) > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                raise InputFileError(
                    where,
                    f"unpacks to more than {MAX_TOTAL_BYTES / 1e6:,.0f} MB",
                    "refused as a possible zip bomb; check where the file came from",
                )
            members[info.filename] = body
    return members


def repack(members: dict[str, bytes]) -> bytes:
    """Checked members as an uncompressed zip, for libraries that open the container again."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()
