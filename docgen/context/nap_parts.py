"""Context of the NAP-WPS parts beyond the actions (templates/_nap_*.md.j2 partials):
how to read the draft, vision and goal, legal and policy basis, results framework,
implementation timeline, indicative costing, risks, monitoring and reporting,
localisation, and the review annexes (notes for reviewers, what remains to be
decided, sources).

Plain values only (Tx, strings, numbers, booleans): the templates mark proposals,
placeholders and citations.
"""
from __future__ import annotations

from typing import Any, Optional

from ..anchors import FIXED, bookmark_for
from ..model.bundle import Plan
from ..model.plan import Action, Target
from ..status import DOCUMENTS, readiness, review_notes
from . import values as v
from .values import LabelTable, Tx, tx

_LABELS: dict[str, tuple[str, str]] = {
    "reading": ("How to read this draft", "របៀបអានសេចក្ដីព្រាងនេះ"),
    "legend_sources": ("Statements drawn from the sources carry a footnote naming the document and its section; "
                       "the annex 'Sources' lists the documents.",
                       "សេចក្ដីថ្លែងដែលដកស្រង់ពីឯកសារប្រភព មានលេខយោងនៅជើងទំព័រ ដែលបញ្ជាក់ឈ្មោះឯកសារ និងផ្នែករបស់វា។ "
                       "ឧបសម្ព័ន្ធ «ឯកសារប្រភព» រាយបញ្ជីឯកសារទាំងនោះ។"),
    "legend_proposal": ("is proposed by the drafting team: the sources do not say it, and the consultation "
                        "validates or changes it. The annex 'Notes for reviewers' gives the reasons.",
                        "ត្រូវបានស្នើដោយក្រុមរៀបចំសេចក្ដីព្រាង៖ ឯកសារប្រភពមិនបានបញ្ជាក់ទេ ហើយការពិគ្រោះយោបល់នឹងផ្ទៀងផ្ទាត់ ឬកែប្រែ។ "
                        "ឧបសម្ព័ន្ធ «កំណត់សម្គាល់សម្រាប់អ្នកពិនិត្យ» ផ្ដល់ហេតុផល។"),
    # the proposal style adds the mark itself: "..., marked†"
    "legend_proposal_sample": ("Text in this style, marked", "អត្ថបទក្នុងរចនាប័ទ្មនេះ ដែលមានសញ្ញា"),
    "legend_placeholder": ("is still to be decided by the secretariat.", "នៅត្រូវសម្រេចដោយលេខាធិការដ្ឋាន។"),
    "legend_tor_sources": ("Statements drawn from the sources carry a footnote naming the document and its section.",
                           "សេចក្ដីថ្លែងដែលដកស្រង់ពីឯកសារប្រភព មានលេខយោងនៅជើងទំព័រ ដែលបញ្ជាក់ឈ្មោះឯកសារ និងផ្នែករបស់វា។"),
    "legend_tor_proposal": ("is proposed by the drafting team: the sources do not say it, and the consultation "
                            "validates or changes it.",
                            "ត្រូវបានស្នើដោយក្រុមរៀបចំសេចក្ដីព្រាង៖ ឯកសារប្រភពមិនបានបញ្ជាក់ទេ ហើយការពិគ្រោះយោបល់នឹងផ្ទៀងផ្ទាត់ ឬកែប្រែ។"),
    "legend_tor_placeholder": ("marks a point the sources leave open, numbered, with the options they suggest: the "
                               "secretariat decides it. The last section lists every such point.",
                               "សម្គាល់ចំណុចដែលឯកសារប្រភពមិនបានកំណត់ ដែលមានលេខរៀង និងជម្រើសដែលឯកសារប្រភពណែនាំ៖ "
                               "លេខាធិការដ្ឋានជាអ្នកសម្រេច។ ផ្នែកចុងក្រោយរាយបញ្ជីចំណុចទាំងអស់នេះ។"),
    "legend_placeholder_sample": ("Highlighted text", "អត្ថបទដែលបានបន្លិច"),
    "legend_notes": ("Conflicting figures, assumptions and open questions are not in the text of the plan: they are "
                     "in the annex 'Notes for reviewers' and, in the Word file, in comments from the secretariat "
                     "that reviewers can answer in place.",
                     "តួលេខដែលផ្ទុយគ្នា ការសន្មត និងសំណួរដែលនៅចំហ មិនស្ថិតក្នុងអត្ថបទនៃផែនការទេ៖ ពួកវាស្ថិតនៅក្នុងឧបសម្ព័ន្ធ "
                     "«កំណត់សម្គាល់សម្រាប់អ្នកពិនិត្យ» ហើយក្នុងឯកសារ Word ជាមតិយោបល់របស់លេខាធិការដ្ឋាន ដែលអ្នកពិនិត្យអាចឆ្លើយតបនៅនឹងកន្លែង។"),
    "tbd": ("to be decided", "ត្រូវសម្រេច"),
    "women": ("women", "ស្ត្រី"),
    "q_over": ("over", "ជាង"),
    "q_under": ("under", "តិចជាង"),
    "q_at_least": ("at least", "យ៉ាងហោចណាស់"),
    "q_about": ("about", "ប្រហែល"),
    "men": ("men", "បុរស"),
    "TBD": ("TO BE DECIDED", "ត្រូវសម្រេច"),
    "vision_goal": ("Vision and goal", "ចក្ខុវិស័យ និងគោលដៅ"),
    "vision": ("Vision", "ចក្ខុវិស័យ"),
    "goal": ("Goal", "គោលដៅ"),
    "vision_tbd": ("The vision of the plan, to be agreed with the line ministries and civil society in consultation.",
                   "ចក្ខុវិស័យនៃផែនការ ដែលត្រូវព្រមព្រៀងជាមួយក្រសួងជំនាញ និងសង្គមស៊ីវិល ក្នុងការពិគ្រោះយោបល់។"),
    "goal_tbd": ("The overall goal of the plan.", "គោលដៅរួមនៃផែនការ។"),
    "legal_basis": ("Legal and policy basis", "មូលដ្ឋានច្បាប់ និងគោលនយោបាយ"),
    "legal_intro": ("The plan rests on Cambodia's international and regional commitments and its Constitution, and "
                    "links to the national policies and plans below rather than duplicating them.",
                    "ផែនការនេះផ្អែកលើការប្ដេជ្ញាចិត្តអន្តរជាតិ និងថ្នាក់តំបន់របស់កម្ពុជា និងរដ្ឋធម្មនុញ្ញ ហើយភ្ជាប់ទៅនឹងគោលនយោបាយ "
                    "និងផែនការជាតិខាងក្រោម ជាជាងធ្វើការងារត្រួតស៊ីគ្នា។"),
    "kind_international": ("International commitments", "ការប្ដេជ្ញាចិត្តអន្តរជាតិ"),
    "kind_regional": ("Regional commitments", "ការប្ដេជ្ញាចិត្តថ្នាក់តំបន់"),
    "kind_constitution_law": ("Constitution and laws", "រដ្ឋធម្មនុញ្ញ និងច្បាប់"),
    "kind_national_policy": ("National policies and plans", "គោលនយោបាយ និងផែនការជាតិ"),
    "results": ("Results framework", "ក្របខណ្ឌលទ្ធផល"),
    "results_intro": ("Outcome indicators measure each ASEAN RPA-WPS strategic outcome; action indicators measure "
                      "the actions. Empty cells are still to be decided.",
                      "សូចនាករលទ្ធផលវាស់វែងលទ្ធផលយុទ្ធសាស្ត្រនីមួយៗនៃ ASEAN RPA-WPS សូចនាករសកម្មភាពវាស់វែងសកម្មភាព។ "
                      "ក្រឡាទទេនៅត្រូវសម្រេច។"),
    "outcome_indicators": ("Outcome indicators", "សូចនាករលទ្ធផល"),
    "action_indicators": ("Action indicators", "សូចនាករសកម្មភាព"),
    "outcome": ("Strategic outcome", "លទ្ធផលយុទ្ធសាស្ត្រ"),
    "indicator": ("Indicator", "សូចនាករ"),
    "baseline": ("Baseline", "មូលដ្ឋាន"),
    "midterm": ("Mid-term target", "គោលដៅពាក់កណ្ដាលអាណត្តិ"),
    "end_target": ("End target", "គោលដៅចុងក្រោយ"),
    "mov": ("Means of verification", "មធ្យោបាយផ្ទៀងផ្ទាត់"),
    "frequency": ("Reporting", "ការរាយការណ៍"),
    "responsible": ("Responsible", "អ្នកទទួលខុសត្រូវ"),
    "no_outcome_indicator": ("no outcome indicator yet", "មិនទាន់មានសូចនាករលទ្ធផល"),
    "timeline": ("Implementation timeline", "កាលវិភាគអនុវត្ត"),
    "timeline_intro": ("Years in which each action is carried out. The sources set no timing: every timeframe "
                       "marked † is a proposal of the drafting team.",
                       "ឆ្នាំដែលសកម្មភាពនីមួយៗត្រូវអនុវត្ត។ ឯកសារប្រភពមិនបានកំណត់ពេលវេលាទេ៖ "
                       "រយៈពេលនីមួយៗដែលមានសញ្ញា † គឺជាសំណើរបស់ក្រុមរៀបចំសេចក្ដីព្រាង។"),
    "action": ("Action", "សកម្មភាព"),
    "costing": ("Indicative costing", "ការប៉ាន់ស្មានថ្លៃដើម"),
    "costing_intro": ("Indicative cost of each action, its funding source and the status of its funding. The "
                      "report recommends costing a realistic plan as a key step in preparing the budget.",
                      "ថ្លៃដើមប៉ាន់ស្មាននៃសកម្មភាពនីមួយៗ ប្រភពមូលនិធិ និងស្ថានភាពមូលនិធិ។ របាយការណ៍ផ្ដល់អនុសាសន៍ឱ្យគណនាថ្លៃដើម"
                      "នៃផែនការប្រាកដនិយម ជាជំហានសំខាន់ក្នុងការរៀបចំថវិកា។"),
    "amount": ("Amount", "ចំនួនទឹកប្រាក់"),
    "currency": ("Currency", "រូបិយប័ណ្ណ"),
    "funding_source": ("Funding source", "ប្រភពមូលនិធិ"),
    "funding_status": ("Funding status", "ស្ថានភាពមូលនិធិ"),
    "to_be_costed": ("to be costed", "ត្រូវគណនាថ្លៃដើម"),
    "status_to_be_costed": ("to be costed", "ត្រូវគណនាថ្លៃដើម"),
    "status_estimated": ("estimated", "បានប៉ាន់ស្មាន"),
    "status_budgeted": ("in a budget", "មានក្នុងថវិកា"),
    "status_pledged": ("pledged", "បានសន្យា"),
    "status_secured": ("secured", "ធានាបាន"),
    "total_pillar": ("Total", "សរុប"),
    "total_plan": ("Total for the plan", "សរុបសម្រាប់ផែនការ"),
    "costed_of": ("{n} of {m} actions costed", "សកម្មភាពចំនួន {n} ក្នុងចំណោម {m} បានគណនាថ្លៃដើម"),
    "risks": ("Risks and mitigation", "ហានិភ័យ និងការកាត់បន្ថយ"),
    "risk": ("Risk", "ហានិភ័យ"),
    "likelihood": ("Likelihood", "លទ្ធភាពកើតឡើង"),
    "impact": ("Impact", "ផលប៉ះពាល់"),
    "mitigation": ("Mitigation", "ការកាត់បន្ថយ"),
    "to_assess": ("to be assessed", "ត្រូវវាយតម្លៃ"),
    "level_low": ("low", "ទាប"),
    "level_medium": ("medium", "មធ្យម"),
    "level_high": ("high", "ខ្ពស់"),
    "monitoring": ("Reporting and evaluation schedule", "កាលវិភាគនៃការរាយការណ៍ និងការវាយតម្លៃ"),
    "what": ("What", "អ្វី"),
    "when": ("When", "ពេលណា"),
    "by": ("By", "ដោយ"),
    "to": ("To", "ជូន"),
    "localisation": ("Localisation: provinces, districts and communes", "មូលដ្ឋានីយកម្ម៖ ខេត្ត ស្រុក និងឃុំ"),
    "localisation_tbd": ("How provinces, districts and communes take up the plan: local action plans, their budgets "
                         "and how they report.",
                         "របៀបដែលខេត្ត ស្រុក និងឃុំ អនុវត្តផែនការ៖ ផែនការសកម្មភាពមូលដ្ឋាន ថវិការបស់ពួកវា និងរបៀបរាយការណ៍។"),
    "notes": ("Notes for reviewers", "កំណត់សម្គាល់សម្រាប់អ្នកពិនិត្យ"),
    "notes_intro": ("What the secretariat asks reviewers to weigh: conflicting figures in the sources, assumptions "
                    "and open questions, then the drafting team's proposals and why it makes them. In the Word "
                    "file each note is also a comment on its passage: reply there.",
                    "អ្វីដែលលេខាធិការដ្ឋានស្នើឱ្យអ្នកពិនិត្យពិចារណា៖ តួលេខផ្ទុយគ្នាក្នុងឯកសារប្រភព ការសន្មត និងសំណួរដែលនៅចំហ "
                    "បន្ទាប់មកសំណើរបស់ក្រុមរៀបចំសេចក្ដីព្រាង និងហេតុផល។ ក្នុងឯកសារ Word កំណត់សម្គាល់នីមួយៗក៏ជាមតិយោបល់លើអត្ថបទរបស់វាដែរ៖ សូមឆ្លើយតបនៅទីនោះ។"),
    "note_conflict": ("Conflicting figures", "តួលេខផ្ទុយគ្នា"),
    "note_assumption": ("Assumption", "ការសន្មត"),
    "note_question": ("Open question", "សំណួរដែលនៅចំហ"),
    "note_correction": ("Correction", "ការកែតម្រូវ"),
    "on": ("On", "លើ"),
    "conflict_text": ("{ind}: the sources give {figures}. The draft uses {used}.",
                      "{ind}៖ ឯកសារប្រភពផ្ដល់ {figures}។ សេចក្ដីព្រាងប្រើ {used}។"),
    "proposals": ("Proposals of the drafting team", "សំណើរបស់ក្រុមរៀបចំសេចក្ដីព្រាង"),
    "rationale": ("Why", "ហេតុផល"),
    "applies_to": ("Applies to", "អនុវត្តចំពោះ"),
    "n_items": ("{n} items", "{n} ចំណុច"),
    "plan_period": ("the plan period", "រយៈពេលនៃផែនការ"),
    "part_item": ("{part}, item {n}", "{part} ចំណុចទី {n}"),
    "indicator_target": ("{ind}: {target}", "{ind}៖ {target}"),
    "tor_clause": ("Terms of Reference, {part}, clause {n}", "លក្ខខណ្ឌការងារ {part} ចំណុចទី {n}"),
    "tor_responsibilities_n": ("{body}: responsibility {n}", "{body}៖ ភារកិច្ចទី {n}"),
    "tor_member": ("{body}: member {who}", "{body}៖ សមាជិក {who}"),
    "tor_reports_to": ("{body}: to whom it reports", "{body}៖ ស្ថាប័នដែលខ្លួនរាយការណ៍ជូន"),
    "tor_background": ("background", "សាវតា"),
    "tor_objectives": ("objectives", "គោលបំណង"),
    "tor_reporting": ("reporting", "ការរាយការណ៍"),
    "tor_duration_review": ("duration and review", "រយៈពេល និងការពិនិត្យឡើងវិញ"),
    "remains": ("What remains to be decided", "អ្វីដែលនៅត្រូវសម្រេច"),
    "remains_intro": ("Counted from the plan data of this version (the same counts as 'docgen status').",
                      "រាប់ពីទិន្នន័យផែនការនៃកំណែនេះ (ចំនួនដូចគ្នានឹង «docgen status»)។"),
    "doc_nap": ("NAP-WPS", "NAP-WPS"),
    "doc_tor": ("ToR", "លក្ខខណ្ឌការងារ"),
    "doc_consultations": ("Consultations", "ការពិគ្រោះយោបល់"),
    "total": ("Total", "សរុប"),
    "sources": ("Sources", "ឯកសារប្រភព"),
    "sources_intro": ("The documents this draft cites. Footnotes name the document and the section.",
                      "ឯកសារដែលសេចក្ដីព្រាងនេះដកស្រង់។ លេខយោងនៅជើងទំព័របញ្ជាក់ឈ្មោះឯកសារ និងផ្នែក។"),
    # readiness kinds (docgen.status.KINDS)
    "k_targets_missing": ("Indicators without an end target", "សូចនាករដែលគ្មានគោលដៅចុងក្រោយ"),
    "k_midterm_missing": ("Indicators without a mid-term target", "សូចនាករដែលគ្មានគោលដៅពាក់កណ្ដាលអាណត្តិ"),
    "k_baselines_missing": ("Indicators without a baseline", "សូចនាករដែលគ្មានមូលដ្ឋាន"),
    "k_mov_missing": ("Indicators without a means of verification", "សូចនាករដែលគ្មានមធ្យោបាយផ្ទៀងផ្ទាត់"),
    "k_responsible_missing": ("Indicators without a responsible institution", "សូចនាករដែលគ្មានស្ថាប័នទទួលខុសត្រូវ"),
    "k_costs_missing": ("Actions not yet costed", "សកម្មភាពដែលមិនទាន់គណនាថ្លៃដើម"),
    "k_proposals": ("Proposals awaiting a decision", "សំណើដែលរង់ចាំការសម្រេច"),
    "k_placeholders": ("Placeholders (to be decided)", "ចំណុចដែលត្រូវសម្រេច"),
    "k_notes": ("Notes for reviewers", "កំណត់សម្គាល់សម្រាប់អ្នកពិនិត្យ"),
    "k_open_comments": ("Open review comments", "មតិយោបល់ពិនិត្យដែលនៅចំហ"),
    "k_draft_translations": ("Draft Khmer translations", "ការបកប្រែខ្មែរព្រាង"),
    "k_stale_translations": ("Khmer translations out of date", "ការបកប្រែខ្មែរហួសសម័យ"),
    "k_missing_translations": ("Texts without Khmer", "អត្ថបទដែលគ្មានភាសាខ្មែរ"),
    "freq_quarterly": ("quarterly", "ប្រចាំត្រីមាស"),
    "freq_biannual": ("twice a year", "ពីរដងក្នុងមួយឆ្នាំ"),
    "freq_annual": ("annual", "ប្រចាំឆ្នាំ"),
    "freq_midterm_and_end": ("mid-term and end", "ពាក់កណ្ដាលអាណត្តិ និងចុងក្រោយ"),
    "freq_end": ("end of plan", "ចុងផែនការ"),
}

