"""Context of the NAP-WPS draft (templates/nap.md.j2).

Plain dicts of :class:`Tx` values, strings and numbers: nothing here is
Markdown, so the template environment escapes all of it.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from .. import i18n
from ..anchors import bookmark_for
from ..model.bundle import Plan
from ..model.plan import Action, Baseline, Indicator, Target
from . import nap_parts as parts
from . import values as v
from .matrix import matrix_context
from .values import Tx, tx

# Narrative sections shown after the matrix, in this order; every other SEC_* section
# is part of "Introduction and context", in data order.
CLOSING_SECTIONS = ("SEC_coordination", "SEC_monitoring", "SEC_reporting", "SEC_financing", "SEC_review")


def common_context(plan: Plan, lang: str) -> dict[str, Any]:
    """What every document's template needs: language, labels, cover metadata."""
    i18n.base_lang(lang)  # validates lang
    md = plan.metadata
    ministry = plan.institution.get(md.issuing_ministry)
    return {
        "lang": lang,
        "bilingual": lang == "en-km",
        "khmer_cover": lang in ("km", "en-km"),
        "L": v.labels(),
        "version": md.version,
        "date": v.date(md.date),
        "status": v.label(f"status_{md.status}"),
        "show_status": md.status != "draft",  # "DRAFT" is always on the cover
        "period": v.years(md.period.start, md.period.end),
        "period_proposed": md.period.provenance_kind == "proposed",  # a working assumption until decided
        "country": tx(md.country),
        "ministry": tx(ministry.name) if ministry else tx(md.issuing_ministry),
        "supported_by": [tx(plan.institution[i].name) for i in md.supported_by if i in plan.institution],
    }


def _numbered(key: str, number, name: Optional[Tx] = None) -> Tx:
    """'Pillar 1: Protection' / 'សសរស្តម្ភ ១: ការការពារ' (pending if the name has no Khmer)."""
    lab, n = v.label(key), v.digits(number)
    en = f"{lab.en} {n.en}" + (f": {name.en}" if name else "")
    if name and name.missing_km:
        return Tx(en, None)
    km = f"{lab.km} {n.km}" + (f"៖ {name.km or name.en}" if name else "")
    return Tx(en, km)


def _inst(plan: Plan, ref: str) -> Tx:
    inst = plan.institution.get(ref)
    # Acronyms usually stay in Latin letters in Khmer text: no "pending" flag for them.
    return tx(inst.acronym, en_ok_in_km=True) if inst else tx(ref)


def _figure(value: Optional[float], unit: str) -> Optional[Tx]:
    if value is None:
        return None
    n = v.number(value)
    if unit == "percent":
        return Tx(n.en + " %", n.km + " %", numeric=True)
    return n


def _baseline(b: Optional[Baseline]) -> Optional[Tx]:
    return parts.figure(b)


def _target(t: Optional[Target]) -> Optional[Tx]:
    if t is None:
        return None
    yr = v.digits(t.year)
    fig = _figure(t.value, t.unit)
    parts_en = [f"{fig.en} ({yr.en})" if fig else yr.en]
    parts_km = [f"{fig.km} ({yr.km})" if fig else yr.km]
    if t.text:
        parts_en.append(t.text.en)
        parts_km.append(t.text.km or None)
    if None in parts_km:  # part of the target has no Khmer: the whole is pending
        return Tx("; ".join(parts_en), None)
    return Tx("; ".join(parts_en), "; ".join(parts_km), numeric=not t.text)


def _proposed(p) -> bool:
    return p is not None and p.provenance_kind == "proposed"


def _frequency(freq: Optional[str]) -> Optional[Tx]:
    return parts.FREQUENCY(freq) if freq else None


