"""The parts of a NAP-WPS beyond its actions: vision and goal, outcome indicators,
risks, monitoring and reporting, localisation, legal and policy basis; the list of
source documents; notes for reviewers.

What the sources do not settle is simply absent (or has no value) and the draft
shows a visible "to be decided" placeholder in its place.
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator

from .common import Id, OutcomeId, Strict, Text, normalise_outcome_id
from .plan import Baseline, Frequency, Target
from .provenance import Provenanced


class Statement(Provenanced):
    """One statement of the plan (a paragraph), with its provenance."""

    text: Text


class Vision(Strict):
    """The plan's vision and overall goal; either may still be open."""

    vision: Optional[Statement] = None
    goal: Optional[Statement] = None


class OutcomeIndicator(Provenanced):
    """An outcome-level indicator of an ASEAN RPA-WPS strategic outcome."""

    id: Id
    outcome: OutcomeId
    text: Text
    baseline: Optional[Baseline] = None
    midterm: Optional[Target] = None
    target: Optional[Target] = None
    means_of_verification: Optional[Text] = None
    frequency: Optional[Frequency] = None
    responsible: Optional[Id] = None

    _norm = field_validator("outcome", mode="before")(normalise_outcome_id)


Level = Literal["low", "medium", "high"]


class Risk(Provenanced):
    id: Id
    risk: Text
    likelihood: Optional[Level] = None
    impact: Optional[Level] = None
    mitigation: Optional[Text] = None  # None: to be decided


class Reporting(Provenanced):
    """One element of monitoring, evaluation and reporting (annual report, mid-term review...)."""

    id: Id
    what: Text
    when: Optional[Text] = None  # None: to be decided
    by: Optional[Text] = None  # who prepares it
    to: Optional[Text] = None  # to whom it goes


class LocalisationItem(Provenanced):
    id: Id
    text: Text


PolicyKind = Literal["international", "regional", "constitution_law", "national_policy"]


class PolicyLink(Provenanced):
    """A legal or policy instrument the plan rests on or links to."""

    id: Id
    kind: PolicyKind
    title: Text
    year: Optional[int] = Field(default=None, ge=1900, le=2100)
    link: Optional[Text] = None  # how the NAP-WPS relates to it


class SourceDocument(Strict):
    """A source document, cited in the drafts by its title (never by file name)."""

    id: Id
    file: str = Field(min_length=1)  # seed file name: for validation and traceability only
    title: Text
    short_title: Optional[Text] = None  # in citations; the full title is in the list of sources
    publisher: Text  # "MoWA/UN Women"
    year: Optional[int] = Field(default=None, ge=1900, le=2100)
    kind: Literal["report", "handbook", "news", "event", "profile", "other"] = "other"


NoteKind = Literal["conflict", "assumption", "question", "correction"]


class ReviewNote(Provenanced):
    """An editorial note for reviewers: out of the policy text, into the annex and a Word comment.

    ``about`` is the stable ID the note is about (an action, indicator, section...); none: the
    document as a whole. (Not ``on:``, which YAML reads as ``true``.)
    """

    id: Id
    about: Optional[str] = None
    kind: NoteKind
    text: Text
