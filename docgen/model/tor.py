"""Terms of Reference of the NAP-WPS coordination mechanism (report §8.2, §8.3, §6.2.3).

Where the sources decide nothing (who chairs a body, how often it meets), the
data holds a :class:`Placeholder` and the draft shows it as a visible
placeholder for the secretariat to decide.
"""
from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field

from .common import Id, SourceRef, Strict, Text
from .provenance import Provenance, Provenanced


class Placeholder(Strict):
    """Something the sources do not decide: rendered as a visible placeholder."""

    to_decide: Text
    options: list[Text] = []  # what the sources suggest, if anything
    source: Optional[SourceRef] = None


class Member(Provenanced):
    institution: Id
    role: Literal["chair", "co_chair", "vice_chair", "secretariat", "member", "observer"] = "member"
    note: Optional[Text] = None


class Responsibility(Provenanced):
    text: Text


class Body(Strict):
    id: Id
    name: Text
    level: Literal["political", "technical", "advisory"]
    purpose: Text
    chair: Union[list[Id], Placeholder]
    secretariat: Union[list[Id], Placeholder]
    members: list[Member] = []
    # What the sources leave open about membership (e.g. which CSOs), if anything.
    membership_open: Optional[Placeholder] = None
    responsibilities: list[Responsibility] = []
    meetings: Union[Text, Placeholder]
    decision_making: Union[Text, Placeholder]
    reports_to: Union[list[Id], Placeholder, None] = None  # IDs of other bodies
    reports_to_provenance: Optional[Provenance] = None  # required when reports_to names bodies
    sources: list[SourceRef] = []


class Principle(Provenanced):
    """A statement in a free section (background, reporting...), with its provenance."""

    text: Text


class TermsOfReference(Strict):
    id: Id = "ToR"
    title: Text
    background: list[Principle] = Field(min_length=1)
    purpose: Text
    objectives: list[Principle] = Field(min_length=1)
    bodies: list[Body] = Field(min_length=1)
    reporting: list[Union[Principle, Placeholder]] = Field(min_length=1)
    duration_review: list[Union[Principle, Placeholder]] = Field(min_length=1)
    sources: list[SourceRef] = []

    def placeholders(self) -> list[Placeholder]:
        """Every placeholder, in document order (for tests and a 'to decide' list)."""
        out: list[Placeholder] = []
        for b in self.bodies:
            for v in (b.chair, b.secretariat, b.membership_open, b.meetings, b.decision_making, b.reports_to):
                if isinstance(v, Placeholder):
                    out.append(v)
        for item in [*self.reporting, *self.duration_review]:
            if isinstance(item, Placeholder):
                out.append(item)
        return out
