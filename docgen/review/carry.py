"""``docgen build --carry-comments``: open feedback items back into the next DOCX as Word comments.

Called by the build pipeline after the DOCX backend wrote a file::

    carry_comments(docx_path, plan, meta)   # edits the DOCX in place (atomically)

Each open item (``status: open`` and not resolved by its reviewer) becomes a
native Word comment by the reviewer (author = reviewer name) on the first
paragraph of what it was anchored to: the action's bookmark (``PROT_01``), or the
section/output/pillar/theme bookmark. Its text starts with ``[round ID]`` so the
thread can continue: when the file comes back, :mod:`docgen.review.extract`
recognises the carried comment and harvests only the replies to it. Items that
cannot be placed (general, or their ID is no longer in the document) go on the
document's first paragraph, saying where they were.

Only the NAP (``meta.doc == "nap"``) receives comments.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from lxml import etree

from ..docx.ooxml import CT_NS, REL_NS, W_NS as W, w
from ..fsutil import atomic_write_bytes
from ..model.feedback import FeedbackItem, FeedbackRound
from .known import bookmark_name

# The round name of the secretariat's notes for reviewers (docgen.notes), carried as comments
# like feedback items though no feedback file holds them.
NOTES_ROUND = "notes"

REL_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
CARRIED = re.compile(r"^\[(?P<round>[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}) (?P<id>FB_[0-9a-f]{12})\]\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
DECISION = {"accepted": "accepted", "partly_accepted": "partly accepted", "not_accepted": "not accepted",
            "noted": "noted", "pending": "pending"}


@dataclass
class CarriedComment:
    round: str
    item: FeedbackItem
    bookmark: Optional[str]  # None: general

    @property
    def author(self) -> str:
        return self.item.reviewer.name or "Reviewer"

    def paragraphs(self, lang: str = "en") -> list[str]:
        it = self.item
        head = f"[{self.round} {it.id}] "
        if it.edits:  # the reviewer reworded the carried comment: carry their wording on
            lines = [head + it.edits[-1].text]
        elif it.kind == "comment":
            lines = [head + it.text]
        elif it.kind == "untracked_edit":
            from .untracked import short_change

            was, now = short_change(it.old_text or "", it.text)
            lines = [f"{head}Edited without Track Changes: \u201c{was}\u201d \u2192 \u201c{now}\u201d"]
        else:
            verb = "Proposed insertion" if it.kind == "insertion" else "Proposed deletion"
            lines = [f"{head}{verb}: \u201c{it.text}\u201d"]
        if self.bookmark is None and it.anchor.id:
            lines.append(f"(was on {it.anchor.kind} {it.anchor.id}, which this draft no longer has)")
        elif self.bookmark is None:
            lines.append("(general comment)")
        if it.kind == "comment" and it.commented_text:
            quoted = it.commented_text if len(it.commented_text) <= 200 else it.commented_text[:199] + "\u2026"
            lines.append(f"On: \u201c{quoted}\u201d")
        for r in it.replies:
            lines.append(f"\u21b3 {r.author}: {r.text}")
        resp = it.response
        if resp.decision != "pending" or resp.rationale:
            why = resp.rationale.get(lang) if resp.rationale else ""
            lines.append(f"Secretariat: {DECISION[resp.decision]}" + (f" \u2014 {why}" if why else ""))
        return [_CONTROL.sub("", l) for l in lines]


def feedback_rounds(plan: Any) -> list[FeedbackRound]:
    """The plan's feedback rounds, by round name (the loader reads plan_data/feedback/*.yaml
    into ``plan.feedback`` with the rest of the plan)."""
    return sorted(plan.feedback, key=lambda r: r.round)


def open_items(plan: Any) -> list[tuple[str, FeedbackItem]]:
    """(round, item) for every item still open and not resolved by its reviewer."""
    return [(fr.round, it) for fr in feedback_rounds(plan) for it in fr.items
            if it.status == "open" and it.resolved is not True]


def comment_plan(plan: Any) -> list[CarriedComment]:
    out = []
    for rnd, it in open_items(plan):
        bm = None
        if it.anchor.kind != "general" and it.anchor.id:
            try:
                bm = bookmark_name(it.anchor.kind, it.anchor.id)
            except Exception:
                bm = None
        out.append(CarriedComment(rnd, it, bm))
    return out


def _iso(date: Optional[str], fallback: dt.date) -> str:
    if date and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?", date):
        return date
    return f"{fallback.isoformat()}T00:00:00Z"


def _initials(name: str) -> str:
    return "".join(p[0] for p in name.split() if p)[:4] or "R"


def _first_paragraph(bm: etree._Element) -> Optional[etree._Element]:
    parent = bm.getparent()
    if parent is not None and parent.tag == w("p"):
        return parent
    found = bm.xpath("following::w:p[1]", namespaces={"w": W})
    return found[0] if found else None


def _note_windows(body: etree._Element, order: dict) -> list[tuple[etree._Element, etree._Element]]:
    """For footnotes and for endnotes: the paragraphs holding the first and the second note
    reference. LibreOffice (7.4) gives every note after the first the text of another, or none,
    when a comment's reference sits between those two: a comment there ends in the paragraph of
    the second reference instead (its range then covers the passage up to that note)."""
    out = []
    for tag in ("footnoteReference", "endnoteReference"):
        paras = []
        for ref in body.iter(w(tag)):
            p = next((a for a in ref.iterancestors(w("p"))), None)
            if p is not None and p in order and p not in paras:
                paras.append(p)
            if len(paras) == 2:
                out.append((paras[0], paras[1]))
                break
    return out


def _run(text: str, *, ref: bool = False) -> etree._Element:
    r = etree.Element(w("r"))
    if ref:
        rpr = etree.SubElement(r, w("rPr"))
        etree.SubElement(rpr, w("rStyle"), {w("val"): "CommentReference"})
    t = etree.SubElement(r, w("t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def add_comments(parts: dict[str, bytes], comments: list[CarriedComment], date: dt.date, lang: str = "en") -> int:
    """Add ``comments`` to the package ``parts`` (modified in place); returns how many were added."""
    doc = etree.fromstring(parts["word/document.xml"])
    body = doc.find(w("body"))
    if body is None or not comments:
        return 0
    marks = {}
    for bm in body.iter(w("bookmarkStart")):
        marks.setdefault(bm.get(w("name")), bm)
    first_p = next(body.iter(w("p")), None)
    if first_p is None:
        return 0

    if "word/comments.xml" in parts:
        croot = etree.fromstring(parts["word/comments.xml"])
    else:
        croot = etree.Element(w("comments"), nsmap={"w": W})
    ids = [int(c.get(w("id"))) for c in croot.iter(w("comment")) if (c.get(w("id")) or "").isdigit()]
    for tag in ("commentRangeStart", "commentReference"):
        ids += [int(e.get(w("id"))) for e in body.iter(w(tag)) if (e.get(w("id")) or "").isdigit()]
    next_id = max(ids, default=0) + 1

    added = 0
    order = {p: n for n, p in enumerate(body.iter(w("p")))}
    windows = _note_windows(body, order)
    for c in comments:
        target = marks.get(c.bookmark) if c.bookmark else None
        para = _first_paragraph(target) if target is not None else None
        if para is None:
            c = CarriedComment(c.round, c.item, None)
            para = first_p
        end_para = para
        for first, second in windows:
            if order[first] <= order.get(para, -1) < order[second]:
                end_para = second
        cid = str(next_id)
        next_id += 1
        comment = etree.SubElement(croot, w("comment"), {w("id"): cid, w("author"): _CONTROL.sub("", c.author),
                                                         w("date"): _iso(c.item.date, date),
                                                         w("initials"): _CONTROL.sub("", c.item.reviewer.initials
                                                                                     or _initials(c.author))})
        for i, line in enumerate(c.paragraphs(lang)):
            p = etree.SubElement(comment, w("p"))
            if i == 0:
                r = etree.SubElement(p, w("r"))
                etree.SubElement(etree.SubElement(r, w("rPr")), w("rStyle"), {w("val"): "CommentReference"})
                etree.SubElement(r, w("annotationRef"))
            p.append(_run(line))
        # the range: the whole first paragraph of the anchored item
        ppr = para.find(w("pPr"))
        start = etree.Element(w("commentRangeStart"), {w("id"): cid})
        if ppr is not None:
            ppr.addnext(start)
        else:
            para.insert(0, start)
        end_para.append(etree.Element(w("commentRangeEnd"), {w("id"): cid}))
        ref = etree.SubElement(end_para, w("r"))
        etree.SubElement(etree.SubElement(ref, w("rPr")), w("rStyle"), {w("val"): "CommentReference"})
        etree.SubElement(ref, w("commentReference"), {w("id"): cid})
        added += 1

    parts["word/document.xml"] = etree.tostring(doc, xml_declaration=True, encoding="UTF-8", standalone=True)
    if "word/comments.xml" not in parts:
        rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
        used = {r.get("Id") for r in rels}
        rid = next(f"rIdDocgenComments{i}" for i in range(1, 1000) if f"rIdDocgenComments{i}" not in used)
        etree.SubElement(rels, f"{{{REL_NS}}}Relationship", {"Id": rid, "Type": REL_COMMENTS,
                                                            "Target": "comments.xml"})
        parts["word/_rels/document.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                               standalone=True)
        ct = etree.fromstring(parts["[Content_Types].xml"])
        if not any(o.get("PartName") == "/word/comments.xml" for o in ct):
            etree.SubElement(ct, f"{{{CT_NS}}}Override", {"PartName": "/word/comments.xml", "ContentType": CT_COMMENTS})
        parts["[Content_Types].xml"] = etree.tostring(ct, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/comments.xml"] = etree.tostring(croot, xml_declaration=True, encoding="UTF-8", standalone=True)
    return added


def carry_comments(docx_path: Path, plan: Any, meta: Any) -> int:
    """The build hook: add every open feedback item to the DOCX at ``docx_path`` as a Word comment.

    Returns the number of comments added. Only the NAP gets them (``meta.doc == "nap"``).
    """
    if getattr(meta, "doc", "nap") != "nap":
        return 0
    comments = comment_plan(plan)
    if not comments:
        return 0
    from ..docx.zipio import write_zip

    path = Path(docx_path)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    date = getattr(meta, "date", None) or dt.date.today()
    lang = "km" if getattr(meta, "lang", "en") == "km" else "en"
    added = add_comments(parts, comments, date, lang)
    buf = io.BytesIO()
    write_zip(buf, parts, date)
    atomic_write_bytes(path, buf.getvalue(), "DOCX")
    return added
