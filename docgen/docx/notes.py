"""Notes as LibreOffice and Word both show them.

- pandoc numbers footnotes from its global id counter (11, 13, 15, 17, 25...);
  LibreOffice 7.4 then shows the first notes' text and only the numbers of the others.
  Notes get the ids 1, 2, 3... in order of reference.
- A footnote inside a table (the citations of the matrix and the results framework)
  makes LibreOffice break the table after two or three rows, whatever room is left
  (59 pages for a 46-page PDF). Notes referenced from table cells become endnotes,
  numbered on from the footnotes, listed at the end of the document. In the bilingual
  document, whose text sits in side-by-side layout tables, that is every note (kept as
  footnotes there, LibreOffice's bilingual NAP ran to 150 pages for the PDF's 126).
"""
from __future__ import annotations

from lxml import etree

from .ooxml import CT_NS, REL_NS, W_NS, parse, serialize, w

ENDNOTES = "word/endnotes.xml"
ENDNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"
ENDNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"
NS = {"w": W_NS}


def _separators(root, tag: str) -> None:
    for nid, kind, mark in (("-1", "separator", "separator"), ("0", "continuationSeparator",
                                                                  "continuationSeparator")):
        note = etree.SubElement(root, w(tag))
        note.set(w("type"), kind)
        note.set(w("id"), nid)
        etree.SubElement(etree.SubElement(etree.SubElement(note, w("p")), w("r")), w(mark))


def _in_table(el) -> bool:
    return any(a.tag == w("tc") for a in el.iterancestors())


def fix_notes(doc, parts: dict[str, bytes]) -> tuple[int, int]:
    """Renumber footnotes, turn table-cell footnotes into endnotes; returns how many
    footnotes and endnotes there are."""
    if "word/footnotes.xml" not in parts:
        return 0, 0
    footnotes = parse(parts["word/footnotes.xml"])
    by_id = {n.get(w("id")): n for n in footnotes.findall(w("footnote")) if n.get(w("type")) is None}
    refs = [r for r in doc.iter(w("footnoteReference")) if r.get(w("id")) in by_id]
    if not refs:
        return 0, 0
    endnotes = etree.Element(w("endnotes"), nsmap=footnotes.nsmap)
    _separators(endnotes, "endnote")
    kept = []
    for ref in refs:
        note = by_id[ref.get(w("id"))]
        if _in_table(ref):
            ref.tag = w("endnoteReference")
            note.tag = w("endnote")
            for mark in note.iter(w("footnoteRef")):
                mark.tag = w("endnoteRef")
            endnotes.append(note)
        else:
            kept.append((ref, note))
    for n, (ref, note) in enumerate(kept, start=1):
        ref.set(w("id"), str(n))
        note.set(w("id"), str(n))
    moved = [r for r in doc.iter(w("endnoteReference"))]
    for n, ref in enumerate(moved, start=1):
        ref.set(w("id"), str(n))
    for n, note in enumerate(endnotes.findall(w("endnote"))[2:], start=1):
        note.set(w("id"), str(n))
    # footnotes.xml in reference order, so ids follow the document
    for _, note in kept:
        footnotes.append(note)
    parts["word/footnotes.xml"] = serialize(footnotes)
    if not moved:
        return len(kept), 0
    parts[ENDNOTES] = serialize(endnotes)
    if "word/_rels/footnotes.xml.rels" in parts:
        parts["word/_rels/endnotes.xml.rels"] = parts["word/_rels/footnotes.xml.rels"]
    rels = parse(parts["word/_rels/document.xml.rels"])
    if not any(r.get("Type") == ENDNOTES_REL for r in rels):
        rel = etree.SubElement(rels, f"{{{REL_NS}}}Relationship")
        rel.set("Id", "rIdDocgenEndnotes")
        rel.set("Type", ENDNOTES_REL)
        rel.set("Target", "endnotes.xml")
        parts["word/_rels/document.xml.rels"] = serialize(rels)
    ct = parse(parts["[Content_Types].xml"])
    if not any(o.get("PartName") == "/word/endnotes.xml" for o in ct):
        ov = etree.SubElement(ct, f"{{{CT_NS}}}Override")
        ov.set("PartName", "/word/endnotes.xml")
        ov.set("ContentType", ENDNOTES_CT)
        parts["[Content_Types].xml"] = serialize(ct)
    return len(kept), len(moved)


def endnote_settings(settings, first: int) -> None:
    """settings.xml: endnotes numbered 1, 2, 3 (Word's default is i, ii, iii), after
    the footnotes (``first``), at the end of the document."""
    for old in settings.findall(w("endnotePr")):
        settings.remove(old)
    pr = etree.Element(w("endnotePr"))
    for tag, val in (("pos", "docEnd"), ("numFmt", "decimal"), ("numStart", str(first))):
        etree.SubElement(pr, w(tag)).set(w("val"), val)
    # CT_Settings: ... footnotePr, endnotePr, compat, docVars, rsids ...
    for sep in ("separator", "continuationSeparator"):
        etree.SubElement(pr, w("endnote")).set(w("id"), "-1" if sep == "separator" else "0")
    anchor = settings.find(w("compat"))
    if anchor is None:
        anchor = next((el for el in settings if etree.QName(el).localname in ("docVars", "rsids",
                                                                             "mathPr")), None)
    if anchor is not None:
        anchor.addprevious(pr)
    else:
        settings.append(pr)
