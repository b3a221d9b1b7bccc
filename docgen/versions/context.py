"""The "Changes since OLD" annex of a new draft: the change log as template data.

``changelog_context(old_plan, new_plan, lang)`` returns plain dicts and strings (data
strings unescaped: the template escapes them with ``md``); ``changelog_markdown``
renders the annex body directly, for builds that do not have a template for it.
"""
from __future__ import annotations

from typing import Any, Optional

from ..markdown.escape import MD, md_inline
from ..model.bundle import Plan
from .changes import KINDS, Change, ChangeLog, compare
from .textdiff import diff_tokens

# Khmer titles: drafts by the developers, to be reviewed by the secretariat's translator.
_KM_KINDS = {
    "added": "សកម្មភាពដែលបានបន្ថែម",
    "removed": "សកម្មភាពដែលបានដកចេញ",
    "moved": "សកម្មភាពដែលបានផ្លាស់ទី (សសរស្តម្ភ លទ្ធផលយុទ្ធសាស្ត្រ ឬលទ្ធផលអាស៊ានបានផ្លាស់ប្តូរ)",
    "text_en": "អត្ថបទសកម្មភាពបានកែប្រែ (ភាសាអង់គ្លេស)",
    "text_km": "អត្ថបទសកម្មភាពបានកែប្រែ (ភាសាខ្មែរ)",
    "mapping": "ការទទួលខុសត្រូវ និងការផ្គូផ្គងបានកែប្រែ",
    "indicator": "សូចនាករបានកែប្រែ",
    "target": "គោលដៅ និងទិន្នន័យមូលដ្ឋានបានកែប្រែ",
    "section": "ផ្នែកពិពណ៌នាបានកែប្រែ",
}
_TEXT = {
    "en": {"title": "Changes since version {old}", "intro": "Changes from version {old} ({old_date}) to version {new} ({new_date}), by stable ID.",
           "none": "No changes.", "feedback": "Consultation feedback", "was": "was", "now": "now",
           "accepted": "accepted", "partly_accepted": "partly accepted"},
    "km": {"title": "ការកែប្រែតាំងពីកំណែ {old}", "intro": "ការកែប្រែពីកំណែ {old} ({old_date}) ទៅកំណែ {new} ({new_date}) តាមលេខសម្គាល់។",
           "none": "គ្មានការកែប្រែ។", "feedback": "មតិយោបល់ពីការពិគ្រោះយោបល់", "was": "មុន", "now": "ឥឡូវ",
           "accepted": "បានទទួលយក", "partly_accepted": "បានទទួលយកមួយផ្នែក"},
}


def _lang(lang: str) -> str:
    return "km" if lang == "km" else "en"


# Change-log field names -> the document's own labels (docgen/i18n_labels.yaml).
_FIELD_LABELS = {"asean_outputs": "asean_outputs", "outcome": "strategic_outcome", "pillar": "pillar",
                 "lead": "lead", "partners": "partners", "timeframe": "timeframe", "target": "target",
                 "baseline": "baseline", "indicators": "indicator", "text": "action", "action": "action",
                 "themes": "priority_themes", "paragraphs": "source", "title": "source"}
_LANG_NAMES = {"en": {"en": "English", "km": "Khmer"}, "km": {"en": "ភាសាអង់គ្លេស", "km": "ភាសាខ្មែរ"}}


def field_label(field: str, lang: str) -> str:
    """'pillar/asean_outputs' -> 'Pillar / ASEAN outputs'; 'text.km' -> 'Action (Khmer)'."""
    from ..i18n import label

    b = _lang(lang)
    parts = []
    for name in field.split("/"):
        base, _, variant = name.partition(".")
        key = _FIELD_LABELS.get(base)
        text = label(key, b) if key else base.replace("_", " ")
        if variant in ("en", "km"):
            text += f" ({_LANG_NAMES[b][variant]})"
        parts.append(text)
    return " / ".join(parts)


def _value(c: Change, side: str, lang: str) -> Optional[str]:
    v = c.old if side == "old" else c.new
    if v is None:
        return None
    if isinstance(v, dict) and "text" in v:  # an action summary
        return (v.get("text_km") or v["text"]) if lang == "km" else v["text"]
    if isinstance(v, dict) and len(v) == 1:
        x = next(iter(v.values()))
        return ", ".join(x) if isinstance(x, list) else str(x)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {', '.join(x) if isinstance(x, list) else x}" for k, x in v.items())
    if isinstance(v, list):
        return ", ".join(v) or "-"
    return str(v)


def changelog_context(old_plan: Plan, new_plan: Plan, lang: str, log: Optional[ChangeLog] = None) -> dict[str, Any]:
    """Template data for the annex "Changes since OLD" of ``new_plan``'s draft."""
    from ..i18n import format_date
    b = _lang(lang)
    log = log or compare(old_plan, new_plan)
    t = _TEXT[b]
    fmt = dict(old=log.old_version, new=log.new_version, old_date=format_date(log.old_date, lang),
               new_date=format_date(log.new_date, lang))
    groups = []
    for kind, changes in log.by_kind().items():
        items = []
        for c in changes:
            old, new = _value(c, "old", b), _value(c, "new", b)
            items.append({
                "id": c.id, "action": c.action, "field": field_label(c.field, b), "kind": kind,
                "old": old, "new": new,
                # word-level diff of old -> new: [("equal"|"delete"|"insert", text)]
                "diff": diff_tokens(old, new) if old is not None and new is not None and c.field.startswith(
                    ("text", "paragraphs", "title")) else [],
                "feedback": [{"id": f.id, "source": f.source,
                              "text": (f.text_km or f.text) if b == "km" else f.text,
                              "response": f.response, "response_label": t.get(f.response, f.response),
                              "rationale": (f.rationale_km or f.rationale) if b == "km" else f.rationale}
                             for f in c.feedback],
            })
        groups.append({"kind": kind, "title": _KM_KINDS[kind] if b == "km" else KINDS[kind], "items": items})
    return {"old_version": log.old_version, "new_version": log.new_version,
            "old_date": log.old_date, "new_date": log.new_date,
            "title": t["title"].format(**fmt), "intro": t["intro"].format(**fmt),
            "empty": t["none"], "labels": t, "count": len(log.changes), "groups": groups,
            "data": log.to_dict()}


