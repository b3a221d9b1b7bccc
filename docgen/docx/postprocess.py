"""Fix-ups on pandoc's DOCX that a reference.docx cannot express.

- section breaks from the Lua filter get the page size, margins, header and footer;
- Khmer runs get the complex-script language (pandoc only writes ``w:lang/@w:val``);
- bookmark names are checked (Word accepts ``[A-Za-z][A-Za-z0-9_]{0,39}``, no duplicates);
- document properties are rewritten from the DocMeta, dated ``meta.date``;
- the package is re-zipped with fixed timestamps, so the same input gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.sax.saxutils import escape

from lxml import etree

from docgen.diagnostics import Diagnostic, DocgenError
from docgen.docmeta import DocMeta

from . import layout
from .fonts import document_faces, embed_fonts, embed_fonts_setting, has_khmer
from .notes import endnote_settings, fix_notes
from .ooxml import CT_NS, REL_NS, W_NS, child, parse, serialize, w
from .reference import line_spacing, page_geometry, section_properties
from .tracking import track_changes_settings
from .tables import CELL_MARGINS, CONTENT_FIT_COLUMNS, MATRIX_CELL_MARGIN, fit_columns, row_height_pt
from .toc import anchor_toc_targets, fill_toc, restyle_paired_headings, toc_bookmarks
from .zipio import write_zip

BOOKMARK_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
# Characters XML 1.0 cannot carry; metadata from data must not break the part.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _is_bookmark_end_only(el) -> bool:
    return el.tag == w("bookmarkEnd")


def _is_page_break_only(el) -> bool:
    """A paragraph holding nothing but one page break (the `.pagebreak` form)."""
    if el.tag != w("p"):
        return False
    runs = [c for c in el if c.tag != w("pPr")]
    return (len(runs) == 1 and runs[0].tag == w("r") and len(runs[0]) == 1
            and runs[0][0].tag == w("br") and runs[0][0].get(w("type")) == "page")


def _drop_page_breaks_around(body, sect_para) -> None:
    # A section break already starts a new page; an adjacent page break would add a
    # blank page in Word.
    for step in ("getprevious", "getnext"):
        el = getattr(sect_para, step)()
        while el is not None and el.tag in (w("bookmarkStart"), w("bookmarkEnd")):
            el = getattr(el, step)()
        if el is not None and _is_page_break_only(el):
            body.remove(el)


def page_breaks_before(body) -> None:
    """Turn a page-break paragraph into "page break before" on the paragraph after it.

    A break paragraph on a page that is already full lands on the next page and then
    breaks again, leaving a blank page (the bilingual cover did this). The paragraph
    property breaks exactly once wherever the text before it ends.
    """
    for para in list(body.iter(w("p"))):
        if not _is_page_break_only(para):
            continue
        nxt = para.getnext()
        while nxt is not None and nxt.tag in (w("bookmarkStart"), w("bookmarkEnd")):
            nxt = nxt.getnext()
        if nxt is not None and nxt.tag == w("tbl"):
            # A table (a bilingual heading): its first paragraph breaks, which Word and
            # LibreOffice apply to the table.
            nxt = next(nxt.iter(w("p")), None)
        if nxt is not None and nxt.tag == w("p") and nxt.find(f"{w('pPr')}/{w('sectPr')}") is None:
            child(child(nxt, "pPr", replace=False), "pageBreakBefore")
            para.getparent().remove(para)


def _is_section_break(el) -> bool:
    return el is not None and el.tag == w("p") and el.find(f"{w('pPr')}/{w('sectPr')}") is not None


def _drop_empty_sections(body) -> None:
    """Two landscape blocks in a row (the matrix, then the results framework) leave a
    portrait section holding only its own break paragraph between them: a blank page."""
    for para in list(body.findall(w("p"))):
        if not _is_section_break(para) or "".join(para.itertext()).strip():
            continue
        prev = para.getprevious()
        while prev is not None and prev.tag in (w("bookmarkStart"), w("bookmarkEnd")):
            prev = prev.getprevious()
        if prev is not None and _is_section_break(prev):
            body.remove(para)


def _shrink_section_mark(para) -> None:
    """The empty paragraph that carries a section break (it must follow a table, which
    cannot hold one) still takes a line: a full page spills it onto a page of its own.
    One point high, it fits under any table."""
    if "".join(para.itertext()).strip():
        return
    ppr = child(para, "pPr", replace=False)
    for name in ("spacing", "rPr", "keepNext", "pageBreakBefore"):
        for old in ppr.findall(w(name)):
            ppr.remove(old)
    child(ppr, "spacing", {"before": "0", "after": "0", "line": "20", "lineRule": "exact"})
    rpr = child(ppr, "rPr")
    for name in ("sz", "szCs"):
        child(rpr, name, {"val": "2"})


def fix_sections(body, style: dict) -> None:
    geometry = page_geometry(style)
    final = body.find(w("sectPr"))
    breaks = [s for s in body.iter(w("sectPr")) if s is not final]
    for sect in breaks:
        size = sect.find(w("pgSz"))
        landscape = size is not None and size.get(w("orient")) == "landscape"
        sect.getparent().replace(sect, section_properties(geometry, landscape=landscape))
    for para in list(body.findall(w("p"))):
        if para.find(f"{w('pPr')}/{w('sectPr')}") is not None:
            _drop_page_breaks_around(body, para)
    _drop_empty_sections(body)
    for para in body.findall(w("p")):
        if para.find(f"{w('pPr')}/{w('sectPr')}") is not None:
            _shrink_section_mark(para)
    # A landscape block at the very end would leave an empty portrait section (a blank
    # page): make the final section itself landscape instead.
    tail = [el for el in body if el is not final and not _is_bookmark_end_only(el)]
    if tail and tail[-1].tag == w("p"):
        sect = tail[-1].find(f"{w('pPr')}/{w('sectPr')}")
        if sect is not None and len(tail[-1]) == 1:
            body.remove(tail[-1])
            body.replace(final, sect)


# Tables with at least this many columns (the landscape matrix) get smaller text.
WIDE_TABLE_COLUMNS = 7


def _section_of_tables(body):
    """(table, sectPr) for every top-level table: a section's properties close it."""
    pending, out = [], []
    for el in body:
        if el.tag == w("tbl"):
            pending.append(el)
        elif el.tag == w("p") and el.find(f"{w('pPr')}/{w('sectPr')}") is not None:
            out += [(t, el.find(f"{w('pPr')}/{w('sectPr')}")) for t in pending]
            pending = []
        elif el.tag == w("sectPr"):
            out += [(t, el) for t in pending]
            pending = []
    return out


