"""Word (.docx) and Excel (.xlsx) files checked before python-docx or openpyxl opens them.

Both libraries parse the package's XML themselves, so every XML member (the document, styles,
headers, shared strings, sheets, [Content_Types].xml, the relationship parts...) is parsed here
first with the same safe settings as REFI-QDA files: a DTD or entity declaration anywhere is
refused, and a syntax error is reported with the member and its line. The package's main part is
found through its relationships and named when missing, and a file of another format (an
OpenDocument file, an .xlsb, a Word file given as a sheet) is named for what it is.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from qualcode.errors import InputFileError
from qualcode.ingest.xmlsafe import DeclaresDtd, check_xml, parse_xml
from qualcode.ingest.zipsafe import OLE2_MAGIC, Known, Visit, read_members, repack, short

PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
XML_NAMES = (".xml", ".rels")
# what each kind of package is called, its main part by default, and its hint
KINDS = {
    "docx": ("a Word document", "word/document.xml", "save it again from Word as .docx"),
    "xlsx": ("an Excel workbook", "xl/workbook.xml", "save it again from Excel as .xlsx"),
}
FILES = {"docx": "Word files never need", "xlsx": "Excel files never need"}
OLE2 = {
    "docx": (
        "is password-protected or an old binary Word file, not a .docx",
        "remove the password in Word, or save it as .docx (Word Document)",
    ),
    "xlsx": (
        "is password-protected or an old binary Excel file (.xls), not an .xlsx",
        "remove the password in Excel, or save it as .xlsx (Excel Workbook)",
    ),
}
# the main part's content type -> the kind of file it is
MAIN_TYPES = (
    ("sheet.binary", "an Excel binary workbook (.xlsb)"),
    ("wordprocessingml", "a Word document"),
    ("ms-word.", "a Word document"),
    ("spreadsheetml", "an Excel workbook"),
    ("ms-excel.", "an Excel workbook"),
    ("presentationml", "a PowerPoint presentation"),
    ("ms-powerpoint.", "a PowerPoint presentation"),
)
OPENDOCUMENT = {
    "spreadsheet": "an OpenDocument spreadsheet (.ods)",
    "text": "an OpenDocument text (.odt)",
    "presentation": "an OpenDocument presentation (.odp)",
}


def office_bytes(data: bytes, where: str, kind: str) -> tuple[bytes, InputFileError | None]:
    """The checked package (``kind`` 'docx' or 'xlsx') repacked for python-docx or openpyxl,
    and the first XML syntax error in a member it may not need (the reader reports it if the
    library then fails: Word and Excel open files with a broken part they do not use)."""
    if data.startswith(OLE2_MAGIC):
        raise InputFileError(where, *OLE2[kind])
    members = read_members(data, where, what=f".{kind}")
    broken = check_package(members, where, kind)
    return repack(members), broken


def check_package(members: dict[str, bytes], where: str, kind: str) -> InputFileError | None:
    """Refuse a package that is another format, lacks its main part, or declares a DTD in any
    XML member; return the first syntax error in a member other than the ones every reader
    needs ([Content_Types].xml and the main part), which are refused at once."""
    _, _, broken = _checked(members, where, kind)
    return next(iter(broken.values()), None)


def read_word(data: bytes, where: str) -> Any:
    """The main part's root element of a checked Word package, for a reader that needs no
    other part. As for python-docx before: a DTD in any XML member is refused, and so is a
    syntax error in a part Word needs to show the document (WORD_PARTS, relationships);
    a damaged part it can do without (document statistics, a thumbnail's XML) is let be."""
    if data.startswith(OLE2_MAGIC):
        raise InputFileError(where, *OLE2["docx"])
    visit = _KNOWN.visit()
    members = read_members(data, where, what=".docx", known=visit)
    try:
        if visit.skipped & _READ:
            raise _MainSkipped
        root, types, broken = _checked(members, where, "docx", keep_main=True, known=visit)
    except _MainSkipped:  # a part read in full was left out as sound elsewhere: read them all
        members = read_members(data, where, what=".docx")
        root, types, broken = _checked(members, where, "docx", keep_main=True)
    for name, problem in broken.items():
        if name.lower().endswith(".rels") or types(name) in WORD_PARTS:
            raise problem
    return root


# Members of Word files found sound, by their stored form: a template's parts (350 kB of
# styles, twice) met again in the next transcript are neither unpacked nor parsed again.
_KNOWN = Known()
_READ = frozenset({"[Content_Types].xml", "_rels/.rels", "word/document.xml"})


class _MainSkipped(Exception):
    pass


# The parts python-docx parsed when it opened a file (and Word needs): a syntax error in one of
# them is refused, in any other part let be.
WORD_PARTS = frozenset(
    f"application/vnd.openxmlformats-{name}+xml"
    for name in (
        "package.core-properties",
        "officedocument.wordprocessingml.comments",
        "officedocument.wordprocessingml.document.main",
        "officedocument.wordprocessingml.footer",
        "officedocument.wordprocessingml.header",
        "officedocument.wordprocessingml.numbering",
        "officedocument.wordprocessingml.settings",
        "officedocument.wordprocessingml.styles",
    )
)


def _checked(
    members: dict[str, bytes],
    where: str,
    kind: str,
    keep_main: bool = False,
    known: Visit | None = None,
) -> tuple[Any, Callable[[str], str], dict[str, InputFileError]]:
    """Check a package (see check_package): the main part's root when ``keep_main``, a member's
    declared content type, and the syntax errors of members by name (first first)."""
    noun, default_main, hint = KINDS[kind]
    mimetype = members.get("mimetype", b"")[:80].decode("ascii", "replace")
    if mimetype.startswith("application/vnd.oasis.opendocument."):
        found = OPENDOCUMENT.get(mimetype.rsplit(".", 1)[-1], "an OpenDocument file")
        raise InputFileError(where, f"is {found}, not {noun}", hint)
    if "[Content_Types].xml" not in members:
        raise InputFileError(
            where, f"has no [Content_Types].xml: not {noun} (a zip of other files?)", hint
        )
    defaults, overrides = _content_types(_parse(members, "[Content_Types].xml", where, kind))

    def declared(name: str) -> str:
        return overrides.get(name) or defaults.get(posixpath.splitext(name)[1][1:].lower(), "")

    rels, broken = None, {}
    rels_name = "_rels/.rels"
    # the main part is named by _rels/.rels: read that first, so the main part is known when
    # its turn comes and is parsed once, into the tree the reader keeps
    order = sorted(members, key=lambda n: n != rels_name)
    main, root = default_main, None
    for name in order:
        if name == "[Content_Types].xml" or not _is_xml(name, defaults, overrides):
            continue
        try:
            if name == rels_name:
                rels = _parse(members, name, where, kind)
                main = _main_part(rels) or default_main
            elif keep_main and name == main:
                root = _parse(members, name, where, kind)
            else:
                check_xml(members[name], where, name, FILES[kind], KINDS[kind][2])
                if known is not None:
                    known.found_sound(name)
        except DeclaresDtd:
            raise
        except InputFileError as exc:
            broken[name] = exc
            continue
    if broken:  # in the zip's order, as they were found before
        broken = {name: broken[name] for name in members if name in broken}
    is_kind = _kind_of(declared(main) or None)
    if is_kind and is_kind != noun:
        raise InputFileError(where, f"is {is_kind}, not {noun}", hint)
    if main not in members and known is not None and main in known.skipped:
        raise _MainSkipped
    if main not in members:
        named = "" if main == default_main else ", the main part its _rels/.rels names"
        raise InputFileError(where, f"has no {short(main)}{named}: not {noun}", hint)
    if main in broken:
        raise broken[main]
    return root, declared, broken


def _parse(members: dict[str, bytes], name: str, where: str, kind: str) -> Any:
    return parse_xml(members[name], where, name, FILES[kind], KINDS[kind][2])


def _content_types(root: Any) -> tuple[dict[str, str], dict[str, str]]:
    """[Content_Types].xml as (extension -> type, part name -> type)."""
    defaults = {
        (el.get("Extension") or "").lower(): el.get("ContentType") or ""
        for el in root.iter(f"{TYPES}Default")
    }
    overrides = {
        (el.get("PartName") or "").lstrip("/"): el.get("ContentType") or ""
        for el in root.iter(f"{TYPES}Override")
    }
    return defaults, overrides


def _is_xml(name: str, defaults: dict[str, str], overrides: dict[str, str]) -> bool:
    """Is a member XML the libraries may parse: by its name, or by its declared content type
    (images such as SVG are never parsed, so they are left alone)."""
    if name.lower().endswith(XML_NAMES):
        return True
    declared = overrides.get(name) or defaults.get(posixpath.splitext(name)[1][1:].lower(), "")
    return declared.endswith(("+xml", "/xml")) and not declared.startswith("image/")


def _main_part(rels: Any) -> str | None:
    """The part the package's relationships (_rels/.rels) name as its office document."""
    for rel in rels.iter(f"{PKG}Relationship") if rels is not None else ():
        if (rel.get("Type") or "").endswith("/officeDocument"):
            target = (rel.get("Target") or "").strip()
            return posixpath.normpath(target.lstrip("/")) if target else None
    return None


def _kind_of(content_type: str | None) -> str | None:
    content_type = (content_type or "").lower()
    return next((noun for key, noun in MAIN_TYPES if key in content_type), None)


_QUOTED_RE = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_PART_RE = re.compile(r"[\w\[\]/.-]+\.(?:xml|rels)", re.IGNORECASE)


def library_problem(exc: BaseException, kind: str) -> str:
    """What python-docx or openpyxl found wrong in a checked package, in one line: a part or a
    relationship its other parts name but the zip lacks, or the library's own words with quoted
    values elided (they may be a participant's words)."""
    message = _words(exc)
    missing = re.search(r"no item named '([^']+)'", message)
    if isinstance(exc, KeyError) and missing:
        return f"has no {short(missing.group(1))}, which its other parts refer to"
    init = re.match(r"(\w+)\.__init__\(\) (got an unexpected keyword|missing)", message)
    if isinstance(exc, TypeError) and init:  # openpyxl builds an object per element
        program = "Word" if kind == "docx" else "Excel"
        if init.group(2) == "missing":
            return f"has a <{init.group(1)}> element without an attribute {program} always writes"
        return f"has a <{init.group(1)}> element with an attribute {program} never writes"
    if isinstance(exc, KeyError) and re.fullmatch(r"'?rId\w*'?", message):
        return f"names a relationship ({message.strip(chr(39))}) that its .rels parts do not list"
    if isinstance(exc, KeyError):
        return f"refers to a part or value it does not have ({_elide(message) or 'unnamed'})"
    part = re.search(r"could not read (\w+) from", message)
    cause = exc.__cause__ or exc.__context__
    if part and cause is not None:  # openpyxl wraps the real fault of a part
        return f"has a value Excel never writes in its {part.group(1)} ({_elide(_words(cause))})"
    if cause is not None and _words(cause) and not isinstance(cause, KeyError):
        message = f"{message}: {_words(cause)}"
    library = "python-docx" if kind == "docx" else "openpyxl"
    what = "a value Word never writes" if kind == "docx" else "a value Excel never writes"
    return f"has {what} ({library}: {_elide(message) or type(exc).__name__})"


def _words(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    text = text.split("\n")[0]  # openpyxl adds a paragraph of advice
    return re.sub(r"<class '([\w.]+)'>", r"\1", " ".join(text.split()))


def _elide(message: str) -> str:
    def keep(m: re.Match[str]) -> str:
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        return m.group(0) if _PART_RE.fullmatch(inner) else "'…'"

    return _QUOTED_RE.sub(keep, message)[:160]
