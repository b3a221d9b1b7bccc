"""Consultation records: one file per event under plan_data/consultations/."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field

from .common import Id, SexCount, SourceRef, Strict, Text

Response = Literal["accepted", "partly_accepted", "not_accepted", "noted", "pending"]


class ReportedTotal(SexCount):
    """A participant total exactly as one source reports it."""

    source: SourceRef


class ParticipantGroup(Strict):
    group: Literal["government", "mowa", "parliament", "subnational", "cso", "un",
                   "development_partner", "academic", "security_sector", "youth",
                   "community", "consultants", "other"]
    label: Text
    count: SexCount
    institutions: list[Id] = []
    remarks: Optional[Text] = None


class Participation(Strict):
    reported: list[ReportedTotal] = Field(min_length=1)
    # Which reported figure this record retains when sources disagree (index into reported).
    retained: int = 0
    retained_because: Optional[str] = None
    groups: list[ParticipantGroup] = []


class FeedbackItem(Strict):
    id: Id
    text: Text
    links: list[Id] = []  # action IDs or section IDs
    response: Response = "pending"
    rationale: Optional[Text] = None
    source: Optional[SourceRef] = None


class Consultation(Strict):
    id: Id
    title: Text
    kind: Literal["dialogue", "workshop", "interviews", "focus_groups", "meeting", "review"]
    start: dt.date
    end: Optional[dt.date] = None
    place: Text
    organisers: list[Id] = Field(min_length=1)
    participants: Participation
    topics: list[Text] = []
    key_messages: list[Text] = []
    feedback: list[FeedbackItem] = []
    sources: list[SourceRef] = Field(min_length=1)