def _text_width(sect) -> int | None:
    size, mar = sect.find(w("pgSz")), sect.find(w("pgMar"))
    try:
        return int(size.get(w("w"))) - int(mar.get(w("left"))) - int(mar.get(w("right")))
    except (AttributeError, TypeError, ValueError):
        return None


def fit_tables(body, style: dict) -> None:
    """Give full-width tables the text width of their own section.

    pandoc writes w:gridCol widths for its default text width (portrait, 5.5 in);
    LibreOffice and Word lay the columns out from them, so a table filled only part
    of the page, and two thirds of a landscape one. The grid (and any w:tcW in dxa)
    is scaled to the section's text width; the column proportions stay. Tables with
    many columns (the results matrix) also get the small text size.
    """
    # A wide table's text: style.yaml's matrix size, else a step below the table size.
    small = style["sizes"].get("matrix") or round(style["sizes"]["table"] * 0.85 * 2) / 2
    for tbl, sect in _section_of_tables(body):
        tbl_w = tbl.find(f"{w('tblPr')}/{w('tblW')}")
        if tbl_w is None or tbl_w.get(w("type")) != "pct":
            continue
        try:
            share = min(int(tbl_w.get(w("w"))), 5000) / 5000
        except (TypeError, ValueError):
            continue
        width = _text_width(sect)
        cols = tbl.findall(f"{w('tblGrid')}/{w('gridCol')}")
        total = sum(int(c.get(w("w"), "0")) for c in cols)
        if not width or not total:
            continue
        factor = width * share / total
        for c in cols:
            c.set(w("w"), str(round(int(c.get(w("w"))) * factor)))
        for tcw in tbl.iter(w("tcW")):
            if tcw.get(w("type")) == "dxa" and (tcw.get(w("w")) or "").isdigit():
                tcw.set(w("w"), str(round(int(tcw.get(w("w"))) * factor)))
        wide = len(cols) >= WIDE_TABLE_COLUMNS
        if wide:
            # Narrow cell margins, as the PDF's matrix: more text on a line, fewer lines a row.
            mar = child(child(tbl, "tblPr", replace=False), "tblCellMar")
            for side in ("left", "right"):
                child(mar, side, {"w": str(MATRIX_CELL_MARGIN), "type": "dxa"})
        if len(cols) >= CONTENT_FIT_COLUMNS:
            fonts = style["fonts"]
            size = small if small and wide else style["sizes"]["table"]
            fit_columns(tbl, round(width * share), float(size), fonts["latin"]["body"], fonts["khmer"]["body"],
                        margins=2 * MATRIX_CELL_MARGIN + 40 if wide else CELL_MARGINS)
        if small and len(cols) >= WIDE_TABLE_COLUMNS:
            half_points = str(round(float(small) * 2))
            for run in tbl.iter(w("r")):
                rpr = run.find(w("rPr"))
                if rpr is None:
                    rpr = etree.Element(w("rPr"))
                    run.insert(0, rpr)
                child(rpr, "sz", {"val": half_points})
                child(rpr, "szCs", {"val": half_points})


