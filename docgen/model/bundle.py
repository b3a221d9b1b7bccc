"""The whole validated plan, as the later stages see it."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

from .consultation import Consultation
from .feedback import FeedbackRound
from .framework import (LocalisationItem, OutcomeIndicator, PolicyLink, Reporting, ReviewNote, Risk,
                        SourceDocument, Vision)
from .plan import (Action, AseanOutput, GlossaryTerm, Institution, Outcome, Pillar,
                   PlanMetadata, Section, Theme)
from .tor import TermsOfReference

# Top-level keys a plan_data/*.yaml file may hold, and what each holds.
LIST_SECTIONS: dict[str, type] = {
    "pillars": Pillar,
    "outcomes": Outcome,
    "outputs": AseanOutput,
    "institutions": Institution,
    "themes": Theme,
    "actions": Action,
    "sections": Section,
    "glossary": GlossaryTerm,
    "outcome_indicators": OutcomeIndicator,
    "risks": Risk,
    "monitoring": Reporting,
    "localisation": LocalisationItem,
    "legal_basis": PolicyLink,
    "source_documents": SourceDocument,
    "review_notes": ReviewNote,
}
SINGLE_SECTIONS: dict[str, type] = {
    "metadata": PlanMetadata,
    "tor": TermsOfReference,
    "vision": Vision,
}
# Folders whose files each hold one record (the whole file is the record).
RECORD_FOLDERS: dict[str, type] = {
    "consultations": Consultation,
    "feedback": FeedbackRound,
}


@dataclass
class Origin:
    """Where a record was defined: file and path inside it."""

    file: Any  # LoadedFile
    loc: tuple

    def where(self, *sub) -> tuple[str, Optional[int], Optional[int]]:
        line, col = self.file.where(self.loc + tuple(sub))
        return self.file.display, line, col


@dataclass
class Plan:
    root: Path
    metadata: PlanMetadata
    pillars: list[Pillar] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    outputs: list[AseanOutput] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    tor: Optional[TermsOfReference] = None
    vision: Optional[Vision] = None
    outcome_indicators: list[OutcomeIndicator] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    monitoring: list[Reporting] = field(default_factory=list)
    localisation: list[LocalisationItem] = field(default_factory=list)
    legal_basis: list[PolicyLink] = field(default_factory=list)
    source_documents: list[SourceDocument] = field(default_factory=list)
    review_notes: list[ReviewNote] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    feedback: list[FeedbackRound] = field(default_factory=list)  # harvested review rounds
    origins: dict[int, Origin] = field(default_factory=dict, repr=False)

    def origin(self, obj: object) -> Optional[Origin]:
        return self.origins.get(id(obj))

    # Lookups by ID, built once.
    @cached_property
    def pillar(self) -> dict[str, Pillar]:
        return {p.id: p for p in self.pillars}

    @cached_property
    def outcome(self) -> dict[str, Outcome]:
        return {o.id: o for o in self.outcomes}

    @cached_property
    def output(self) -> dict[str, AseanOutput]:
        return {o.id: o for o in self.outputs}

    @cached_property
    def institution(self) -> dict[str, Institution]:
        return {i.id: i for i in self.institutions}

    @cached_property
    def theme(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}

    @cached_property
    def action(self) -> dict[str, Action]:
        return {a.id: a for a in self.actions}

    @cached_property
    def section(self) -> dict[str, Section]:
        return {s.id: s for s in self.sections}

    @cached_property
    def source_document(self) -> dict[str, SourceDocument]:
        """Source documents by seed file name."""
        return {d.file: d for d in self.source_documents}

    def pillar_of_output(self, output_id: str) -> Optional[str]:
        out = self.output.get(output_id)
        oc = self.outcome.get(out.outcome) if out else None
        return oc.pillar if oc else None

    def actions_for_output(self, output_id: str) -> list[Action]:
        return [a for a in self.actions if output_id in a.asean_outputs]

    @property
    def version(self) -> str:
        return self.metadata.version
