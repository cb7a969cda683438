"""Writing matrices and theme tables: Word, Excel, CSV and Markdown. Files are written
atomically; nothing here reads the store (it gets a :class:`ReportData`)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from qualcode.export import atomic_write_bytes, stable_zip
from qualcode.export.tables import Table, long_rows, matrix_tables, theme_tables
from qualcode.export.words import say
from qualcode.review.findings import EVIDENCE, MACHINE, ReportData, display, prevalence, unmark

KINDS = ("matrix", "themes")
FORMATS = ("docx", "xlsx", "csv", "md")


def tables_for(kind: str, report: ReportData) -> list[Table]:
    return matrix_tables(report) if kind == "matrix" else theme_tables(report)


def write_report(kind: str, fmt: str, report: ReportData, path: Path, long: bool = False) -> Path:
    from qualcode.export.leakgate import check_written

    if fmt == "csv" and report.transpose:  # CSV is data: always a column per code
        report = replace(report, transpose=False)
    tables = tables_for(kind, report)
    if fmt == "csv":
        atomic_write_bytes(path, _csv(kind, report, tables, long))
    else:
        writers = {"docx": _docx, "xlsx": _xlsx, "md": _md}
        atomic_write_bytes(path, writers[fmt](kind, report, tables))
    check_written(path, report.listed)  # read back: no listed name may be left in it
    return path


# text formats ------------------------------------------------------------------------------
class _Plain:
    """A csv writer that drops the evidence marks (plain text formats have no bold)."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: Any) -> None:
        self.writer.writerow([unmark(c) if isinstance(c, str) else c for c in row])

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


def _csv(kind: str, report: ReportData, tables: list[Table], long: bool = False) -> bytes:
    """Long: one row per coding. Wide: themes one row per code; the matrix one row per
    participant with a column per code of every aim."""
    buf = io.StringIO()
    w = _Plain(csv.writer(buf, lineterminator="\n"))
    if long:
        headers, rows = long_rows(report)
        w.writerow(headers)
        w.writerows(rows)
    elif kind == "themes":
        w.writerow(["aim", *tables[0].headers] if tables else ["aim"])
        for t in tables:
            w.writerows([t.aim, *r] for r in t.rows)
    else:
        codes = [c.id for c in report.codebook.codes]
        w.writerow(["participant", *codes])
        cells: dict[str, dict[str, str]] = {}
        for t in tables:
            aim_codes = t.codes
            for r in t.rows:
                cells.setdefault(r[0], {}).update(zip(aim_codes, r[1:], strict=True))
        for p in report.participants:
            if p.label() in cells:
                w.writerow([p.label(), *(cells[p.label()].get(c, "") for c in codes)])
    return buf.getvalue().encode("utf-8-sig")


def _md(kind: str, report: ReportData, tables: list[Table]) -> bytes:
    out = [f"# {_title(report)}", ""]
    if report.includes_suggestions:
        out += [f"**{say(report.lang, 'draft_mark')}**", "", say(report.lang, "draft_opening"), ""]
    out += [_provenance(report), "", final_line(report), "", quote_note(kind, report), ""]
    if report.overview:
        from qualcode.export.overview import overview_md

        out += overview_md(report)
    for n, t in enumerate(tables, start=1):
        out += [f"## {t.title}", "", f"{say(report.lang, 'table')} {n}. {t.title}", ""]
        out.append("| " + " | ".join(t.headers) + " |")
        out.append("|" + "---|" * len(t.headers))
        for r in t.rows:
            cells = (c.replace("\n", "<br>").replace("|", "\\|") for c in r)
            line = "| " + " | ".join(cells) + " |"
            line = line.replace(EVIDENCE[0], "**").replace(EVIDENCE[1], "**")
            out.append(line.replace(MACHINE[0], "_").replace(MACHINE[1], "_"))
        out.append("")
    return "\n".join(out).encode("utf-8")


def final_line(report: ReportData) -> str:
    """The final coding's note (its unresolved disagreements and the rule that settles them) in
    the report's language; in English, Final.note() as status and the appendix say it."""
    from qualcode.export.words import BILINGUAL, CATALOGUES, CY, EN, SEPARATOR

    if report.lang == "en" and report.final_note:
        return report.final_note
    n, rule = report.unresolved
    key = "final_none" if not n else "final_one" if n == 1 else "final_many"

    def said(words: dict[str, str]) -> str:
        if rule.startswith("coder:"):
            how = words["rule_coder"].format(coder=rule[6:])
        else:
            how = words["rule_agreed" if rule == "agreed" else "rule_all"]
        return words[key].format(n=n, rule=how)

    if report.lang == BILINGUAL:
        return said(EN) + SEPARATOR + said(CY)
    return said(CATALOGUES.get(report.lang, EN))