def _table_style(tbl) -> str | None:
    st = tbl.find(f"{w('tblPr')}/{w('tblStyle')}")
    return None if st is None else st.get(w("val"))


def separate_tables(root) -> None:
    """Put an empty, tiny paragraph between a table and a data table right after it.

    Word and LibreOffice join adjacent tables into one: a data table right after a
    bilingual heading became the heading table's next rows, so its header row no longer
    repeated on the following pages. Adjacent bilingual pairs may join (same columns).
    """
    for tbl in list(root.iter(w("tbl"))):
        nxt = tbl.getnext()
        while nxt is not None and nxt.tag in (w("bookmarkStart"), w("bookmarkEnd")):
            nxt = nxt.getnext()
        if nxt is None or nxt.tag != w("tbl"):
            continue
        if _table_style(tbl) == _table_style(nxt) == "BilingualTable":
            continue
        para = etree.Element(w("p"))
        ppr = etree.SubElement(para, w("pPr"))
        child(ppr, "keepNext")
        child(ppr, "spacing", {"before": "0", "after": "0", "line": "240", "lineRule": "auto"})
        rpr = child(ppr, "rPr")
        etree.SubElement(rpr, w("sz")).set(w("val"), "2")
        etree.SubElement(rpr, w("szCs")).set(w("val"), "2")
        tbl.addnext(para)


def keep_bilingual_headings(root) -> None:
    """A bilingual heading (a layout-table row of headings) stays with what follows.

    Its row never splits, and its paragraphs keep with the next one, which Word applies
    to table rows too (a heading no longer ends a page alone).
    """
    for tbl in root.iter(w("tbl")):
        if _table_style(tbl) != "BilingualTable":
            continue
        for tr in tbl.iterfind(w("tr")):
            styles = tr.xpath(".//w:p/w:pPr/w:pStyle/@w:val", namespaces={"w": W_NS})
            if not any(s.startswith("Heading") for s in styles):
                continue
            trpr = tr.find(w("trPr"))
            if trpr is None:
                trpr = etree.Element(w("trPr"))
                tr.insert(1 if tr.find(w("tblPrEx")) is not None else 0, trpr)
            child(trpr, "cantSplit")
            for ppr in tr.iter(w("pPr")):
                child(ppr, "keepNext")


def fix_khmer_runs(root) -> None:
    # pandoc writes <w:lang w:val="km"/>; Word and LibreOffice take Khmer's language
    # from the complex-script slot, so set w:bidi too.
    for lang in root.iter(w("lang")):
        val = lang.get(w("val"), "")
        if val == "km" or val.startswith("km-"):
            lang.set(w("val"), "km-KH")
            lang.set(w("bidi"), "km-KH")


def check_bookmarks(root) -> None:
    seen: dict[str, int] = {}
    problems: list[Diagnostic] = []
    for bm in root.iter(w("bookmarkStart")):
        name = bm.get(w("name"), "")
        seen[name] = seen.get(name, 0) + 1
        if not BOOKMARK_RE.match(name):
            problems.append(Diagnostic(
                "", None, None, "", f"id '{name}' cannot be a Word bookmark name",
                hint="IDs match ^[A-Za-z][A-Za-z0-9_]{0,39}$ (see DEVELOPERS.md)",
                code="bad-bookmark"))
    for name, count in seen.items():
        if count > 1:
            problems.append(Diagnostic("", None, None, "",
                                       f"id '{name}' is used {count} times in one document",
                                       hint="each heading/div id must be unique",
                                       code="duplicate-bookmark"))
    if problems:
        raise DocgenError(problems)


