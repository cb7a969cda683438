"""Zip containers (.docx, .xlsx, .qdpx) read with limits, so a hostile or broken file stops early.

Every member's declared size and compression ratio are checked before it is read, and it is read
with a bounded read, so a member that lies about its size cannot inflate past the limit either.
Every failure says what is wrong: a file that is no zip at all (and what it looks like instead),
a truncated one, encrypted members, unknown compression methods, duplicated names, and a damaged
member with the reason (bad CRC, invalid compressed data, a header out of place).
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
    if (
        not info.flag_bits & 0x1
        and info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        and info.file_size <= RATIO_FROM
    ):
        return  # the common case, without naming the member for a message
    name = short(info.filename)
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
    known: Visit | None = None,
) -> dict[str, bytes]:
    """The members of a zip (those ``wanted`` names, or all), within the limits above;
    ``what`` names the kind of file in messages (".docx"). With ``known``, a member stored
    byte for byte as one the caller found sound before (see Known) is left out, unread, and
    named in ``known.skipped``; the others' stored forms are in ``known.keys``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (*_BROKEN, RuntimeError) as exc:
        raise InputFileError(where, not_a_zip(data, exc), _hint(what)) from exc
    if len(infos) > MAX_MEMBERS:
        raise InputFileError(where, f"has {len(infos):,} entries (limit {MAX_MEMBERS:,})", _HINT)
    members: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in infos:
            if info.is_dir() or (wanted is not None and not wanted(info.filename)):
                continue
            if info.filename in members:
                raise InputFileError(where, f"lists {short(info.filename)} twice (corrupt)", _HINT)
            _check(info, where)
            if known is not None:
                key = stored_form(data, info)
                if key is not None and key in known.known.sound:
                    known.skipped.add(info.filename)
                    total += info.file_size
                    continue
                if key is not None:
                    known.keys[info.filename] = key
            try:
                with archive.open(info) as fh:
                    body = fh.read(MAX_MEMBER_BYTES + 1)
            except (*_BROKEN, RuntimeError) as exc:
                raise InputFileError(
                    where, f"member {short(info.filename)} is damaged ({damage(exc)})", _HINT
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


class Known:
    """Members a caller found sound, by their stored form (stored_form): the same stored bytes
    unpack to the same content, so a member met again (a Word template's styles, shared by
    every transcript) need not be unpacked and checked again. Kept for the process; each
    read_members call goes through a Visit of it."""

    LIMIT = 4096

    def __init__(self) -> None:
        self.sound: set[bytes] = set()

    def visit(self) -> Visit:
        return Visit(self)


class Visit:
    """One read_members call's use of Known: the members it left out (``skipped``) and the
    stored forms of those it read (``keys``), to remember those the caller finds sound."""

    def __init__(self, known: Known) -> None:
        self.known = known
        self.skipped: set[str] = set()
        self.keys: dict[str, bytes] = {}

    def found_sound(self, name: str) -> None:
        """Remember the member ``name`` as sound."""
        key = self.keys.get(name)
        if key is None:
            return
        sound = self.known.sound
        if len(sound) >= Known.LIMIT:
            sound.clear()
        sound.add(key)


def stored_form(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A digest of everything that decides what a member unpacks to and whether unpacking
    it succeeds (its local header, which must name it, its directory entry's method, CRC and
    sizes, and its compressed bytes); None when its local header is not where and what the
    directory says (it is then read, and its damage reported, as usual)."""
    import hashlib
    import struct

    start = info.header_offset
    header = data[start : start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    name = data[start + 30 : start + 30 + name_len]
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if name.decode(encoding, "replace") != info.orig_filename:
        return None
    body = start + 30 + name_len + extra_len
    stored = data[body : body + info.compress_size]
    if len(stored) != info.compress_size:
        return None
    digest = hashlib.sha256(header[4:26])
    digest.update(name)
    sizes = (info.compress_type, info.CRC, info.file_size, info.compress_size)
    digest.update(struct.pack("<HIQQ", *sizes))
    digest.update(stored)
    return digest.digest()


def _hint(what: str) -> str:
    return f"check that this is the {what} file, or save it again from the program that made it"


def not_a_zip(data: bytes, exc: BaseException | None = None) -> str:
    """Why ``data`` cannot be opened as a zip: empty, truncated, a damaged directory, or another
    kind of file (and which kind it starts like)."""
    if not data:
        return "is empty"
    if data[:4] == b"PK\x03\x04" and _EOCD not in data[-65_557:]:
        return "is truncated or incomplete (the zip's directory at its end is missing)"
    if _EOCD in data[-65_557:] and data[:2] == b"PK":
        return f"has a damaged zip directory ({_zip_reason(exc)})"
    return f"is not a zip file: it starts like {looks_like(data)}"


_EOCD = b"PK\x05\x06"  # the end-of-central-directory record every zip ends with
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC = (
    (b"%PDF", "a PDF"),
    (OLE2_MAGIC, "an old binary Office file (.doc, .xls) or a password-protected one"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"SQLite format 3", "an SQLite database"),
)


def looks_like(data: bytes) -> str:
    """What a file's first bytes look like, in words: 'a PDF', 'an HTML page', 'plain text'."""
    kind = next((name for magic, name in _MAGIC if data.startswith(magic)), None)
    if kind:
        return kind
    head = _head_text(data[:2048])
    if head is None:
        return "binary data"
    start = head.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")) or (
        not start.startswith("<?xml") and "<html" in start[:500]
    ):
        return "an HTML page"
    if start.startswith("<"):
        return "an XML document"
    return "plain text"


def _head_text(head: bytes) -> str | None:
    """The first bytes as text when they are text (UTF-8, UTF-16 with a BOM, or cp1252)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    text = head.decode("utf-8", errors="ignore") if head.isascii() else None
    if text is None:
        try:
            text = head[:-4].decode("utf-8")  # a multi-byte character may be cut at the end
        except UnicodeDecodeError:
            text = head.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    return None if controls > max(2, len(text) // 50) else text


def damage(exc: BaseException) -> str:
    """What is wrong with a member that cannot be unpacked, from zipfile's or zlib's error."""
    message = str(exc)
    if isinstance(exc, zlib.error):
        return f"its compressed data is invalid: {message.rsplit(': ', 1)[-1]}"
    if "CRC" in message:
        return "bad CRC: its content does not match its checksum"
    if "magic number" in message:
        return "its header is not where the zip's directory says"
    if "differ" in message:
        return "its name in the zip's directory and in its own header differ"
    if "seek" in message:
        return "its header's lengths point outside the file"
    if "Overlapped" in message:
        return "it overlaps another member, as only malformed or hostile zips do"
    if isinstance(exc, EOFError) or "Truncated" in message or "ended" in message:
        return "it ends before its declared size: the file is cut short"
    return _zip_reason(exc)


_DIRECTORY_FAULTS = (
    ("Bad magic number for central directory", "its entries are not where its end record says"),
    ("Bad offset for central directory", "its end record points outside the file"),
    ("File is not a zip file", "its end record is damaged"),
    ("Truncated central directory", "it is cut short"),
    ("zip file version", "it declares a zip version that cannot be read"),
    ("Corrupt extra field", "an entry's extra field is damaged"),
    ("span multiple disks", "it is one part of a zip split over several files"),
)


def _zip_reason(exc: BaseException | None) -> str:
    message = " ".join(str(exc or "").split())
    known = next((says for key, says in _DIRECTORY_FAULTS if key in message), None)
    return known or message[:100] or "a zip structure Python cannot read"


def short(name: str, limit: int = 80) -> str:
    """A member name fit for a one-line message (a damaged zip's names can be any length)."""
    name = "".join(ch if ch.isprintable() else "?" for ch in name)
    return name if len(name) <= limit else name[: limit - 1] + "…"


def repack(members: dict[str, bytes]) -> bytes:
    """Checked members as an uncompressed zip, for libraries that open the container again."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()