def quote_note(kind: str, report: ReportData) -> str:
    """How the report chose its quotes (``qualcode.review.quotechoice``), in its language."""
    from qualcode.review.quotechoice import MIN_WORDS

    by = report.attribute(report.group_by)
    spread = say(report.lang, "spread_over", attribute=by) if report.group_by else ""
    if report.lang == "en+cy":  # say() gives both languages; the spread clause is in each
        from qualcode.export.words import CY, EN, SEPARATOR

        parts = []
        for words in (EN, CY):
            clause = words["spread_over"].format(attribute=by) if report.group_by else ""
            parts.append(words[f"quote_choice_{kind}"].format(words=MIN_WORDS, spread=clause))
        return SEPARATOR.join(parts)
    return say(report.lang, f"quote_choice_{kind}", words=MIN_WORDS, spread=spread)


def _provenance(report: ReportData) -> str:
    what = (
        say(report.lang, "with_suggestions")
        if report.includes_suggestions
        else say(report.lang, "resolved_only")
    )
    swaps = sum(report.replacements.values())
    attrs = report.participants[0].attributes if report.participants else {}
    shown = ", ".join(report.attribute(a) for a in attrs)
    also = say(report.lang, "and_attributes", attributes=shown) if shown else ""
    said = say(report.lang, "provenance", what=what, shown=also, swaps=swaps)
    examined = report.examined
    if examined is not None and len(examined) < len(report.participants):
        k = len(report.participants) - len(examined)
        key = "uncoded_one" if k == 1 else "uncoded_many"
        said += " " + say(report.lang, key, n=len(examined), k=k)
    return said


# Excel -------------------------------------------------------------------------------------
LINE_POINTS = 15.0  # one wrapped line of 10-point text, for row heights


SHEET_CHARS = 31  # Excel's limit on a sheet's name


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, without a dangling "and"."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else text[:limit]
    words = cut.rstrip(" ,;:-").split(" ")
    while len(words) > 1 and words[-1].lower() in ("and", "or", "of", "the", "in", "a", "to", "&"):
        words.pop()
    return " ".join(words).rstrip(" ,;:-")


def _sheet_name(title: str, taken: set[str]) -> str:
    """An Excel sheet name from an aim's title: at most 31 characters, cut at a word boundary,
    none of []:*?/\\, and unlike every name in ``taken`` (a number is added when needed)."""
    base = " ".join(re.sub(r"[\[\]:*?/\\]", " ", title).split()).strip("'") or "sheet"
    name, n = _shorten(base, SHEET_CHARS), 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = _shorten(base, SHEET_CHARS - len(suffix)) + suffix, n + 1
    taken.add(name.lower())
    return name


