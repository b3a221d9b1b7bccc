"""Build the reference.docx that gives pandoc's DOCX its Word styles, page setup,
header and footer, all from ``docgen/style/style.yaml``.

We start from pandoc's own default reference.docx (so every style pandoc emits exists)
and edit its parts with lxml. Results are cached per (style.yaml bytes, language,
header text, footer labels): a build of six documents makes each variant once.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import yaml
from lxml import etree

from docgen.diagnostics import DocgenError
from docgen.fsutil import atomic_write_bytes
from docgen.pandoc import run_pandoc
from docgen.docmeta import DocMeta

from .fonts import font_metrics
from .ooxml import CT_NS, R_NS, REL_NS, W_NS, child, parse, remove, serialize, w
from .zipio import write_zip

STYLE_YAML = Path(__file__).resolve().parent.parent / "style" / "style.yaml"
# The builder's own source is part of the cache key, so a changed builder never reuses
# a stale cached reference.docx.
BUILDER_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

HEADER_REL_ID = "rIdDocgenHeader1"
FOOTER_REL_ID = "rIdDocgenFooter1"
# Empty header and footer of a section's first page (the cover, with w:titlePg).
FIRST_HEADER_REL_ID = "rIdDocgenHeaderFirst"
FIRST_FOOTER_REL_ID = "rIdDocgenFooterFirst"
THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")
COLOR_THEME_ATTRS = ("themeColor", "themeShade", "themeTint")

PAGE_SIZES_MM = {"A4": (210, 297), "Letter": (215.9, 279.4)}


# --------------------------------------------------------------------------- style.yaml
def load_style(path: Path = STYLE_YAML) -> dict:
    """style.yaml as a dict, checked for the keys the DOCX backend reads.

    Parsed once per content (every document of a build asks for it); callers must not
    modify the dict."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocgenError(f"{path}: cannot read the style definition: {exc}") from None
    return _parse_style(raw, path)


@lru_cache(maxsize=8)
def _parse_style(raw: bytes, path: Path) -> dict:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise DocgenError(f"{path}: cannot read the style definition: {exc}") from None
    required = {
        "page": ["size", "margins"],
        "fonts": ["latin", "khmer"],
        "colours": ["text", "heading", "table_header_fill", "table_border", "pending"],
        "sizes": ["body", "small", "title", "subtitle", "heading1", "heading2", "heading3",
                  "table", "header_footer"],
        "spacing": ["paragraph_after", "heading_before", "heading_after", "line", "line_khmer"],
    }
    if not isinstance(data, dict):
        raise DocgenError(f"{path}: the style definition must be a mapping")
    for section, keys in required.items():
        sec = data.get(section)
        if not isinstance(sec, dict):
            raise DocgenError(f"{path}: missing section '{section}'")
        for key in keys:
            if key not in sec:
                raise DocgenError(f"{path}: {section}.{key} is missing")
    for key in ("body", "heading"):
        for script in ("latin", "khmer"):
            if not isinstance(data["fonts"][script].get(key), str):
                raise DocgenError(f"{path}: fonts.{script}.{key} must be a font name")
    if data["page"]["size"] not in PAGE_SIZES_MM:
        raise DocgenError(f"{path}: page.size must be one of {sorted(PAGE_SIZES_MM)}")
    return data


