"""Cross-checks of the harvested feedback rounds (plan_data/feedback/*.yaml).

``check_feedback(plan) -> [Diagnostic]``: a round's ``consultation`` must name a
consultation event of the plan (did-you-mean hint otherwise); two rounds must not
name themselves the same. Run by ``docgen build`` (docgen/build.py) and meant for
``docgen validate`` (docgen.validate.crossref.check_plan).
"""
from __future__ import annotations

from ..diagnostics import Diagnostic
from ..model.bundle import Plan
from ..model.feedback import FeedbackRound
from ..validate.report import Reporter, ref_hint as _ref_hint


def check_feedback(plan: Plan) -> list[Diagnostic]:
    r = Reporter(plan)
    events = [c.id for c in plan.consultations]
    seen: dict[str, FeedbackRound] = {}
    for fr in plan.feedback:
        if not isinstance(fr, FeedbackRound):
            continue
        if fr.consultation is not None and fr.consultation not in events:
            r.at(fr, ("consultation",), f"round '{fr.round}' names unknown consultation event '{fr.consultation}'",
                 hint=_ref_hint(fr.consultation, events, "consultation events"))
        if fr.round in seen:
            first = plan.origin(seen[fr.round])
            where = f" (also in {first.file.display})" if first else ""
            r.at(fr, ("round",), f"round '{fr.round}' is recorded twice{where}",
                 hint="one file per round: plan_data/feedback/<round>.yaml")
        else:
            seen[fr.round] = fr
    return r.out