def _fit(ws: Any, widths: list[float]) -> None:
    """Column widths, wrapped top-aligned cells, and each row as tall as its longest cell
    (spreadsheet programs other than Excel do not grow rows by themselves)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=1):
        lines = 1
        for cell, width in zip(row, widths, strict=False):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            text = "" if cell.value is None else str(cell.value)
            per_line = max(int(width * 1.1), 1)
            lines = max(lines, sum(len(p) // per_line + 1 for p in text.split("\n")))
        ws.row_dimensions[row[0].row].height = min(409.0, LINE_POINTS * lines)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    print_on_a4(ws)


def print_on_a4(ws: Any, header: bool = True) -> None:
    """Landscape A4, fitted to the page width, the header row (``header``) on every page: how
    every sheet a report or query writes prints."""
    if header:
        ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _xlsx(kind: str, report: ReportData, tables: list[Table]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    lang = report.lang
    # the codings and notes sheets' names are kept from the aims' (no "/" in a sheet's name:
    # a bilingual name is joined with a dash)
    sheet, notes = (say(lang, k).replace(" / ", " - ") for k in ("codings_sheet", "notes_sheet"))
    taken: set[str] = {sheet.lower(), notes.lower()}
    for t in tables:
        ws = wb.create_sheet(_sheet_name(report.group_name(t.aim), taken))
        ws.append(t.headers)
        for r in t.rows:
            ws.append([unmark(c) for c in r])
        _fit(ws, [24.0] + [48.0] * (len(t.headers) - 1))
    headers, rows = long_rows(report)
    ws = wb.create_sheet(sheet)
    names = {"aim": "col_aim", "code": "col_code", "participant": "col_participant",
             "turn": "col_turn", "status": "col_status", "key_quote": "col_key_quote",
             "quote": "col_quote"}  # fmt: skip
    shown = [say(lang, names[h]) if h in names else report.attribute(h) for h in headers]
    ws.append([*shown[:2], say(lang, "col_code_name"), *shown[2:]])
    status = {"resolved": say(lang, "resolved"), "suggested": say(lang, "suggested_status"),
              "yes": say(lang, "yes")}  # fmt: skip
    turn, state, key = (headers.index(h) for h in ("turn", "status", "key_quote"))
    for r in rows:
        values: list[Any] = [*r[:2], report.code_name(r[1]), *r[2:]]
        values[turn + 1] = int(r[turn]) if str(r[turn]).isdigit() else r[turn]  # a number
        for i in (state, key):  # only these columns hold fixed words
            values[i + 1] = status.get(r[i], r[i])
        ws.append(values)
    _fit(ws, [14.0, 24.0, 28.0] + [14.0] * (len(headers) - 3) + [80.0])
    ws.freeze_panes = "A2"
    _notes_sheet(wb.create_sheet(notes), report, kind)
    if report.overview:
        from qualcode.export.overview import overview_sheet

        overview_sheet(wb, report, 0)
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())


def _notes_sheet(ws: Any, report: ReportData, kind: str) -> None:
    """What the Word and Markdown reports say above their tables: whether this is a machine
    draft, what the quotes hold, and the final coding's rule with its unresolved
    disagreements."""
    from openpyxl.styles import Alignment, Font

    ws.append([_title(report)])
    ws["A1"].font = Font(bold=True)
    if report.includes_suggestions:
        ws.append([say(report.lang, "draft_mark")])
        ws.append([say(report.lang, "draft_opening")])
    ws.append([_provenance(report)])
    ws.append([final_line(report)])
    ws.append([quote_note(kind, report)])
    ws.column_dimensions["A"].width = 120.0
    print_on_a4(ws, header=False)
    for row in ws.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


# Word --------------------------------------------------------------------------------------
def _docx(kind: str, report: ReportData, tables: list[Table]) -> bytes:
    from docx.shared import RGBColor

    doc = new_document(_title(report), landscape=True, margin=1.8, points=10)
    doc.core_properties.subject = say(report.lang, f"subject_{kind}")
    section = doc.sections[0]
    if report.includes_suggestions:  # on every page: this is not a finding yet
        header = section.header.paragraphs[0]
        mark = header.add_run(say(report.lang, "draft_mark"))
        mark.bold = True
        mark.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    _footer(section, report.title, report.lang)
    doc.add_heading(_title(report), level=0)
    if report.includes_suggestions:
        doc.add_paragraph(say(report.lang, "draft_opening"))
    doc.add_paragraph(_provenance(report))
    doc.add_paragraph(final_line(report))
    doc.add_paragraph(quote_note(kind, report))
    _list_of_tables(doc, report, [t.title for t in tables if t.rows])
    usable = 29.7 - 3.6
    if report.overview:  # codebook overview and codes x participants, before the detail
        from qualcode.export.overview import add_overview

        add_overview(doc, report, usable)
    number = 0
    for t in tables:
        doc.add_heading(t.title, level=1)
        if not t.rows:
            doc.add_paragraph(say(report.lang, "none_yet"))
            continue
        number += 1
        _caption(doc, number, t.title, draft=report.includes_suggestions, lang=report.lang)
        first = 4.0 if kind == "matrix" else 3.5
        if kind == "themes":
            widths = [3.5, 6.0, 2.2, 3.8][: len(t.headers) - 1]
            widths.append(usable - sum(widths))
        else:
            rest = (usable - first) / max(1, len(t.headers) - 1)
            widths = [first] + [rest] * (len(t.headers) - 1)
        _table(doc, t.headers, t.rows, widths)
    _heatmap(doc, report, 1, usable)
    _appendix(doc, report)
    return docx_bytes(doc)


def new_document(title: str, landscape: bool, margin: float, points: float) -> Any:
    """An A4 Word document in Calibri with these margins (cm) and body size, by qualcode."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = docx.Document()
    doc.core_properties.author = "qualcode"
    # The document's properties hold at most 255 characters (python-docx refuses more): a
    # bilingual draft's title runs to about 290. The page shows the whole title; the
    # property, cut on a word boundary with an ellipsis, is what a file browser shows.
    doc.core_properties.title = title if len(title) <= 255 else _shorten(title, 254) + "…"
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(margin))
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(points)
    from qualcode.export.docxstyles import remember_styles

    return remember_styles(doc)


