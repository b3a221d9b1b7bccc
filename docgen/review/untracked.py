"""Edits made with Track Changes off: the returned text compared with the version sent.

The returned file's custom properties say which draft it is (document, version,
language; the title tells one consultation summary from another). The DOCX of
that draft in ``build/<version>/`` (a released version keeps its folder) is what
was sent. Both are read as a sequence of text units, paragraphs and table rows
(a row's cells joined by " | "), in the returned file's "as sent" view: tracked
insertions left out, tracked deletions kept, so only what changed without
tracking differs. Field results (the table of contents, page numbers), which Word
and LibreOffice recompute, are not text a reviewer wrote and are left out.

Each difference becomes an ``untracked_edit`` item with the old and the new text,
anchored like every other item (bookmark, heading, action...). Word joiners and
zero-width spaces (U+2060, U+200B), which the Khmer line breaking inserts and
editors may drop, do not count as differences.
"""
from __future__ import annotations

import difflib
import functools
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from lxml import etree

from ..diagnostics import relative
from ..docx.ooxml import w
from ..model.feedback import Anchor, FeedbackItem, Reviewer
from .extract import (DELTEXT, INS, MOVE_TO, PLACEHOLDER_ID, Extraction, _strip_fallbacks, with_content_id)
from .known import KnownIds
from .safedocx import DocxParts, UnsafeDocx, open_docx, parse_xml

P, T, TR, TC, TBL = w("p"), w("t"), w("tr"), w("tc"), w("tbl")
FLD_CHAR, FLD_SIMPLE = w("fldChar"), w("fldSimple")
_INVISIBLE = dict.fromkeys(map(ord, "\u2060\u200b\ufeff\u00ad"), None)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).replace("\u2011", "-")
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Unit:
    pos: int  # the walker's position of the paragraph or row (same counting as docgen.review.extract)
    text: str  # normalised


def _toc_style(p: etree._Element) -> bool:
    style = p.find(f"{w('pPr')}/{w('pStyle')}")
    val = (style.get(w("val")) if style is not None else "") or ""
    return val.lower().replace(" ", "").startswith(("toc", "tableofcontents", "contents"))


def text_units(body: Optional[etree._Element]) -> list[Unit]:
    """Paragraphs and table rows in document order, as sent (see the module docstring)."""
    units: list[Unit] = []
    if body is None:
        return units
    pos = 0
    unit_el = None
    unit_pos = 0
    buf: list[str] = []
    skip_toc = False
    tracked_ins = 0
    fields: list[str] = []  # complex fields open: "code" or "result"
    simple = 0
    cells = 0
    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if event == "end":
            if tag in (INS, MOVE_TO):
                tracked_ins -= 1
            elif tag == FLD_SIMPLE:
                simple -= 1
            elif el is unit_el:
                raw = "".join(buf)
                text = normalise(raw)
                if text and not skip_toc:
                    units.append(Unit(unit_pos, text))
                unit_el, buf, skip_toc = None, [], False
            continue
        pos += 1
        if unit_el is None and tag in (P, TR):
            unit_el, unit_pos, cells = el, pos, 0
            skip_toc = tag == P and _toc_style(el)
        elif tag == TC and unit_el is not None and unit_el.tag == TR and el.getparent() is unit_el:
            if cells:
                buf.append(" | ")
            cells += 1
        elif tag == P and unit_el is not None and buf and not buf[-1].endswith(" | "):
            buf.append(" ")
        if tag in (INS, MOVE_TO) and el.getparent() is not None and el.getparent().tag not in (w("rPr"), w("pPr"), w("trPr")):
            tracked_ins += 1
        elif tag == FLD_SIMPLE:
            simple += 1
        elif tag == FLD_CHAR:
            kind = el.get(w("fldCharType"))
            if kind == "begin":
                fields.append("code")
            elif kind == "separate" and fields:
                fields[-1] = "result"
            elif kind == "end" and fields:
                fields.pop()
        elif unit_el is not None and (tag == T or tag == DELTEXT):
            if tag == T and tracked_ins:
                continue
            if simple or "result" in fields:
                continue
            buf.append(el.text or "")
        elif unit_el is not None and tag in (w("tab"), w("br"), w("cr")) and not tracked_ins:
            buf.append(" ")
        elif unit_el is not None and tag == w("noBreakHyphen") and not tracked_ins:
            buf.append("-")
    return units


def _props(path: Path) -> tuple[dict[str, str], Optional[str]]:
    """(custom properties, title) of a DOCX we built, read without parsing its body."""
    try:
        with zipfile.ZipFile(path) as zf:
            custom = parse_xml(zf.read("docProps/custom.xml"), "docProps/custom.xml")
            core = parse_xml(zf.read("docProps/core.xml"), "docProps/core.xml")
    except (KeyError, OSError, zipfile.BadZipFile, UnsafeDocx, ValueError):
        return {}, None
    parts = DocxParts(path, etree.Element("x"), core=core, custom=custom)
    return parts.custom_properties(), parts.core_property("title")