L = LabelTable(_LABELS)
ACTIVE = "\u25a0"  # a filled square: the action runs that year


def _fmt(key: str, **values: Tx) -> Tx:
    """A label with numbers in it, each language with its own digits."""
    en, km = _LABELS[key]
    return Tx(en.format(**{k: x.en for k, x in values.items()}), km.format(**{k: x.km for k, x in values.items()}))


def FREQUENCY(freq: str) -> Tx:
    return L(f"freq_{freq}")


def _proposed(p) -> bool:
    return p is not None and p.provenance_kind == "proposed"


def _inst(plan: Plan, ref: Optional[str]) -> Optional[Tx]:
    if not ref:
        return None
    inst = plan.institution.get(ref)
    return tx(inst.acronym, en_ok_in_km=True) if inst else tx(ref)


def figure(f) -> Optional[Tx]:
    """A reported figure: '27 % (2023)', or by sex: 'women 91 %, men 93 % (2023)'."""
    if f is None:
        return None
    q = L(f"q_{f.qualifier}") if f.qualifier else None
    if f.value is not None:
        n = _figure(f.value, f.unit, None)
        en, km = n.en, n.km
    else:
        parts = [(L(k), _figure(x, f.unit, None)) for k, x in (("women", f.female), ("men", f.male)) if x is not None]
        en = ", ".join(f"{lab.en} {x.en}" for lab, x in parts)
        km = ", ".join(f"{lab.km} {x.km}" for lab, x in parts)
    if q:
        en, km = f"{q.en} {en}", f"{q.km} {km}"
    extra_en, extra_km = [], []
    if f.year:
        y = v.digits(f.year)
        extra_en.append(y.en)
        extra_km.append(y.km)
    if f.scope:
        extra_en.append(f.scope.en)
        extra_km.append(f.scope.km or f.scope.en)
    if extra_en:
        en, km = f"{en} ({'; '.join(extra_en)})", f"{km} ({'; '.join(extra_km)})"
    return Tx(en, km, numeric=not f.scope)