def _title(report: ReportData) -> str:
    if report.includes_suggestions:
        return say(report.lang, "draft_title", title=report.title)
    return report.title


def draft_name(kind: str, fmt: str, draft: bool, lang: str = "en") -> str:
    """The file a report is written to: a machine draft never takes the final report's name,
    nor a Welsh or bilingual edition the English one's (themes.cy.docx, themes.en-cy.docx)."""
    edition = "" if lang == "en" else "." + lang.replace("+", "-")
    return f"{kind}{'-draft' if draft else ''}{edition}.{fmt}"


def _field(paragraph: Any, instruction: str, shown: str) -> None:
    """A Word field (SEQ, PAGE...) with ``shown`` as its current result, so the number is
    right before Word updates fields and a list of tables can be built from it. Written as
    begin / instruction / separate / result / end runs, so the result is ordinary text."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> None:
        mark = OxmlElement("w:fldChar")
        mark.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(mark)

    char("begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    paragraph.add_run()._r.append(code)
    char("separate")
    paragraph.add_run(shown)
    char("end")


def _caption(
    doc: Any, number: int, text: str, kind: str = "table", draft: bool = False, lang: str = "en"
) -> None:
    """A caption whose number is a real SEQ field (Word's own caption numbering)."""
    p = doc.add_paragraph(style="Caption") if "Caption" in doc.styles else doc.add_paragraph()
    label = say(lang, kind)
    p.add_run(f"{label} ")
    _field(p, f" SEQ {label} \\* ARABIC ", str(number))
    prefix = say(lang, "draft_caption") if draft else ""
    p.add_run(f". {prefix}{text}")
    for run in p.runs:
        run.italic = True
    if kind == "table":  # a table's caption stays on the page its table starts on
        p.paragraph_format.keep_with_next = True


def _list_of_tables(doc: Any, report: ReportData, titles: list[str]) -> None:
    """A list of tables as a Word TOC field over the captions (so Word can refresh it), whose
    current result is the list itself."""
    if len(titles) < 2:
        return
    label = say(report.lang, "table")
    doc.add_paragraph(say(report.lang, "list_of_tables")).runs[0].bold = True
    para = doc.add_paragraph()
    _field(para, f' TOC \\h \\z \\c "{label}" ', "")
    for n, title in enumerate(titles, start=1):
        doc.add_paragraph(f"{label} {n}. {title}")


def _footer(section: Any, title: str, lang: str = "en") -> None:
    """The report's title and the page number at the foot of every page."""
    p = section.footer.paragraphs[0]
    p.add_run(f"{title} · {say(lang, 'page')} ")
    _field(p, " PAGE ", "1")


def _table(doc: Any, headers: list[str], rows: list[list[str]], widths: list[float]) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    header = table.rows[0]
    trpr = header._tr.get_or_add_trPr()
    _keep_whole(header)
    repeat = OxmlElement("w:tblHeader")  # repeat the header row on every page
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    page = _body_height(doc)
    widths = header_widths(headers, widths, _points(doc))
    sizes = [Cm(w) for w in widths]
    for i, size in enumerate(sizes):  # the grid's widths, and (below) every cell's own width:
        table.columns[i].width = size  # LibreOffice draws equal columns without both
    for cell, text, size in zip(header.cells, headers, sizes, strict=True):
        cell.text = ""
        cell.width = size
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        _shade(cell, "D9E2F3")
    if rows:
        _add_rows(table, rows, sizes, widths, page)
    return table


def _add_rows(table: Any, rows: list[list[str]], sizes: list[Any], widths: list[float],
              page: float) -> None:  # fmt: skip
    """The table's body rows, as python-docx's cell API would write them (each cell's own
    width; a row that fits on a page never broken; the text as _runs makes it in 9 points),
    but written as XML text around the pieces of a row python-docx made, and parsed once: its
    per-cell and per-character API cost more than the rest of a report."""
    from docx.oxml.ns import nsdecls, qn
    from docx.oxml.parser import parse_xml
    from docx.shared import Pt

    row = table.add_row()  # the template: a row of empty cells with their widths
    for cell, size in zip(row.cells, sizes, strict=True):
        cell.width = size
    _keep_whole(row)
    tr = row._tr
    tr.getparent().remove(tr)
    cant = _markup(tr.find(qn("w:trPr")))
    cells = [_markup(tc.find(qn("w:tcPr"))) for tc in tr.iterchildren(qn("w:tc"))]
    size = Pt(9)
    out: list[str] = []
    for r in rows:
        out.append("<w:tr>")
        if _row_height(r, widths) <= page:  # a row longer than a page has to break
            out.append(cant)
        for props, text in zip(cells, r, strict=True):
            out += ("<w:tc>", props)
            for k, para_text in enumerate(text.split("\n\n")):
                # python-docx's cell.text = "" leaves an empty run first
                out.append("<w:p><w:r/>" if k == 0 else "<w:p>")
                _xml_runs(out, para_text, size)
                out.append("</w:p>")
            out.append("</w:tc>")
        out.append("</w:tr>")
    body = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(out)}</w:tbl>")
    table._tbl.extend(list(body))


