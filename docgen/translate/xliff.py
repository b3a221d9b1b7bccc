"""XLIFF 2.0 for CAT tools (one <unit> per text, its key as the unit id).

States map to our statuses: no Khmer ``initial``, draft ``translated``, reviewed
``reviewed``, approved ``final``; an out-of-date translation is ``initial``
with ``subState="docgen:stale"``. What the file was exported with (English
hash, Khmer fingerprint, status) rides on the unit as attributes in docgen's
own namespace, which XLIFF 2 allows on ``<unit>``; context and glossary terms
are ``<note>``s; a translator's note comes back as a note of category
``translator``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..diagnostics import Diagnostic, DocgenError, relative
from .rows import Row

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
DOCGEN_NS = "urn:docgen:translate:1"
_STATE = {"draft": "translated", "reviewed": "reviewed", "approved": "final"}
_STATUS = {"translated": "draft", "reviewed": "reviewed", "final": "approved", "initial": "draft"}


def _q(tag: str, ns: str = XLIFF_NS) -> str:
    return f"{{{ns}}}{tag}"


def write_xliff(rows: list[Row], out: Path, *, original: str) -> None:
    from lxml import etree

    root = etree.Element(_q("xliff"), nsmap={None: XLIFF_NS, "docgen": DOCGEN_NS},
                         version="2.0", srcLang="en", trgLang="km")
    f = etree.SubElement(root, _q("file"), id="plan", original=original)
    for row in rows:
        unit = etree.SubElement(f, _q("unit"), id=row.key)
        unit.set(_q("enHash", DOCGEN_NS), row.en_hash)
        unit.set(_q("kmHash", DOCGEN_NS), row.base_km_hash)
        unit.set(_q("status", DOCGEN_NS), row.base_status)
        if row.file:
            unit.set(_q("file", DOCGEN_NS), row.file)
        notes = etree.SubElement(unit, _q("notes"))
        for category, text in (("context", row.context), ("glossary", row.terms)):
            if text:
                etree.SubElement(notes, _q("note"), category=category).text = text
        if row.translator:
            etree.SubElement(notes, _q("note"), category="translator-name").text = row.translator
        if not len(notes):
            unit.remove(notes)
        seg = etree.SubElement(unit, _q("segment"))
        if not row.km:
            seg.set("state", "initial")
        elif row.state == "stale":
            seg.set("state", "initial")
            seg.set("subState", "docgen:stale")
        else:
            seg.set("state", _STATE[row.status])
        src = etree.SubElement(seg, _q("source"))
        src.text = row.en
        if row.km:
            etree.SubElement(seg, _q("target")).text = row.km
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _text(el) -> str:
    """The text of <source>/<target>, inline codes (<ph>, <pc>...) taken as their text."""
    return "".join(el.itertext()) if el is not None else ""


def read_xliff(path: Path) -> list[Row]:
    from lxml import etree

    display = relative(path)
    data = Path(path).read_bytes()
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data[:4096].upper():
        raise DocgenError([Diagnostic(display, None, None, "", "the XLIFF file declares a DTD or entities",
                                      hint="XLIFF 2 needs neither; save it again from the CAT tool")])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise DocgenError([Diagnostic(display, getattr(exc, "lineno", None), None, "",
                                      f"not a readable XML file: {exc}",
                                      hint="import the .xlf file as the CAT tool saved it")]) from None
    root = tree.getroot()
    if root.tag != _q("xliff") or not str(root.get("version", "")).startswith("2."):
        found = f"<{etree.QName(root).localname}> version {root.get('version')}" if root is not None else "nothing"
        raise DocgenError([Diagnostic(display, root.sourceline, None, "",
                                      f"not an XLIFF 2 file (found {found})",
                                      hint="export XLIFF 2.0 from the CAT tool, or use the file docgen exported")])
    if root.get("trgLang") not in ("km", "km-KH"):
        raise DocgenError([Diagnostic(display, root.sourceline, None, "",
                                      f"the file's target language is {root.get('trgLang')!r}, not Khmer ('km')")])
    rows = []
    for unit in root.iter(_q("unit")):
        segs = unit.findall(_q("segment"))
        key = unit.get("id", "")
        where = f"{display}:{unit.sourceline}"
        if not segs:
            raise DocgenError([Diagnostic(display, unit.sourceline, None, key, "unit has no <segment>")])
        # a CAT tool may split a text into several segments: join them back
        source = "".join(_text(s.find(_q("source"))) for s in segs)
        target = "".join(_text(s.find(_q("target"))) for s in segs)
        states = {s.get("state", "initial") for s in segs}
        state = min(states, key=["initial", "translated", "reviewed", "final"].index) if states else "initial"
        notes = {n.get("category", ""): (n.text or "") for n in unit.iter(_q("note"))}
        translator_note = notes.get("translator", "")
        rows.append(Row(key=key, en=source.strip(), en_hash=unit.get(_q("enHash", DOCGEN_NS), ""),
                        km=target.strip(),
                        # 'initial' is below any status of ours: the status stays as exported
                        status=(unit.get(_q("status", DOCGEN_NS)) or "draft") if state == "initial"
                        else _STATUS.get(state, state),
                        translator=notes.get("translator-name", "").strip(), note=translator_note,
                        base_km_hash=unit.get(_q("kmHash", DOCGEN_NS), ""),
                        base_status=unit.get(_q("status", DOCGEN_NS), ""), where=where))
    return rows


def validate_with_toolkit(path: Path) -> Optional[int]:
    """Number of units translate-toolkit reads from the file (None if it is not installed)."""
    try:
        from translate.storage.xliff2 import Xliff2File
    except ImportError:
        return None
    store = Xliff2File.parsefile(str(path))
    return len([u for u in store.units if not u.isheader()])