def fix_table_headers(root) -> None:
    # pandoc marks header rows with w:tblHeader already; make sure the style-less case
    # and older pandocs do too: a row made of header cells repeats on every page.
    for tbl in root.iter(w("tbl")):
        style = tbl.find(f"{w('tblPr')}/{w('tblStyle')}")
        if style is None or style.get(w("val")) != "Table":
            continue
        # Data rows never break across pages: a split row leaves an empty-looking stub
        # under the repeated header (seen in LibreOffice). Layout tables (bilingual
        # pairs) may hold rows longer than a page, so they are left alone.
        for tr in tbl.iterfind(w("tr")):
            trpr = tr.find(w("trPr"))
            if trpr is None:
                trpr = etree.Element(w("trPr"))
                tr.insert(1 if tr.find(w("tblPrEx")) is not None else 0, trpr)
            child(trpr, "cantSplit")
        look = tbl.find(f"{w('tblPr')}/{w('tblLook')}")
        first = tbl.find(w("tr"))
        if first is None or look is None or look.get(w("firstRow")) != "1":
            continue
        trpr = first.find(w("trPr"))
        if trpr is None:
            trpr = etree.Element(w("trPr"))
            first.insert(0, trpr)
        child(trpr, "tblHeader")


# A matrix row taller than this share of the page's text height may split across pages:
# kept whole, it would leave most of a page empty before it (the bilingual matrix, whose
# rows hold both languages, fitted about one action a page), or overflow a page.
TALL_ROW_SHARE = 0.3


def let_tall_rows_split(body, style: dict) -> None:
    from .fonts import font_metrics

    fonts, sizes = style["fonts"], style["sizes"]
    size = float(sizes.get("matrix") or sizes["table"])
    spacing = line_spacing(style)
    pitch = {}
    for key, family, multiple in (("latin", fonts["latin"]["body"], spacing["table"]),
                                  ("khmer", fonts["khmer"]["body"], spacing["khmer"])):
        metrics = font_metrics(family)
        pitch[key] = (metrics.line_height if metrics else 1.4) * multiple
    for tbl, sect in _section_of_tables(body):
        cols = [int(c.get(w("w"), "0")) for c in tbl.findall(f"{w('tblGrid')}/{w('gridCol')}")]
        if len(cols) < WIDE_TABLE_COLUMNS:
            continue
        size_el, mar = sect.find(w("pgSz")), sect.find(w("pgMar"))
        try:
            text_height = (int(size_el.get(w("h"))) - int(mar.get(w("top"))) - int(mar.get(w("bottom")))) / 20
        except (AttributeError, TypeError, ValueError):
            continue
        for tr in tbl.iterfind(w("tr")):
            trpr = tr.find(w("trPr"))
            if trpr is None or trpr.find(w("tblHeader")) is not None or trpr.find(w("cantSplit")) is None:
                continue
            height = row_height_pt(tr, cols, size, fonts["latin"]["body"], fonts["khmer"]["body"], pitch,
                                   margins=2 * MATRIX_CELL_MARGIN + 40)
            if height > TALL_ROW_SHARE * text_height:
                trpr.remove(trpr.find(w("cantSplit")))


REVISION_TAGS = ("ins", "del", "moveFrom", "moveTo")


def renumber_revisions(root) -> None:
    # pandoc gives an insertion and a deletion the same w:id; Word expects each
    # revision mark to have its own.
    marks = [el for el in root.iter(*(w(t) for t in REVISION_TAGS)) if el.get(w("id")) is not None]
    if not marks:
        return
    used = {int(v) for v in root.xpath("//@w:id", namespaces={"w": W_NS}) if v.lstrip("-").isdigit()}
    next_id = max(used, default=0) + 1
    for el in marks:
        el.set(w("id"), str(next_id))
        next_id += 1


def _clean(text: str) -> str:
    return _XML_BAD.sub("", str(text))


