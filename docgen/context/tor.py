"""Context of the Terms of Reference (templates/tor.md.j2).

Placeholders (what the sources leave to the secretariat) become dicts with
``placeholder: True``; the template shows them as ``[...]{.placeholder}``.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from ..model.bundle import Plan
from ..model.common import Text
from ..model.tor import Body, Placeholder, Principle
from . import values as v
from .nap import common_context
from .nap_parts import reading_context
from .values import LabelTable, Tx, tx

_LABELS: dict[str, tuple[str, str]] = {
    "tor": ("Terms of Reference", "លក្ខខណ្ឌការងារ"),
    "tor_subtitle": ("NAP-WPS coordination mechanism", "យន្តការសម្របសម្រួលផែនការសកម្មភាពជាតិស្ដីពីស្ត្រី សន្តិភាព និងសន្តិសុខ"),
    "background": ("Background", "សាវតា"),
    "purpose_objectives": ("Purpose and objectives", "គោលបំណង និងទិសដៅ"),
    "purpose": ("Purpose", "គោលបំណង"),
    "objectives": ("Objectives", "ទិសដៅ"),
    "structure": ("Structure of the coordination mechanism", "រចនាសម្ព័ន្ធនៃយន្តការសម្របសម្រួល"),
    "body": ("Body", "ស្ថាប័ន"),
    "number": ("No.", "ល.រ"),
    "level": ("Level", "កម្រិត"),
    "level_political": ("Political (senior)", "នយោបាយ (ជាន់ខ្ពស់)"),
    "level_technical": ("Technical and implementation", "បច្ចេកទេស និងការអនុវត្ត"),
    "level_advisory": ("Advisory (civil society)", "ប្រឹក្សាយោបល់ (សង្គមស៊ីវិល)"),
    "composition": ("Composition", "សមាសភាព"),
    "chair": ("Chair", "ប្រធាន"),
    "secretariat": ("Secretariat", "លេខាធិការដ្ឋាន"),
    "members": ("Members", "សមាជិក"),
    "membership_open": ("Membership to be decided", "សមាជិកភាពដែលត្រូវសម្រេច"),
    "roles": ("Roles and responsibilities", "តួនាទី និងការទទួលខុសត្រូវ"),
    "meetings": ("Meetings", "កិច្ចប្រជុំ"),
    "decision_making": ("Decision-making", "ការសម្រេចចិត្ត"),
    "reports_to": ("Reports to", "រាយការណ៍ទៅ"),
    "reporting": ("Reporting and accountability", "ការរាយការណ៍ និងគណនេយ្យភាព"),
    "duration_review": ("Duration and review", "រយៈពេល និងការពិនិត្យឡើងវិញ"),
    "to_decide": ("TO BE DECIDED", "ត្រូវសម្រេច"),
    "options": ("Options the sources suggest", "ជម្រើសដែលឯកសារប្រភពលើកឡើង"),
    "open_points": ("Points for the secretariat to decide", "ចំណុចដែលលេខាធិការដ្ឋានត្រូវសម្រេច"),
    "open_points_note": ("The sources do not decide these points; each is marked in the text.", "ឯកសារប្រភពមិនបានសម្រេចលើចំណុចទាំងនេះទេ។ ចំណុចនីមួយៗត្រូវបានសម្គាល់ក្នុងអត្ថបទ។"),
    "sources": ("Sources", "ឯកសារប្រភព"),
}


L = LabelTable(_LABELS)


def _placeholder(p: Placeholder, number: int, plan: Optional[Plan] = None) -> dict[str, Any]:
    return {"placeholder": True, "number": number, "to_decide": tx(p.to_decide),
            "options": [tx(o) for o in p.options], "source": v.source(p.source, plan)}


class _Counter:
    def __init__(self, plan: Optional[Plan] = None) -> None:
        self.items: list[dict[str, Any]] = []
        self.plan = plan

    def add(self, p: Placeholder, where: Tx) -> dict[str, Any]:
        d = _placeholder(p, len(self.items) + 1, self.plan)
        d["where"] = where
        self.items.append(d)
        return d


def _inst_list(plan: Plan, refs: list[str]) -> list[dict[str, Tx]]:
    out = []
    for ref in refs:
        inst = plan.institution.get(ref)
        out.append({"acronym": tx(inst.acronym, en_ok_in_km=True) if inst else tx(ref),
                    "name": tx(inst.name) if inst else tx(ref)})
    return out


def _value(plan: Plan, value: Union[list, Text, Placeholder, None], ph: _Counter, where: Tx,
           bodies: Optional[dict] = None) -> Optional[dict[str, Any]]:
    if value is None:
        return None
    if isinstance(value, Placeholder):
        return ph.add(value, where)
    if isinstance(value, Text):
        return {"placeholder": False, "text": tx(value)}
    if bodies is not None:
        return {"placeholder": False, "text": None, "bodies": [bodies.get(b, tx(b)) for b in value]}
    return {"placeholder": False, "text": None, "institutions": _inst_list(plan, value)}


def _proposal(value: Optional[dict[str, Any]], prov) -> Optional[dict[str, Any]]:
    """Mark a decided value the drafting team proposes (e.g. which body reports to which)."""
    if value is not None and not value.get("placeholder"):
        value["proposed"] = prov is not None and prov.provenance_kind == "proposed"
    return value


def _joined(a: Tx, b: Tx) -> Tx:
    return Tx(f"{a.en}: {b.en}", f"{a.km or a.en}៖ {b.km or b.en}")


def _body(plan: Plan, b: Body, ph: _Counter, names: dict[str, Tx]) -> dict[str, Any]:
    name = tx(b.name)
    return {
        "id": b.id, "name": name, "level": L(f"level_{b.level}"), "purpose": tx(b.purpose),
        "chair": _value(plan, b.chair, ph, _joined(name, L("chair"))),
        "secretariat": _value(plan, b.secretariat, ph, _joined(name, L("secretariat"))),
        "members": [{**_inst_list(plan, [m.institution])[0], "note": tx(m.note)} for m in b.members],
        "membership_open": _value(plan, b.membership_open, ph, _joined(name, L("members"))),
        "responsibilities": [{"text": tx(r.text), "source": v.source(r.source, plan),
                              "proposed": r.provenance_kind == "proposed"} for r in b.responsibilities],
        "meetings": _value(plan, b.meetings, ph, _joined(name, L("meetings"))),
        "decision_making": _value(plan, b.decision_making, ph, _joined(name, L("decision_making"))),
        "reports_to": _proposal(_value(plan, b.reports_to, ph, _joined(name, L("reports_to")), bodies=names),
                                b.reports_to_provenance),
        "source": v.sources(b.sources, plan),
    }


def _items(items: list, ph: _Counter, where: Tx) -> list[dict[str, Any]]:
    out = []
    for it in items:
        if isinstance(it, Placeholder):
            out.append(ph.add(it, where))
        else:
            assert isinstance(it, Principle)
            out.append({"placeholder": False, "text": tx(it.text), "source": v.source(it.source, ph.plan)})
    return out


def tor_context(plan: Plan, lang: str) -> dict[str, Any]:
    ctx = common_context(plan, lang)
    t = plan.tor
    ph = _Counter(plan)
    labels = {k: L(k) for k in _LABELS}
    if t is None:  # validation warns; the document says so rather than failing
        ctx.update({"T": labels, "doc_title": L("tor"), "doc_subtitle": L("tor_subtitle"),
                    "short_title": L("tor"), "tor": None, "placeholders": []})
        return ctx
    names = {b.id: tx(b.name) for b in t.bodies}
    bodies = [_body(plan, b, ph, names) for b in t.bodies]
    ctx.update({
        "T": labels,
        "doc_title": tx(t.title),
        "doc_subtitle": L("tor_subtitle"),
        "short_title": L("tor"),
        "tor": {
            "background": [{"text": tx(p.text), "source": v.source(p.source, plan)} for p in t.background],
            "purpose": tx(t.purpose),
            "objectives": [{"text": tx(p.text), "source": v.source(p.source, plan)} for p in t.objectives],
            "bodies": bodies,
            "reporting": _items(t.reporting, ph, L("reporting")),
            "duration_review": _items(t.duration_review, ph, L("duration_review")),
            "sources": v.sources(t.sources, plan),
        },
        "placeholders": ph.items,
        "reading": reading_context("tor"),
    })
    return ctx