def _figure(value: Optional[float], unit: str, year: Optional[int]) -> Optional[Tx]:
    if value is None:
        return None
    n = v.number(value)
    en, km = n.en, n.km
    if unit == "percent":
        en, km = en + " %", km + " %"
    if year:
        y = v.digits(year)
        en, km = f"{en} ({y.en})", f"{km} ({y.km})"
    return Tx(en, km, numeric=True)


def _target(t: Optional[Target]) -> Optional[dict[str, Any]]:
    if t is None:
        return None
    fig = _figure(t.value, t.unit, t.year) or v.digits(t.year)
    return {"value": fig, "text": tx(t.text), "proposed": _proposed(t)}


def _indicator_row(plan: Plan, ind, owner: str, owner_anchor: str) -> dict[str, Any]:
    b = ind.baseline
    return {
        "id": ind.id, "owner": owner, "owner_anchor": owner_anchor,
        "text": tx(ind.text), "proposed": _proposed(ind),
        "baseline": figure(b),
        "baseline_source": v.source(b.source, plan) if b else None,
        "midterm": _target(ind.midterm), "target": _target(ind.target),
        "mov": tx(ind.means_of_verification),
        "frequency": FREQUENCY(ind.frequency) if ind.frequency else None,
        "responsible": _inst(plan, ind.responsible),
    }


