"""Harvested feedback (plan_data/feedback/<round>.yaml) in the documents.

A round that names its consultation event (``consultation: <event-id>``, see
:class:`docgen.model.feedback.FeedbackRound`) is shown in that event's summary
(:func:`docgen.context.consultation.consultation_record` calls :func:`harvested_rows`);
a round without one gets a review summary of its own,
``Review-<round>_<version>_<lang>`` (templates/review.md.j2, registered in
``docgen.documents.DOCUMENTS["consultations"]``).

Every row keeps what the item was anchored to: the plan ID is shown and linked to
an entry of the document's "Linked to" list (anchor ``<prefix>_<bookmark>``), which
gives the title of the action, output or section. Reviewer names and texts are
data: Khmer runs are tagged ``lang=km``, everything else escaped.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from ..anchors import bookmark_for
from ..markdown.escape import MD, fold, md_inline
from ..markdown.render import km_span
from ..model.bundle import Plan
from ..model.feedback import FeedbackRound
from ..review.carry import feedback_rounds
from ..review.matrix import feedback_matrix
from ..review.untracked import short_change
from . import values as v
from .consultation_labels import L as CL, labels as consultation_labels
from .nap import common_context
from .values import LabelTable, Tx, tx

_KHMER_RUN = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF\u200B-\u200D]+(?:[ \u00A0]+[\u1780-\u17FF\u19E0-\u19FF\u200B-\u200D]+)*")
_ID_MAX = 37  # anchors keep room for the bilingual "_km" suffix

_LABELS: dict[str, tuple[str, str]] = {
    "review_summary": ("Review summary", "សេចក្ដីសង្ខេបការពិនិត្យ"),
    "review_round": ("Review round {round}", "ជុំពិនិត្យ {round}"),
    "review_subtitle": ("Reviewers' comments on the draft and the secretariat's responses",
                        "មតិយោបល់របស់អ្នកពិនិត្យលើសេចក្ដីព្រាង និងការឆ្លើយតបរបស់លេខាធិការដ្ឋាន"),
    "round": ("Round", "ជុំ"),
    "files_reviewed": ("Files reviewed", "ឯកសារដែលបានពិនិត្យ"),
    "reviewers": ("Reviewers", "អ្នកពិនិត្យ"),
    "item_count": ("Items", "ធាតុ"),
    "comments": ("Comments", "មតិយោបល់"),
    "changes": ("Proposed changes", "ការកែប្រែដែលបានស្នើ"),
    "anchored": ("Anchored to an action, output or section", "ភ្ជាប់ទៅសកម្មភាព ធាតុចេញ ឬផ្នែក"),
    "general_items": ("General", "ទូទៅ"),
    "open": ("Open", "បើក"),
    "reviewer": ("Reviewer", "អ្នកពិនិត្យ"),
    "proposed_insertion": ("Proposed insertion", "ការស្នើបញ្ចូល"),
    "proposed_deletion": ("Proposed deletion", "ការស្នើលុប"),
    "untracked_edit": ("Edited without Track Changes", "កែសម្រួលដោយមិនបានតាមដានការផ្លាស់ប្តូរ"),
    "on_text": ("on", "លើ"),
    "replies": ("Replies", "ការឆ្លើយតបបន្ត"),
    "harvested_from": ("Items harvested from the reviewed files of round", "ធាតុដែលប្រមូលពីឯកសារដែលបានពិនិត្យនៃជុំ"),
    "no_items": ("No items were harvested in this round.", "មិនមានធាតុណាមួយត្រូវបានប្រមូលក្នុងជុំនេះទេ។"),
}


L = LabelTable(_LABELS)


def labels() -> dict[str, Tx]:
    return L.all(round="")


def mixed(text: Optional[str]) -> MD:
    """A data string in any language: Khmer runs as ``[...]{lang=km}``, the rest escaped."""
    s = fold(text or "")
    out, pos = [], 0
    for m in _KHMER_RUN.finditer(s):
        out.append(_plain(s[pos:m.start()]))
        out.append(km_span(m.group()))
        pos = m.end()
    out.append(_plain(s[pos:]))
    return MD("".join(out))


def _plain(part: str) -> str:
    if not part:
        return ""
    core = md_inline(part)
    return (" " if part[:1].isspace() else "") + core + (" " if part[-1:].isspace() and core else "")


# --- what an item is anchored to ---------------------------------------------------


def target_title(plan: Plan, kind: str, ident: str) -> Optional[Tx]:
    """The title of an anchored plan ID, or None when the plan no longer has it."""
    if kind == "action":
        a = plan.action.get(ident)
        if a is not None:
            return tx(a.text)
        for a in plan.actions:  # an indicator of an action
            for ind in a.indicators:
                if ind.id == ident:
                    return tx(ind.text)
        return None
    if kind == "section":
        s = plan.section.get(ident)
        return tx(s.title) if s else None
    if kind == "output":
        o = plan.output.get(ident)
        return Tx(f"{ident} {o.text.en}", f"{v.digits(ident).km} {o.text.km}" if o.text.km else None) if o else None
    if kind == "outcome":
        o = plan.outcome.get(ident)
        return tx(o.text) if o else None
    if kind == "pillar":
        p = plan.pillar.get(ident)
        return tx(p.name) if p else None
    if kind == "theme":
        t = plan.theme.get(ident)
        return tx(t.title) if t else None
    return None


# Kinds whose IDs are internal (SEC_intro, protection, "3"): a reader sees their title instead.
# Action, indicator, output and theme IDs are printed labels in the NAP and are shown as they are.
_TITLED_KINDS = ("section", "pillar", "outcome")


def shown(kind: str, ident: str, title: Optional[Tx]) -> Any:
    """What a reference to a plan ID prints: the ID where readers know it, else the title."""
    return title if kind in _TITLED_KINDS and title is not None else ident


class Links:
    """The "Linked to" list of one document part: one anchored entry per plan ID.

    ``prefix`` keeps anchors unique where several parts of one document list the
    same IDs (the combined summary repeats every consultation)."""

    def __init__(self, plan: Plan, prefix: str):
        self.plan, self.prefix = plan, prefix
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, kind: str, ident: str) -> dict[str, Any]:
        if ident in self.entries:
            return self.entries[ident]
        try:
            name = f"{self.prefix}_{bookmark_for(kind if kind != 'general' else 'section', ident)}"
        except (KeyError, ValueError):
            name = ""
        if not name or len(name) > _ID_MAX or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            name = f"{self.prefix}_L{len(self.entries) + 1}"[:_ID_MAX]
        title = target_title(self.plan, kind, ident)
        entry = {"id": ident, "kind": kind, "anchor": MD(name), "title": title, "known": title is not None,
                 "shown": shown(kind, ident, title), "titled": kind in _TITLED_KINDS and title is not None}
        self.entries[ident] = entry
        return entry

    def ordered(self) -> list[dict[str, Any]]:
        order = {x: i for i, x in enumerate([a.id for a in self.plan.actions] + [s.id for s in self.plan.sections])}
        return sorted(self.entries.values(), key=lambda e: (order.get(e["id"], len(order)), e["id"]))


# --- rows --------------------------------------------------------------------------


def harvested_rows(plan: Plan, rounds: list[FeedbackRound], links: Links, lang: str) -> list[dict[str, Any]]:
    """The matrix rows of ``rounds``' items, in the order of ``feedback_matrix``."""
    by_id = {(fr.round, it.id): it for fr in rounds for it in fr.items}
    rows = []
    for fr in rounds:
        for row in feedback_matrix(plan, fr.round, lang):
            it = by_id.get((fr.round, row["id"]))
            if it is None:  # pragma: no cover - feedback_matrix reads the same rounds
                continue
            link = links.add(it.anchor.kind, it.anchor.id) if it.anchor.id else None
            rationale = tx(it.response.rationale) if it.response.rationale else None
            rows.append({
                "id": it.id,
                "round": fr.round,
                "kind": it.kind,
                "change_label": (L("proposed_insertion") if it.kind == "insertion" else
                                 L("proposed_deletion") if it.kind == "deletion" else
                                 L("untracked_edit") if it.kind == "untracked_edit" else None),
                "heard": (MD("\u00ab{}\u00bb \u2192 \u00ab{}\u00bb".format(*map(mixed, short_change(it.old_text or "", it.text))))
                          if it.kind == "untracked_edit" else mixed(it.text)),
                "commented_text": mixed(it.commented_text) if it.commented_text else None,
                "reviewer": mixed(it.reviewer.name) if it.reviewer.name else None,
                "replies": [MD(f"{mixed(r.author)}: {mixed(r.text)}") for r in it.replies if r.text],
                "link": link,
                "decision": it.response.decision,
                "response_label": CL(f"resp_{it.response.decision}"),
                "rationale": rationale,
                "status": it.status,
            })
    return rows


