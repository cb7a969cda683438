"""XML from files users give qualcode (REFI-QDA projects and codebooks, the XML inside Word and
Excel files), parsed one safe way.

The parser loads no DTD, resolves no entity and reaches no network, and a document that declares
a DTD at all (in any encoding, anywhere before its root) is refused: none of these formats needs
one, and that is how entity-expansion bombs and external-entity reads work. The decision belongs
to the parser, never to a text search. Syntax errors say the line and what the parser found.
"""

from __future__ import annotations

import re
from typing import Any

from qualcode.errors import InputFileError

MAX_DEPTH = 256  # libxml2's own limit without huge_tree; no real file nests that deep
_WHERE_RE = re.compile(r",? line \d+, column \d+\s*$")


class DeclaresDtd(InputFileError):
    """An XML document declares a DTD or entities: refused wherever it sits."""


def safe_parser(remove_blank_text: bool = True, target: Any = None) -> Any:
    """lxml's parser with entities, the network, DTDs and huge trees off (``target``: a parser
    target receiving the events instead of a tree being built)."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=remove_blank_text,
        target=target,
    )


def _declares_dtd(where: str, part: str, needs: str, hint: str) -> DeclaresDtd:
    return DeclaresDtd(
        where, f"{part}declares a DTD or entities, which {needs}", "refused for safety; " + hint
    )


def parse_xml(
    data: bytes,
    where: str,
    member: str = "",
    needs: str = "QDA-XML never needs",
    hint: str = "export the file again from its tool",
) -> Any:
    """The root element of ``data`` (``member`` of the file ``where``, if inside a zip), or an
    InputFileError saying what is wrong: a DTD or entity declaration, or the syntax error and
    its line."""
    from lxml import etree

    from qualcode.ingest.zipsafe import short

    part = f"member {short(member)} " if member else ""
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InputFileError(where, part + _syntax(exc), hint) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise InputFileError(where, f"{part}cannot be parsed as XML: {_reason(exc)}", hint) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _declares_dtd(where, part, needs, hint)
    return root


class _Refuse:
    """A parser target that builds nothing and stops at a DOCTYPE: lxml hands a target every
    declaration it meets, so the parse ends at the first one, before any entity is read."""

    def doctype(self, *_: Any) -> None:
        raise _HasDtd

    def close(self) -> None:
        return None


class _HasDtd(Exception):
    pass


def check_xml(
    data: bytes,
    where: str,
    member: str = "",
    needs: str = "QDA-XML never needs",
    hint: str = "export the file again from its tool",
) -> None:
    """What :func:`parse_xml` would refuse in ``data`` (a DTD or entity declaration, a syntax
    error), found by the same parser with the same settings but without building a tree (half
    the work, for an XML member nobody reads). A document with both a DTD and a later syntax
    error is refused for its DTD. A clean member is remembered by its SHA-256, so a Word
    template's 350 kB styles shared by every transcript is parsed once per process."""
    import hashlib

    from lxml import etree

    from qualcode.ingest.zipsafe import short

    digest = hashlib.sha256(data).digest()
    if digest in _CLEAN:
        return
    part = f"member {short(member)} " if member else ""
    parser = safe_parser(target=_Refuse())
    try:
        etree.fromstring(data, parser)
    except _HasDtd:
        raise _declares_dtd(where, part, needs, hint) from None
    except etree.XMLSyntaxError as exc:
        raise InputFileError(where, part + _syntax(exc), hint) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise InputFileError(where, f"{part}cannot be parsed as XML: {_reason(exc)}", hint) from exc
    if any(e.level >= etree.ErrorLevels.ERROR for e in parser.error_log):
        # a namespace error, which only building the tree turns into a syntax error: let
        # parse_xml say it in its own words
        parse_xml(data, where, member, needs, hint)
    if len(_CLEAN) >= MAX_REMEMBERED:
        _CLEAN.clear()
    _CLEAN.add(digest)


MAX_REMEMBERED = 4096
_CLEAN: set[bytes] = set()  # SHA-256 of members check_xml found clean


def _syntax(exc: Any) -> str:
    message = _WHERE_RE.sub("", str(exc.msg or "")).strip() or "syntax error"
    if "Excessive depth" in message:
        return f"is nested more than {MAX_DEPTH} elements deep, as no real file is"
    column = f", column {exc.position[1]}" if getattr(exc, "position", None) else ""
    return f"is not well-formed XML (line {exc.lineno}{column}: {message})"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, MemoryError):
        return "too large to hold in memory"
    return str(exc).split("\n")[0][:120] or "an unreadable encoding or character"