def _statement(plan: Plan, st) -> Optional[dict[str, Any]]:
    if st is None:
        return None
    return {"text": tx(st.text), "proposed": _proposed(st), "source": v.source(st.source, plan)}


def _cost(a: Action) -> dict[str, Any]:
    c = a.cost
    if c is None or c.amount is None:
        return {"amount": None, "currency": tx(c.currency) if c else None,
                "funding_source": tx(c.funding_source) if c else None,
                "status": L(f"status_{c.status}") if c else None, "proposed": _proposed(c)}
    return {"amount": v.number(c.amount), "currency": tx(c.currency), "funding_source": tx(c.funding_source),
            "status": L(f"status_{c.status}"), "proposed": _proposed(c)}


def _rationale_groups(plan: Plan) -> list[dict[str, Any]]:
    """The drafting team's proposals, grouped by rationale (one row per reason, with what it covers)."""
    from ..validate.provenance import provenance_points

    groups: dict[tuple, dict[str, Any]] = {}
    live = {id(a) for a in plan.actions if a.status != "dropped"}
    for rec, sub, what, kind in provenance_points(plan):
        if kind != "proposed" or (isinstance(rec, Action) and id(rec) not in live):
            continue
        prop = _proposal_at(rec, sub)
        if prop is None:
            continue
        key = (prop.rationale.en, prop.rationale.km)
        g = groups.setdefault(key, {"rationale": tx(prop.rationale), "what": {}})
        shown = _applies_to(plan, rec, sub)
        g["what"].setdefault((shown.en, shown.km), shown)
    out = []
    for g in groups.values():
        names = list(g["what"].values())
        n = len(names)
        # labels alone (PROT_01, SO1_I1) read the same in both languages: the bilingual cell
        # shows them once, and a long list ends with its count, "... (33)"
        labels_only = all(x.en == x.km for x in names)
        if n > 8:
            count = v.number(n)
            names = names[:6] + [Tx(f"... ({count.en})", f"... ({count.km})")]
        out.append({"rationale": g["rationale"], "count": n,
                    "applies_to": Tx("; ".join(x.en for x in names), "; ".join(x.km for x in names),
                                     numeric=labels_only)})
    return out


