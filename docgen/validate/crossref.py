"""Stage 2b: checks across records: IDs, references, coverage, counts, dates, Khmer.

Each check yields Diagnostics located through ``plan.origin(record)``. Source
inconsistencies that the data acknowledges (``discrepancy_note``,
``retained_because``) stay visible as warnings; unacknowledged ones are errors.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Iterator, Optional

from pydantic import BaseModel

from ..diagnostics import Diagnostic, Severity
from ..model.bundle import Plan
from ..model.common import SexCount, SourceRef, Text
from ..review.checks import check_feedback
from .consultations import check_consultations, check_tor
from .report import Reporter, institution_resolver as _institution_resolver, ref_hint as _ref_hint
from . import translation

WARN = Severity.WARNING


# --- IDs --------------------------------------------------------------------


def _all_ids(plan: Plan) -> Iterator[tuple[str, object, tuple, str]]:
    """(id, record, sub-path, kind) for everything a reviewer can point at."""
    for kind in ("pillars", "outcomes", "outputs", "institutions", "themes", "actions", "sections", "glossary"):
        for rec in getattr(plan, kind):
            yield rec.id, rec, ("id",), kind
    for action in plan.actions:
        for i, ind in enumerate(action.indicators):
            yield ind.id, action, ("indicators", i, "id"), "indicators"
    for c in plan.consultations:
        yield c.id, c, ("id",), "consultations"
        for i, f in enumerate(c.feedback):
            yield f.id, c, ("feedback", i, "id"), "feedback"


# Namespaces in which IDs must be unique. Anchors (bookmarks) share one namespace.
_NAMESPACE = {"pillars": "anchor", "outcomes": "outcome", "outputs": "output", "institutions": "institution",
              "themes": "anchor", "actions": "anchor", "sections": "anchor", "glossary": "glossary",
              "indicators": "anchor", "consultations": "anchor", "feedback": "anchor"}


def check_unique_ids(r: Reporter) -> None:
    first: dict[tuple[str, str], tuple[object, tuple]] = {}
    for ident, rec, sub, kind in _all_ids(r.plan):
        key = (_NAMESPACE[kind], ident)
        if key in first:
            frec, fsub = first[key]
            origin = r.plan.origin(frec)
            where = "{}:{}".format(*origin.where(*fsub)[:2]) if origin else "elsewhere"
            r.at(rec, sub, f"duplicate ID '{ident}' (first defined at {where})",
                 hint="IDs must be unique: renumber this one", code="duplicate-id")
        else:
            first[key] = (rec, sub)


# --- references ----------------------------------------------------------------


def check_frame(r: Reporter) -> None:
    p = r.plan
    for oc in p.outcomes:
        if oc.pillar not in p.pillar:
            r.at(oc, ("pillar",), f"unknown pillar '{oc.pillar}'", hint=_ref_hint(oc.pillar, p.pillar, "pillars"))
    for out in p.outputs:
        if out.outcome not in p.outcome:
            r.at(out, ("outcome",), f"unknown strategic outcome '{out.outcome}'",
                 hint=_ref_hint(out.outcome, p.outcome, "outcomes"))
        elif not out.id.startswith(out.outcome + "."):
            r.at(out, ("outcome",), f"output {out.id} is numbered under outcome {out.id.split('.')[0]}, "
                 f"but its outcome is {out.outcome}")


def check_actions(r: Reporter) -> None:
    p = r.plan
    inst = _institution_resolver(p)
    valid_outputs = ", ".join(sorted(p.output))
    for a in p.actions:
        if a.pillar not in p.pillar:
            r.at(a, ("pillar",), f"unknown pillar '{a.pillar}'", hint=_ref_hint(a.pillar, p.pillar, "pillars"),
                 code="unknown-ref")
        oc = p.outcome.get(a.outcome)
        if oc is None:
            r.at(a, ("outcome",), f"unknown strategic outcome '{a.outcome}'",
                 hint=f"valid outcomes: {', '.join(sorted(p.outcome))}", code="unknown-ref")
        elif oc.pillar != a.pillar:
            pillars = [o.id for o in p.outcomes if o.pillar == a.pillar]
            r.at(a, ("outcome",), f"strategic outcome {a.outcome} belongs to pillar '{oc.pillar}', not '{a.pillar}'",
                 hint=f"pillar '{a.pillar}' has outcome(s) {', '.join(pillars) or 'none'}", code="mismatch")
        seen = set()
        for i, out_id in enumerate(a.asean_outputs):
            if out_id in seen:
                r.at(a, ("asean_outputs", i), f"output {out_id} is listed twice", severity=WARN)
            seen.add(out_id)
            out = p.output.get(out_id)
            if out is None:
                r.at(a, ("asean_outputs", i), f"unknown ASEAN RPA-WPS output '{out_id}'",
                     hint=f"valid outputs: {valid_outputs}", code="unknown-ref")
            elif oc is not None and out.outcome != a.outcome:
                r.at(a, ("asean_outputs", i), f"output {out_id} belongs to strategic outcome {out.outcome}, "
                     f"not {a.outcome}", hint="check the action's outcome or the output number", code="mismatch")
        for field in ("lead", "partners"):
            for i, ref in enumerate(getattr(a, field)):
                inst(r, a, (field, i), ref)
        both = set(a.lead) & set(a.partners)
        if both:
            r.at(a, ("partners",), f"{', '.join(sorted(both))} listed as both lead and partner", severity=WARN)
        for i, t in enumerate(a.themes):
            if t not in p.theme:
                r.at(a, ("themes", i), f"unknown theme '{t}'", hint=_ref_hint(t, p.theme, "themes"), code="unknown-ref")
        _check_citation(r, a)


_CITATION = re.compile(r"ASEAN\s+RPA(?P<wps>[- ]?WPS)?\s+Output\s+(?P<first>\d\.\d)(?P<rest>(?:\s*(?:,|and)\s*(?:Output\s+)?\d\.\d)*)", re.I)
_CANONICAL = re.compile(r"ASEAN RPA-WPS Output \d\.\d(?: and Output \d\.\d)*")


def _check_citation(r: Reporter, a) -> None:
    """The report's own citation must name the outputs we map; typos are reported, not hidden."""
    cited = a.source.cited_as
    if not cited:
        return
    m = _CITATION.search(cited)
    if not m:
        r.at(a, ("source", "cited_as"), f"cannot read an ASEAN RPA-WPS output in citation '{cited}'",
             hint="copy the citation exactly as the source prints it, e.g. 'ASEAN RPA-WPS Output 1.1'")
        return
    numbers = [m.group("first")] + re.findall(r"\d\.\d", m.group("rest") or "")
    if sorted(numbers) != sorted(a.asean_outputs):
        r.at(a, ("asean_outputs",), f"outputs {', '.join(a.asean_outputs)} differ from the source's citation "
             f"'{cited}' ({', '.join(numbers)})", hint="map the action to the outputs its source cites", code="citation")
    if not _CANONICAL.fullmatch(cited.strip()):
        r.at(a, ("source", "cited_as"), f"source citation '{cited}' is mistyped; read as output(s) "
             f"{', '.join(numbers)}", hint="nothing to fix in the data: the typo is the source's",
             severity=WARN, code="citation-typo")