def _twips_from_mm(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _half_points(pt: float) -> str:
    return str(round(pt * 2))


def _twentieths(pt: float) -> str:
    return str(round(pt * 20))


def _line(multiple: float) -> str:
    # w:line with lineRule=auto is in 240ths of a line.
    return str(round(multiple * 240))


def bilingual_columns(style: dict) -> tuple[float, float]:
    """The English and Khmer shares (per cent) of side-by-side bilingual text."""
    cols = (style.get("layout") or {}).get("bilingual_columns", [44, 56])
    try:
        english, khmer = (float(c) for c in cols)
    except (TypeError, ValueError):
        raise DocgenError(f"{STYLE_YAML}: layout.bilingual_columns must be two numbers, "
                          "e.g. [44, 56] (English, Khmer per cent)") from None
    if not (10 < english < 90 and abs(english + khmer - 100) < 0.5):
        raise DocgenError(f"{STYLE_YAML}: layout.bilingual_columns must add up to 100, "
                          f"not {english:g} + {khmer:g}")
    return english, khmer


def line_spacing(style: dict) -> dict[str, float]:
    """Line-spacing multiples (``w:line``, lineRule auto) giving the DOCX the PDF's line pitch.

    LibreOffice and Word multiply the font's own line height (Noto Sans 1.36 em, Khmer
    OS 1.83 em); the Typst template (docgen/pdf/template.py) measures Latin lines from
    cap height to baseline plus a leading of (line x 1.2 - 1) em, tables with 0.45 em, and
    Khmer lines from ascender to descender plus (line_khmer - 1.3) em. The multiples
    below reproduce those pitches, so both formats break pages alike. Without the font
    files the style's own multiples are used.
    """
    sp, fonts = style["spacing"], style["fonts"]
    out = {"latin": sp["line"], "table": sp["line"], "khmer": sp["line_khmer"]}
    latin, khmer = font_metrics(fonts["latin"]["body"]), font_metrics(fonts["khmer"]["body"])
    if latin is not None:
        out["latin"] = (latin.cap_height + max(0.3, sp["line"] * 1.2 - 1.0)) / latin.line_height
        out["table"] = (latin.cap_height + 0.45) / latin.line_height
    if khmer is not None:
        out["khmer"] = (khmer.ascender + khmer.descender + max(0.2, sp["line_khmer"] - 1.3)) / khmer.line_height
    return {k: round(v, 3) for k, v in out.items()}


def page_geometry(style: dict) -> dict[str, int]:
    """Portrait page size and margins in twips (landscape sections swap w and h)."""
    wmm, hmm = PAGE_SIZES_MM[style["page"]["size"]]
    m = style["page"]["margins"]
    return {
        "w": _twips_from_mm(wmm), "h": _twips_from_mm(hmm),
        "top": _twips_from_mm(m["top"]), "bottom": _twips_from_mm(m["bottom"]),
        "left": _twips_from_mm(m["left"]), "right": _twips_from_mm(m["right"]),
        "header": 567, "footer": 567,  # 10 mm from the edge
        # landscape sections (the results matrix), as in the PDF
        **{f"landscape_{k}": _twips_from_mm(v) for k, v in (style["page"].get("landscape_margins") or m).items()},
    }


# --------------------------------------------------------------------------- pandoc default
_default_lock = threading.Lock()
_default_ref: bytes | None = None


def pandoc_default_reference() -> bytes:
    global _default_ref
    with _default_lock:
        if _default_ref is None:
            _default_ref = run_pandoc(["--print-default-data-file", "reference.docx"], b"",
                                      "printing its reference.docx")
        return _default_ref


# --------------------------------------------------------------------------- styles.xml
def _fonts(rpr, latin: str, khmer: str) -> None:
    # Explicit names in every slot; no theme attributes, which would override them.
    child(rpr, "rFonts", {"ascii": latin, "hAnsi": latin, "eastAsia": latin, "cs": khmer})


def _size(rpr, pt: float) -> None:
    child(rpr, "sz", {"val": _half_points(pt)})
    child(rpr, "szCs", {"val": _half_points(pt)})


def _find_style(styles, style_id: str):
    for st in styles.findall(w("style")):
        if st.get(w("styleId")) == style_id:
            return st
    return None


def _style(styles, style_id: str, name: str, kind: str = "paragraph", based_on: str | None = None,
           *, custom: bool = True):
    """Get or create a style; an existing one keeps its other properties."""
    st = _find_style(styles, style_id)
    if st is None:
        st = etree.SubElement(styles, w("style"))
        st.set(w("type"), kind)
        st.set(w("styleId"), style_id)
        if custom:
            st.set(w("customStyle"), "1")
        child(st, "name", {"val": name})
        child(st, "qFormat")
    if based_on:
        child(st, "basedOn", {"val": based_on})
    # Built-in styles pandoc marks semiHidden (e.g. heading 2) must show in Word's gallery.
    remove(st, "semiHidden")
    return st


def _strip_theme(root) -> None:
    for rfonts in root.iter(w("rFonts")):
        for attr in THEME_ATTRS:
            rfonts.attrib.pop(w(attr), None)
    for color in root.iter(w("color")):
        for attr in COLOR_THEME_ATTRS:
            color.attrib.pop(w(attr), None)


def edit_styles(root, style: dict, lang: str) -> None:
    fonts, col, size, sp = style["fonts"], style["colours"], style["sizes"], style["spacing"]
    khmer_doc = lang == "km"
    lines = line_spacing(style)
    body_line = lines["khmer"] if khmer_doc else lines["latin"]
    # Headings and titles hold Khmer in the Khmer and bilingual variants.
    heading_line = lines["khmer"] if lang in ("km", "en-km") else lines["latin"]
    # Typst's paragraph spacing is paragraph_after + 0.4 em.
    para_after = sp["paragraph_after"] + 0.4 * size["body"]
    _strip_theme(root)

    # docDefaults: fonts, size, language (Latin en-US, complex script km-KH), spacing.
    defaults = root.find(w("docDefaults"))
    rpr = defaults.find(f"{w('rPrDefault')}/{w('rPr')}")
    _fonts(rpr, fonts["latin"]["body"], fonts["khmer"]["body"])
    child(rpr, "color", {"val": col["text"]})
    _size(rpr, size["body"])
    child(rpr, "lang", {"val": "en-US", "eastAsia": "en-US", "bidi": "km-KH"})
    ppr = defaults.find(f"{w('pPrDefault')}/{w('pPr')}")
    child(ppr, "spacing", {"after": _twentieths(para_after),
                           "line": _line(body_line), "lineRule": "auto"})

    normal = _style(root, "Normal", "Normal")
    n_rpr = child(normal, "rPr", replace=False)
    _fonts(n_rpr, fonts["latin"]["body"], fonts["khmer"]["body"])

    body = _style(root, "BodyText", "Body Text", based_on="Normal")
    child(child(body, "pPr", replace=False), "spacing",
          {"before": "0", "after": _twentieths(para_after)})
    compact = _style(root, "Compact", "Compact", based_on="BodyText")
    child(child(compact, "pPr", replace=False), "spacing", {"before": "36", "after": "36"})

    # Khmer paragraphs in the bilingual/English variants: the Lua filter gives
    # paragraphs of `lang=km` divs these styles, so stacked vowels get their room.
    for sid, name, base in (("BodyTextKhmer", "Body Text Khmer", "BodyText"),
                            ("CompactKhmer", "Compact Khmer", "Compact")):
        st = _style(root, sid, name, based_on=base)
        child(st, "next", {"val": sid})
        child(child(st, "pPr", replace=False), "spacing",
              {"line": _line(lines["khmer"]), "lineRule": "auto"})
        st_rpr = child(st, "rPr", replace=False)
        child(st_rpr, "lang", {"val": "km-KH", "bidi": "km-KH"})

    latin_h, khmer_h = fonts["latin"]["heading"], fonts["khmer"]["heading"]

    def heading_like(sid: str, name: str, pt: float, *, before: float, after: float,
                     bold: bool, center: bool = False, colour: str | None = None):
        st = _style(root, sid, name)
        p = child(st, "pPr", replace=False)
        child(p, "spacing", {"before": _twentieths(before), "after": _twentieths(after),
                             "line": _line(heading_line), "lineRule": "auto"})
        if center:
            child(p, "jc", {"val": "center"})
        r = child(st, "rPr", replace=False)
        _fonts(r, latin_h, khmer_h)
        if bold:
            child(r, "b")
        else:
            remove(r, "b")
        # Khmer OS Muol Light is a display face: never synthesise bold for it.
        child(r, "bCs", {"val": "0"})
        child(r, "color", {"val": colour or col["heading"]})
        _size(r, pt)
        # The linked character style (Heading1Char...) must agree.
        link = st.find(w("link"))
        if link is not None:
            cst = _find_style(root, link.get(w("val")))
            if cst is not None:
                cr = child(cst, "rPr", replace=False)
                _fonts(cr, latin_h, khmer_h)
                child(cr, "color", {"val": colour or col["heading"]})
                _size(cr, pt)
        return st

    # The bilingual cover holds every line twice: smaller cover sizes and spacing keep it
    # on one page (the cover styles are used on the cover only).
    cover_scale = 0.75 if lang == "en-km" else 1
    cover_after = 12 * cover_scale * (0.5 if lang == "en-km" else 1)
    # As in the PDF (docgen/pdf/template.py's cover): the title lower, in the middle of the
    # page, the status towards its foot. Space before the first paragraph of each; the
    # bilingual cover's second (Khmer) one joins it (contextual spacing).
    geometry = page_geometry(style)
    text_height = (geometry["h"] - geometry["top"] - geometry["bottom"]) / 20
    title_before, status_before = {"en": (0.24, 0.27), "km": (0.16, 0.18)}.get(lang, (0.05, 0.06))
    title = heading_like("Title", "Title", size["title"] * cover_scale, before=title_before * text_height,
                         after=cover_after, bold=True, center=True)
    child(title.find(w("pPr")), "contextualSpacing")
    sub = heading_like("Subtitle", "Subtitle", size["subtitle"] * (0.85 if lang == "en-km" else 1),
                       before=0, after=cover_after, bold=False,
                       center=True, colour=col.get("accent", col["heading"]))
    # pandoc's Subtitle carries a stray numPr (ilvl without numId); drop it.
    remove(sub.find(w("pPr")), "numPr")
    hb, ha = sp["heading_before"], sp["heading_after"]
    heading_like("Heading1", "heading 1", size["heading1"], before=hb, after=ha, bold=True)
    heading_like("Heading2", "heading 2", size["heading2"], before=hb * 0.75, after=ha, bold=True)
    heading_like("Heading3", "heading 3", size["heading3"], before=hb * 0.5, after=ha, bold=True)
    # The Khmer heading of a bilingual pair: the same look, but body-text outline level,
    # so a TOC update (Word's or LibreOffice's) lists each pair once (docgen/docx/toc.py).
    for level in (1, 2, 3):
        paired = _style(root, f"Heading{level}Khmer", f"Heading {level} Khmer",
                        based_on=f"Heading{level}")
        child(child(paired, "pPr", replace=False), "outlineLvl", {"val": "9"})
    toc_h = heading_like("TOCHeading", "TOC Heading", size["heading1"], before=hb, after=ha,
                         bold=True)
    # Not outline level 1, so the contents title does not list itself.
    child(toc_h.find(w("pPr")), "outlineLvl", {"val": "9"})

    # TOC entries the Lua filter pre-fills (Word's built-in "toc N" styles): page numbers
    # at a right tab with dot leaders on the right margin.
    text_width = geometry["w"] - geometry["left"] - geometry["right"]
    for level in (1, 2, 3):
        toc = _style(root, f"TOC{level}", f"toc {level}", based_on="Normal", custom=False)
        child(toc, "next", {"val": "BodyText"})
        t_p = child(toc, "pPr", replace=False)
        tabs = child(t_p, "tabs")
        child(tabs, "tab", {"val": "right", "leader": "dot", "pos": str(text_width)})
        # Entries hold Khmer in the km and en-km variants ("English / Khmer").
        child(t_p, "spacing", {"before": "0", "after": "60", "line": _line(heading_line),
                               "lineRule": "auto"})
        child(t_p, "ind", {"left": str(220 * (level - 1))})
        if level == 1:
            child(child(toc, "rPr", replace=False), "b")

    cover = _style(root, "CoverText", "Cover Text", based_on="Normal")
    c_p = child(cover, "pPr", replace=False)
    child(c_p, "jc", {"val": "center"})
    if lang == "en-km":
        child(c_p, "spacing", {"before": "0", "after": _twentieths(3), "line": _line(lines["khmer"]),
                               "lineRule": "auto"})
    _size(child(cover, "rPr", replace=False), size["subtitle"] * (0.8 if lang == "en-km" else 1))

    kingdom = _style(root, "CoverKingdom", "Cover Kingdom", based_on="CoverText")
    k_r = child(kingdom, "rPr", replace=False)
    _fonts(k_r, fonts["latin"]["heading"], fonts["khmer"]["heading"])
    child(k_r, "b")
    child(k_r, "bCs", {"val": "0"})
    child(k_r, "color", {"val": col["heading"]})
    child(child(kingdom, "pPr", replace=False), "spacing",
          {"before": "0", "after": "0", "line": _line(lines["khmer"]), "lineRule": "auto"})

    # Official Cambodian documents: the issuing ministry at the top left, under the
    # centred kingdom heading, in the heading face (Muol Light for Khmer), as in the PDF.
    ministry = _style(root, "CoverMinistry", "Cover Ministry", based_on="CoverText")
    m_p = child(ministry, "pPr", replace=False)
    child(m_p, "jc", {"val": "left"})
    child(m_p, "spacing", {"before": _twentieths(12 * cover_scale), "after": "0",
                           "line": _line(lines["khmer"] if lang != "en" else lines["latin"]),
                           "lineRule": "auto"})
    child(m_p, "contextualSpacing")
    m_r = child(ministry, "rPr", replace=False)
    _fonts(m_r, fonts["latin"]["heading"], fonts["khmer"]["heading"])
    child(m_r, "b")
    child(m_r, "bCs", {"val": "0"})
    child(m_r, "color", {"val": col["heading"]})
    _size(m_r, size["body"] + 1)

    status = _style(root, "CoverStatus", "Cover Status", based_on="CoverText")
    s_p = child(status, "pPr", replace=False)
    child(s_p, "spacing", {"before": _twentieths(status_before * text_height)})
    child(s_p, "contextualSpacing")

    # Footnotes and endnotes (the citations): small, tight, as in the PDF.
    note = _style(root, "FootnoteText", "Footnote Text", based_on="Normal", custom=False)
    child(child(note, "pPr", replace=False), "spacing",
          {"before": "0", "after": "0", "line": _line(heading_line), "lineRule": "auto"})
    _size(child(note, "rPr", replace=False), size["small"])

    cap = _style(root, "Caption", "Caption", based_on="Normal", custom=False)
    cap_r = child(cap, "rPr", replace=False)
    child(cap_r, "i")
    _size(cap_r, size["small"])

    # Character styles used by `[..]{.pending}` / `[..]{.placeholder}` spans.
    pend = _style(root, "TranslationPending", "Translation Pending", "character")
    child(child(pend, "rPr", replace=False), "color", {"val": col["pending"]})
    ph = _style(root, "Placeholder", "Placeholder", "character")
    ph_r = child(ph, "rPr", replace=False)
    # Character shading, not w:highlight: LibreOffice drops highlight in styles.
    child(ph_r, "shd", {"val": "clear", "color": "auto", "fill": "FFFF00"})

    # Citations under paragraphs (`[..]{.source}`): small and discreet.
    src_st = _style(root, "Source", "Source", "character")
    src_r = child(src_st, "rPr", replace=False)
    child(src_r, "i")
    child(src_r, "color", {"val": col.get("draft_mark", col["text"])})
    _size(src_r, size["small"])

    # The drafting team's proposals (`[..]{.proposal}`): accent colour; the filter adds a dagger.
    prop_st = _style(root, "Proposal", "Proposal", "character")
    child(child(prop_st, "rPr", replace=False), "color", {"val": col.get("proposal", col["heading"])})

    link_st = _find_style(root, "Hyperlink")
    if link_st is not None:
        child(child(link_st, "rPr", replace=False), "color",
              {"val": col.get("accent", col["heading"])})

    for sid, name in (("Header", "header"), ("Footer", "footer")):
        st = _style(root, sid, name, based_on="Normal", custom=False)
        p = child(st, "pPr", replace=False)
        child(p, "spacing", {"before": "0", "after": "0"})
        child(p, "jc", {"val": "center"})
        r = child(st, "rPr", replace=False)
        child(r, "color", {"val": col.get("draft_mark", col["text"])})
        _size(r, size["header_footer"])

    # pandoc's "Table" style: every data table. Borders, header fill, smaller text.
    table = _style(root, "Table", "Table", "table", custom=False)
    remove(table, "unhideWhenUsed")
    border = {"val": "single", "sz": "4", "space": "0", "color": col["table_border"]}
    t_ppr = child(table, "pPr", replace=False)
    child(t_ppr, "spacing", {"before": "0", "after": "0",
                             "line": _line(lines["khmer"] if lang in ("km", "en-km") else lines["table"]),
                             "lineRule": "auto"})
    _size(child(table, "rPr", replace=False), size["table"])
    tbl_pr = child(table, "tblPr", replace=False)
    borders = child(tbl_pr, "tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        child(borders, side, border)
    first = None
    for sp_el in table.findall(w("tblStylePr")):
        if sp_el.get(w("type")) == "firstRow":
            first = sp_el
    if first is None:
        first = etree.SubElement(table, w("tblStylePr"))
        first.set(w("type"), "firstRow")
    child(child(first, "rPr", replace=False), "b")
    child(first.find(w("rPr")), "bCs", {"val": "0"})
    f_tc = child(first, "tcPr", replace=False)
    tcb = child(f_tc, "tcBorders")
    child(tcb, "bottom", dict(border, sz="8"))
    child(f_tc, "shd", {"val": "clear", "color": "auto", "fill": col["table_header_fill"]})

    # Side-by-side English/Khmer pairs: a borderless table the Lua filter builds.
    bi = _style(root, "BilingualTable", "Bilingual Table", "table", based_on="TableNormal")
    child(child(bi, "pPr", replace=False), "spacing", {"before": "0", "after": "0"})
    bi_pr = child(bi, "tblPr", replace=False)
    bi_b = child(bi_pr, "tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        child(bi_b, side, {"val": "nil"})
    mar = child(bi_pr, "tblCellMar")
    for side, val in (("top", "0"), ("left", "108"), ("bottom", "0"), ("right", "108")):
        child(mar, side, {"w": val, "type": "dxa"})
    _ensure_table_normal(root)


def _ensure_table_normal(root) -> None:
    if _find_style(root, "TableNormal") is None:
        st = _style(root, "TableNormal", "Normal Table", "table", custom=False)
        st.set(w("default"), "1")


# --------------------------------------------------------------------------- header/footer
def _run(parent, text: str):
    r = etree.SubElement(parent, w("r"))
    t = etree.SubElement(r, w("t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def _field(parent, instr: str, placeholder: str) -> None:
    """A complex field (begin/instr/separate/result/end): Word and LibreOffice both
    recompute PAGE and NUMPAGES when they lay out the page."""
    def fld(kind):
        r = etree.SubElement(parent, w("r"))
        etree.SubElement(r, w("fldChar")).set(w("fldCharType"), kind)
    fld("begin")
    r = etree.SubElement(parent, w("r"))
    it = etree.SubElement(r, w("instrText"))
    it.text = f" {instr} "
    it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    fld("separate")
    _run(parent, placeholder)
    fld("end")


def header_xml(text: str) -> bytes:
    root = etree.Element(w("hdr"), nsmap={"w": W_NS, "r": R_NS})
    p = etree.SubElement(root, w("p"))
    child(etree.SubElement(p, w("pPr")), "pStyle", {"val": "Header"})
    _run(p, text)
    return serialize(root)


def footer_xml(page_label: str, of_label: str) -> bytes:
    root = etree.Element(w("ftr"), nsmap={"w": W_NS, "r": R_NS})
    p = etree.SubElement(root, w("p"))
    child(etree.SubElement(p, w("pPr")), "pStyle", {"val": "Footer"})
    _run(p, f"{page_label} ")
    _field(p, "PAGE", "1")
    _run(p, f" {of_label} ")
    _field(p, "NUMPAGES", "1")
    return serialize(root)


def empty_part_xml(kind: str) -> bytes:
    """An empty header ("hdr") or footer ("ftr")."""
    root = etree.Element(w(kind), nsmap={"w": W_NS, "r": R_NS})
    p = etree.SubElement(root, w("p"))
    child(etree.SubElement(p, w("pPr")), "pStyle", {"val": "Header" if kind == "hdr" else "Footer"})
    return serialize(root)


def section_properties(geometry: dict[str, int], *, landscape: bool = False):
    """A w:sectPr with our header/footer, page size and margins.

    The empty first-page header/footer are referenced too; they show only where
    w:titlePg is set (the section that starts with the cover, see postprocess)."""
    sect = etree.Element(w("sectPr"))
    for name, kind, rid in (("headerReference", "default", HEADER_REL_ID),
                            ("footerReference", "default", FOOTER_REL_ID),
                            ("headerReference", "first", FIRST_HEADER_REL_ID),
                            ("footerReference", "first", FIRST_FOOTER_REL_ID)):
        ref = etree.SubElement(sect, w(name))
        ref.set(w("type"), kind)
        ref.set(f"{{{R_NS}}}id", rid)
    width, height = geometry["w"], geometry["h"]
    size = {"w": width, "h": height}
    if landscape:
        size = {"w": height, "h": width, "orient": "landscape"}
    child(sect, "pgSz", size)
    margins = {k: geometry.get(f"landscape_{k}", geometry[k]) if landscape else geometry[k]
               for k in ("top", "right", "bottom", "left")}
    child(sect, "pgMar", margins | {"header": geometry["header"], "footer": geometry["footer"], "gutter": 0})
    return sect


def edit_document(root, geometry: dict[str, int]) -> None:
    body = root.find(w("body"))
    for el in list(body):
        body.remove(el)
    etree.SubElement(body, w("p"))
    body.append(section_properties(geometry))


def edit_settings(root) -> None:
    # Without compatibilityMode 15 Word opens the file in "Compatibility Mode" (Word 2007
    # layout rules), which reviewers see in the title bar.
    if root.find(w("compat")) is not None:
        return
    compat = etree.Element(w("compat"))
    setting = etree.SubElement(compat, w("compatSetting"))
    for key, val in (("name", "compatibilityMode"), ("uri", "http://schemas.microsoft.com/office/word"),
                     ("val", "15")):
        setting.set(w(key), val)
    # Schema position: after footnotePr/endnotePr, before docVars/rsids/mathPr.
    anchor = None
    for name in ("docVars", "rsids"):
        anchor = root.find(w(name))
        if anchor is not None:
            break
    if anchor is None:
        anchor = next((el for el in root if etree.QName(el).namespace != W_NS), None)
    if anchor is not None:
        anchor.addprevious(compat)
    else:
        root.append(compat)


def edit_rels(root) -> None:
    for rid, kind, target in ((HEADER_REL_ID, "header", "header1.xml"),
                              (FOOTER_REL_ID, "footer", "footer1.xml"),
                              (FIRST_HEADER_REL_ID, "header", "header2.xml"),
                              (FIRST_FOOTER_REL_ID, "footer", "footer2.xml")):
        rel = etree.SubElement(root, f"{{{REL_NS}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", f"http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}")
        rel.set("Target", target)


def edit_content_types(root) -> None:
    for part, kind in (("/word/header1.xml", "header"), ("/word/footer1.xml", "footer"),
                       ("/word/header2.xml", "header"), ("/word/footer2.xml", "footer")):
        ov = etree.SubElement(root, f"{{{CT_NS}}}Override")
        ov.set("PartName", part)
        ov.set("ContentType", f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml")


# --------------------------------------------------------------------------- build + cache
def _labels(meta: DocMeta) -> tuple[str, str]:
    return meta.labels.get("page", "Page"), meta.labels.get("of", "of")


def reference_bytes(meta: DocMeta, style: dict | None = None) -> bytes:
    """The reference.docx for this document variant, as bytes (deterministic)."""
    style = style or load_style()
    geometry = page_geometry(style)
    src = zipfile.ZipFile(io.BytesIO(pandoc_default_reference()))
    parts: dict[str, bytes] = {name: src.read(name) for name in src.namelist()}
    styles = parse(parts["word/styles.xml"])
    edit_styles(styles, style, meta.lang)
    parts["word/styles.xml"] = serialize(styles)
    doc = parse(parts["word/document.xml"])
    edit_document(doc, geometry)
    parts["word/document.xml"] = serialize(doc)
    settings = parse(parts["word/settings.xml"])
    edit_settings(settings)
    parts["word/settings.xml"] = serialize(settings)
    rels = parse(parts["word/_rels/document.xml.rels"])
    edit_rels(rels)
    parts["word/_rels/document.xml.rels"] = serialize(rels)
    ct = parse(parts["[Content_Types].xml"])
    edit_content_types(ct)
    parts["[Content_Types].xml"] = serialize(ct)
    parts["word/header1.xml"] = header_xml(meta.header_text)
    parts["word/footer1.xml"] = footer_xml(*_labels(meta))
    parts["word/header2.xml"] = empty_part_xml("hdr")
    parts["word/footer2.xml"] = empty_part_xml("ftr")
    buf = io.BytesIO()
    write_zip(buf, parts, meta.date)
    return buf.getvalue()


def build_reference_docx(meta: DocMeta, path: Path) -> Path:
    """Write the reference.docx for ``meta`` to ``path`` (atomically)."""
    path = Path(path)
    atomic_write_bytes(path, reference_bytes(meta), "reference DOCX")
    return path


_cache_lock = threading.Lock()
_cache: dict[str, Path] = {}


def cache_key(meta: DocMeta, style_bytes: bytes) -> str:
    h = hashlib.sha256()
    for part in (BUILDER_VERSION.encode(), style_bytes, meta.lang.encode(),
                 meta.header_text.encode(), *(s.encode() for s in _labels(meta)),
                 meta.date.isoformat().encode()):
        h.update(len(part).to_bytes(8, "big") + part)
    return h.hexdigest()[:32]


def _cache_dir() -> Path:
    d = Path(tempfile.gettempdir()) / f"docgen-reference-{os.getuid() if hasattr(os, 'getuid') else 0}"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def reference_docx_for(meta: DocMeta) -> Path:
    """The cached reference.docx for this variant, made on first use."""
    try:
        style_bytes = STYLE_YAML.read_bytes()
    except OSError as exc:
        raise DocgenError(f"{STYLE_YAML}: cannot read the style definition: {exc}") from None
    key = cache_key(meta, style_bytes)
    with _cache_lock:
        path = _cache.get(key)
        if path is not None and path.exists():
            return path
        path = _cache_dir() / f"reference-{key}.docx"
        if not path.exists():
            build_reference_docx(meta, path)
        _cache[key] = path
        return path