def _applies_to(plan: Plan, rec, sub: tuple) -> Tx:
    """What a proposal covers, as a reader names it: an action or indicator by its printed
    label, a part of the plan by its heading, a ToR clause by its body and number."""
    if isinstance(rec, Action):
        if sub and sub[0] == "indicators":
            ind = rec.indicators[sub[1]]
            return _target_of(ind.id, sub[2]) if len(sub) > 2 else _label_id(ind.id)
        return _label_id(rec.id)
    if sub[:1] == ("period",):
        return L("plan_period")
    if rec is plan.vision:
        return L(sub[0])
    if rec is plan.tor:
        body = plan.tor.bodies[sub[1]] if sub[0] == "bodies" else None
        if body is None:
            return _fmt("tor_clause", part=L(f"tor_{sub[0]}"), n=v.number(sub[1] + 1))
        name = tx(body.name)
        if sub[2] == "reports_to":
            return _fmt("tor_reports_to", body=name)
        if sub[2] == "members":
            inst = _inst(plan, body.members[sub[3]].institution)
            return _fmt("tor_member", body=name, who=inst)
        return _fmt(f"tor_{sub[2]}_n", body=name, n=v.number(sub[3] + 1))
    if any(rec is i for i in plan.outcome_indicators):
        return _target_of(rec.id, sub[0]) if sub else _label_id(rec.id)
    for kind, heading in (("risks", "risks"), ("monitoring", "monitoring"), ("localisation", "localisation"),
                          ("legal_basis", "legal_basis")):
        records = getattr(plan, kind)
        at = next((n for n, r in enumerate(records) if r is rec), None)
        if at is not None:
            if kind == "monitoring":
                return tx(rec.what)
            if kind == "legal_basis":
                return tx(rec.title)
            return _fmt("part_item", part=L(heading), n=v.number(at + 1))
    return Tx(str(rec), str(rec), en_ok_in_km=True)