def _w3cdtf(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def core_xml(meta: DocMeta) -> bytes:
    lang = "km-KH" if meta.lang == "km" else "en-US"
    fields = [
        ("dc:title", meta.title), ("dc:subject", meta.subject), ("dc:creator", meta.author),
        ("cp:keywords", ", ".join(meta.keywords)), ("dc:language", lang),
        ("cp:lastModifiedBy", meta.author), ("cp:version", meta.version),
        ("cp:contentStatus", meta.status),
    ]
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
           ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
           ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
    for tag, value in fields:
        out.append(f"<{tag}>{escape(_clean(value))}</{tag}>")
    stamp = _w3cdtf(meta.date)
    out.append(f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
               f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>')
    out.append("</cp:coreProperties>")
    return "".join(out).encode("utf-8")


def custom_xml(meta: DocMeta) -> bytes:
    props = {"version": meta.version, "status": meta.status, "language": meta.lang,
             "document": meta.doc}
    props.update({str(k): str(v) for k, v in meta.properties.items()})
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
           ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">']
    for pid, name in enumerate(sorted(props), start=2):  # pid 0 and 1 are reserved
        out.append(f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}"'
                   f' name="{escape(_clean(name), {chr(34): "&quot;"})}">'
                   f"<vt:lpwstr>{escape(_clean(props[name]))}</vt:lpwstr></property>")
    out.append("</Properties>")
    return "".join(out).encode("utf-8")


def _ensure_custom_props_wired(parts: dict[str, bytes]) -> None:
    ct = parse(parts["[Content_Types].xml"])
    if not any(o.get("PartName") == "/docProps/custom.xml" for o in ct):
        ov = etree.SubElement(ct, f"{{{CT_NS}}}Override")
        ov.set("PartName", "/docProps/custom.xml")
        ov.set("ContentType", "application/vnd.openxmlformats-officedocument.custom-properties+xml")
        parts["[Content_Types].xml"] = serialize(ct)
    rels = parse(parts["_rels/.rels"])
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
    if not any(r.get("Type") == kind for r in rels):
        ids = {r.get("Id") for r in rels}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rel = etree.SubElement(rels, f"{{{REL_NS}}}Relationship")
        rel.set("Id", f"rId{n}")
        rel.set("Type", kind)
        rel.set("Target", "docProps/custom.xml")
        parts["_rels/.rels"] = serialize(rels)


COVER_STYLES = ("Title", "CoverKingdom")


def cover_first_page(body) -> None:
    """A document that opens with a cover: its first page without header or footer.

    w:titlePg on the first section shows that section's (empty) first-page header and
    footer on page 1; the page still counts, so the contents page is page 2.
    """
    first_sect = next(iter(body.iter(w("sectPr"))), None)
    if first_sect is None:
        return
    for el in body:
        if el.tag != w("p"):
            continue
        style = el.find(f"{w('pPr')}/{w('pStyle')}")
        if style is not None and style.get(w("val")) in COVER_STYLES:
            break
        if el.find(f".//{w('pageBreakBefore')}") is not None or el.find(f".//{w('sectPr')}") is not None:
            return  # past the first page without meeting a cover
    else:
        return
    child(first_sect, "titlePg")


WORD_JOINER, NO_BREAK_SPACE = "\u2060", "\u00a0"


def keep_title_ends(body) -> None:
    """No word alone on a cover title's last line (the PDF balances its title lines; Word
    cannot): the title's last two words are joined, a Latin pair by a no-break space, a
    Khmer pair by a word joiner."""
    from .. import khmer

    for para in body.iter(w("p")):
        style = para.find(f"{w('pPr')}/{w('pStyle')}")
        if style is None or style.get(w("val")) != "Title":
            continue
        texts = [t for t in para.iter(w("t")) if (t.text or "").strip()]
        if not texts:
            continue
        last = texts[-1]
        text = last.text.rstrip()
        run = khmer.KHMER_RUN.search(text.rsplit(" ", 1)[-1])
        if run and run.end() == len(text.rsplit(" ", 1)[-1]):
            start = len(text) - len(text.rsplit(" ", 1)[-1]) + run.start()
            raw = run.group()
            words = khmer.words(khmer.strip_invisible(raw))
            if len(words) >= 2:
                # The last word's start in the run as written (it holds word joiners already).
                want, seen, at = len(khmer.strip_invisible(raw)) - len(words[-1]), 0, len(raw)
                for i, ch in enumerate(raw):
                    if seen == want:
                        at = i
                        break
                    seen += len(khmer.strip_invisible(ch))
                if raw[at - 1:at] != WORD_JOINER:
                    raw = raw[:at] + WORD_JOINER + raw[at:]
                last.text = text[:start] + raw + last.text[len(text):]
            continue
        words = "".join(t.text for t in texts).split()
        if len(words) >= 4 and " " in text:
            cut = text.rindex(" ")
            last.text = text[:cut] + NO_BREAK_SPACE + text[cut + 1:] + last.text[len(text):]


def plain_bullets(numbering, font: str) -> None:
    """List bullets drawn in the document's own (embedded) Latin font.

    pandoc's bullets are Symbol/Wingdings private-use characters and a Courier "o":
    fonts a reviewer's machine may lack (LibreOffice then substitutes), and that are
    not ours to embed. Noto Sans has the bullet and the en dash."""
    for lvl in numbering.iter(w("lvl")):
        fmt = lvl.find(w("numFmt"))
        text = lvl.find(w("lvlText"))
        if fmt is None or fmt.get(w("val")) != "bullet" or text is None:
            continue
        level = int(lvl.get(w("ilvl"), "0"))
        text.set(w("val"), "\u2022" if level % 2 == 0 else "\u2013")
        rpr = lvl.find(w("rPr"))
        if rpr is None:
            rpr = etree.SubElement(lvl, w("rPr"))
        child(rpr, "rFonts", {"ascii": font, "hAnsi": font, "eastAsia": font, "cs": font, "hint": "default"})


def app_xml(pages: int | None) -> bytes:
    """docProps/app.xml: who made the file and, when a layout counted them, its pages.

    pandoc's template claimed "Pages 1, Words 83" for every document; Word recounts
    on saving, so anything not known is left out rather than made up."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
           ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           "<Application>docgen</Application><DocSecurity>0</DocSecurity>"]
    if pages:
        out.append(f"<Pages>{int(pages)}</Pages>")
    out.append("<SharedDoc>false</SharedDoc><LinksUpToDate>false</LinksUpToDate>"
               "<HyperlinksChanged>false</HyperlinksChanged></Properties>")
    return "".join(out).encode("utf-8")


def edit_settings_fonts(parts: dict[str, bytes]) -> None:
    settings = parse(parts["word/settings.xml"])
    embed_fonts_setting(settings)
    parts["word/settings.xml"] = serialize(settings)


def _zip(parts: dict[str, bytes], date: dt.date) -> bytes:
    buf = io.BytesIO()
    write_zip(buf, parts, date)
    return buf.getvalue()


def postprocess(docx_bytes: bytes, meta: DocMeta, style: dict) -> bytes:
    try:
        src = zipfile.ZipFile(io.BytesIO(docx_bytes))
        parts = {name: src.read(name) for name in src.namelist()}
    except zipfile.BadZipFile as exc:
        raise DocgenError(f"pandoc produced an unreadable DOCX: {exc}") from None
    doc = parse(parts["word/document.xml"])
    body = doc.find(w("body"))
    fix_sections(body, style)
    page_breaks_before(body)
    fit_tables(body, style)
    separate_tables(doc)
    keep_bilingual_headings(doc)
    fix_khmer_runs(doc)
    check_bookmarks(doc)
    fix_table_headers(doc)
    let_tall_rows_split(body, style)
    renumber_revisions(doc)
    footnote_count, endnote_count = fix_notes(doc, parts)
    restyle_paired_headings(doc)
    anchor_toc_targets(doc)
    cover_first_page(body)
    keep_title_ends(body)
    parts["word/document.xml"] = serialize(doc)
    for name in [n for n in parts if re.fullmatch(r"word/(header|footer)\d+\.xml", n)]:
        part = parse(parts[name])
        fix_khmer_runs(part)
        parts[name] = serialize(part)
    parts["word/settings.xml"] = track_changes_settings(parts.get("word/settings.xml"), lock=meta.lock_tracking)
    parts["docProps/core.xml"] = core_xml(meta)
    parts["docProps/custom.xml"] = custom_xml(meta)
    _ensure_custom_props_wired(parts)
    if "word/numbering.xml" in parts:
        numbering = parse(parts["word/numbering.xml"])
        plain_bullets(numbering, style["fonts"]["latin"]["body"])
        parts["word/numbering.xml"] = serialize(numbering)
    embed_fonts(parts, document_faces(style, has_khmer(parts["word/document.xml"])))
    edit_settings_fonts(parts)
    if endnote_count:
        settings = parse(parts["word/settings.xml"])
        endnote_settings(settings, footnote_count + 1)
        parts["word/settings.xml"] = serialize(settings)
    parts["docProps/app.xml"] = app_xml(None)
    # The TOC's page numbers come from a layout of this very package (placeholders in
    # the TOC, fonts embedded), so they are the pages LibreOffice shows.
    bookmarks = toc_bookmarks(doc)
    pages = layout.layout(_zip(parts, meta.date), bookmarks) if bookmarks else None
    if bookmarks:
        fill_toc(doc, pages["pages"] if pages else None, meta.lang)
        parts["word/document.xml"] = serialize(doc)
    parts["docProps/app.xml"] = app_xml(pages["page_count"] if pages else None)
    return _zip(parts, meta.date)
