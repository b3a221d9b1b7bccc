"""Where a statement comes from: a source, the drafters' proposal, or the secretariat's decision.

Every statement a reviewer may question (a lead, a partner list, an indicator, a
target, a timeframe, a cost, a ToR clause, the plan period) carries exactly one of

- ``source:``   a citation of a source document (file, line, section);
- ``proposed:`` the drafting team's proposal, with a short rationale, to be
  validated in consultation;
- ``decided:``  a decision of the NAP-WPS secretariat, with the round or date.

Records that hold their provenance inline inherit :class:`Provenanced` (the three
keys sit beside the record's own keys); lists such as an action's leads get a
separate ``lead_provenance:`` holding a :class:`Provenance`. The schema allows at
most one kind; validation (``docgen validate``) requires one where it is missing.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import model_validator

from .common import SourceRef, Strict, Text

Kind = Literal["source", "proposed", "decided"]


class Proposal(Strict):
    """The drafting team proposes this; consultation validates or changes it."""

    rationale: Text  # why: one or two sentences a reviewer can weigh


class Decision(Strict):
    """The NAP-WPS secretariat decided this, in a review round or on a date."""

    round: Optional[str] = None  # e.g. "round1", the feedback round the decision answers
    date: Optional[dt.date] = None
    by: str = "NAP-WPS secretariat"
    note: Optional[Text] = None

    @model_validator(mode="after")
    def _when(self):
        if self.round is None and self.date is None:
            raise ValueError("a decision says when it was taken: add 'round:' or 'date:'")
        return self


class Provenanced(Strict):
    """Mixin: the record carries ``source:``, ``proposed:`` or ``decided:`` (at most one)."""

    source: Optional[SourceRef] = None
    proposed: Optional[Proposal] = None
    decided: Optional[Decision] = None

    @model_validator(mode="after")
    def _one_kind(self):
        given = [k for k in ("source", "proposed", "decided") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one provenance, not {' and '.join(given)}: "
                             "'source:' (a citation), 'proposed:' (the drafters' proposal) or 'decided:'")
        return self

    @property
    def provenance_kind(self) -> Optional[Kind]:
        for k in ("source", "proposed", "decided"):
            if getattr(self, k) is not None:
                return k  # type: ignore[return-value]
        return None


class Provenance(Provenanced):
    """A provenance on its own (for a list such as an action's leads): exactly one kind."""

    @model_validator(mode="after")
    def _exactly_one(self):
        if self.provenance_kind is None:
            raise ValueError("empty provenance: give 'source:', 'proposed:' or 'decided:'")
        return self
