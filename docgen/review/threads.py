"""Carried comments coming back: a reviewer's replies, edits and resolution go onto the original item.

``docgen build --carry-comments`` writes an open item into the draft as a Word comment
``[round FB_...] text`` (:mod:`docgen.review.carry`). When the reviewed file returns,
that comment is not a new item: what the reviewer did with it is recorded on the
item it came from, in its own round's file:

- replies (Word's thread, or, when LibreOffice dropped the thread link, a comment on
  exactly the carried comment's range; such a reply says so in ``matched``);
- an edit of the carried text (``edits``: the text as the reviewer left it);
- resolving it (Word's ``w15:done``): ``resolved: true``.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

from ..model.feedback import CommentEdit, FeedbackItem, Reply
from .carry import CarriedComment
from .extract import CarriedThread


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u2060", "").replace("\u200b", "")
    return re.sub(r"\s+", " ", text).strip()


def carried_text(item: FeedbackItem) -> str:
    """The text the carried comment opens with (after its ``[round ID]`` mark)."""
    return CarriedComment("", item, None).paragraphs()[0].split("] ", 1)[1]


# The lines carry adds after the item's text (docgen.review.carry.CarriedComment.paragraphs).
_ADDED_LINE = re.compile(r"^(\(was on |\(general comment\)|On: \u201c|\u21b3 |Secretariat: )")


def main_text(thread_text: str) -> str:
    """The carried comment's own text as the reviewer left it, without the lines carry added."""
    lines = thread_text.split("\n")
    for i in range(1, len(lines)):
        if _ADDED_LINE.match(lines[i].strip()):
            lines = lines[:i]
            break
    return "\n".join(lines).strip()


def apply_thread(item: FeedbackItem, thread: CarriedThread, source_name: str) -> Optional[FeedbackItem]:
    """``item`` with what ``thread`` adds; None when it adds nothing (the same file harvested again)."""
    new = item.model_copy(deep=True)
    have = {(r.author, r.date, _norm(r.text)) for r in new.replies}
    for rep in thread.replies:
        key = (rep.author, rep.date, _norm(rep.text))
        if key in have:
            continue
        have.add(key)
        new.replies.append(Reply(author=rep.author, date=rep.date, text=rep.text, source_file=source_name,
                                 matched=rep.matched))
    text = main_text(thread.text)
    whole = _norm(thread.text)
    original = CarriedComment("", item.model_copy(update={"edits": []}), None).paragraphs()[0].split("] ", 1)[1]
    known_texts = {_norm(original), _norm(carried_text(item))} | {_norm(e.text) for e in new.edits}
    def carried_as_is(k: str) -> bool:  # the known text, then only the lines carry added
        rest = whole[len(k):].strip() if k and whole.startswith(k) else None
        return rest is not None and (not rest or _ADDED_LINE.match(rest) is not None)

    if _norm(text) not in known_texts and not any(carried_as_is(k) for k in known_texts):
        new.edits.append(CommentEdit(text=text, author=thread.author, date=thread.date, source_file=source_name))
    if thread.resolved is True and new.resolved is not True:
        new.resolved = True
    return None if new == item else new