def check_coverage(r: Reporter) -> None:
    p = r.plan
    covered = {o for a in p.actions if a.status != "dropped" for o in a.asean_outputs}
    for out in p.outputs:
        if out.id not in covered:
            r.at(out, ("id",), f"ASEAN RPA-WPS output {out.id} has no action",
                 hint="add an action citing it, or leave it uncovered on purpose", severity=WARN, code="coverage")


def check_glossary(r: Reporter) -> None:
    p = r.plan
    ids = {g.id for g in p.glossary}
    for g in p.glossary:
        for i, ref in enumerate(g.see_also):
            if ref not in ids:
                r.at(g, ("see_also", i), f"unknown glossary term '{ref}'", hint=_ref_hint(ref, ids, "terms"))


def check_metadata(r: Reporter) -> None:
    md = r.plan.metadata
    if md.period.end < md.period.start:
        r.at(md, ("period",), f"plan period ends ({md.period.end}) before it starts ({md.period.start})")
    inst = _institution_resolver(r.plan)
    inst(r, md, ("issuing_ministry",), md.issuing_ministry)
    for i, ref in enumerate(md.supported_by):
        inst(r, md, ("supported_by", i), ref)


def check_dates(r: Reporter) -> None:
    p = r.plan
    period = p.metadata.period
    for a in p.actions:
        tf = a.timeframe
        if tf:
            if tf.end < tf.start:
                r.at(a, ("timeframe",), f"timeframe ends ({tf.end}) before it starts ({tf.start})")
            elif tf.start < period.start or tf.end > period.end:
                r.at(a, ("timeframe",), f"timeframe {tf.start}-{tf.end} falls outside the plan period "
                     f"{period.start}-{period.end}", hint="adjust the timeframe or the plan period")
        for i, ind in enumerate(a.indicators):
            base, target = ind.baseline, ind.target
            if base and base.year and base.year > p.metadata.date.year:
                r.at(a, ("indicators", i, "baseline", "year"), f"baseline year {base.year} is after the plan date "
                     f"{p.metadata.date}")
            if target:
                if target.year < period.start or target.year > period.end:
                    r.at(a, ("indicators", i, "target", "year"), f"target year {target.year} is outside the plan "
                         f"period {period.start}-{period.end}", severity=WARN)
                if base and base.year and target.year < base.year:
                    r.at(a, ("indicators", i, "target", "year"), f"target year {target.year} is before the baseline "
                         f"year {base.year}")
                if target.value is None and target.text is None:
                    r.at(a, ("indicators", i, "target"), "target has neither a value nor a text")
            if base:
                _check_baseline(r, a, ("indicators", i, "baseline"), base)