def _label_id(ident: str) -> Tx:
    return Tx(ident, ident, en_ok_in_km=True)


def _target_of(ind_id: str, key: str) -> Tx:
    return _fmt("indicator_target", ind=_label_id(ind_id),
                target=L("midterm" if key == "midterm" else "end_target"))


def _proposal_at(rec, sub: tuple):
    obj = rec
    for part in sub:
        obj = obj[part] if isinstance(part, int) else getattr(obj, part)
    if isinstance(obj, list):  # lead / partners: their provenance sits beside them
        obj = getattr(rec, f"{sub[-1]}_provenance", None) if len(sub) == 1 else None
    if sub and sub[-1] == "reports_to":
        body = rec.bodies[sub[1]]
        obj = body.reports_to_provenance
    return getattr(obj, "proposed", None)


def _notes(plan: Plan) -> list[dict[str, Any]]:
    out = []
    for n in review_notes(plan):
        if n["text"] is not None:
            text = tx(n["text"])
        else:  # a baseline conflict, worded from the data
            ind, b = n["indicator"], n["baseline"]
            figs = [b] + list(b.alternatives)
            cited = [(figure(f), v.source(f.source, plan)) for f in figs]
            fig_en = "; ".join(f"{c[0].en} ({c[1].en})" for c in cited)
            fig_km = "; ".join(f"{c[0].km} ({c[1].km})" for c in cited)
            used = figure(b)
            why = tx(b.retained_because)
            why_en = f" {why.en}" if why else ""
            why_km = f" {why.km or why.en}" if why else ""
            text = Tx(_LABELS["conflict_text"][0].format(ind=ind.id, figures=fig_en, used=used.en) + why_en,
                      _LABELS["conflict_text"][1].format(ind=ind.id, figures=fig_km, used=used.km) + why_km,
                      stale=bool(why and (why.stale or not why.km)))
        out.append({"id": n["id"], "about": n["about"], "about_label": _about_label(plan, n["about"]),
                    "kind": L(f"note_{n['kind']}"), "text": text,
                    "source": v.source(n["source"], plan) if n["source"] else None})
    return out


