"""The NAP-WPS plan: ASEAN RPA-WPS frame, institutions, themes, actions, narrative."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from .common import (Id, OutcomeId, OutputId, SexCount, SourceRef, Strict, Text, Translated,
                     normalise_outcome_id, normalise_output_id)
from .provenance import Provenance, Provenanced

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
    # Where the sources give only the acronym, the full name is the drafters' reading (proposed).
    name_provenance: Optional[Provenance] = None


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

    value: Optional[float] = None  # the overall figure; may be absent when only the figures by sex are usable
    female: Optional[float] = None  # the figure for women, when the source gives it
    male: Optional[float] = None
    unit: Literal["percent", "number", "ratio"] = "number"
    # The source's own qualifier ("over 60 per cent"): kept, or the figure says more than its source.
    qualifier: Optional[Literal["over", "under", "at_least", "about"]] = None
    # What the figure actually measures when narrower than the indicator ("RCAF leaders, 2023 MOWIP").
    scope: Optional[Text] = None
    year: Optional[int] = Field(default=None, ge=1900, le=2100)
    as_of: Optional[dt.date] = None
    counts: Optional[SexCount] = None
    source: SourceRef

    @model_validator(mode="after")
    def _some_value(self):
        if self.value is None and self.female is None and self.male is None:
            raise ValueError("a figure needs a 'value:' (or 'female:'/'male:' figures)")
        return self

    def values(self) -> list[float]:
        return [x for x in (self.value, self.female, self.male) if x is not None]

    def label(self) -> str:
        """'89', or 'women 91, men 93' (for messages)."""
        if self.value is not None:
            return f"{self.value:g}"
        return ", ".join(f"{k} {x:g}" for k, x in (("women", self.female), ("men", self.male)) if x is not None)


class Baseline(Figure):
    # When sources disagree: every other reported figure, and why this one is used (a text the
    # notes for reviewers print; a plain string is its English, the Khmer then missing).
    alternatives: list[Figure] = []
    retained_because: Optional[Text] = None

    @field_validator("retained_because", mode="before")
    @classmethod
    def _english_alone(cls, value):
        return {"en": value} if isinstance(value, str) else value


class Target(Provenanced):
    """A target value; ``source:`` is the policy or document that sets it."""

    value: Optional[float] = None
    unit: Literal["percent", "number", "ratio"] = "number"
    year: int = Field(ge=1900, le=2100)
    text: Optional[Text] = None  # a qualitative target, or a note on the figure


Frequency = Literal["quarterly", "biannual", "annual", "midterm_and_end", "end"]


class Indicator(Provenanced):
    """An indicator of the results framework. Its own provenance says who chose the
    indicator; baseline, targets and the rest carry theirs."""

    id: Id
    text: Text
    baseline: Optional[Baseline] = None
    midterm: Optional[Target] = None  # the mid-term review's target
    target: Optional[Target] = None  # the end-of-plan target
    means_of_verification: Optional[Text] = None
    frequency: Optional[Frequency] = None  # how often it is reported
    responsible: Optional[Id] = None  # institution that reports it


class Timeframe(Provenanced):
    start: int = Field(ge=1900, le=2100)
    end: int = Field(ge=1900, le=2100)


FundingStatus = Literal["to_be_costed", "estimated", "budgeted", "pledged", "secured"]


class Cost(Provenanced):
    """Indicative cost of an action; no amount until it is costed."""

    amount: Optional[float] = Field(default=None, ge=0)
    currency: Literal["USD", "KHR"] = "USD"
    funding_source: Optional[Text] = None  # national budget, a development partner...
    status: FundingStatus = "to_be_costed"


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
    lead_provenance: Optional[Provenance] = None  # required by validation
    partners: list[Id] = []
    partners_provenance: Optional[Provenance] = None  # required when there are partners
    themes: list[Id] = []
    indicators: list[Indicator] = []
    timeframe: Optional[Timeframe] = None
    cost: Optional[Cost] = None
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


class Period(Provenanced):
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