def _check_baseline(r: Reporter, a, sub: tuple, base) -> None:
    if base.alternatives and not base.retained_because:
        figures = ", ".join(f"{f.label()} ({f.source.label()})" for f in base.alternatives)
        r.at(a, sub, f"sources disagree ({base.label()} vs {figures}) and the record does not say why "
             f"{base.label()} is used", hint="add 'retained_because:' explaining the choice", code="conflict")
    elif base.alternatives:
        figures = ", ".join(f"{f.label()} ({f.source.label()})" for f in base.alternatives)
        r.at(a, sub, f"sources disagree: {base.label()} ({base.source.label()}) is used; also reported: {figures}",
             severity=WARN, code="conflict")
    if base.unit == "percent" and not all(0 <= x <= 100 for x in base.values()):
        r.at(a, sub + ("value",), f"percentage {base.label()} is outside 0-100")
    for path, counts in _walk_counts(base, sub):
        _check_counts(r, a, path, counts)


# --- sex-disaggregated counts, anywhere ----------------------------------------


def _walk(obj: object, sub: tuple, kind: type) -> Iterator[tuple[tuple, object]]:
    """Every ``kind`` model inside ``obj`` (depth first), with its path below ``obj``."""
    if isinstance(obj, kind):
        yield sub, obj
        return
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), sub + (name,), kind)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _walk(item, sub + (i,), kind)


def _walk_counts(obj: object, sub: tuple) -> Iterator[tuple[tuple, SexCount]]:
    return _walk(obj, sub, SexCount)


def _check_counts(r: Reporter, rec: object, sub: tuple, counts: SexCount) -> None:
    problem = counts.inconsistency()
    if problem is None:
        return
    if counts.discrepancy_note:
        r.at(rec, sub, f"figures do not add up: {problem} (as in the source; {counts.discrepancy_note})",
             severity=WARN, code="counts")
    else:
        r.at(rec, sub, f"figures do not add up: {problem}",
             hint="correct the figure, or if the source prints it so, keep it and add 'discrepancy_note:' "
                  "saying which figure is retained", code="counts")


# --- Khmer ----------------------------------------------------------------------


def _walk_texts(obj: object, sub: tuple) -> Iterator[tuple[tuple, Text]]:
    return _walk(obj, sub, Text)


def _records(plan: Plan) -> Iterator[object]:
    yield plan.metadata
    for kind in ("pillars", "outcomes", "outputs", "institutions", "themes", "actions", "sections", "consultations",
                 "outcome_indicators", "risks", "monitoring", "localisation", "legal_basis", "source_documents",
                 "review_notes"):
        yield from getattr(plan, kind)
    if plan.tor is not None:
        yield plan.tor
    if plan.vision is not None:
        yield plan.vision


_KHMER = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]")
# Acronyms and codes (UNDP, NAP-WPS) are written in Latin letters in Khmer text too.
_ACRONYM = re.compile(r"[A-Za-z0-9.&/+ \-]{1,16}")


