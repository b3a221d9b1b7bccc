"""Track Changes in the DOCX we send: on for every reviewer, optionally enforced.

``w:trackRevisions`` in settings.xml makes Word and LibreOffice open the file with
Track Changes on, so a reviewer's edits come back as revisions that harvest reads.
``w:documentProtection w:edit="trackedChanges" w:enforcement="1"`` is Word's
"Restrict editing: tracked changes": the reviewer cannot switch tracking off
without "Stop Protection" (no password is set, so it is a guard, not a lock).
"""
from __future__ import annotations

from lxml import etree

from .ooxml import W_NS, parse, serialize, w

# CT_Settings child order (ECMA-376 17.15.1.78), up to the elements we add and a few after.
_SETTINGS_ORDER = [
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
    "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors",
    "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate",
    "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge",
    "revisionView", "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting", "documentProtection",
    "autoFormatOverride", "styleLockTheme", "styleLockQFSet", "defaultTabStop",
]

EMPTY_SETTINGS = f'<w:settings xmlns:w="{W_NS}"/>'.encode()


def _ensure(settings: etree._Element, name: str) -> etree._Element:
    el = settings.find(w(name))
    if el is not None:
        return el
    el = etree.Element(w(name))
    rank = _SETTINGS_ORDER.index(name)
    for i, existing in enumerate(settings):
        local = etree.QName(existing).localname if isinstance(existing.tag, str) else ""
        if local in _SETTINGS_ORDER and _SETTINGS_ORDER.index(local) > rank:
            settings.insert(i, el)
            return el
        if local and local not in _SETTINGS_ORDER:  # past the part of the schema we list
            settings.insert(i, el)
            return el
    settings.append(el)
    return el


def track_changes_settings(settings_xml: bytes | None, *, lock: bool = False) -> bytes:
    """settings.xml with Track Changes on (and, with ``lock``, enforced)."""
    root = parse(settings_xml or EMPTY_SETTINGS)
    _ensure(root, "trackRevisions")
    if lock:
        prot = _ensure(root, "documentProtection")
        for key in list(prot.attrib):
            del prot.attrib[key]
        prot.set(w("edit"), "trackedChanges")
        prot.set(w("enforcement"), "1")
    else:
        for prot in root.findall(w("documentProtection")):
            if prot.get(w("edit")) == "trackedChanges":
                root.remove(prot)
    return serialize(root)
