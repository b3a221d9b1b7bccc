"""The change log between two versions of the plan, keyed by stable ID.

``compare(old, new)`` returns a :class:`ChangeLog`: actions added, removed, moved
(pillar, strategic outcome or ASEAN outputs changed), action text changed (English
and Khmer separately), mapping changes (lead, partners, themes, timeframe, status),
indicator changes, target and baseline changes, narrative section changes; each
with the consultation feedback that led to it, where the data records it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from ..model.bundle import Plan
from ..model.common import Text
from .textdiff import inline_markup

# Display order of the groups, and their English titles (Khmer in context.py).
KINDS: dict[str, str] = {
    "added": "Actions added",
    "removed": "Actions removed",
    "moved": "Actions moved (pillar, outcome or ASEAN output changed)",
    "text_en": "Action text changed (English)",
    "text_km": "Action text changed (Khmer)",
    "mapping": "Responsibilities and mapping changed",
    "indicator": "Indicators changed",
    "target": "Targets and baselines changed",
    "section": "Narrative sections changed",
}
# Feedback responses that mean the feedback led to a change.
ACTING = ("accepted", "partly_accepted")


@dataclass(frozen=True)
class FeedbackRef:
    id: str
    source: str          # consultation ID or review round
    text: str            # English text (Khmer where it is all there is)
    text_km: Optional[str]
    response: str
    rationale: Optional[str] = None
    rationale_km: Optional[str] = None


@dataclass
class Change:
    kind: str                 # a key of KINDS
    id: str                   # stable ID of what changed (action, indicator, section)
    action: Optional[str]     # the action it belongs to (None for sections)
    field: str                # e.g. "text.en", "asean_outputs", "indicators.PREV_01_I1.target"
    old: Any = None           # JSON-able values
    new: Any = None
    feedback: list[FeedbackRef] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the terminal (English)."""
        if self.kind == "added":
            return f"{_where(self.new)}: {self.new['text']}"
        if self.kind == "removed":
            return f"{_where(self.old)}: {self.old['text']}"
        if self.kind in ("text_en", "text_km") or (self.kind in ("indicator", "section") and isinstance(self.old, str)
                                                   and isinstance(self.new, str)):
            return f"{self.field}: {inline_markup(self.old, self.new)}"
        if self.kind == "moved":
            names = {"pillar": "pillar", "outcome": "outcome", "asean_outputs": "output"}
            return "; ".join(f"{names[k]} {_show(self.old[k])} -> {_show(self.new[k])}" for k in self.old)
        return f"{self.field}: {_show(self.old)} -> {_show(self.new)}"


def _where(a: dict) -> str:
    return f"pillar {a['pillar']}, outcome {a['outcome']}, output {', '.join(a['asean_outputs'])}"


def _show(v: Any) -> str:
    if v is None or v == [] or v == "":
        return "(none)"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k} {_show(x)}" for k, x in v.items())
    return str(v)


@dataclass
class ChangeLog:
    old_version: str
    new_version: str
    old_date: dt.date
    new_date: dt.date
    changes: list[Change] = field(default_factory=list)

    def by_kind(self) -> dict[str, list[Change]]:
        groups: dict[str, list[Change]] = {k: [] for k in KINDS}
        for c in self.changes:
            groups[c.kind].append(c)
        return {k: v for k, v in groups.items() if v}

    def ids(self, kind: str) -> list[str]:
        return [c.id for c in self.changes if c.kind == kind]

    def to_dict(self) -> dict:
        return {"old_version": self.old_version, "new_version": self.new_version,
                "old_date": self.old_date.isoformat(), "new_date": self.new_date.isoformat(),
                "changes": [asdict(c) for c in self.changes]}

    def format_text(self) -> str:
        """Readable, grouped, for the terminal."""
        n = len(self.changes)
        lines = [f"Changes from {self.old_version} ({self.old_date}) to {self.new_version} ({self.new_date}): "
                 f"{n} change{'s' if n != 1 else ''}"]
        if not n:
            lines.append("  (no differences in actions, indicators, targets or sections)")
        for kind, items in self.by_kind().items():
            lines.append("")
            lines.append(f"{KINDS[kind]} ({len(items)})")
            for c in items:
                label = c.id if c.action in (None, c.id) else f"{c.id} ({c.action})"
                lines.append(f"  {label:<12} {c.describe()}")
                for fb in c.feedback:
                    why = f" - {fb.rationale}" if fb.rationale else ""
                    lines.append(f"  {'':<12}   feedback {fb.source}/{fb.id} ({fb.response.replace('_', ' ')}): "
                                 f"{fb.text}{why}")
        return "\n".join(lines)


