"""Context of the consultation summaries (templates/consultation.md.j2, consultation_summary.md.j2).

One summary per consultation record and one combined summary. Plain dicts of
:class:`Tx` values, strings and numbers; the chart is written as an asset
(``chart.png``) next to the Markdown by :func:`consultation_assets` /
:func:`summary_assets`.

The 'what we heard / how we responded' matrix of an event holds the feedback its
record lists and the items of every harvested review round that names the event
(``consultation: <event-id>`` in plan_data/feedback/<round>.yaml), with the
responses recorded there (see :mod:`docgen.context.review`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from .. import i18n
from ..chart import Bar, render_chart
from ..markdown.escape import MD
from ..model.bundle import Plan
from ..model.common import SexCount
from ..model.consultation import Consultation, FeedbackItem
from . import values as v
from .nap import common_context
from .consultation_labels import L, labels  # noqa: F401  (labels: the templates' table)
from .review import Links, harvested_rows, labels as review_labels, rounds_for_event
from .values import LabelTable, Tx, tx

CHART_FILE = "chart.png"
CHART_MD = MD(CHART_FILE)  # a fixed file name, printed as is in the image link
ACTION_WIDTH = 70  # characters of action text shown next to an action ID



def _count(n: Optional[int]) -> Tx:
    return v.number(n) if n is not None else L("not_stated")


def dates(c: Consultation) -> Tx:
    """'18 December 2024', '14 December 2023 – 15 December 2023', 'July 2024 – August 2024'."""
    fmt = i18n.format_month if c.date_precision == "month" else i18n.format_date
    out = {}
    for lang in ("en", "km"):
        first = fmt(c.start, lang)
        last = fmt(c.end, lang) if c.end and c.end != c.start else None
        out[lang] = first if last is None or last == first else f"{first} – {last}"
    return Tx(out["en"], out["km"], numeric=True)


def _inst(plan: Plan, ref: str) -> dict[str, Tx]:
    inst = plan.institution.get(ref)
    if inst is None:
        return {"acronym": tx(ref), "name": tx(ref)}
    return {"acronym": tx(inst.acronym, en_ok_in_km=True), "name": tx(inst.name)}


def _sexcount(c: SexCount) -> dict[str, Tx]:
    return {"total": _count(c.total), "female": _count(c.female), "male": _count(c.male)}


def _link(plan: Plan, ref: str) -> dict[str, Any]:
    a = plan.action.get(ref)
    if a is not None:
        return {"id": ref, "kind": "action", "title": tx(a.text), "shown": ref, "titled": False}
    s = plan.section.get(ref)
    title = tx(s.title) if s else tx(ref)
    return {"id": ref, "kind": "section", "title": title, "shown": title, "titled": True}


def _feedback(plan: Plan, f: FeedbackItem, links: Links) -> dict[str, Any]:
    return {
        "id": f.id,
        "short_id": f.id.rsplit("_", 1)[-1],
        "text": tx(f.text),
        "speaker": tx(f.speaker),
        "links": [{**_link(plan, ref), "anchor": links.add(_link(plan, ref)["kind"], ref)["anchor"]}
                  for ref in f.links],
        "response": f.response,
        "response_label": L(f"resp_{f.response}"),
        "rationale": tx(f.rationale),
        "source": v.source(f.source, plan),
    }


def _bars(c: Consultation, plan: Optional[Plan] = None) -> list[tuple[Tx, SexCount]]:
    """What the chart shows: the group rows, or the reported figures when there are none."""
    p = c.participants
    if p.tables:
        return [(tx(g.label), g.count) for g in p.group_rows()]
    return [(tx(r.label) if r.label else v.source(r.source, plan), r) for r in p.reported]


def consultation_record(plan: Plan, c: Consultation, lang: str = "en") -> dict[str, Any]:
    p = c.participants
    kept = p.retained_total()
    links = Links(plan, c.id)  # anchors of the "Linked to" list, unique per record
    feedback = [_feedback(plan, f, links) for f in c.feedback]
    rounds = rounds_for_event(plan, c.id)
    harvested = harvested_rows(plan, rounds, links, lang)
    linked = list(dict.fromkeys(c.linked_ids() + [h["link"]["id"] for h in harvested if h["link"]]))
    return {
        "id": c.id,
        "title": tx(c.title),
        "kind": L(f"kind_{c.kind}"),
        "dates": dates(c),
        "place": tx(c.place),
        "organisers": [_inst(plan, o) for o in c.organisers],
        "organisers_note": tx(c.organisers_note),
        "summary": tx(c.summary),
        "reported": [{"label": tx(r.label) if r.label else v.source(r.source, plan), "source": v.source(r.source, plan),
                      "retained": i == p.retained, "note": r.discrepancy_note, **_sexcount(r)}
                     for i, r in enumerate(p.reported)],
        "retained": _sexcount(kept) if kept else None,
        "retained_total": kept.total if kept else None,
        "retained_because": tx(p.retained_because),
        "tables": [{
            "id": t.id, "title": tx(t.title), "source": v.source(t.source, plan),
            "stated": _sexcount(t.stated),
            "rows_sum": _sexcount(SexCount(**{f: (sum(getattr(g.count, f) for g in t.groups)
                                                   if all(getattr(g.count, f) is not None for g in t.groups) else None)
                                               for f in ("total", "female", "male")})),
            "groups": [{"label": tx(g.label), "remarks": tx(g.remarks), **_sexcount(g.count)} for g in t.groups],
        } for t in p.tables],
        "topics": [tx(t) for t in c.topics],
        "key_messages": [tx(m) for m in c.key_messages],
        "feedback": feedback,
        "harvested": harvested,
        "rounds": [fr.round for fr in rounds],
        "notes": [tx(n) for n in c.notes],
        "sources": v.sources(c.sources, plan),
        "linked": linked,
        "link_titles": [{**_link(plan, e["id"]), **({"title": e["title"], "shown": e["shown"], "titled": e["titled"]}
                                                    if e["title"] else {}),
                         "anchor": e["anchor"]} for e in links.ordered()],
        "chart": MD(chart_name(c)),
    }


def chart_name(c: Consultation) -> str:
    return f"chart_{c.id}.png"


def consultations_each(plan: Plan) -> list[tuple[str, Consultation]]:
    return [(c.id, c) for c in sorted(plan.consultations, key=lambda c: (c.start, c.id))]


def consultation_context(plan: Plan, lang: str, c: Consultation) -> dict[str, Any]:
    ctx = common_context(plan, lang)
    rec = consultation_record(plan, c, lang)
    ctx.update({
        "C": labels(),
        "R": review_labels(),
        "doc_title": tx(c.title),
        "doc_subtitle": L("consultation_summary"),
        "short_title": L("consultation_summary"),
        "period": rec["dates"],  # the cover's date line shows the event's dates
        "c": rec,
        "chart": CHART_MD,
    })
    return ctx


def summary_context(plan: Plan, lang: str) -> dict[str, Any]:
    ctx = common_context(plan, lang)
    records = [consultation_record(plan, c, lang) for _, c in consultations_each(plan)]
    for i, r in enumerate(records, 1):
        r["number"] = v.number(i)  # the overview's numbering, also the columns of the "discussed" table
    # Which actions/sections each consultation discussed: rows in plan order (actions, then sections).
    order = [a.id for a in plan.actions] + [s.id for s in plan.sections]
    linked = {ref for r in records for ref in r["linked"]}
    rows = []
    for ref in [x for x in order if x in linked] + sorted(linked - set(order)):
        cells = []
        for r in records:
            ids = [f["short_id"] for f in r["feedback"] if any(link["id"] == ref for link in f["links"])]
            ids += [h["id"] for h in r["harvested"] if h["link"] and h["link"]["id"] == ref]
            cells.append(", ".join(ids))
        rows.append({"link": _link(plan, ref), "cells": cells})
    counts = {}
    for r in records:
        for f in r["feedback"]:
            counts[f["response"]] = counts.get(f["response"], 0) + 1
        for h in r["harvested"]:
            counts[h["decision"]] = counts.get(h["decision"], 0) + 1
    years = sorted({c.start.year for c in plan.consultations} | {c.last_day.year for c in plan.consultations})
    ctx.update({
        "C": labels(),
        "R": review_labels(),
        "doc_title": L("combined_summary"),
        "doc_subtitle": L("combined_subtitle"),
        "short_title": L("combined_summary"),
        "period": v.years(years[0], years[-1]) if years else ctx["period"],
        "records": records,
        "discussed": rows,
        "responses": [{"label": L(f"resp_{k}"), "count": v.number(n)} for k, n in
                      sorted(counts.items(), key=lambda kv: ["accepted", "partly_accepted", "not_accepted",
                                                             "noted", "pending"].index(kv[0]))],
        "feedback_total": v.number(sum(counts.values())),
        "chart": CHART_MD,
    })
    return ctx


# --- charts -------------------------------------------------------------------------


def _render(tx_value: Tx, lang: str) -> str:
    if lang == "km":
        return tx_value.km or tx_value.en
    if lang == "en-km" and tx_value.km and tx_value.km != tx_value.en and not tx_value.numeric:
        return f"{tx_value.en} / {tx_value.km}"
    return tx_value.en


def _chart(bars: list[tuple[Tx, SexCount]], title: Tx, lang: str, out: Path) -> None:
    legend = {"female": L("women"), "male": L("men"), "unstated": L("sex_not_stated"),
              "female_short": L("women"), "male_short": L("men")}
    render_chart([Bar(_render(label, lang), c.total, c.female, c.male) for label, c in bars],
                 title=_render(title, lang), legend={k: _render(t, lang) for k, t in legend.items()},
                 lang=lang, number=lambda n: i18n.number(n, lang), out_path=out)


def chart_for(plan: Plan, lang: str, c: Consultation, folder: Path) -> Path:
    out = Path(folder) / chart_name(c)
    _chart(_bars(c, plan), L("chart_title"), lang, out)
    return out


def consultation_assets(plan: Plan, lang: str, folder: Path, c: Consultation) -> None:
    """documents.Document.assets for the per-consultation summaries: the record's chart."""
    chart_for(plan, lang, c, folder)


def summary_assets(plan: Plan, lang: str, folder: Path) -> None:
    bars = []
    for _, c in consultations_each(plan):
        chart_for(plan, lang, c, folder)
        kept = c.participants.retained_total()
        if kept is not None:
            # the whole title: the chart wraps labels between words
            bars.append((Tx(f"{c.title.en} ({dates(c).en})", f"{c.title.km or c.title.en} ({dates(c).km})"), kept))
    _chart(bars, L("chart_title_all"), lang, Path(folder) / CHART_FILE)
