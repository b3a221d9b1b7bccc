"""Terms of Reference of the NAP-WPS coordination mechanism (report §8.2, §8.3, §6.2.3)."""
from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field

from .common import Id, SourceRef, Strict, Text


class Placeholder(Strict):
    """Something the sources do not decide: rendered as a visible placeholder."""

    to_decide: Text
    options: list[Text] = []  # what the sources suggest, if anything
    source: Optional[SourceRef] = None


class Member(Strict):
    institution: Id
    role: Literal["chair", "co_chair", "vice_chair", "secretariat", "member", "observer"] = "member"
    note: Optional[Text] = None


class Body(Strict):
    id: Id
    name: Text
    level: Literal["political", "technical", "advisory"]
    purpose: Text
    chair: Union[list[Id], Placeholder]
    secretariat: Union[list[Id], Placeholder]
    members: list[Member] = []
    responsibilities: list[Text] = []
    meetings: Union[Text, Placeholder]
    decision_making: Union[Text, Placeholder]
    sources: list[SourceRef] = []


class TermsOfReference(Strict):
    title: Text
    background: list[Text] = Field(min_length=1)
    purpose: Text
    objectives: list[Text] = []
    bodies: list[Body] = Field(min_length=1)
    reporting: list[Union[Text, Placeholder]] = []
    duration_review: Union[Text, Placeholder]
    sources: list[SourceRef] = []