def find_sent(parts: DocxParts, sent_root: Path) -> tuple[Optional[Path], str]:
    """The DOCX that was sent for this returned file, or None and why not."""
    props = parts.custom_properties()
    doc, version, lang = props.get("document"), props.get("version"), props.get("language")
    if not (doc and version and lang):
        return None, ("cannot look for edits made without Track Changes: the file does not say which draft it is "
                      "(no docgen document properties)")
    title = parts.core_property("title")
    folder = Path(sent_root) / version
    if not folder.is_dir() or "/" in version or version.startswith("."):
        return None, (f"cannot look for edits made without Track Changes: version {version} is not in "
                      f"{relative(sent_root)}/ (build or release it there, or pass --build DIR)")
    for cand in sorted(folder.glob("*.docx")):
        cprops, ctitle = _props(cand)
        if (cprops.get("document"), cprops.get("version"), cprops.get("language")) == (doc, version, lang) \
                and ctitle == title:
            return cand, ""
    return None, (f"cannot look for edits made without Track Changes: the {lang} {doc} draft of version {version} "
                  f"is not in {relative(folder)}/")


def short_change(old: str, new: str, context: int = 3) -> tuple[str, str]:
    """The changed words of an edit with a few words around them, for a summary line
    ("...of women in all..." -> "...of women and girls in all...")."""
    a, b = old.split(), new.split()
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    changed = [op for op in sm.get_opcodes() if op[0] != "equal"]
    if not changed or len(a) + len(b) <= 2 * (2 * context + 4):
        return old, new
    i1, j1 = changed[0][1], changed[0][3]
    i2, j2 = changed[-1][2], changed[-1][4]
    lo_a, lo_b = max(0, i1 - context), max(0, j1 - context)
    hi_a, hi_b = min(len(a), i2 + context), min(len(b), j2 + context)

    def cut(words, lo, hi):
        return ("\u2026" if lo > 0 else "") + " ".join(words[lo:hi]) + ("\u2026" if hi < len(words) else "")

    return cut(a, lo_a, hi_a), cut(b, lo_b, hi_b)


def _join(units: list[Unit]) -> str:
    return "\n".join(u.text for u in units)


@functools.lru_cache(maxsize=64)
def _sent(path: Path, mtime_ns: int, size: int) -> tuple[list[Unit], Optional[str], Optional[str]]:
    """The sent draft's text units and who/when it was saved (read once for all its returned copies)."""
    sent = open_docx(path)
    body = sent.document.find(w("body"))
    _strip_fallbacks(body)
    return text_units(body), sent.core_property("lastModifiedBy"), sent.core_property("modified")


def untracked_edits(parts: DocxParts, ex: Extraction, known: KnownIds, source_name: str,
                    sent_root: Path) -> tuple[list[FeedbackItem], str]:
    """The returned file's untracked edits as items, and a note when they could not be looked for."""
    sent_path, note = find_sent(parts, sent_root)
    if sent_path is None:
        return [], note
    try:
        st = sent_path.stat()
        old, sent_author, sent_date = _sent(sent_path, st.st_mtime_ns, st.st_size)
    except UnsafeDocx as exc:
        return [], f"cannot read the version sent ({relative(sent_path)}): {exc.message}"
    new = text_units(parts.document.find(w("body")))
    author = parts.core_property("lastModifiedBy")
    if author == sent_author:
        author = None  # still the ministry the draft was made by: the editor is not known
    date = parts.core_property("modified")
    if date == sent_date:
        date = None
    walker = ex.walker
    counter: dict = {}
    items = []
    matcher = difflib.SequenceMatcher(None, [u.text for u in old], [u.text for u in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            pairs = [(old[i1 + k:i1 + k + 1], new[j1 + k:j1 + k + 1]) for k in range(i2 - i1)]
        else:
            pairs = [(old[i1:i2], new[j1:j2])]
        for o, n in pairs:
            # anchored where the new text stands, or (a deletion) where the text after it stands
            pos = n[0].pos if n else (new[j1].pos if j1 < len(new) else (new[-1].pos if new else None))
            anchor = walker.anchor(pos) if walker is not None else Anchor()
            item = FeedbackItem(id=PLACEHOLDER_ID, kind="untracked_edit", source_file=source_name,
                                reviewer=Reviewer(name=author or ""), date=date,
                                anchor=anchor, text=_join(n), old_text=_join(o))
            items.append(with_content_id(counter, item))
    if old and new and matcher.ratio() < 0.5:
        return items, (f"{len(items)} untracked edits: the file differs from {relative(sent_path)} in more than half "
                       "of its paragraphs; was that draft rebuilt from changed data after this file was sent? "
                       "Then some of these edits are the secretariat's own changes")
    return items, ""