def _markup(element: Any) -> str:
    """An element as XML text inside a document whose root declares its namespaces."""
    from lxml import etree

    return re.sub(r' xmlns:\w+="[^"]*"', "", etree.tostring(element, encoding="unicode"))


_MARKS = re.compile(f"([{''.join((*EVIDENCE, *MACHINE))}])")
_BREAKS = re.compile(r"([\t\r\n])")
_RUN_PROPS: dict[tuple[bool, bool, Any], str] = {}


def _xml_runs(out: list[str], text: str, size: Any) -> None:
    """_runs's runs for ``text`` as XML text: the elements python-docx's add_run writes (a
    tab as w:tab, a line break as w:br, xml:space="preserve" on text with a space at either
    end)."""
    bold = italic = False
    for piece in _MARKS.split(text):
        if piece in EVIDENCE:
            bold = piece == EVIDENCE[0]
        elif piece in MACHINE:
            italic = piece == MACHINE[0]
        elif piece:
            props = ""
            if bold or italic or size is not None:
                key = (bold, italic, size)
                if key not in _RUN_PROPS:
                    _RUN_PROPS[key] = _markup(_formatting(bold, italic, size))
                props = _RUN_PROPS[key]
            _xml_run(out, piece, props)


def _xml_run(out: list[str], text: str, props: str) -> None:
    """What python-docx's add_run(text) writes, with these run properties, as XML text."""
    from xml.sax.saxutils import escape

    out += ("<w:r>", props)
    broken = "\t" in text or "\n" in text or "\r" in text
    for chunk in _BREAKS.split(text) if broken else (text,):
        if chunk == "\t":
            out.append("<w:tab/>")
        elif chunk in ("\r", "\n"):
            out.append("<w:br/>")
        elif chunk:
            space = ' xml:space="preserve"' if len(chunk.strip()) < len(chunk) else ""
            out.append(f"<w:t{space}>{escape(chunk)}</w:t>")
    out.append("</w:r>")


BOLD_CM_PER_POINT = 0.022  # a bold Calibri character is about this wide per point of size
CELL_PADDING_CM = 0.45  # Word's default cell margins, both sides, and a little room


def _points(doc: Any) -> float:
    size = doc.styles["Normal"].font.size
    return size.pt if size is not None else 11.0