def _indicator(plan: Plan, ind: Indicator) -> dict[str, Any]:
    return {
        "id": ind.id,
        "anchor": bookmark_for("indicator", ind.id),
        "text": tx(ind.text),
        "proposed": ind.provenance_kind == "proposed",
        "baseline": _baseline(ind.baseline),
        "baseline_source": v.source(ind.baseline.source, plan) if ind.baseline else None,
        "baseline_note": tx(ind.baseline.retained_because) if ind.baseline and ind.baseline.retained_because else None,
        "target": _target(ind.target),
        "target_proposed": bool(ind.target and ind.target.provenance_kind == "proposed"),
        "target_source": v.source(ind.target.source, plan) if ind.target and ind.target.source else None,
        "midterm": _target(ind.midterm),
        "midterm_proposed": bool(ind.midterm and ind.midterm.provenance_kind == "proposed"),
        "means_of_verification": tx(ind.means_of_verification),
        "frequency": _frequency(ind.frequency),
        "responsible": _inst(plan, ind.responsible) if ind.responsible else None,
    }


def action_context(plan: Plan, a: Action) -> dict[str, Any]:
    return {
        "id": a.id,
        "anchor": bookmark_for("action", a.id),
        "text": tx(a.text),
        "lead": [_inst(plan, i) for i in a.lead],
        "partners": [_inst(plan, i) for i in a.partners],
        "outputs": [{"id": o, "number": v.digits(o), "anchor": bookmark_for("output", o)} for o in a.asean_outputs],
        "themes": [{"id": t, "anchor": bookmark_for("theme", t)} for t in a.themes if t in plan.theme],
        "indicators": [_indicator(plan, i) for i in a.indicators],
        "timeframe": v.years(a.timeframe.start, a.timeframe.end) if a.timeframe else None,
        "source": v.source(a.source, plan),
        "status": a.status,
        "lead_proposed": _proposed(a.lead_provenance),
        "partners_proposed": _proposed(a.partners_provenance),
        "timeframe_proposed": _proposed(a.timeframe),
    }


def is_acronym(short: str, name: str) -> bool:
    """Whether an institution's short form is an abbreviation worth listing under "Acronyms".

    Group entries ("Development partners", "Media") and plain short names ("Senate",
    "Canada", "Kdei Karuna") are not: their short form equals the name or is made of
    ordinary words (no word with a capital or digit after its first letter).
    """
    short = (short or "").strip()
    if not short or short.casefold() == (name or "").strip().casefold():
        return False
    words = short.replace("/", " ").replace("-", " ").split()
    return any(len(wd) > 1 and any(c.isupper() or c.isdigit() for c in wd[1:]) for wd in words)


def institutions_used(plan: Plan, live: list[Action]) -> set[str]:
    """Institutions the draft names: referenced by ID, or their acronym (or an alias) written in
    one of its texts. Only these go into the list of acronyms."""
    from ..status import _nap_records, _walk_texts

    used = {plan.metadata.issuing_ministry, *plan.metadata.supported_by}
    for a in live:
        used.update(a.lead, a.partners)
        used.update(i.responsible for i in a.indicators if i.responsible)
    used.update(i.responsible for i in plan.outcome_indicators if i.responsible)
    corpus = " ".join(t.en for rec in _nap_records(plan) if not hasattr(rec, "acronym")
                      for t in _walk_texts(rec))
    for inst in plan.institutions:
        for form in {inst.acronym.en, *inst.aliases}:
            if form and re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", corpus):
                used.add(inst.id)
    return used


def _live(plan: Plan) -> list[Action]:
    # Dropped actions stay in the data (stable IDs) but leave the draft.
    return [a for a in plan.actions if a.status != "dropped"]


def _section(plan: Plan, s) -> dict[str, Any]:
    return {"id": s.id, "anchor": bookmark_for("section", s.id), "title": tx(s.title),
            "paragraphs": [tx(p) for p in s.paragraphs], "source": v.sources(s.sources, plan)}


