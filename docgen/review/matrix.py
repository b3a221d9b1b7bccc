"""Rows of the 'what we heard / how we responded' matrix from the feedback files.

For the consultation summary of a round (or a review summary when the round has
no consultation event)::

    from docgen.review.matrix import feedback_matrix
    rows = feedback_matrix(plan, "round1", lang)   # round None: every round

Each row is a plain dict (strings from data: escape them in the template as usual):
``id, round, reviewer, source_file, anchor_kind, anchor_id, kind, heard, commented_text,
replies (list of "author: text"), decision (accepted|partly_accepted|not_accepted|noted|pending),
rationale (in ``lang``, English when the Khmer is missing; "" if none), by, date, status``.
Rows come in plan order of what they touch (anchored items first, by anchor ID), then general ones.
"""
from __future__ import annotations

from typing import Any, Optional

from .carry import feedback_rounds
from .untracked import short_change


def feedback_matrix(plan: Any, round_name: Optional[str] = None, lang: str = "en") -> list[dict]:
    base = "km" if lang == "km" else "en"
    rows = []
    for fr in feedback_rounds(plan):
        if round_name is not None and fr.round != round_name:
            continue
        for it in fr.items:
            if it.kind == "comment":
                heard = it.text
            elif it.kind == "untracked_edit":
                was, now = short_change(it.old_text or "", it.text)
                heard = f"Edited without Track Changes: \u201c{was}\u201d \u2192 \u201c{now}\u201d"
            else:
                heard = ("Proposed insertion: " if it.kind == "insertion" else "Proposed deletion: ") + it.text
            r = it.response
            rows.append({
                "id": it.id, "round": fr.round, "reviewer": it.reviewer.name, "source_file": it.source_file,
                "anchor_kind": it.anchor.kind, "anchor_id": it.anchor.id, "kind": it.kind, "heard": heard,
                "commented_text": it.commented_text or "",
                "replies": [f"{x.author}: {x.text}" for x in it.replies],
                "decision": r.decision, "rationale": r.rationale.get(base) if r.rationale else "",
                "by": r.by or "", "date": r.date or "", "status": it.status,
            })
    rows.sort(key=lambda row: (row["anchor_id"] is None, row["anchor_id"] or ""))
    return rows
