"""The table of contents as Word shows it on opening: entries and page numbers.

The Lua filter writes the TOC field's result itself (one paragraph per heading, each
ending in a tab and a ``PAGEREF <bookmark> \\h`` field with a placeholder result), and
no ``w:dirty`` flag, so Word opens the file without asking to update fields. Here the
placeholders become the page numbers of a real layout of the same DOCX (LibreOffice's,
:mod:`docgen.docx.layout`), or, without one, the tab and field are dropped and the
entries stay without page numbers.

In a bilingual document the Khmer heading of a pair has a "Heading N Khmer" style (the
same look, body-text outline level): Word's own update of the field, and LibreOffice's,
then list each heading once, like the pre-filled entries ("English / Khmer").
"""
from __future__ import annotations

import re

from lxml import etree

from docgen.i18n import digits

from .ooxml import W_NS, child, w

TOC_STYLES = ("TOC1", "TOC2", "TOC3")
PAGEREF_RE = re.compile(r"^\s*PAGEREF\s+([A-Za-z_][A-Za-z0-9_]*)\s")
HEADING_RE = re.compile(r"^Heading([1-9])$")
NS = {"w": W_NS}


def _toc_paragraphs(doc):
    for para in doc.iter(w("p")):
        style = para.find(f"{w('pPr')}/{w('pStyle')}")
        if style is not None and style.get(w("val")) in TOC_STYLES:
            yield para


def _pageref_fields(doc):
    """(bookmark, [the tab run and the field's runs], result w:t) of every TOC entry."""
    for para in _toc_paragraphs(doc):
        for instr in para.iter(w("instrText")):
            match = PAGEREF_RE.match((instr.text or "") + " ")
            if not match:
                continue
            run = instr.getparent()
            begin, sep = run.getprevious(), run.getnext()
            result = sep.getnext() if sep is not None else None
            end = result.getnext() if result is not None else None
            tab = begin.getprevious() if begin is not None else None
            runs = [tab, begin, run, sep, result, end]
            if any(r is None or r.tag != w("r") for r in runs) or tab.find(w("tab")) is None:
                continue
            text = result.find(w("t"))
            if text is not None:
                yield match.group(1), runs, text


def _heading_paragraphs(doc) -> dict[str, object]:
    """bookmark name -> the paragraph it marks: the one holding its start, or for a
    bookmark between blocks (a div's ID) the first paragraph after it."""
    found, pending = {}, []
    for el in doc.iter(w("bookmarkStart"), w("p")):
        if el.tag == w("p"):
            for name in pending:
                found[name] = el
            pending = []
        elif el.getparent().tag == w("p"):
            found.setdefault(el.get(w("name"), ""), el.getparent())
        else:
            pending.append(el.get(w("name"), ""))
    return found


def anchor_toc_targets(doc) -> None:
    """Point every TOC entry at a ``_Toc<n>`` bookmark inside its heading paragraph.

    The ID bookmarks span whole sections (the harvest anchors feedback with them) and
    start between blocks, where not every reader keeps them (LibreOffice drops one that
    starts right after a table). ``_Toc<n>`` is Word's own form for TOC targets: hidden
    in its bookmark list, and ignored by the harvest, which knows only our IDs.
    """
    fields = list(_pageref_fields(doc))
    if not fields:
        return
    paragraphs = _heading_paragraphs(doc)
    ids = [int(v) for v in doc.xpath("//w:bookmarkStart/@w:id", namespaces=NS) if v.isdigit()]
    next_id = max(ids, default=0) + 1
    for n, (name, runs, _text) in enumerate(fields, start=1):
        para = paragraphs.get(name)
        if para is None:
            continue
        toc_name = f"_Toc{n:06d}"
        start = etree.Element(w("bookmarkStart"))
        start.set(w("id"), str(next_id))
        start.set(w("name"), toc_name)
        end = etree.Element(w("bookmarkEnd"))
        end.set(w("id"), str(next_id))
        next_id += 1
        ppr = para.find(w("pPr"))
        para.insert(0 if ppr is None else para.index(ppr) + 1, start)
        para.append(end)
        runs[2].find(w("instrText")).text = f" PAGEREF {toc_name} \\h "
        link = runs[0].getparent()
        if link.tag == w("hyperlink"):
            link.set(w("anchor"), toc_name)


def toc_bookmarks(doc) -> list[str]:
    """The bookmarks the TOC's page numbers refer to, in order."""
    return [name for name, _, _ in _pageref_fields(doc)]


def fill_toc(doc, pages: dict[str, int] | None, lang: str) -> int:
    """Write the page numbers into the TOC (digits of ``lang``); returns how many.

    Entries whose bookmark has no page (or all of them, when ``pages`` is None) lose
    their tab and PAGEREF field: better no number than a wrong one.
    """
    filled = 0
    for name, runs, text in list(_pageref_fields(doc)):
        page = (pages or {}).get(name)
        if page is None:
            for run in runs:
                run.getparent().remove(run)
            continue
        text.text = digits(str(page), lang)
        filled += 1
    return filled


def _bookmarks_in(para) -> list[str]:
    return [bm.get(w("name"), "") for bm in para.iter(w("bookmarkStart"))]


def restyle_paired_headings(doc) -> None:
    """Heading N -> Heading N Khmer for the Khmer heading of a bilingual pair."""
    names = set(doc.xpath("//w:bookmarkStart/@w:name", namespaces=NS))
    for para in doc.iter(w("p")):
        style = para.find(f"{w('pPr')}/{w('pStyle')}")
        match = HEADING_RE.match(style.get(w("val"), "")) if style is not None else None
        if not match:
            continue
        if any(n.endswith("_km") and n[:-3] in names for n in _bookmarks_in(para)):
            child(para.find(w("pPr")), "pStyle", {"val": f"Heading{match.group(1)}Khmer"})
