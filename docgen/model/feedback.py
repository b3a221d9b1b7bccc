"""Reviewers' feedback harvested from Word files: one file per round under plan_data/feedback/.

``docgen harvest FILE... --round NAME`` writes ``plan_data/feedback/<NAME>.yaml``; the
secretariat then fills in each item's ``response``. Harvesting again only adds items
it has not seen (item IDs are derived from the item's content), so responses are
never overwritten.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from pydantic import BeforeValidator, Field, model_validator

from .common import Id, Strict, Text

# "untracked_edit": text that differs from the version sent, edited with Track Changes off.
ItemKind = Literal["comment", "insertion", "deletion", "untracked_edit"]
# Where in the file an item was found; None: the body.
Story = Literal["header", "footer", "footnote", "endnote", "text box"]
AnchorKind = Literal["action", "output", "outcome", "section", "pillar", "theme", "general"]
AnchorMethod = Literal["bookmark", "nearest_bookmark", "heading", "general"]
Decision = Literal["accepted", "partly_accepted", "not_accepted", "noted", "pending"]
RoundName = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


def _plain_to_text(value):
    """Hand-typed values: an unquoted date (2026-12-05) or number means its text."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


PlainText = Annotated[str, BeforeValidator(_plain_to_text)]


class Reviewer(Strict):
    name: str = ""
    initials: Optional[str] = None


class Anchor(Strict):
    """What a feedback item touches: a stable plan ID, or ``general``."""

    id: Optional[str] = None  # plan ID: action "PROT_01", output "3.1", section "SEC_intro"...
    kind: AnchorKind = "general"
    method: AnchorMethod = "general"  # how it was found; "general" when it could not be anchored

    @model_validator(mode="after")
    def _general_has_no_id(self):
        if (self.kind == "general") != (self.id is None):
            raise ValueError("an anchor has an id unless its kind is 'general'")
        return self


class Reply(Strict):
    author: str = ""
    date: Optional[PlainText] = None
    text: str = ""
    source_file: Optional[str] = None  # the returned file it came in, when it came later than its item
    # How it was tied to its thread when the file lost the link (LibreOffice re-saves drop it).
    matched: Optional[str] = None


class CommentEdit(Strict):
    """A reviewer changed the text of a comment docgen carried back into a draft."""

    text: str
    author: str = ""
    date: Optional[PlainText] = None
    source_file: Optional[str] = None


class Response(Strict):
    """The secretariat's answer, shown in the 'how we responded' matrix."""

    decision: Decision = "pending"
    rationale: Optional[Text] = None
    by: Optional[PlainText] = None
    date: Optional[PlainText] = None


class FeedbackItem(Strict):
    id: Id  # "FB_" + hash of the item's content: the same comment always gets the same ID
    kind: ItemKind
    source_file: str  # file name of the reviewed DOCX (no folder)
    reviewer: Reviewer
    date: Optional[PlainText] = None  # as the file gives it (ISO 8601)
    anchor: Anchor
    story: Optional[Story] = None  # header, footnote...; None: the body
    text: str = ""  # the comment, the inserted/deleted text, or an untracked edit's new text
    old_text: Optional[str] = None  # untracked edits: the text as it was sent
    commented_text: Optional[str] = None  # comments: the text the comment is attached to
    replies: list[Reply] = []
    edits: list[CommentEdit] = []  # carried comments whose text a reviewer changed
    resolved: Optional[bool] = None  # None when the file does not say
    status: Literal["open", "closed"] = "open"
    response: Response = Field(default_factory=Response)

    def content_key(self) -> str:
        """What the item is: the same review re-sent under another file name has the same keys,
        two reviewers' identical comments do not (the author differs)."""
        # an untracked edit's date is the file's save date, which any re-save changes
        date = None if self.kind == "untracked_edit" else self.date
        fields = (self.kind, self.reviewer.name, date, self.text, self.anchor.id, self.story,
                  self.commented_text, self.old_text)
        return "\x1f".join("" if f is None else str(f) for f in fields)


class FeedbackRound(Strict):
    """One review round: ``plan_data/feedback/<round>.yaml``.

    ``consultation`` (optional) names the consultation event the round belongs to,
    by its ID (the ``id`` of a file under ``plan_data/consultations/``, e.g.
    ``consultation: C2024_12_18``). Its items then appear in that event's summary,
    in the 'what we heard / how we responded' matrix next to the feedback the
    consultation record holds. A round without it (a written review of the draft)
    gets its own review summary, ``Review-<round>_<version>_<lang>``. An unknown
    event ID is an error of ``docgen validate`` / ``docgen build`` (with a
    did-you-mean hint). ``title`` (optional, ``{en, km}``) names the round in its
    review summary; by default the summary is titled after the round name.
    """

    round: str = RoundName
    consultation: Optional[Id] = None
    title: Optional[Text] = None
    items: list[FeedbackItem] = []

    @model_validator(mode="after")
    def _unique_ids(self):
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"feedback item ID '{item.id}' appears twice")
            seen.add(item.id)
        return self

    def open_items(self) -> list[FeedbackItem]:
        return [i for i in self.items if i.status == "open"]