def check_khmer(r: Reporter, strict: bool) -> None:
    """Missing Khmer and out-of-date translations are warnings per text; draft translations,
    term-base misses in drafts and the old 'km_draft' key are summed up per file (listed
    one by one with --strict, where they are errors)."""
    drafts: dict[str, list[int]] = {}
    legacy: dict[str, list[int]] = {}
    term_drafts: dict[str, list[int]] = {}
    terms = translation.term_base(r.plan)

    def tally(bucket: dict, site, *sub) -> None:
        origin = r.plan.origin(site.record)
        if origin:
            file, line, _ = origin.where(*site.sub, *sub)
            bucket.setdefault(file, []).append(line or 0)

    for site in translation.text_sites(r.plan):
        text, rec, sub = site.text, site.record, site.sub
        if text.legacy_km_draft is not None:
            if strict:
                r.at(rec, sub + ("km_draft",), "'km_draft' is the old form of 'status'",
                     hint="run 'docgen translate migrate' (it rewrites every file, comments kept)",
                     severity=WARN, code="km-draft-key")
            else:
                tally(legacy, site, "km_draft")
        if not text.km:
            what = f"glossary term '{text.en}' has no Khmer" if site.section == "glossary" and not sub else \
                "Khmer text missing: the English text will show, flagged as translation pending"
            r.at(rec, sub, what, hint="add 'km:' (a draft translation is fine: status: draft)",
                 severity=WARN, code="km-missing")
            continue
        if not translation.is_khmer(text.km) and not _ACRONYM.fullmatch(text.km):
            r.at(rec, sub + ("km",), "'km' holds no Khmer script", hint="write the Khmer text here",
                 severity=WARN, code="km-script")
            continue
        if text.stale:
            r.at(rec, sub + ("en_hash",), "translation out of date: the English changed since this Khmer was "
                 "translated", hint="have it translated again ('docgen translate export' lists it); if the Khmer "
                 f"still says the same, set en_hash: {translation.english_hash(text.en)}",
                 severity=WARN, code="km-stale")
        if text.status == "draft":
            if strict:
                r.at(rec, sub + ("km",), "Khmer text is a draft translation",
                     hint="have it reviewed, then set status: reviewed", severity=WARN, code="km-draft")
            else:
                tally(drafts, site, "km")
        if site.section == "glossary" and not sub:
            continue
        for term in translation.missing_terms(text.en, text.km, terms):
            if text.status == "draft" and not strict:
                tally(term_drafts, site, "km")
            else:
                r.at(rec, sub + ("km",), f"Khmer text does not use the glossary term '{term.km}' for '{term.en}'",
                     hint="use the agreed term, or update the glossary", severity=WARN, code="glossary")
    for bucket, message, hint, code in (
            (drafts, "{n} Khmer text(s) are draft translations", "run 'docgen validate --strict' to list each one",
             "km-draft"),
            (term_drafts, "{n} glossary term(s) not used in draft Khmer texts",
             "run 'docgen validate --strict' to list each one", "glossary"),
            (legacy, "{n} text(s) still mark their status with 'km_draft' (now 'status: draft|reviewed|approved')",
             "run 'docgen translate migrate' to rewrite them (comments and layout kept)", "km-draft-key")):
        for file, lines in sorted(bucket.items()):
            r.out.append(Diagnostic(file, min(lines), None, "", message.format(n=len(lines)), hint=hint,
                                    severity=WARN, code=code))


# --- sources ------------------------------------------------------------------


def _seeds_dir(plan: Plan) -> Optional[Path]:
    env = os.environ.get("DOCGEN_SEEDS")
    candidates = [Path(env)] if env else []
    candidates += [plan.root.resolve().parent / "seeds", plan.root.resolve().parent.parent / "shared" / "seeds"]
    return next((c for c in candidates if c.is_dir()), None)


def check_sources(r: Reporter) -> None:
    """Every cited seed file exists and the cited line is inside it (when the seeds are at hand)."""
    seeds = _seeds_dir(r.plan)
    if seeds is None:
        return
    line_counts: dict[str, Optional[int]] = {}

    def lines_in(name: str) -> Optional[int]:
        if name not in line_counts:
            path = seeds / name
            line_counts[name] = path.read_bytes().count(b"\n") + 1 if path.is_file() else None
        return line_counts[name]

    listed = {d.file for d in r.plan.source_documents}
    for rec in _records(r.plan):
        for sub, ref in _walk_sources(rec, ()):
            if listed and ref.file not in listed:
                r.at(rec, sub + ("file",), f"'{ref.file}' is not in the list of source documents, so the drafts "
                     "cannot cite it by title", hint="add it to source_documents (plan_data/sources.yaml)",
                     severity=WARN, code="source")
            total = lines_in(ref.file)
            if total is None:
                known = sorted(p.name for p in seeds.iterdir() if p.is_file())
                r.at(rec, sub + ("file",), f"source file '{ref.file}' is not among the seeds",
                     hint=_ref_hint(ref.file, known, "seed files"), code="source")
            elif ref.line > total or (ref.line_end or 0) > total:
                r.at(rec, sub + ("line",), f"line {max(ref.line, ref.line_end or 0)} is past the end of "
                     f"{ref.file} ({total} lines)", code="source")


def _walk_sources(obj: object, sub: tuple) -> Iterator[tuple[tuple, SourceRef]]:
    return _walk(obj, sub, SourceRef)


def check_plan(plan: Plan, strict: bool = False) -> list[Diagnostic]:
    r = Reporter(plan)
    check_unique_ids(r)
    check_metadata(r)
    check_frame(r)
    check_actions(r)
    check_coverage(r)
    check_glossary(r)
    check_dates(r)
    check_khmer(r, strict)
    from .khmer_text import check_khmer_text
    r.out += check_khmer_text(plan, strict)
    check_sources(r)
    # Actions' baselines are checked above, consultations in their own module.
    skip = {id(x) for x in [*plan.actions, *plan.consultations]}
    for rec in _records(plan):
        if id(rec) in skip:
            continue
        for sub, counts in _walk_counts(rec, ()):
            _check_counts(r, rec, sub, counts)
    r.out += check_consultations(plan)
    r.out += check_tor(plan)
    r.out += check_feedback(plan)
    from .provenance import check_provenance
    r.out += check_provenance(plan)
    return r.out