def rounds_for_event(plan: Plan, event_id: str) -> list[FeedbackRound]:
    return [fr for fr in feedback_rounds(plan) if fr.consultation == event_id]


def review_rounds_each(plan: Plan) -> list[tuple[str, FeedbackRound]]:
    """documents.Document.each: the rounds that have no consultation event."""
    return [(fr.round, fr) for fr in feedback_rounds(plan) if fr.consultation is None]


def review_context(plan: Plan, lang: str, fr: FeedbackRound) -> dict[str, Any]:
    ctx = common_context(plan, lang)
    links = Links(plan, "RV")
    rows = harvested_rows(plan, [fr], links, lang)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["decision"]] = counts.get(r["decision"], 0) + 1
    order = ["accepted", "partly_accepted", "not_accepted", "noted", "pending"]
    reviewers = sorted({it.reviewer.name for it in fr.items if it.reviewer.name})
    title = tx(fr.title) if fr.title else L("review_round", round=fr.round)
    ctx.update({
        "C": consultation_labels(),
        "R": labels(),
        "doc_title": title,
        "doc_subtitle": L("review_subtitle"),
        "short_title": L("review_summary"),
        "round": {"name": fr.round, "title": title},
        "rows": rows,
        "linked": links.ordered(),
        "files": sorted({it.source_file for it in fr.items}),
        "reviewers": [mixed(n) for n in reviewers],
        "counts": {
            "total": v.number(len(rows)),
            "comments": v.number(sum(r["kind"] == "comment" for r in rows)),
            "changes": v.number(sum(r["kind"] != "comment" for r in rows)),
            "anchored": v.number(sum(r["link"] is not None for r in rows)),
            "general": v.number(sum(r["link"] is None for r in rows)),
            "open": v.number(sum(r["status"] == "open" for r in rows)),
        },
        "responses": [{"label": consultation_labels()[f"resp_{k}"], "count": v.number(counts[k])}
                      for k in order if k in counts],
    })
    return ctx
