"""``docgen export json``: the validated plan as JSON, for other tools."""
from __future__ import annotations

import json
import sys

from .validate import require_plan


def plan_to_dict(plan) -> dict:
    def dump(records):
        return [r.model_dump(mode="json", exclude_none=True) for r in records]

    actions = []
    for a in plan.actions:
        item = a.model_dump(mode="json", exclude_none=True)
        item["strategic_outcome"] = a.outcome
        actions.append(item)
    outputs = [
        {**o.model_dump(mode="json", exclude_none=True), "pillar": plan.pillar_of_output(o.id),
         "actions": [a.id for a in plan.actions_for_output(o.id)]}
        for o in plan.outputs
    ]
    return {
        "metadata": plan.metadata.model_dump(mode="json", exclude_none=True),
        "pillars": dump(plan.pillars),
        "outcomes": dump(plan.outcomes),
        "asean_outputs": outputs,
        "institutions": dump(plan.institutions),
        "themes": dump(plan.themes),
        "actions": actions,
        "sections": dump(plan.sections),
        "glossary": dump(plan.glossary),
        "consultations": dump(plan.consultations),
        "tor": plan.tor.model_dump(mode="json", exclude_none=True) if plan.tor else None,
    }


def run(args) -> int:
    plan, _warnings = require_plan(args.data)
    json.dump(plan_to_dict(plan), sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0
