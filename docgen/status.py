"""``docgen status``: what still has to be decided before the plan can be adopted.

Counted from the validated plan, by kind and by document (the NAP-WPS draft, the
ToR, the consultation summaries): targets, means of verification, baselines and
costs missing, proposals awaiting a decision, placeholders, draft and missing
translations, open review comments and notes for reviewers. The same counts feed
the draft's annex "What remains to be decided".
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Iterator

from pydantic import BaseModel

from .model.bundle import Plan
from .model.plan import Action
from .model.common import Text

DOCUMENTS = ("nap", "tor", "consultations")


@dataclass
class Item:
    key: str
    label: str  # English; the draft's annex has its own bilingual labels
    counts: dict[str, int] = field(default_factory=dict)  # document -> count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# kind key -> English label, in the order shown
KINDS = {
    "targets_missing": "indicators without an end target",
    "midterm_missing": "indicators without a mid-term target",
    "baselines_missing": "indicators without a baseline",
    "mov_missing": "indicators without a means of verification",
    "responsible_missing": "indicators without a responsible institution",
    "costs_missing": "actions not yet costed",
    "proposals": "proposals awaiting a decision",
    "placeholders": "placeholders (to be decided)",
    "notes": "notes for reviewers (conflicts, assumptions, questions)",
    "open_comments": "open review comments",
    "draft_translations": "draft Khmer translations",
    "stale_translations": "Khmer translations out of date (the English changed since)",
    "missing_translations": "texts without Khmer",
}


TRANSLATION_KINDS = ("draft_translations", "stale_translations", "missing_translations")


def _walk_texts(obj) -> Iterator[Text]:
    if isinstance(obj, Text):
        yield obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk_texts(getattr(obj, name))
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            yield from _walk_texts(x)


def _nap_records(plan: Plan) -> list:
    recs: list = [plan.metadata, *plan.pillars, *plan.outcomes, *plan.outputs, *plan.institutions, *plan.themes,
                  *live_actions(plan), *plan.sections, *plan.outcome_indicators, *plan.risks, *plan.monitoring,
                  *plan.localisation, *plan.legal_basis, *plan.source_documents, *plan.review_notes]
    if plan.vision:
        recs.append(plan.vision)
    return recs


def live_actions(plan: Plan) -> list:
    return [a for a in plan.actions if a.status != "dropped"]


def all_indicators(plan: Plan) -> list:
    return [i for a in live_actions(plan) for i in a.indicators] + list(plan.outcome_indicators)


def nap_placeholders(plan: Plan) -> int:
    """The 'to be decided' placeholders the NAP draft shows (kept in step with its templates)."""
    n = 0
    v = plan.vision
    n += (v is None or v.vision is None) + (v is None or v.goal is None)
    n += sum(1 for r in plan.risks if r.mitigation is None)
    n += sum(1 for m in plan.monitoring if m.when is None and m.provenance_kind != "source")
    if not any(x.provenance_kind == "decided" for x in plan.localisation):
        n += 1  # how provinces and communes take the plan up
    n += sum(1 for oc in plan.outcomes if not any(i.outcome == oc.id for i in plan.outcome_indicators))
    return n


def readiness(plan: Plan) -> list[Item]:
    from .validate.provenance import provenance_points

    items = {k: Item(k, label, {d: 0 for d in DOCUMENTS}) for k, label in KINDS.items()}
    inds = all_indicators(plan)
    items["targets_missing"].counts["nap"] = sum(1 for i in inds if i.target is None)
    items["midterm_missing"].counts["nap"] = sum(1 for i in inds if i.midterm is None)
    items["baselines_missing"].counts["nap"] = sum(1 for i in inds if i.baseline is None)
    items["mov_missing"].counts["nap"] = sum(1 for i in inds if i.means_of_verification is None)
    items["responsible_missing"].counts["nap"] = sum(1 for i in inds if i.responsible is None)
    items["costs_missing"].counts["nap"] = sum(1 for a in live_actions(plan) if a.cost is None or a.cost.amount is None)

    live = {id(a) for a in live_actions(plan)}
    for rec, _sub, _what, kind in provenance_points(plan):
        if kind != "proposed":
            continue
        if rec is plan.tor:
            items["proposals"].counts["tor"] += 1
        elif not isinstance(rec, Action) or id(rec) in live:
            items["proposals"].counts["nap"] += 1

    items["placeholders"].counts["nap"] = nap_placeholders(plan)
    items["placeholders"].counts["tor"] = len(plan.tor.placeholders()) if plan.tor else 0
    items["notes"].counts["nap"] = len(review_notes(plan))
    from .review.carry import open_items

    items["open_comments"].counts["nap"] = len(open_items(plan))

    groups = {"nap": _nap_records(plan), "tor": [plan.tor] if plan.tor else [], "consultations": plan.consultations}
    for doc, recs in groups.items():
        for t in _walk_texts(recs):
            if not t.km:
                items["missing_translations"].counts[doc] += 1
            else:
                if t.km_draft:
                    items["draft_translations"].counts[doc] += 1
                if t.stale:  # counted whatever its status: the Khmer translates an older English
                    items["stale_translations"].counts[doc] += 1
    return list(items.values())


def review_notes(plan: Plan) -> list[dict]:
    """Every note for reviewers: the data's own notes, then each conflict between sources
    recorded on a baseline (one figure retained, the others kept)."""
    notes: list[dict] = [{"id": n.id, "about": n.about, "kind": n.kind, "text": n.text, "source": n.source}
                         for n in plan.review_notes]
    for a in live_actions(plan):
        for ind in a.indicators:
            b = ind.baseline
            if b is not None and b.alternatives:
                notes.append({"id": f"NOTE_{ind.id}", "about": a.id, "kind": "conflict", "indicator": ind,
                              "baseline": b, "text": None, "source": b.source})
    return notes


def format_table(items: list[Item]) -> str:
    head = ("what remains to be decided", "NAP-WPS", "ToR", "consultations", "total")
    rows = [(i.label, *(str(i.counts[d]) for d in DOCUMENTS), str(i.total)) for i in items]
    widths = [max(len(r[c]) for r in [head, *rows]) for c in range(len(head))]

    def line(r):
        return "  ".join(r[0].ljust(widths[0]) if c == 0 else r[c].rjust(widths[c]) for c in range(len(r)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def run(args) -> int:
    from .validate import require_plan

    plan, _warnings = require_plan(args.data)
    items = readiness(plan)
    md = plan.metadata
    print(f"NAP-WPS {md.version} ({md.status}, {md.date}): readiness for adoption")
    print()
    print(format_table(items))
    open_total = sum(i.total for i in items if i.key not in TRANSLATION_KINDS)
    print()
    print(f"{open_total} point(s) to settle before adoption, plus translations; "
          f"the draft's annex 'What remains to be decided' lists them.", file=sys.stdout)
    return 0
