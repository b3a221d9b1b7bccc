"""Notes for reviewers as Word comments from the secretariat, on the passage they concern.

Every note of the annex "Notes for reviewers" (docgen.status.review_notes) goes
into the NAP's DOCX as a native comment by "NAP-WPS Secretariat", anchored on the
bookmark of what it is about (an action, a section). The comments are written by
docgen.review.carry's machinery with the carried-comment marker
``[notes FB_<hash>]``, so when the file comes back ``docgen harvest`` skips the
secretariat's own text and harvests the reviewers' replies to it.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from .review.carry import NOTES_ROUND as ROUND

AUTHOR = "NAP-WPS Secretariat"


def note_comments(plan: Any, lang: str) -> list:
    """The notes as comments for the NAP in ``lang`` (en-km documents get the English text)."""
    lang = "km" if lang == "km" else "en"
    from .anchors import bookmark_for
    from .context.nap_parts import _notes
    from .model.feedback import Anchor, FeedbackItem, Reviewer
    from .review.carry import CarriedComment

    out = []
    for n in _notes(plan):
        text = n["text"].km if lang == "km" and n["text"].km else n["text"].en
        kind = n["kind"].km if lang == "km" else n["kind"].en
        fb_id = "FB_" + hashlib.sha1(f"{ROUND}:{n['id']}".encode()).hexdigest()[:12]
        about = n["about"]
        item = FeedbackItem(id=fb_id, kind="comment", source_file="", date=None,
                            reviewer=Reviewer(name=AUTHOR, initials="SEC"),
                            anchor=Anchor(id=about, kind=_anchor_kind(plan, about)) if about else Anchor(),
                            text=f"{kind}: {text}")
        bookmark = None
        if about:
            bookmark = bookmark_for("action", about) if about in plan.action else about
        out.append(CarriedComment(ROUND, item, bookmark))
    return out


def _anchor_kind(plan: Any, ident: str) -> str:
    if ident in plan.action:
        return "action"
    if ident in plan.section:
        return "section"
    return "section"  # document parts (DOC_...) are sections of the draft


def add_secretariat_notes(docx_path: Path, plan: Any, meta: Any) -> int:
    """Add the notes to the NAP's DOCX at ``docx_path`` (in place, atomically); returns how many."""
    if getattr(meta, "doc", None) != "nap":
        return 0
    return add_note_comments(docx_path, note_comments(plan, getattr(meta, "lang", "en")), meta)


def add_note_comments(docx_path: Path, comments: list, meta: Any) -> int:
    """Write ``comments`` (from :func:`note_comments`) into the DOCX at ``docx_path``."""
    if not comments:
        return 0
    lang = "km" if getattr(meta, "lang", "en") == "km" else "en"
    from .docx.zipio import write_zip
    from .fsutil import atomic_write_bytes
    from .review.carry import add_comments

    path = Path(docx_path)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    added = add_comments(parts, comments, meta.date, lang)
    buf = io.BytesIO()
    write_zip(buf, parts, meta.date)
    atomic_write_bytes(path, buf.getvalue(), "DOCX")
    return added
