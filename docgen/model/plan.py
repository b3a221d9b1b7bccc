"""The NAP-WPS plan: ASEAN RPA-WPS frame, institutions, themes, actions, narrative."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field, field_validator

from .common import (Id, OutcomeId, OutputId, SexCount, SourceRef, Strict, Text, Translated,
                     normalise_outcome_id, normalise_output_id)

# --- ASEAN RPA-WPS reference frame (report §9.5) -----------------------------


class Pillar(Strict):
    id: Id
    number: int = Field(ge=1)
    name: Text
    description: Optional[Text] = None
    source: Optional[SourceRef] = None


class Outcome(Strict):
    id: OutcomeId
    pillar: Id
    text: Text
    source: Optional[SourceRef] = None

    _norm = field_validator("id", mode="before")(normalise_outcome_id)


class AseanOutput(Strict):
    id: OutputId
    outcome: OutcomeId
    text: Text
    source: Optional[SourceRef] = None

    _norm_id = field_validator("id", mode="before")(normalise_output_id)
    _norm_outcome = field_validator("outcome", mode="before")(normalise_outcome_id)


# --- who does what (report §4, §8.2) ------------------------------------------

InstitutionKind = Literal[
    "government", "parliament", "subnational", "judiciary", "cso", "academic",
    "un", "development_partner", "regional", "private_sector", "media",
]
CoordinationLevel = Literal["coordination_leadership", "technical_implementation"]


class Institution(Strict):
    id: Id
    acronym: Text
    name: Text
    kind: InstitutionKind
    level: Optional[CoordinationLevel] = None  # as §8.2 assigns it; None where it assigns none
    aliases: list[str] = []  # other spellings met in the sources (MoI/Mol, MPTC/MoPTC)
    source: Optional[SourceRef] = None


class Theme(Strict):
    id: Id
    kind: Literal["thematic_area", "focused_priority"]  # §7 thematic areas, §8.1 focused priorities
    number: int = Field(ge=1)
    title: Text
    summary: Optional[Text] = None
    source: Optional[SourceRef] = None


# --- actions and their indicators ----------------------------------------------


class Figure(Strict):
    """One reported figure, e.g. 21.4 % women among peacekeepers, with its source."""

    value: float
    unit: Literal["percent", "number", "ratio"] = "number"
    year: Optional[int] = Field(default=None, ge=1900, le=2100)
    as_of: Optional[dt.date] = None
    counts: Optional[SexCount] = None
    source: SourceRef


class Baseline(Figure):
    # When sources disagree: every other reported figure, and why this one is used.
    alternatives: list[Figure] = []
    retained_because: Optional[str] = None


class Target(Strict):
    value: Optional[float] = None
    unit: Literal["percent", "number", "ratio"] = "number"
    year: int = Field(ge=1900, le=2100)
    text: Optional[Text] = None  # a qualitative target, or a note on the figure
    source: Optional[SourceRef] = None  # the policy or document that sets the target


class Indicator(Strict):
    id: Id
    text: Text
    baseline: Optional[Baseline] = None
    target: Optional[Target] = None


class Timeframe(Strict):
    start: int = Field(ge=1900, le=2100)
    end: int = Field(ge=1900, le=2100)


class ActionSource(SourceRef):
    # The citation exactly as the report prints it, typos included ("ASEAN RPAWPS Output 1.1");
    # validation checks that it names the same outputs as ``asean_outputs``.
    cited_as: Optional[str] = None


class Action(Strict):
    id: Id
    pillar: Id
    outcome: OutcomeId
    asean_outputs: list[OutputId] = Field(min_length=1)
    text: Text
    lead: list[Id] = Field(min_length=1)
    partners: list[Id] = []
    themes: list[Id] = []
    indicators: list[Indicator] = []
    timeframe: Optional[Timeframe] = None
    status: Literal["proposed", "agreed", "dropped"] = "proposed"
    source: ActionSource

    _norm_outcome = field_validator("outcome", mode="before")(normalise_outcome_id)

    @field_validator("asean_outputs", mode="before")
    @classmethod
    def _norm_outputs(cls, value):
        if isinstance(value, (list, tuple)):
            return [normalise_output_id(v) for v in value]
        return [normalise_output_id(value)]


# --- narrative, metadata, glossary --------------------------------------------


class Section(Strict):
    """A narrative chapter of the draft (introduction, coordination...), by stable ID."""

    id: Id
    title: Text
    paragraphs: list[Text] = []
    sources: list[SourceRef] = []


class Period(Strict):
    start: int = Field(ge=2000, le=2100)
    end: int = Field(ge=2000, le=2100)


class PlanMetadata(Strict):
    title: Text
    short_title: Text
    subtitle: Optional[Text] = None
    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,30}$")
    status: Literal["draft", "consultation-draft", "final-draft", "adopted"] = "draft"
    date: dt.date
    period: Period
    issuing_ministry: Id
    supported_by: list[Id] = []
    country: Text


class GlossaryTerm(Translated):
    """A term base entry: the English term and the Khmer term translators must use."""

    id: Id
    definition: Optional[Text] = None
    see_also: list[Id] = []
