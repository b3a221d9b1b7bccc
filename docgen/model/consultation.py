"""Consultation records: one file per event under plan_data/consultations/.

Figures are recorded exactly as the sources print them, even when they do not
add up; ``docgen validate`` reports every such inconsistency (see
``docgen/validate/consultations.py``) and the record says which figure it retains.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field

from .common import Id, SexCount, SourceRef, Strict, Text

Response = Literal["accepted", "partly_accepted", "not_accepted", "noted", "pending"]
RESPONSES: tuple[str, ...] = ("accepted", "partly_accepted", "not_accepted", "noted", "pending")

GroupKind = Literal["government", "mowa", "parliament", "subnational", "cso", "un",
                    "development_partner", "academic", "security_sector", "youth",
                    "community", "consultants", "other"]


class ReportedTotal(SexCount):
    """A participant total exactly as one source reports it.

    Totals with the same ``scope`` count the same people and are compared with
    each other; different scopes (day 1 / day 2 of a workshop) are not.
    """

    source: SourceRef
    scope: Optional[Id] = None
    label: Optional[Text] = None          # what this figure counts, e.g. "Day 1 (14 Dec 2023)"
    organisations: Optional[int] = Field(default=None, ge=0)  # "from 10 NGOs/CSOs"


class ParticipantGroup(Strict):
    """One row of a participation table: a stakeholder group and its counts by sex."""

    group: GroupKind
    label: Text
    count: SexCount
    institutions: list[Id] = []           # registry IDs of the organisations the row names
    remarks: Optional[Text] = None        # the table's "Remarks" column, as printed
    source: Optional[SourceRef] = None


class GroupTable(Strict):
    """A participation table as a source prints it: a stated total row and group rows."""

    id: Id
    title: Text
    stated: SexCount                      # the table's own total row, as printed
    groups: list[ParticipantGroup] = Field(min_length=1)
    source: SourceRef


class Participation(Strict):
    reported: list[ReportedTotal] = Field(min_length=1)
    # Which reported figure this record retains (index into ``reported``), and why
    # (required whenever the reported figures disagree).
    retained: int = 0
    retained_because: Optional[Text] = None
    # Group tables; when ``tables_cover_event`` their rows together should add up
    # to the retained figure.
    tables: list[GroupTable] = []
    tables_cover_event: bool = True

    def retained_total(self) -> Optional[ReportedTotal]:
        if 0 <= self.retained < len(self.reported):
            return self.reported[self.retained]
        return None

    def group_rows(self) -> list[ParticipantGroup]:
        return [g for t in self.tables for g in t.groups]


class FeedbackItem(Strict):
    """Something participants said, as the sources report it, and the secretariat's response."""

    id: Id
    text: Text
    speaker: Optional[Text] = None        # who said it, as the source puts it
    links: list[Id] = Field(default=[], description="action IDs or section IDs")
    response: Response = "pending"
    rationale: Optional[Text] = None
    source: SourceRef


class Consultation(Strict):
    id: Id
    title: Text
    kind: Literal["dialogue", "workshop", "launch_workshop", "interviews_focus_groups",
                  "meeting", "review"]
    start: dt.date
    end: Optional[dt.date] = None
    # "month" when the sources give only months ("July and August 2024"):
    # start/end then mark the months, and documents show months, not days.
    date_precision: Literal["day", "month"] = "day"
    place: Text
    organisers: list[Id] = Field(min_length=1)
    organisers_note: Optional[Text] = None  # departments, co-organisers outside the registry, funders
    summary: Optional[Text] = None
    participants: Participation
    topics: list[Text] = []
    key_messages: list[Text] = []
    feedback: list[FeedbackItem] = []
    notes: list[Text] = []                # remarks on the sources (typos, gaps)
    sources: list[SourceRef] = Field(min_length=1)

    @property
    def last_day(self) -> dt.date:
        return self.end or self.start

    def linked_ids(self) -> list[str]:
        """Every action/section ID its feedback links to, in first-seen order."""
        seen: dict[str, None] = {}
        for f in self.feedback:
            for link in f.links:
                seen.setdefault(link, None)
        return list(seen)