def _about_label(plan: Plan, about: Optional[str]) -> Optional[Tx]:
    """What a note is about, as the reader sees it: an action by its ID, a section or a part
    of the draft by its heading."""
    if about is None:
        return None
    if about in plan.action:
        return _label_id(about)
    if about in plan.section:
        return tx(plan.section[about].title)
    fixed = next((key for key, name in FIXED.items() if name == about), None)
    if fixed is not None:
        return v.label(fixed)
    return _label_id(about)


def _readiness(plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for item in readiness(plan):
        rows.append({"label": L(f"k_{item.key}"), "counts": [v.number(item.counts[d]) for d in DOCUMENTS],
                     "total": v.number(item.total), "open": item.total > 0})
    return rows


def reading_context(doc: str) -> dict[str, Any]:
    """The legend "How to read this draft" of ``doc`` ("nap" or "tor"): how citations, proposals
    and placeholders look, and (in the NAP) where the notes for reviewers are."""
    if doc == "tor":
        items = [{"style": None, "text": L("legend_tor_sources")},
                 {"sample": L("legend_proposal_sample"), "style": "proposal", "text": L("legend_tor_proposal")},
                 {"sample": L("legend_placeholder_sample"), "style": "placeholder", "text": L("legend_tor_placeholder")}]
        anchor = "TOR_reading"
    else:
        items = [{"style": None, "text": L("legend_sources")},
                 {"sample": L("legend_proposal_sample"), "style": "proposal", "text": L("legend_proposal")},
                 {"sample": L("legend_placeholder_sample"), "style": "placeholder", "text": L("legend_placeholder")},
                 {"style": None, "text": L("legend_notes")}]
        anchor = "DOC_reading"
    return {"title": L("reading"), "anchor": anchor, "entries": items}


def parts_context(plan: Plan, pillars: list[dict[str, Any]], actions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The new parts' context, given the pillar and action contexts of docgen.context.nap."""
    period = plan.metadata.period
    years = list(range(period.start, period.end + 1))
    # actions in the draft's order: by pillar, then outcome
    order = [a["id"] for p in pillars for oc in p["outcomes"] for a in oc["actions"]] + \
            [a["id"] for p in pillars for a in p["other_actions"]]
    live = [plan.action[i] for i in order]

    vis = plan.vision
    outcome_rows = []
    for oc in plan.outcomes:
        inds = [i for i in plan.outcome_indicators if i.outcome == oc.id]
        anchor = bookmark_for("outcome", oc.id)
        outcome_rows.append({"outcome": v.digits(oc.id), "anchor": anchor,
                             "indicators": [_indicator_row(plan, i, oc.id, anchor) for i in inds]})
    action_rows = [_indicator_row(plan, i, a.id, a.id) for a in live for i in a.indicators]

    timeline = []
    for a in live:
        tf = a.timeframe
        timeline.append({"id": a.id, "text": tx(a.text), "proposed": _proposed(tf),
                         "years": [bool(tf and tf.start <= y <= tf.end) for y in years], "undated": tf is None})

    costing = []
    plan_costed = 0
    plan_totals: dict[str, float] = {}
    for p in pillars:
        ids = [a["id"] for oc in p["outcomes"] for a in oc["actions"]] + [a["id"] for a in p["other_actions"]]
        rows, totals, costed = [], {}, 0
        for aid in ids:
            a = plan.action[aid]
            c = _cost(a)
            rows.append({"id": aid, "text": actions[aid]["text"], **c})
            if a.cost and a.cost.amount is not None:
                costed += 1
                totals[a.cost.currency] = totals.get(a.cost.currency, 0) + a.cost.amount
        plan_costed += costed
        for cur, amt in totals.items():
            plan_totals[cur] = plan_totals.get(cur, 0) + amt
        costing.append({"pillar": p, "rows": rows, "costed": _fmt("costed_of", n=v.number(costed), m=v.number(len(ids))),
                        "total": _money(totals)})
    notes = _notes(plan)
    return {
        "P": L.all(),
        "reading": reading_context("nap"),
        "active_mark": ACTIVE,
        "years": [v.digits(y) for y in years],
        "vision": _statement(plan, vis.vision if vis else None),
        "goal": _statement(plan, vis.goal if vis else None),
        "legal": [{"kind": L(f"kind_{k}"),
                   "items": [{"id": x.id, "title": tx(x.title), "link": tx(x.link), "proposed": _proposed(x),
                              "source": v.source(x.source, plan)} for x in plan.legal_basis if x.kind == k]}
                  for k in ("international", "regional", "constitution_law", "national_policy")],
        "outcome_rows": outcome_rows,
        "action_indicator_rows": action_rows,
        "timeline": timeline,
        "costing": costing,
        "costing_total": {"costed": _fmt("costed_of", n=v.number(plan_costed), m=v.number(len(live))),
                          "total": _money(plan_totals)},
        "risks": [{"id": r.id, "risk": tx(r.risk), "mitigation": tx(r.mitigation), "proposed": _proposed(r),
                   "likelihood": L(f"level_{r.likelihood}") if r.likelihood else None,
                   "impact": L(f"level_{r.impact}") if r.impact else None,
                   "source": v.source(r.source, plan)} for r in plan.risks],
        "monitoring": [{"id": m.id, "what": tx(m.what), "when": tx(m.when), "by": tx(m.by), "to": tx(m.to),
                        "proposed": _proposed(m), "sourced": m.provenance_kind == "source",
                        "source": v.source(m.source, plan)} for m in plan.monitoring],
        "localisation": [{"id": x.id, "text": tx(x.text), "proposed": _proposed(x),
                          "source": v.source(x.source, plan)} for x in plan.localisation],
        "localisation_open": not any(x.provenance_kind == "decided" for x in plan.localisation),
        "notes": notes,
        "rationales": _rationale_groups(plan),
        "remains": _readiness(plan),
        "source_list": [{"id": d.id, "title": tx(d.title), "publisher": tx(d.publisher),
                         "year": v.digits(d.year) if d.year else None} for d in plan.source_documents],
    }


def _money(totals: dict[str, float]) -> Optional[Tx]:
    if not totals:
        return None
    parts = [(cur, v.number(amt)) for cur, amt in sorted(totals.items())]
    return Tx("; ".join(f"{cur} {n.en}" for cur, n in parts), "; ".join(f"{cur} {n.km}" for cur, n in parts),
              numeric=True)
