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
        return Tx(value.en, value.km or None, en_ok_in_km)
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


def source(ref: Optional[SourceRef]) -> Optional[Tx]:
    """'Source: report §8.1.1' (the section when known, else the source document's title)."""
    if ref is None:
        return None
    if ref.section:
        return Tx(f"{i18n.label('source', 'en')}: {i18n.label('report', 'en')} §{ref.section}",
                  f"{i18n.label('source', 'km')}: {i18n.label('report', 'km')} §{i18n.digits(ref.section, 'km')}")
    en, km = SOURCE_TITLES.get(ref.file, ("source document", "ឯកសារប្រភព"))
    return Tx(f"{i18n.label('source', 'en')}: {en}", f"{i18n.label('source', 'km')}: {km}")


# How readers know the source documents (seeds/README.md): a document never cites a file name.
SOURCE_TITLES: dict[str, tuple[str, str]] = {
    "003_465d7293abc2d4a4.txt": ("Situation Analysis Report on WPS in Cambodia (MoWA/UN Women, 2025)",
                                 "របាយការណ៍វិភាគស្ថានភាពស្ត្រី សន្តិភាព និងសន្តិសុខនៅកម្ពុជា (ក្រសួងកិច្ចការនារី/UN Women ២០២៥)"),
    "001_9ead8a71501577e0.txt": ("Foundations of Women, Peace & Security (Women Peace Makers, 2025)",
                                 "មូលដ្ឋានគ្រឹះនៃស្ត្រី សន្តិភាព និងសន្តិសុខ (Women Peace Makers ២០២៥)"),
    "002_b986c2f325d10413.txt": ("UN Women news release on the workshop of 18 December 2024",
                                 "ព័ត៌មាន UN Women អំពីសិក្ខាសាលាថ្ងៃទី១៨ ខែធ្នូ ឆ្នាំ២០២៤"),
    "004_d5b82e04dea79d70.txt": ("report on the ASEAN Localisation Toolkit launch, 14-15 December 2023",
                                 "របាយការណ៍អំពីការដាក់ឱ្យប្រើប្រាស់ឧបករណ៍ធ្វើមូលដ្ឋានីយកម្មអាស៊ាន ថ្ងៃទី១៤-១៥ ខែធ្នូ ឆ្នាំ២០២៣"),
    "000_77fee85001ee5245.txt": ("profile of Women Peace Makers", "ប្រវត្តិរូបអង្គការ Women Peace Makers"),
}


def sources(refs: list[SourceRef]) -> Optional[Tx]:
    """Several citations in one line, sections merged: 'Source: report §8.2, §8.3'."""
    if not refs:
        return None
    if len(refs) == 1:
        return source(refs[0])
    parts = [source(r) for r in refs]
    head_en, head_km = i18n.label("source", "en") + ": ", i18n.label("source", "km") + ": "
    return Tx(head_en + "; ".join(p.en[len(head_en):] for p in parts),
              head_km + "; ".join(p.km[len(head_km):] for p in parts))