def _piece(op: str, text: str, render=md_inline) -> str:
    """One run of a word diff as Markdown: deleted words struck through, inserted underlined."""
    core = render(text)
    if not core:
        return " "
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    if op == "delete":
        core = f"~~{core}~~"
    elif op == "insert":
        core = f"[{core}]{{.underline}}"
    return lead + core + trail


def changelog_markdown(old_plan: Plan, new_plan: Plan, lang: str, heading_id: str = "SEC_changes") -> MD:
    """The annex as Pandoc Markdown (deleted words struck through, inserted ones underlined)."""
    ctx = changelog_context(old_plan, new_plan, lang)
    out = [f"# {md_inline(ctx['title'])} {{#{heading_id}}}", "", md_inline(ctx["intro"]), ""]
    if not ctx["count"]:
        out += [md_inline(ctx["empty"]), ""]
    for g in ctx["groups"]:
        out += [f"## {md_inline(g['title'])}", ""]
        for it in g["items"]:
            label = md_inline(it["id"] if it["action"] in (None, it["id"]) else f"{it['id']} ({it['action']})")
            if it["diff"]:
                body = "".join(_piece(op, x) for op, x in it["diff"] if x)
            elif it["old"] is not None and it["new"] is not None:
                body = f"{md_inline(it['old'])} → {md_inline(it['new'])}"
            else:
                body = md_inline(it["new"] if it["new"] is not None else it["old"] or "")
            field = "" if it["kind"] in ("added", "removed") else f"*{md_inline(it['field'])}:* "
            out.append(f"- **{label}** {field}{body}")
            for f in it["feedback"]:
                why = f" - {md_inline(f['rationale'])}" if f["rationale"] else ""
                out.append(f"    - {md_inline(ctx['labels']['feedback'])} {md_inline(f['id'])} "
                           f"({md_inline(f['response_label'])}): {md_inline(f['text'])}{why}")
        out.append("")
    return MD("\n".join(out))


def annex_context(old_plan: Plan, new_plan: Plan, lang: str) -> dict[str, Any]:
    """Template data for templates/_nap_changes.md.j2 (the NAP's "Changes since OLD" annex).

    Titles are :class:`~docgen.context.values.Tx` (the template renders them for the
    document's language, both in the bilingual one); each change's ``body`` is Markdown
    (deleted words struck through, inserted ones underlined, Khmer tagged ``lang=km``);
    ``link`` is the bookmark of the changed ID in the new draft (None when it has none,
    e.g. a removed action).
    """
    from ..context.review import mixed
    from ..context.values import Tx

    log = compare(old_plan, new_plan)
    en = changelog_context(old_plan, new_plan, "en", log)
    km = changelog_context(old_plan, new_plan, "km", log)
    shown = km if lang == "km" else en  # bodies: one language (Khmer texts stay Khmer in both)
    targets = ({a.id for a in new_plan.actions} | {i.id for a in new_plan.actions for i in a.indicators}
               | {s.id for s in new_plan.sections})

    groups = []
    for g_en, g_km, g in zip(en["groups"], km["groups"], shown["groups"]):
        items = []
        for it in g["items"]:
            if it["diff"]:
                body = "".join(_piece(op, x, mixed) for op, x in it["diff"] if x).strip()
            elif it["old"] is not None and it["new"] is not None:
                body = f"{mixed(it['old'])} → {mixed(it['new'])}"
            else:
                body = mixed(it["new"] if it["new"] is not None else it["old"] or "")
            action = it["action"] if it["action"] not in (None, it["id"]) else None
            items.append({
                "id": it["id"], "link": it["id"] if it["id"] in targets else None,
                "action": action, "action_link": action if action in targets else None,
                "field": None if it["kind"] in ("added", "removed") else it["field"],
                "body": MD(body),
                "feedback": [{"id": f["id"], "text": mixed(f["text"]), "response": Tx(
                    _TEXT["en"].get(f["response"], f["response"]), _TEXT["km"].get(f["response"], f["response"])),
                    "rationale": mixed(f["rationale"]) if f["rationale"] else None} for f in it["feedback"]],
            })
        groups.append({"kind": g["kind"], "anchor": f"SEC_changes_{g['kind']}",
                       "title": Tx(g_en["title"], g_km["title"]), "items": items})
    return {"old_version": log.old_version, "new_version": log.new_version,
            "title": Tx(en["title"], km["title"]), "intro": Tx(en["intro"], km["intro"]),
            "empty": Tx(en["empty"], km["empty"]), "feedback_label": Tx(_TEXT["en"]["feedback"], _TEXT["km"]["feedback"]),
            "count": len(log.changes), "ids": sorted({c.id for c in log.changes}), "groups": groups}