def header_widths(headers: list[str], widths: list[float], points: float) -> list[float]:
    """Column widths (cm) no header word breaks inside ("Cyfranogwy/r"): a column narrower
    than its header's longest word grows to fit it, and the room comes from the columns with
    room to spare, widest first; the table's width stays the same."""
    per_char = BOLD_CM_PER_POINT * points
    need = [max((len(w) for w in h.split()), default=0) * per_char + CELL_PADDING_CM
            for h in headers]  # fmt: skip
    out = list(widths)
    short = sum(max(0.0, n - w) for n, w in zip(need, out, strict=True))
    if short <= 0:
        return out
    for i, (n, w) in enumerate(zip(need, out, strict=True)):
        out[i] = max(n, w)
    spare = [(out[i] - need[i], i) for i in range(len(out)) if out[i] > need[i]]
    room = sum(s for s, _ in spare)
    take = min(short, room)
    for s, i in spare:  # in proportion to each column's spare room
        out[i] -= take * s / room if room else 0.0
    return out


def _keep_whole(row: Any) -> None:
    """Mark a table row as never broken across two pages (w:cantSplit)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(cant)


CHARS_PER_CM = 5.0  # 9-point Calibri, counted generously so a row's height is not underrated
LINE_CM = 0.42  # one line of 9-point text in a table cell


def _body_height(doc: Any) -> float:
    """The height of the page's body (between the margins) in centimetres."""
    section = doc.sections[-1]
    return float(section.page_height - section.top_margin - section.bottom_margin) / 360000


def _row_height(cells: list[str], widths: list[float]) -> float:
    """An estimate of a row's height in centimetres: its tallest cell's wrapped lines."""
    import math

    lines = 1
    for text, width in zip(cells, widths, strict=False):
        per_line = max(1, int((width - 0.3) * CHARS_PER_CM))
        paras = text.split("\n")
        lines = max(lines, sum(max(1, math.ceil(len(p) / per_line)) for p in paras))
    return lines * LINE_CM + 0.3


def _runs(para: Any, text: str, size: Any = None) -> None:
    """The text as runs (in ``size``): the evidence between EVIDENCE marks in bold, what comes
    from unreviewed suggestions (between MACHINE marks) in italics. Only what is set is
    written: setting None made python-docx search each new run for an element to remove.
    Through python-docx's API, for a paragraph it made; tables write the same runs as XML text
    (_xml_runs, tested against this)."""
    bold = italic = False
    for piece in re.split(f"([{''.join((*EVIDENCE, *MACHINE))}])", text):
        if piece in EVIDENCE:
            bold = piece == EVIDENCE[0]
        elif piece in MACHINE:
            italic = piece == MACHINE[0]
        elif piece:
            run = para.add_run(piece)
            if bold or italic or size is not None:
                run._r.insert(0, _formatting(bold, italic, size))


_FORMATS: dict[tuple[bool, bool, Any], Any] = {}


def _formatting(bold: bool, italic: bool, size: Any) -> Any:
    """A copy of the run properties python-docx writes for this bold, italic and size (made
    once each: its property setters cost more than the rest of a table cell)."""
    from copy import deepcopy

    key = (bold, italic, size)
    if key not in _FORMATS:
        from docx.oxml import OxmlElement
        from docx.text.run import Run

        run = Run(OxmlElement("w:r"), None)  # type: ignore[arg-type]
        run.bold = bold or None
        run.italic = italic or None
        if size is not None:
            run.font.size = size
        _FORMATS[key] = run._r.rPr
    return deepcopy(_FORMATS[key])


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _heatmap(doc: Any, report: ReportData, number: int, usable: float) -> None:
    """Code prevalence by group as a shaded table: darker = a larger share of the group."""
    prev = prevalence(report)
    groups = [g for g in next(iter(prev.values()), {}) if g]
    if not groups:
        return
    by = report.attribute(report.group_by)
    doc.add_heading(say(report.lang, "prevalence_heading", attribute=by), level=1)
    _caption(
        doc,
        number,
        say(report.lang, "prevalence_caption", attribute=by),
        "figure",
        report.includes_suggestions,
        report.lang,
    )
    headers = [say(report.lang, "code"), say(report.lang, "all"), *(display(g) for g in groups)]
    rows = []
    for c in report.codebook.codes:
        counts = prev[c.id]
        rows.append([report.code_name(c.id), *(_share(*counts[g]) for g in ["", *groups])])
    first = 7.0
    widths = [first] + [min(3.0, (usable - first) / (len(headers) - 1))] * (len(headers) - 1)
    table = _table(doc, headers, rows, widths)
    for r, c in enumerate(report.codebook.codes, start=1):
        counts = prev[c.id]
        for j, g in enumerate(["", *groups], start=1):
            k, m = counts[g]
            _shade(table.rows[r].cells[j], _heat(k / m if m else 0.0))
    doc.add_paragraph(say(report.lang, "prevalence_note"))