def nap_context(plan: Plan, lang: str) -> dict[str, Any]:
    ctx = common_context(plan, lang)
    md = plan.metadata
    live = _live(plan)
    actions = {a.id: action_context(plan, a) for a in live}

    pillars = []
    for p in sorted(plan.pillars, key=lambda p: p.number):
        outcomes = []
        for oc in (o for o in plan.outcomes if o.pillar == p.id):
            outcomes.append({
                "id": oc.id,
                "number": v.digits(oc.id),
                "anchor": bookmark_for("outcome", oc.id),
                "title": _numbered("strategic_outcome", oc.id),
                "text": tx(oc.text),
                "outputs": [{"id": o.id, "number": v.digits(o.id), "anchor": bookmark_for("output", o.id),
                             "text": tx(o.text),
                             "actions": [a.id for a in live if o.id in a.asean_outputs]}
                            for o in plan.outputs if o.outcome == oc.id],
                "actions": [actions[a.id] for a in live if a.pillar == p.id and a.outcome == oc.id],
            })
        # Actions whose outcome is not one of the pillar's (validation reports it) still show.
        shown = {a["id"] for oc in outcomes for a in oc["actions"]}
        others = [actions[a.id] for a in live if a.pillar == p.id and a.id not in shown]
        pillars.append({
            "id": p.id, "number": v.digits(p.number), "anchor": bookmark_for("pillar", p.id),
            "name": tx(p.name), "title": _numbered("pillar", p.number, tx(p.name)), "description": tx(p.description), "source": v.source(p.source, plan),
            "outcomes": outcomes, "other_actions": others,
        })

    matrix = matrix_context([a for p in pillars for a in [a for oc in p["outcomes"] for a in oc["actions"]]
                             + p["other_actions"]], lang)

    # Annex: every output, its actions, and coverage per pillar.
    annex_rows, coverage, uncovered = [], [], []
    for p in pillars:
        n_out = n_cov = 0
        for oc in p["outcomes"]:
            for o in oc["outputs"]:
                n_out += 1
                n_cov += bool(o["actions"])
                annex_rows.append({"pillar": p, "output": o})
                if not o["actions"]:
                    uncovered.append(o)
        n_act = sum(len(oc["actions"]) for oc in p["outcomes"]) + len(p["other_actions"])
        coverage.append({"pillar": p, "outputs": v.number(n_out), "covered": v.number(n_cov),
                         "actions": v.number(n_act)})
    total_out = len(annex_rows)
    total_cov = total_out - len(uncovered)
    pct = round(100 * total_cov / total_out) if total_out else 0

    themes = sorted(plan.themes, key=lambda t: (t.kind != "focused_priority", t.number))
    theme_list = [{
        "id": t.id, "kind": t.kind, "anchor": bookmark_for("theme", t.id), "title": tx(t.title),
        "summary": tx(t.summary), "source": v.source(t.source, plan),
        "actions": [a.id for a in live if t.id in a.themes],
    } for t in themes]

    # Entries whose "acronym" is their name or a plain word (Senate, Media, Development
    # partners, Canada) are not acronyms.
    used = institutions_used(plan, live)
    acronyms = sorted((i for i in plan.institutions if i.id in used and is_acronym(i.acronym.en, i.name.en)),
                      key=lambda i: i.acronym.en.casefold())
    sections = [s for s in plan.sections]
    closing_ids = [sid for sid in CLOSING_SECTIONS if sid in plan.section]

    ctx.update({
        "doc_title": tx(md.title),
        "doc_subtitle": tx(md.subtitle),
        "short_title": tx(md.short_title),
        "acronyms": [{"acronym": tx(i.acronym, en_ok_in_km=True), "name": tx(i.name),
                      "proposed": _proposed(i.name_provenance)} for i in acronyms],
        "intro_sections": [_section(plan, s) for s in sections if s.id not in closing_ids],
        "closing_sections": [_section(plan, plan.section[sid]) for sid in closing_ids],
        "focused_priorities": [t for t in theme_list if t["kind"] == "focused_priority"],
        "thematic_areas": [t for t in theme_list if t["kind"] == "thematic_area"],
        "pillars": pillars,
        "matrix": matrix,
        "annex_rows": annex_rows,
        "coverage": coverage,
        "coverage_total": {"outputs": v.number(total_out), "covered": v.number(total_cov),
                           "percent": v.number(pct),
                           "actions": v.number(len(live))},
        "uncovered": uncovered,
        "action_ids": [a.id for a in live],
    })
    ctx.update(parts.parts_context(plan, pillars, actions))
    return ctx