# --- plain values ---------------------------------------------------------------

def _num(v: Optional[float]) -> Optional[str]:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() else str(v)


def figure_value(fig: Any) -> Optional[str]:
    """'40 % (2030)', '1,200 (2024)', or the target's text."""
    if fig is None:
        return None
    parts = []
    value = _num(getattr(fig, "value", None))
    if value is not None:
        unit = getattr(fig, "unit", "number")
        parts.append(f"{value} %" if unit == "percent" else value)
    text = getattr(fig, "text", None)
    if isinstance(text, Text):
        parts.append(text.en)
    year = getattr(fig, "year", None)
    if year:
        parts.append(f"({year})")
    return " ".join(parts) or None


def _action_summary(a) -> dict:
    return {"id": a.id, "pillar": a.pillar, "outcome": a.outcome, "asean_outputs": list(a.asean_outputs),
            "text": a.text.en, "text_km": a.text.km}


# --- feedback -------------------------------------------------------------------

def feedback_items(plan: Plan) -> list[tuple[FeedbackRef, list[str]]]:
    """Every feedback item recorded in the plan with the IDs it links to.

    Consultation feedback (``consultations[*].feedback[*].links``) and harvested review
    feedback (``plan.feedback``: rounds of items anchored to one ID, with a response)."""
    out: list[tuple[FeedbackRef, list[str]]] = []
    for c in plan.consultations:
        for f in c.feedback:
            out.append((FeedbackRef(f.id, c.id, f.text.en, f.text.km, f.response,
                                    f.rationale.en if f.rationale else None,
                                    f.rationale.km if f.rationale else None), list(f.links)))
    for rnd in plan.feedback or []:
        for item in getattr(rnd, "items", []) or []:
            anchor = getattr(getattr(item, "anchor", None), "id", None)
            resp = getattr(item, "response", None)
            decision = getattr(resp, "decision", None) or "pending"
            rat = getattr(resp, "rationale", None)
            out.append((FeedbackRef(item.id, str(getattr(rnd, "round", "review")), getattr(item, "text", ""), None,
                                    decision, rat.en if isinstance(rat, Text) else None,
                                    rat.km if isinstance(rat, Text) else None), [anchor] if anchor else []))
    return out


def _feedback_index(old: Plan, new: Plan) -> dict[str, list[FeedbackRef]]:
    """ID -> feedback that led to changes since ``old``: items of ``new`` whose response
    acts on them (accepted, partly accepted) and that ``old`` did not already act on."""
    acted_before = {(ref.source, ref.id) for ref, _ in feedback_items(old) if ref.response in ACTING}
    index: dict[str, list[FeedbackRef]] = {}
    for ref, links in feedback_items(new):
        if ref.response not in ACTING or (ref.source, ref.id) in acted_before:
            continue
        for link in links:
            index.setdefault(link, []).append(ref)
    return index


# --- comparison -------------------------------------------------------------------

def _text_changes(out: list[Change], kind_en: str, kind_km: str, ident: str, action: Optional[str],
                  field_name: str, old: Text, new: Text) -> None:
    if old.en != new.en:
        out.append(Change(kind_en, ident, action, f"{field_name}.en", old.en, new.en))
    if (old.km or "") != (new.km or ""):
        out.append(Change(kind_km, ident, action, f"{field_name}.km", old.km or "", new.km or ""))


