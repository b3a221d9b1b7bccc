"""Khmer checks: one spelling per word, labels that use the glossary's terms, and the
terms the plan data adds to the Khmer lexicon (docgen.khmer)."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from .. import i18n, khmer
from ..diagnostics import Diagnostic, Severity
from ..model.bundle import Plan
from ..model.common import Text

WARN = Severity.WARNING


def lexicon_terms(plan: Plan) -> list[str]:
    """Khmer words the plan data defines: glossary terms, institution and place names."""
    terms = [g.km for g in plan.glossary if g.km]
    terms += [i.name.km for i in plan.institutions if i.name.km]
    terms += [c.place.km for c in plan.consultations if c.place.km]
    return terms


def _texts(obj: object, sub: tuple) -> Iterator[tuple[tuple, str]]:
    """(path, Khmer string) of every Khmer text inside a record."""
    if isinstance(obj, Text):
        if obj.km:
            yield sub + ("km",), obj.km
        return
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _texts(item, sub + (i,))
        return
    fields = getattr(type(obj), "model_fields", None)
    if fields is None:
        return
    for name in fields:
        value = getattr(obj, name)
        if name == "km" and isinstance(value, str):  # glossary terms hold a plain km string
            yield sub + ("km",), value
        elif not isinstance(value, (str, int, float, bool)) and value is not None:
            yield from _texts(value, sub + (name,))


def _records(plan: Plan) -> Iterator[object]:
    yield plan.metadata
    for kind in ("pillars", "outcomes", "outputs", "institutions", "themes", "actions", "sections",
                 "glossary", "consultations"):
        yield from getattr(plan, kind)
    if plan.tor is not None:
        yield plan.tor


def _variant_words(text: str) -> list[tuple[str, str]]:
    """(word as written, preferred) for each word of ``text`` that normalise() changes."""
    out = []
    for run, _ in khmer.spelling_variants(text):
        for word in khmer.words(run):
            fixed = khmer.normalise(word)
            if fixed != word and (word, fixed) not in out:
                out.append((word, fixed))
    return out or khmer.spelling_variants(text)


def check_spelling(plan: Plan, strict: bool = False) -> list[Diagnostic]:
    """Data texts that write a variant spelling: one warning per text with --strict, else
    one per file. The documents print the preferred form anyway (docgen.khmer.normalise
    runs on every rendered document); the data is the editors' to correct."""
    found: dict[str, list[tuple[Optional[int], Optional[int], str, list]]] = {}
    for rec in _records(plan):
        origin = plan.origin(rec)
        for sub, text in _texts(rec, ()):
            words = _variant_words(text)
            if not words:
                continue
            file, line, col = origin.where(*sub) if origin else (str(plan.root), None, None)
            path = ".".join(map(str, (origin.loc if origin else ()) + sub))
            found.setdefault(file, []).append((line, col, path, words))
    hint = f"write the preferred form (the variants are listed in docgen/{khmer.SPELLING_FILE.name})"
    out = []
    for file, items in sorted(found.items()):
        if strict:
            for line, col, path, words in items:
                shown = "; ".join(f"{a} -> {b}" for a, b in words)
                out.append(Diagnostic(file, line, col, path, f"Khmer variant spelling: {shown}",
                                      hint=hint, severity=WARN, code="km-spelling"))
            continue
        pairs = []
        for *_, words in items:
            pairs += [p for p in words if p not in pairs]
        shown = "; ".join(f"{a} -> {b}" for a, b in pairs[:4]) + (" ..." if len(pairs) > 4 else "")
        out.append(Diagnostic(file, min(i[0] or 0 for i in items), None, "",
                              f"{len(items)} Khmer text(s) use variant spellings (the documents print the "
                              f"preferred form): {shown}",
                              hint=hint + "; 'docgen validate --strict' lists each one",
                              severity=WARN, code="km-spelling"))
    return out


def _mentions(english: str, term: str) -> bool:
    """Whether an English label uses an English term (whole words, plural allowed)."""
    return re.search(rf"(?<![\w-]){re.escape(term)}s?(?![\w-])", english, re.I) is not None


def _term_names(g) -> list[str]:
    # The term and its ID read as words ('partner' for 'partner institution').
    names = [g.en]
    alias = g.id.replace("_", " ")
    if alias.lower() != g.en.lower() and len(alias) > 3:
        names.append(alias)
    return names


def label_term_conflicts(plan: Plan, table: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(label key, glossary term ID, glossary Khmer) for each label whose English uses a
    glossary term while its Khmer does not use that term's Khmer."""
    out = []
    for key, (en, km) in table.items():
        km_n = khmer.normalise(km)
        for g in plan.glossary:
            if not g.km or not any(_mentions(en, n) for n in _term_names(g)):
                continue
            if khmer.normalise(g.km) not in km_n:
                out.append((key, g.id, g.km))
    return out


def _label_lines() -> dict[str, int]:
    lines = {}
    for n, line in enumerate(i18n.LABELS_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        m = re.match(r"([A-Za-z0-9_-]+):", line)
        if m:
            lines[m.group(1)] = n
    return lines


def check_labels(plan: Plan, table: Optional[dict[str, tuple[str, str]]] = None) -> list[Diagnostic]:
    """The documents' Khmer labels (docgen/i18n_labels.yaml) use the glossary's terms."""
    if table is None:
        en, km = i18n.labels("en"), i18n.labels("km")
        table = {k: (en[k], km[k]) for k in en}
    lines = _label_lines()
    out = []
    for key, term_id, term_km in label_term_conflicts(plan, table):
        g = next(t for t in plan.glossary if t.id == term_id)
        origin = plan.origin(g)
        where = f" (glossary: {origin.where('km')[0]}:{origin.where('km')[1]})" if origin else ""
        out.append(Diagnostic(str(i18n.LABELS_FILE), lines.get(key), None, key,
                              f"label '{key}' translates '{g.en}' without the glossary's term '{term_km}'{where}",
                              hint=f"use '{term_km}' in the label's km text, or change the glossary term",
                              severity=WARN, code="km-label-term"))
    return out


def check_khmer_text(plan: Plan, strict: bool = False) -> list[Diagnostic]:
    return check_spelling(plan, strict) + check_labels(plan)


def use_plan_lexicon(plan: Plan) -> None:
    """Give Khmer segmentation the plan's own words (and plan_data/khmer_words.txt)."""
    khmer.use_terms(lexicon_terms(plan), plan.root)
