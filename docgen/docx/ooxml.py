"""Small lxml helpers for WordprocessingML: namespaces and schema-ordered children.

Word rejects (or "repairs") parts whose children are out of schema order, so every
element we add goes through :func:`child`, which inserts it at its schema position.
"""
from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
NSMAP = {"w": W_NS, "r": R_NS}


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


# Child order from the ECMA-376 schema (only the elements we touch matter, but the
# lists are complete enough that existing children keep their relative positions).
ORDER = {
    "style": ["name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden",
              "uiPriority", "semiHidden", "unhideWhenUsed", "qFormat", "locked", "personal",
              "personalCompose", "personalReply", "rsid", "pPr", "rPr", "tblPr", "trPr",
              "tcPr", "tblStylePr"],
    "pPr": ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
            "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
            "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE",
            "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
            "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
            "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
            "sectPr", "pPrChange"],
    "rPr": ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike",
            "dstrike", "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid",
            "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs",
            "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em",
            "lang", "eastAsianLayout", "specVanish", "oMath"],
    "tblPr": ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
              "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
              "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"],
    "tblStylePr": ["pPr", "rPr", "tblPr", "trPr", "tcPr"],
    "tcPr": ["cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
             "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark"],
    "trPr": ["cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit",
             "trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden"],
    "sectPr": ["headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz",
               "pgMar", "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt",
               "vAlign", "noEndnote", "titlePg", "textDirection", "bidi", "rtlGutter",
               "docGrid", "printerSettings", "sectPrChange"],
    "tblBorders": ["top", "left", "start", "bottom", "right", "end", "insideH", "insideV"],
    "tcBorders": ["top", "left", "start", "bottom", "right", "end", "insideH", "insideV",
                  "tl2br", "tr2bl"],
    "rPrDefault": ["rPr"],
    "pPrDefault": ["pPr"],
}


def _local(el) -> str:
    return etree.QName(el).localname


def child(parent, name: str, attrs: dict[str, str] | None = None, *, replace: bool = True):
    """Get or create ``w:name`` under parent at its schema position; set ``w:`` attrs.

    With replace=True an existing child loses its old attributes first, so the
    result is exactly what we ask for (e.g. no leftover theme colour attributes).
    """
    tag = w(name)
    el = parent.find(tag)
    if el is None:
        el = etree.Element(tag)
        order = ORDER.get(_local(parent), [])
        pos = order.index(name) if name in order else len(order)
        idx = len(parent)
        for i, existing in enumerate(parent):
            ln = _local(existing)
            if ln in order and order.index(ln) > pos:
                idx = i
                break
        parent.insert(idx, el)
    elif replace:
        for key in list(el.attrib):
            del el.attrib[key]
    for key, value in (attrs or {}).items():
        el.set(w(key), str(value))
    return el


def remove(parent, name: str) -> None:
    for el in parent.findall(w(name)):
        parent.remove(el)


def parse(data: bytes):
    # resolve_entities=False / no_network: parts come from pandoc, but never expand entities.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(data, parser)


def serialize(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