def _share(k: int, m: int) -> str:
    return f"{round(100 * k / m)}% ({k}/{m})" if m else "-"


def _heat(share: float) -> str:
    """White to dark blue; text stays readable (the darkest shade is mid-blue)."""
    lo, hi = (255, 255, 255), (91, 155, 213)
    rgb = [round(a + (b - a) * share) for a, b in zip(lo, hi, strict=True)]
    return "".join(f"{v:02X}" for v in rgb)


def _appendix(doc: Any, report: ReportData) -> None:
    """The codebook: each aim's codes with their definitions, criteria and examples (as XML
    text, parsed once: python-docx's paragraph API cost more than the rest of the page)."""
    doc.add_page_break()
    doc.add_heading(say(report.lang, "appendix"), level=1)
    out: list[str] = []
    heading, bullet = _paragraph_props(doc, "Heading 2"), _paragraph_props(doc, "List Bullet")
    bold = _markup(_formatting(True, False, None))
    for group in report.codebook.groups:
        _xml_paragraph(out, report.group_name(group.id), heading)
        for code in group.codes:
            out.append("<w:p>")
            _xml_run(out, f"{report.code_name(code.id)} ", bold)
            _xml_run(out, f"({code.id}). {report.definition(code.id)}", "")
            out.append("</w:p>")
            include, exclude = report.criteria(code.id)
            typical, atypical = report.examples(code.id)
            lists = (("include", include), ("exclude", exclude), ("typical", typical),
                     ("atypical", atypical))  # fmt: skip
            for label, items in lists:
                if items:
                    _xml_paragraph(out, say(report.lang, label), "")
                    for item in items:  # one bullet each (joined with ";" they read ".;")
                        _xml_paragraph(out, item.rstrip(";"), bullet)
    _add_body(doc, out)


def _paragraph_props(doc: Any, style: str) -> str:
    """The paragraph properties python-docx writes for a paragraph in ``style``."""
    from docx.oxml.ns import qn

    p = doc.add_paragraph(style=style)._p
    p.getparent().remove(p)
    props = p.find(qn("w:pPr"))
    return "" if props is None else _markup(props)


def _xml_paragraph(out: list[str], text: str, props: str) -> None:
    """What python-docx's add_paragraph(text, style) writes, as XML text."""
    out += ("<w:p>", props)
    if text:
        _xml_run(out, text, "")
    out.append("</w:p>")


def _add_body(doc: Any, out: list[str]) -> None:
    """Paragraphs given as XML text, added at the end of the document's body."""
    from docx.oxml.ns import nsdecls
    from docx.oxml.parser import parse_xml

    body = doc.element.body
    end = body.sectPr
    for element in list(parse_xml(f"<w:body {nsdecls('w')}>{''.join(out)}</w:body>")):
        if end is None:
            body.append(element)
        else:
            end.addprevious(element)


def docx_bytes(doc: Any) -> bytes:
    """A Word document's bytes as _stable_zip makes them from what ``doc.save`` writes (the
    same members, in its order), zipped once: saving deflates every part, and _stable_zip
    inflated and deflated them all again."""
    from docx.opc.pkgwriter import PackageWriter

    writer: Any = PackageWriter  # its steps, with a collector for its zip writer
    package = doc.part.package
    members: list[tuple[str, bytes]] = []

    class Collect:  # python-docx's zip writer, as PackageWriter calls it
        def write(self, uri: Any, blob: bytes) -> None:
            members.append((uri.membername, blob))

    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    writer._write_content_types_stream(Collect(), parts)
    writer._write_pkg_rels(Collect(), package.rels)
    writer._write_parts(Collect(), parts)
    core = "docProps/core.xml"
    return stable_zip([(n, _strip_dates(b) if n == core else b) for n, b in members])


def _stable_zip(data: bytes) -> bytes:
    """Re-pack an OOXML zip with fixed timestamps and order, so the same report gives the same
    bytes (core properties carry no dates either)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    members = [  # [Content_Types].xml stays first
        (name, _strip_dates(src.read(name)) if name == "docProps/core.xml" else src.read(name))
        for name in src.namelist()
    ]
    return stable_zip(members)


def _strip_dates(core: bytes) -> bytes:
    import re

    return re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", core)
