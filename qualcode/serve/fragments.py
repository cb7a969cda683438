"""Pieces of the review page that are the same for many pages (the codebook as a list of codes,
the parts of the work to choose from), written once per codebook or list of parts rather than
by the template on every page: they were most of a page's rendering."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

_KEPT: dict[str, tuple[Any, Any, Markup]] = {}


def _kept(name: str, source: Any, extra: Any, write: Any) -> Markup:
    got = _KEPT.get(name)
    if got is not None and got[0] is source and got[1] == extra:
        return got[2]
    html = Markup(write())
    _KEPT[name] = (source, extra, html)
    return html


def code_options(codebook: Any) -> Markup:
    """<option>s of every code, in <optgroup>s by aim (the codebook object is kept per version
    of its file, so this is written once per version)."""

    def write() -> str:
        return "".join(
            f'<optgroup label="{escape(g.name)}">'
            + "".join(f'<option value="{escape(c.id)}">{escape(c.name)}</option>' for c in g.codes)
            + "</optgroup>"
            for g in codebook.groups
        )

    return _kept("codes", codebook, None, write)


def part_options(parts: list[tuple[str, str, Any]], chosen: str) -> Markup:
    """<option>s of the parts of the work (interviews in their own group), ``chosen`` selected."""

    def option(key: str, label: str) -> str:
        selected = " selected" if key == chosen else ""
        return f'<option value="{escape(key)}"{selected}>{escape(label)}</option>'

    def write() -> str:
        groups = "".join(option(k, lb) for k, lb, _ in parts if not k.startswith("doc="))
        docs = "".join(option(k, lb) for k, lb, _ in parts if k.startswith("doc="))
        return f'{groups}<optgroup label="one interview">{docs}</optgroup>'

    return _kept(f"parts {chosen}", parts, chosen, write)
