"""Values handed to templates: texts in both languages, never pre-rendered Markdown.

A :class:`Tx` holds the English and Khmer forms of one thing (a data text, a
label, a date, a number). The template environment renders it for the
document's language, so templates stay language-agnostic, and in the bilingual
document a template can ask for either side (``{{ x|t("km") }}``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional, Union

from .. import i18n
from ..model.common import SourceRef, Text


@dataclass(frozen=True)
class Tx:
    en: str
    km: Optional[str] = None
    # True where English is an acceptable Khmer form (acronyms such as "UN Women"):
    # shown without the "translation pending" flag.
    en_ok_in_km: bool = False
    # Numbers, dates, years: in the bilingual document's shared cells (tables) the
    # English form alone; the Khmer column of a pair still gets Khmer digits.
    numeric: bool = False
    # The Khmer translates an older English text: shown, flagged like a missing one.
    stale: bool = False

    @property
    def missing_km(self) -> bool:
        return not self.km and not self.en_ok_in_km

    def __str__(self) -> str:  # for sorting and debugging only; templates render through the environment
        return self.en


def tx(value: Union[Text, Tx, str, None], *, en_ok_in_km: bool = False) -> Optional[Tx]:
    """A model Text (or a plain string that is the same in both languages) as a Tx."""
    if value is None or isinstance(value, Tx):
        return value
    if isinstance(value, Text):
        return Tx(value.en, value.km or None, en_ok_in_km, stale=value.stale)
    return Tx(str(value), str(value), True)


def label(key: str) -> Tx:
    return Tx(i18n.label(key, "en"), i18n.label(key, "km"))


def labels() -> dict[str, Tx]:
    en, km = i18n.labels("en"), i18n.labels("km")
    return {k: Tx(en[k], km[k]) for k in en}


class LabelTable:
    """A document module's own (en, km) labels: ``L(key, **fmt)`` and ``L.all()``."""

    def __init__(self, table: dict[str, tuple[str, str]]):
        self.table = table

    def __call__(self, key: str, **fmt: str) -> Tx:
        en, km = self.table[key]
        return Tx(en.format(**fmt), km.format(**fmt)) if fmt else Tx(en, km)

    def all(self, **fmt: str) -> dict[str, Tx]:
        return {k: self(k, **fmt) for k in self.table}


def date(d: dt.date) -> Tx:
    return Tx(i18n.format_date(d, "en"), i18n.format_date(d, "km"), numeric=True)


def number(n: Union[int, float]) -> Tx:
    return Tx(i18n.number(n, "en"), i18n.number(n, "km"), numeric=True)


def digits(text: Union[str, int]) -> Tx:
    return Tx(str(text), i18n.digits(text, "km"), numeric=True)


def years(start: int, end: int) -> Tx:
    return Tx(i18n.year_range(start, end, "en"), i18n.year_range(start, end, "km"), numeric=True)


_NAMED_PARTS = {"executive summary": ("Executive Summary", "សេចក្ដីសង្ខេបប្រតិបត្តិ"),
                "foreword": ("Foreword", "អារម្ភកថា"), "glossary": ("Glossary", "សទ្ទានុក្រម"),
                "acronyms": ("Acronyms", "អក្សរកាត់")}


def _section(section: str, lang: str) -> str:
    """'§3.2' for a numbered section, the name itself for a named part ('Executive Summary')."""
    sec = section.strip()
    named = _NAMED_PARTS.get(sec.casefold())
    if named:
        return named[0] if lang == "en" else named[1]
    if sec[:1].isdigit():
        return "§" + i18n.digits(sec, lang)
    if sec.lower().startswith("annex"):
        return i18n.label("annex", lang) + " " + i18n.digits(sec.split(None, 1)[1], lang) if " " in sec else sec
    return sec


def source(ref: Optional[SourceRef], plan=None) -> Optional[Tx]:
    """A citation as a reader expects it: 'Situation Analysis Report on WPS in Cambodia,
    MoWA/UN Women 2025, §8.1.1'. Never a file name or a line number: those stay in the data."""
    if ref is None:
        return None
    docs = getattr(plan, "source_document", None) or {}
    doc = docs.get(ref.file)
    parts = {}
    for lang in ("en", "km"):
        if doc is None:
            head = {"en": "Source document", "km": "ឯកសារប្រភព"}[lang]
        else:
            title = (doc.short_title or doc.title).get(lang)
            pub = doc.publisher.get(lang) + (f" {i18n.digits(doc.year, lang)}" if doc.year else "")
            head = f"{title}, {pub}"
        parts[lang] = head + (f", {_section(ref.section, lang)}" if ref.section else "")
    return Tx(parts["en"], parts["km"])


def sources(refs: list[SourceRef], plan=None) -> Optional[Tx]:
    """Several citations in one note, the same document named once: 'Situation Analysis
    Report on WPS in Cambodia, MoWA/UN Women 2025, §8.2, §8.3'."""
    if not refs:
        return None
    groups: dict[str, list[SourceRef]] = {}
    for r in refs:
        groups.setdefault(r.file, []).append(r)
    out = {"en": [], "km": []}
    for file, group in groups.items():
        first = source(group[0], plan)
        en, km = first.en, first.km
        seen = {group[0].section}
        for r in group[1:]:
            if r.section and r.section not in seen:
                seen.add(r.section)
                en += ", " + _section(r.section, "en")
                km += ", " + _section(r.section, "km")
        out["en"].append(en)
        out["km"].append(km)
    return Tx("; ".join(out["en"]), "; ".join(out["km"]))
