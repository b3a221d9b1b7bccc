"""Checks on consultation records and the Terms of Reference.

The sources print participant figures that do not add up and totals that
disagree (report Annex 9.3; the 55 / 70 / 71 participants of 18 Dec 2024).
The records keep those figures as printed; these checks report every
inconsistency with file and line:

- a warning when the record acknowledges it (a ``discrepancy_note`` on the
  figure, or ``retained_because`` when reported totals disagree);
- an error otherwise, so that a typo in the data is never mistaken for a
  quirk of the source.

``check_plan`` (crossref.py) calls :func:`check_consultations` and :func:`check_tor`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from ..diagnostics import Diagnostic, Severity
from ..model.bundle import Plan
from ..model.common import SexCount
from ..model.consultation import Consultation, GroupTable, Participation, ReportedTotal
from .report import Reporter, institution_resolver as _institution_resolver, ref_hint as _ref_hint

WARN = Severity.WARNING
FIELDS = ("total", "female", "male")


def _fmt(c: SexCount) -> str:
    """'70 (63 women, 8 men)' with whatever the figure gives."""
    parts = []
    if c.female is not None:
        parts.append(f"{c.female} women")
    if c.male is not None:
        parts.append(f"{c.male} men")
    total = "?" if c.total is None else str(c.total)
    return f"{total} ({', '.join(parts)})" if parts else total


def _label(rep: ReportedTotal) -> str:
    return rep.source.label()


def _sum(counts: Sequence[SexCount], field: str) -> Optional[int]:
    values = [getattr(c, field) for c in counts]
    if not values or any(v is None for v in values):
        return None
    return sum(values)


def _summed(counts: Sequence[SexCount]) -> SexCount:
    return SexCount(**{f: _sum(counts, f) for f in FIELDS})


def _differs(a: SexCount, b: SexCount) -> list[str]:
    """Fields both give and that differ."""
    return [f for f in FIELDS if getattr(a, f) is not None and getattr(b, f) is not None
            and getattr(a, f) != getattr(b, f)]


def _count_problem(r: Reporter, rec, sub: tuple, counts: SexCount, what: str) -> None:
    problem = counts.inconsistency()
    if problem is None:
        return
    if counts.discrepancy_note:
        r.at(rec, sub, f"{what}: figures do not add up: {problem} (as printed in the source: "
             f"{counts.discrepancy_note})", severity=WARN, code="counts")
    else:
        r.at(rec, sub, f"{what}: figures do not add up: {problem}",
             hint="correct the figure; if the source prints it so, keep it and add 'discrepancy_note:' "
                  "explaining it", code="counts")


# --- participation ----------------------------------------------------------------


def _check_reported(r: Reporter, c: Consultation, p: Participation) -> None:
    base = ("participants",)
    for i, rep in enumerate(p.reported):
        _count_problem(r, c, base + ("reported", i), rep, f"total reported by {_label(rep)}")

    if not 0 <= p.retained < len(p.reported):
        r.at(c, base + ("retained",), f"retained figure {p.retained} does not exist: "
             f"'reported' has {len(p.reported)} figure(s)",
             hint=f"use an index from 0 to {len(p.reported) - 1}", code="retained")
        return

    by_scope: dict[Optional[str], list[int]] = {}
    for i, rep in enumerate(p.reported):
        by_scope.setdefault(rep.scope, []).append(i)
    for scope, idx in by_scope.items():
        disagree = [f for f in FIELDS
                    if len({getattr(p.reported[i], f) for i in idx} - {None}) > 1]
        if not disagree:
            continue
        listing = "; ".join(f"{_fmt(p.reported[i])} per {_label(p.reported[i])}" for i in idx)
        what = f"reported totals disagree ({', '.join(disagree)})" + (f" for '{scope}'" if scope else "")
        if p.retained_because is None:
            r.at(c, base + ("retained",), f"{what}: {listing}",
                 hint="say which figure the record uses and why: 'retained:' (index) and 'retained_because:'",
                 code="conflict")
        else:
            kept = p.reported[p.retained]
            r.at(c, base + ("reported",), f"{what}: {listing}; retained: {_fmt(kept)} per {_label(kept)}",
                 severity=WARN, code="conflict")


def _check_table(r: Reporter, c: Consultation, ti: int, t: GroupTable) -> None:
    sub = ("participants", "tables", ti)
    name = f"table '{t.id}' ({t.source.label()})"
    _count_problem(r, c, sub + ("stated",), t.stated, f"{name}, total row")
    for gi, g in enumerate(t.groups):
        row = t.source.label() if g.source is None else g.source.label()
        _count_problem(r, c, sub + ("groups", gi, "count"), g.count, f"{name}, row '{g.label.en}' ({row})")
    summed = _summed([g.count for g in t.groups])
    if _differs(summed, t.stated):
        msg = f"{name}: the group rows add up to {_fmt(summed)}, but the table states {_fmt(t.stated)}"
        if t.stated.discrepancy_note:
            r.at(c, sub + ("stated",), f"{msg} (as printed in the source: {t.stated.discrepancy_note})",
                 severity=WARN, code="counts")
        else:
            r.at(c, sub + ("stated",), msg,
                 hint="correct the figures; if the source prints them so, add 'discrepancy_note:' to 'stated'",
                 code="counts")


def _in_table(rep: ReportedTotal, t: GroupTable) -> bool:
    end = t.source.line_end or t.source.line
    return rep.source.file == t.source.file and t.source.line <= rep.source.line <= end


def _check_tables_vs_retained(r: Reporter, c: Consultation, p: Participation) -> None:
    kept = p.retained_total()
    if kept is None or not p.tables or not p.tables_cover_event:
        return
    acknowledged = bool(p.retained_because or kept.discrepancy_note
                        or any(t.stated.discrepancy_note for t in p.tables))
    tables = ", ".join(t.source.label() for t in p.tables)

    def report(sub: tuple, msg: str) -> None:
        if acknowledged:
            r.at(c, sub, msg, severity=WARN, code="conflict")
        else:
            r.at(c, sub, msg, hint="explain which figure is retained in 'retained_because:'", code="conflict")

    # 1. The tables' own total rows (unless the reported figures already include them).
    if not any(_in_table(rep, t) for rep in p.reported for t in p.tables):
        stated = _summed([t.stated for t in p.tables])
        if _differs(stated, kept):
            parts = " + ".join(str(t.stated.total) for t in p.tables)
            report(("participants", "tables"),
                   f"participant tables ({tables}) state {parts} = {_fmt(stated)}, but {_label(kept)} "
                   f"reports {_fmt(kept)} (retained)")
    # 2. Their group rows.
    rows = _summed([g.count for g in p.group_rows()])
    if _differs(rows, kept):
        report(("participants", "tables"),
               f"the group rows of {tables} add up to {_fmt(rows)}, but {_label(kept)} reports {_fmt(kept)} (retained)")


# --- the whole record ---------------------------------------------------------------


def _link_targets(plan: Plan) -> dict[str, str]:
    targets = {a.id: "action" for a in plan.actions}
    targets.update({s.id: "section" for s in plan.sections})
    return targets


def _check_links(r: Reporter, c: Consultation, targets: dict[str, str]) -> None:
    for fi, item in enumerate(c.feedback):
        if not item.links:
            r.at(c, ("feedback", fi, "links"), f"feedback '{item.id}' is linked to no action or section",
                 hint="add 'links: [ACTION_ID or SEC_id]'", severity=WARN, code="unlinked")
        seen: set[str] = set()
        for li, link in enumerate(item.links):
            if link in seen:
                r.at(c, ("feedback", fi, "links", li), f"'{link}' is listed twice", severity=WARN, code="duplicate")
            seen.add(link)
            if link not in targets:
                hint = _ref_hint(link, targets, "actions and sections")
                r.at(c, ("feedback", fi, "links", li), f"feedback '{item.id}' links to unknown action or section '{link}'",
                     hint=hint, code="unknown-ref")
        if item.response in ("accepted", "partly_accepted", "not_accepted") and item.rationale is None:
            r.at(c, ("feedback", fi, "response"), f"response '{item.response}' needs a rationale",
                 hint="add 'rationale:' (en/km) saying why, or use 'noted'/'pending'", code="rationale")


def _check_dates(r: Reporter, plan: Plan, c: Consultation) -> None:
    if c.end is not None and c.end < c.start:
        r.at(c, ("end",), f"the consultation ends ({c.end}) before it starts ({c.start})", code="dates")
    if c.start > plan.metadata.date:
        r.at(c, ("start",), f"the consultation starts ({c.start}) after the plan's date ({plan.metadata.date})",
             hint="consultation records describe events that took place", severity=WARN, code="dates")
    if c.date_precision == "month" and c.end is not None and c.start.day != 1:
        r.at(c, ("start",), "with date_precision: month, 'start' should be the first day of the month",
             severity=WARN, code="dates")


def check_consultations(plan: Plan) -> list[Diagnostic]:
    r = Reporter(plan)
    inst = _institution_resolver(plan)
    targets = _link_targets(plan)
    for c in plan.consultations:
        origin = plan.origin(c)
        if origin is not None:
            stem = Path(origin.file.display).stem
            if stem != c.id:
                r.at(c, ("id",), f"consultation '{c.id}' is in a file named '{stem}'",
                     hint=f"rename the file to {c.id}.yaml (documents are named after the ID)", code="file-name")
        _check_dates(r, plan, c)
        for i, ref in enumerate(c.organisers):
            inst(r, c, ("organisers", i), ref)
        p = c.participants
        _check_reported(r, c, p)
        for ti, t in enumerate(p.tables):
            _check_table(r, c, ti, t)
            for gi, g in enumerate(t.groups):
                for ii, ref in enumerate(g.institutions):
                    inst(r, c, ("participants", "tables", ti, "groups", gi, "institutions", ii), ref)
        _check_tables_vs_retained(r, c, p)
        _check_links(r, c, targets)
    return r.out


# --- Terms of Reference -------------------------------------------------------------


def check_tor(plan: Plan) -> list[Diagnostic]:
    r = Reporter(plan)
    tor = plan.tor
    if tor is None:
        return r.out
    inst = _institution_resolver(plan)
    first: dict[str, int] = {}
    for bi, body in enumerate(tor.bodies):
        if body.id in first:
            r.at(tor, ("bodies", bi, "id"), f"body '{body.id}' is defined twice",
                 hint=f"the first is bodies[{first[body.id]}]", code="duplicate-id")
        first.setdefault(body.id, bi)
    for bi, body in enumerate(tor.bodies):
        base = ("bodies", bi)
        for key in ("chair", "secretariat"):
            value = getattr(body, key)
            if isinstance(value, list):
                if not value:
                    r.at(tor, base + (key,), f"'{key}' is empty",
                         hint="name the institution(s), or write a placeholder (to_decide:) if the sources are silent",
                         code="empty")
                for i, ref in enumerate(value):
                    inst(r, tor, base + (key, i), ref)
        seen: dict[str, int] = {}
        for mi, m in enumerate(body.members):
            inst(r, tor, base + ("members", mi, "institution"), m.institution)
            if m.institution in seen:
                r.at(tor, base + ("members", mi, "institution"),
                     f"'{m.institution}' is a member of '{body.id}' twice (first at members[{seen[m.institution]}])",
                     severity=WARN, code="duplicate")
            seen.setdefault(m.institution, mi)
        if not body.members and body.membership_open is None:
            r.at(tor, base + ("members",), f"body '{body.id}' has no members",
                 hint="list the members, or say what is open in 'membership_open:'", code="empty")
        if isinstance(body.reports_to, list):
            for i, target in enumerate(body.reports_to):
                if target == body.id:
                    r.at(tor, base + ("reports_to", i), f"body '{body.id}' reports to itself", code="cycle")
                elif target not in first:
                    r.at(tor, base + ("reports_to", i), f"unknown body '{target}'",
                         hint=_ref_hint(target, first, "bodies"), code="unknown-ref")
    # Reporting lines must not go round in circles.
    parents = {b.id: b.reports_to for b in tor.bodies if isinstance(b.reports_to, list)}
    for bi, body in enumerate(tor.bodies):
        path, node = [body.id], body.id
        while True:
            nxt = [t for t in parents.get(node, []) if t in first and t != node]
            if not nxt:
                break
            node = nxt[0]
            if node == body.id:
                r.at(tor, ("bodies", bi, "reports_to"), "reporting lines form a circle: " + " -> ".join(path + [node]),
                     code="cycle")
                break
            if node in path:
                break
            path.append(node)
    return r.out

