"""Translation units: one per en/km text of the plan, as a translator sees it.

A unit carries what a translator needs beside the two texts: a stable key
(section, record ID and field path, unchanged when records move or reorder),
the data file it lives in, the documents it appears in, the pillar and
action, the neighbouring English sentence, and the glossary terms its English
uses with their required Khmer.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..model.bundle import Plan
from ..model.common import Translated, english_hash
from ..validate import translation as tr

# Which documents a section's texts appear in.
DOCS_OF_SECTION = {
    "metadata": ("nap", "tor", "consultations"), "institutions": ("nap", "tor", "consultations"),
    "tor": ("tor",), "consultations": ("consultations",), "glossary": ("nap", "glossary"),
}
DOC_NAMES = {"nap": "NAP-WPS", "tor": "ToR", "consultations": "Consultations", "glossary": "Glossary",
             "labels": "labels of every document"}
BATCH_DOCS = ("nap", "tor", "consultations", "glossary", "labels")


def fingerprint(text: Optional[str]) -> str:
    """Fingerprint of a Khmer text as exported (for the three-way check); '' for none."""
    return english_hash(text) if text else ""


@dataclass
class Unit:
    key: str
    file: str  # data file, relative to the data folder
    path: Path  # the data file itself
    loc: tuple  # where the text's mapping is inside the file
    site: tr.TextSite
    docs: tuple[str, ...]
    pillar: Optional[str]
    action: Optional[str]
    neighbour: str  # the English text before this one in the same record
    terms: list[tr.Term]

    @property
    def text(self) -> Translated:
        return self.site.text

    @property
    def en_hash(self) -> str:
        return english_hash(self.text.en)

    @property
    def state(self) -> str:
        """'missing', 'stale' or the status: what the translator is asked to do."""
        t = self.text
        if not t.km:
            return "missing"
        return "stale" if t.stale else t.status

    def context(self) -> str:
        parts = [", ".join(DOC_NAMES[d] for d in self.docs)]
        if self.pillar:
            parts.append(f"pillar {self.pillar}")
        if self.action:
            parts.append(f"action {self.action}")
        field = ".".join(str(p) for p in self.site.key_path) or \
            ("term" if self.site.section == "glossary" else self.site.record_id or "")
        parts.append(field)
        out = " · ".join(parts)
        if self.neighbour:
            out += f"\nbefore: {self.neighbour[:300]}"
        return out

    def terms_text(self) -> str:
        return "\n".join(f"{t.en} → {t.km or '(no Khmer yet)'}" for t in self.terms)


def _pillar_of(plan: Plan, site: tr.TextSite) -> Optional[str]:
    rec = site.record
    if site.section == "pillars":
        return rec.id
    if site.section in ("actions", "outcomes"):
        return getattr(rec, "pillar", None)
    if site.section == "outputs":
        return plan.pillar_of_output(rec.id)
    return getattr(rec, "pillar", None) if isinstance(getattr(rec, "pillar", None), str) else None


def label_units(terms: list[tr.Term], labels_file: Optional[Path] = None) -> list[Unit]:
    """The documents' own labels (headings, 'Lead', 'translation pending'...), keyed 'labels:<name>'."""
    from pydantic import ValidationError

    from ..i18n import LABELS_FILE
    from ..load.yaml_loader import load_file
    from ..model.common import Text

    path = Path(labels_file or LABELS_FILE)
    loaded = load_file(path, path.name)
    units = []
    for name, value in (loaded.data or {}).items():
        if not isinstance(value, dict) or not isinstance(value.get("en"), str):
            continue
        try:
            text = Text.model_validate(value)
        except ValidationError:
            continue  # the labels' own test reports a broken label
        site = tr.TextSite("labels", None, str(name), (), (), text)
        units.append(Unit(site.key, f"docgen/{path.name}", path, (name,), site, ("labels",), None, None, "",
                          tr.terms_in(text.en, terms)))
    return units


def plan_units(plan: Plan, *, labels: bool = True, labels_file: Optional[Path] = None) -> list[Unit]:
    """Every text of the plan data, then (``labels``) the documents' own labels."""
    terms = tr.term_base(plan)
    units: list[Unit] = []
    last_en: dict[int, str] = {}
    for site in tr.text_sites(plan):
        origin = plan.origin(site.record)
        if origin is None:
            continue
        path = Path(origin.file.path)
        try:
            file = str(path.resolve().relative_to(Path(plan.root).resolve()))
        except ValueError:
            file = origin.file.display
        docs = DOCS_OF_SECTION.get(site.section, ("nap",))
        action = site.record.id if site.section == "actions" else None
        own_terms = [] if site.section == "glossary" and not site.sub else tr.terms_in(site.text.en, terms)
        units.append(Unit(site.key, file, path, tuple(origin.loc) + tuple(site.sub), site, docs,
                          _pillar_of(plan, site), action, last_en.get(id(site.record), ""), own_terms))
        last_en[id(site.record)] = " ".join(site.text.en.split())
    if labels:
        units += label_units(terms, labels_file)
    return units


def select(units: Iterable[Unit], *, everything: bool = False, docs: Optional[list[str]] = None,
           pillars: Optional[list[str]] = None) -> list[Unit]:
    """A translator's batch: by default only what needs work (missing, draft, stale)."""
    out = []
    for u in units:
        if not everything and not tr.needs_work(u.text):
            continue
        if docs and not any(d in u.docs for d in docs):
            continue
        if pillars and u.pillar not in pillars:
            continue
        out.append(u)
    return out
