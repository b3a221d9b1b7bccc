"""Labels, numbers and dates in the document's language.

Languages: ``en``, ``km`` and ``en-km`` (bilingual: English is the primary
language, Khmer is paired with it). Khmer uses Khmer digits (០-៩) and Babel's
km locale (CLDR) for month names and number formatting.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Union

import yaml
from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

from .khmer import normalise

LANGS = ("en", "km", "en-km")
LABELS_FILE = Path(__file__).with_name("i18n_labels.yaml")
_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def base_lang(lang: str) -> str:
    """The language of labels and numbers: Khmer for ``km``, English otherwise."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    return "km" if lang == "km" else "en"


@lru_cache(maxsize=None)
def _all_labels() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    for key, value in data.items():
        if not isinstance(value, dict) or not value.get("en") or not value.get("km"):
            raise ValueError(f"{LABELS_FILE.name}: label {key!r} needs both 'en' and 'km'")
        value["km"] = normalise(value["km"])
    return data


def labels(lang: str) -> dict[str, str]:
    """Every label in one language (``en-km`` gets English; pair with ``labels('km')``)."""
    b = base_lang(lang)
    return {k: v[b] for k, v in _all_labels().items()}


def label(key: str, lang: str) -> str:
    return _all_labels()[key][base_lang(lang)]


def khmer_digits(text: str) -> str:
    return str(text).translate(_KHMER_DIGITS)


def digits(text: Union[str, int], lang: str) -> str:
    """Localise the digits of an already formatted string (years, IDs stay Latin elsewhere)."""
    return khmer_digits(str(text)) if base_lang(lang) == "km" else str(text)


def number(n: Union[int, float], lang: str) -> str:
    """1234.5 -> '1,234.5' (en) / '១,២៣៤.៥' (km); whole floats lose their '.0'."""
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    b = base_lang(lang)
    text = format_decimal(n, locale=b, group_separator=True)
    return khmer_digits(text) if b == "km" else text


def format_date(date: dt.date, lang: str) -> str:
    """'21 November 2026' (en) / 'ថ្ងៃទី២១ ខែវិច្ឆិកា ឆ្នាំ២០២៦' (km, the formal Khmer style)."""
    if base_lang(lang) == "km":
        month = _babel_date(date, "MMMM", locale="km")
        return khmer_digits(f"ថ្ងៃទី{date.day} ខែ{month} ឆ្នាំ{date.year}")
    return _babel_date(date, "d MMMM y", locale="en")


def format_month(date: dt.date, lang: str) -> str:
    """'November 2026' (en) / 'ខែវិច្ឆិកា ឆ្នាំ២០២៦' (km)."""
    if base_lang(lang) == "km":
        return khmer_digits(f"ខែ{_babel_date(date, 'MMMM', locale='km')} ឆ្នាំ{date.year}")
    return _babel_date(date, "MMMM y", locale="en")


def year_range(start: int, end: int, lang: str) -> str:
    text = f"{start}–{end}" if start != end else f"{start}"
    return digits(text, lang)


def header_text(version: str, date: dt.date, lang: str) -> str:
    """'DRAFT v0.1 - 21 November 2026'. The version stays in Latin digits: it names the files."""
    return f"{label('draft', lang)} v{version} - {format_date(date, lang)}"
