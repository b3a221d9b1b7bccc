"""Every statement a reviewer may question says where it comes from.

Leads, partners, indicators, targets, timeframes, costs, the plan period, ToR
clauses and the NAP's other parts carry ``source:``, ``proposed:`` or ``decided:``
(see :mod:`docgen.model.provenance`); a missing one is an error at the statement's
own line, with the three ways to fix it in the hint.
"""
from __future__ import annotations

from typing import Iterator, Optional

from ..diagnostics import Diagnostic, format_path
from ..model.bundle import Plan
from ..model.provenance import Provenanced

HINT = ("say where it comes from: 'source: {file, line, section}' (a citation), "
        "'proposed: {rationale: {en: ..., km: ...}}' (the drafting team's proposal) or "
        "'decided: {round: ...}' / 'decided: {date: ...}' (the secretariat's decision)")


def provenance_points(plan: Plan) -> Iterator[tuple[object, tuple, str, Optional[str]]]:
    """(record, path inside it, what, provenance kind or None) for every statement that needs one."""
    md = plan.metadata
    yield md, ("period",), "the plan period", md.period.provenance_kind
    for a in plan.actions:
        yield a, ("lead",), f"{a.id}: lead institution(s)", a.lead_provenance.provenance_kind if a.lead_provenance else None
        if a.partners:
            yield (a, ("partners",), f"{a.id}: partner institutions",
                   a.partners_provenance.provenance_kind if a.partners_provenance else None)
        if a.timeframe:
            yield a, ("timeframe",), f"{a.id}: timeframe", a.timeframe.provenance_kind
        if a.cost:
            yield a, ("cost",), f"{a.id}: cost", a.cost.provenance_kind
        for i, ind in enumerate(a.indicators):
            yield from _indicator(a, ("indicators", i), ind)
    for rec_list in (plan.outcome_indicators,):
        for ind in rec_list:
            yield from _indicator(ind, (), ind)
    for kind in ("risks", "monitoring", "localisation", "legal_basis"):
        for rec in getattr(plan, kind):
            yield rec, (), f"{kind} {rec.id}", rec.provenance_kind
    if plan.vision:
        for key in ("vision", "goal"):
            st = getattr(plan.vision, key)
            if st is not None:
                yield plan.vision, (key,), f"the {key}", st.provenance_kind
    t = plan.tor
    if t is not None:
        for key in ("background", "objectives", "reporting", "duration_review"):
            for i, item in enumerate(getattr(t, key)):
                if isinstance(item, Provenanced):
                    yield t, (key, i), f"ToR {key} {i + 1}", item.provenance_kind
        for b, body in enumerate(t.bodies):
            for i, m in enumerate(body.members):
                yield t, ("bodies", b, "members", i), f"ToR {body.id}: member {m.institution}", m.provenance_kind
            for i, r in enumerate(body.responsibilities):
                yield t, ("bodies", b, "responsibilities", i), f"ToR {body.id}: responsibility {i + 1}", r.provenance_kind
            if isinstance(body.reports_to, list):
                yield (t, ("bodies", b, "reports_to"), f"ToR {body.id}: reports to",
                       body.reports_to_provenance.provenance_kind if body.reports_to_provenance else None)


def _indicator(rec, sub: tuple, ind) -> Iterator[tuple[object, tuple, str, Optional[str]]]:
    yield rec, sub, f"indicator {ind.id}", ind.provenance_kind
    for key in ("midterm", "target"):
        t = getattr(ind, key)
        if t is not None:
            yield rec, sub + (key,), f"indicator {ind.id}: {'mid-term' if key == 'midterm' else 'end'} target", t.provenance_kind


def check_provenance(plan: Plan) -> list[Diagnostic]:
    out = []
    for rec, sub, what, kind in provenance_points(plan):
        if kind is not None:
            continue
        origin = plan.origin(rec)
        if origin is None:
            file, line, col, loc = str(plan.root), None, None, sub
        else:
            file, line, col = origin.where(*sub)
            loc = origin.loc + tuple(sub)
        out.append(Diagnostic(file, line, col, format_path(loc), f"{what} has no provenance", hint=HINT,
                              code="provenance"))
    return out
