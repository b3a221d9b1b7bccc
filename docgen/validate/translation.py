"""Translation checks: stale Khmer, the term base, and what a translation must carry.

A Khmer text is *out of date* (stale) when the fingerprint of the English it
translates (``en_hash``) no longer matches its English. The term base is the
glossary: where an English text uses a glossary term, its Khmer is expected to
use the term's agreed Khmer. Numbers, acronyms and IDs are carried unchanged
(digits may be Khmer). These functions are shared by ``docgen validate``,
``docgen status`` and ``docgen translate import``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

from pydantic import BaseModel

from ..model.bundle import LIST_SECTIONS, SINGLE_SECTIONS, Plan
from ..model.common import Translated, english_hash

# Every plan section whose records carry texts (review rounds are the secretariat's
# working records, not translated text).
TEXT_SECTIONS: tuple[str, ...] = (*SINGLE_SECTIONS, *LIST_SECTIONS, "consultations")
KHMER = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]")
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u00a0]+")
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


# --- where the texts are ---------------------------------------------------------


@dataclass(frozen=True)
class TextSite:
    """One translatable text: its record, its place below the record, its key."""

    section: str  # 'actions', 'metadata', 'consultations'...
    record: object  # the model the origin points at
    record_id: Optional[str]  # None for single sections (metadata, tor)
    sub: tuple  # path below the record, list indices included ('indicators', 0, 'text')
    key_path: tuple  # the same path with list items named by their IDs where they have one
    text: Translated

    @property
    def key(self) -> str:
        """Stable across reordering and files: 'actions:PROT_01:indicators.PROT_01_I1.text'."""
        path = ".".join(str(p) for p in self.key_path)
        head = self.section if self.record_id is None else f"{self.section}:{self.record_id}"
        return f"{head}:{path}" if path else head


def _walk(obj: object, sub: tuple, key: tuple) -> Iterator[tuple[tuple, tuple, Translated]]:
    if isinstance(obj, Translated):
        yield sub, key, obj
        # a glossary term's definition is a text of its own
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if value is not None and not isinstance(value, (str, int, float, bool)):
                yield from _walk(value, sub + (name,), key + (name,))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            ident = getattr(item, "id", None)
            yield from _walk(item, sub + (i,), key + (ident if isinstance(ident, str) else i,))


def text_sites(plan: Plan) -> Iterator[TextSite]:
    """Every en/km text of the plan, in file order."""
    for section in TEXT_SECTIONS:
        value = getattr(plan, section, None)
        if value is None:
            continue
        records = value if isinstance(value, list) else [value]
        single = not isinstance(value, list)
        for rec in records:
            rid = None if single else str(getattr(rec, "id", records.index(rec)))
            for sub, key, text in _walk(rec, (), ()):
                yield TextSite(section, rec, rid, sub, key, text)


# --- the term base ------------------------------------------------------------------


def squash(text: str) -> str:
    """Khmer compared without the spaces and zero-width marks that vary between writers."""
    return _SPACE.sub("", text or "")


@dataclass(frozen=True)
class Term:
    en: str
    km: Optional[str]
    id: str
    pattern: re.Pattern


def term_base(plan: Plan) -> list[Term]:
    out = []
    for g in plan.glossary:
        words = [re.escape(w) for w in g.en.split()]
        # the last word may take a plural: 'survivor' also finds 'survivors'
        pattern = re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?:s|es)?(?![\w-])", re.I)
        out.append(Term(g.en, g.km, g.id, pattern))
    return out


def terms_in(english: str, terms: Iterable[Term]) -> list[Term]:
    """The glossary terms an English text uses; a term inside a longer one found at
    the same place ('security' in 'human security') does not count on its own."""
    spans = []
    for t in terms:
        for m in t.pattern.finditer(english):
            spans.append((m.start(), m.end(), t))
    found, seen = [], set()
    for start, end, t in spans:
        inside = any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
        if not inside and t.id not in seen:
            seen.add(t.id)
            found.append(t)
    return found


def missing_terms(english: str, khmer: str, terms: Iterable[Term]) -> list[Term]:
    """Terms whose Khmer the translation does not use (terms without Khmer are skipped)."""
    km = squash(khmer)
    return [t for t in terms_in(english, terms) if t.km and squash(t.km) not in km]


# --- what a translation carries ------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
# Acronyms and IDs: two or more capitals (SGBV, MoWA, NAP-WPS, PROT_01, UN), kept in Latin letters.
_ACRONYM = re.compile(r"(?<![\w-])(?:[A-Z][A-Za-z]*[A-Z][A-Za-z]*|[A-Z]+_\d+(?:_[A-Z]\d+)?)(?:[-/][A-Z]+)*(?![\w-])")


def carried_tokens(english: str) -> list[str]:
    numbers = [n.rstrip(".,") for n in _NUMBER.findall(english)]
    acronyms = _ACRONYM.findall(english)
    return list(dict.fromkeys(numbers + acronyms))


def missing_tokens(english: str, khmer: str, equivalents: Optional[dict[str, list[str]]] = None) -> list[str]:
    """Numbers, acronyms and IDs of the English that the Khmer lacks. Khmer digits count
    as digits; an acronym also counts as carried when one of its Khmer ``equivalents``
    (an institution's Khmer name) is there."""
    km = (khmer or "").translate(_KHMER_DIGITS)
    km_squashed = squash(km)
    out = []
    for token in carried_tokens(english):
        if token[0].isdigit():
            if token in km or token.replace(",", "") in km.replace(",", ""):
                continue
        elif re.search(rf"(?<![A-Za-z]){re.escape(token)}(?![A-Za-z])", km):
            continue
        elif any(squash(e) in km_squashed for e in (equivalents or {}).get(token, []) if e):
            continue
        out.append(token)
    return out


def acronym_equivalents(plan: Plan) -> dict[str, list[str]]:
    eq: dict[str, list[str]] = {}
    for inst in plan.institutions:
        for acr in {inst.acronym.en, inst.id, *inst.aliases}:
            if inst.name.km:
                eq.setdefault(acr, []).append(inst.name.km)
    return eq


def is_khmer(text: str) -> bool:
    return bool(KHMER.search(text or ""))


# --- counts for ``docgen status`` ------------------------------------------------------


def translation_counts(plan: Plan) -> dict[str, int]:
    """How many texts there are and where their Khmer stands.

    ``missing`` have no Khmer; the others are ``draft``, ``reviewed`` or ``approved``;
    ``stale`` (out of date: the English changed since) is counted across statuses.
    """
    counts = {"texts": 0, "missing": 0, "draft": 0, "reviewed": 0, "approved": 0, "stale": 0}
    for site in text_sites(plan):
        t = site.text
        counts["texts"] += 1
        if not t.km:
            counts["missing"] += 1
            continue
        counts[t.status] += 1
        counts["stale"] += t.stale
    return counts


def needs_work(text: Translated) -> bool:
    """Missing, draft or out of date: what a translator's batch should hold."""
    return not text.km or text.status == "draft" or text.stale


__all__ = ["TextSite", "text_sites", "term_base", "terms_in", "missing_terms", "missing_tokens",
           "carried_tokens", "acronym_equivalents", "translation_counts", "needs_work", "english_hash",
           "is_khmer", "squash"]
