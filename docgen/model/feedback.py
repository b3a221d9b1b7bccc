"""Reviewers' feedback harvested from Word files: one file per round under plan_data/feedback/.

``docgen harvest FILE... --round NAME`` writes ``plan_data/feedback/<NAME>.yaml``; the
secretariat then fills in each item's ``response``. Harvesting again only adds items
it has not seen (item IDs are derived from the item's content), so responses are
never overwritten.
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from .common import Id, Strict, Text

ItemKind = Literal["comment", "insertion", "deletion"]
AnchorKind = Literal["action", "output", "outcome", "section", "pillar", "theme", "general"]
AnchorMethod = Literal["bookmark", "nearest_bookmark", "heading", "general"]
Decision = Literal["accepted", "partly_accepted", "not_accepted", "noted", "pending"]
RoundName = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


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
    date: Optional[str] = None
    text: str = ""


class Response(Strict):
    """The secretariat's answer, shown in the 'how we responded' matrix."""

    decision: Decision = "pending"
    rationale: Optional[Text] = None
    by: Optional[str] = None
    date: Optional[str] = None


class FeedbackItem(Strict):
    id: Id  # "FB_" + hash of the item's content: the same comment always gets the same ID
    kind: ItemKind
    source_file: str  # file name of the reviewed DOCX (no folder)
    reviewer: Reviewer
    date: Optional[str] = None  # as the file gives it (ISO 8601)
    anchor: Anchor
    text: str = ""  # the comment, or the inserted/deleted text
    commented_text: Optional[str] = None  # comments: the text the comment is attached to
    replies: list[Reply] = []
    resolved: Optional[bool] = None  # None when the file does not say
    status: Literal["open", "closed"] = "open"
    response: Response = Field(default_factory=Response)


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