def _compare_action(out: list[Change], a, b) -> None:
    aid = b.id
    if (a.pillar, a.outcome, list(a.asean_outputs)) != (b.pillar, b.outcome, list(b.asean_outputs)):
        old = {"pillar": a.pillar, "outcome": a.outcome, "asean_outputs": list(a.asean_outputs)}
        new = {"pillar": b.pillar, "outcome": b.outcome, "asean_outputs": list(b.asean_outputs)}
        keys = [k for k in old if old[k] != new[k]]
        out.append(Change("moved", aid, aid, "/".join(keys), {k: old[k] for k in keys}, {k: new[k] for k in keys}))
    _text_changes(out, "text_en", "text_km", aid, aid, "text", a.text, b.text)
    for name in ("lead", "partners", "themes"):
        if list(getattr(a, name)) != list(getattr(b, name)):
            out.append(Change("mapping", aid, aid, name, list(getattr(a, name)), list(getattr(b, name))))
    tf = lambda t: f"{t.start}-{t.end}" if t else None  # noqa: E731
    if tf(a.timeframe) != tf(b.timeframe):
        out.append(Change("mapping", aid, aid, "timeframe", tf(a.timeframe), tf(b.timeframe)))
    if a.status != b.status:
        out.append(Change("mapping", aid, aid, "status", a.status, b.status))
    old_ind = {i.id: i for i in a.indicators}
    new_ind = {i.id: i for i in b.indicators}
    for i in a.indicators:
        if i.id not in new_ind:
            out.append(Change("indicator", i.id, aid, "indicators", i.text.en, None))
    for i in b.indicators:
        j = old_ind.get(i.id)
        if j is None:
            out.append(Change("indicator", i.id, aid, "indicators", None, i.text.en))
            continue
        _text_changes(out, "indicator", "indicator", i.id, aid, "text", j.text, i.text)
        for part in ("baseline", "target"):
            ov, nv = figure_value(getattr(j, part)), figure_value(getattr(i, part))
            if ov != nv:
                out.append(Change("target", i.id, aid, part, ov, nv))


def _compare_sections(out: list[Change], old: Plan, new: Plan) -> None:
    for s in old.sections:
        if s.id not in new.section:
            out.append(Change("section", s.id, None, "section", s.title.en, None))
    for s in new.sections:
        t = old.section.get(s.id)
        if t is None:
            out.append(Change("section", s.id, None, "section", None, s.title.en))
            continue
        _text_changes(out, "section", "section", s.id, None, "title", t.title, s.title)
        for lang in ("en", "km"):
            a = "\n\n".join((p.en if lang == "en" else p.km or "") for p in t.paragraphs)
            b = "\n\n".join((p.en if lang == "en" else p.km or "") for p in s.paragraphs)
            if a != b:
                out.append(Change("section", s.id, None, f"paragraphs.{lang}", a, b))


def compare(old: Plan, new: Plan) -> ChangeLog:
    log = ChangeLog(old.metadata.version, new.metadata.version, old.metadata.date, new.metadata.date)
    out = log.changes
    for a in new.actions:
        if a.id not in old.action:
            out.append(Change("added", a.id, a.id, "action", None, _action_summary(a)))
    for a in old.actions:
        if a.id not in new.action:
            out.append(Change("removed", a.id, a.id, "action", _action_summary(a), None))
    for b in new.actions:
        a = old.action.get(b.id)
        if a is not None:
            _compare_action(out, a, b)
    _compare_sections(out, old, new)
    index = _feedback_index(old, new)
    for c in out:
        refs = list(index.get(c.id, []))
        if c.action and c.action != c.id:
            refs += [r for r in index.get(c.action, []) if r not in refs]
        c.feedback = refs
    order = list(KINDS)
    out.sort(key=lambda c: order.index(c.kind))  # stable: plan order within a kind
    return log
