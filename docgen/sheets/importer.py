"""``docgen sheets import``: a ministry's worksheet back into the plan data.

Each changed cell is checked (numbers are numbers, years inside the plan
period, institutions known, choices from their lists) and three-way compared
with the plan data: a value that changed in the YAML since the export is a
conflict, reported and left alone. Problems name the sheet, row and column.
A value the ministry gives is recorded as its decision (``decided: {by, date}``)
on the target, timeframe or cost it belongs to.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ruamel.yaml.comments import CommentedMap

from ..diagnostics import did_you_mean
from ..translate.roundtrip import RoundTripFile, to_plain
from .worksheets import Field, fields_of, plan_rows, read_workbook

_NUMBER = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^-?\d+(?:\.\d+)?$")
PROVENANCE_KEYS = ("source", "proposed", "decided")


@dataclass
class Problem:
    where: str
    key: str
    verdict: str  # rejected | conflict
    reason: str
    detail: str


@dataclass
class SheetReport:
    applied: int = 0  # cells
    unchanged: int = 0  # rows
    problems: list[Problem] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    files_written: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def _parse(f: Field, raw: Any, plan) -> tuple[Any, Optional[str]]:
    """(value, None) or (None, problem). An empty cell is None."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None, None
    if f.type in ("number", "year"):
        if isinstance(raw, bool):
            return None, f"'{raw}' is not a number"
        if isinstance(raw, (int, float)):
            value = raw
        elif isinstance(raw, str) and _NUMBER.match(raw.strip()):
            value = float(raw.strip().replace(",", ""))
        else:
            return None, f"'{raw}' is not a number" + (" (write the year alone, e.g. 2028)" if f.type == "year" else
                                                       " (digits only, no words or currency signs)")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if f.type == "year":
            period = plan.metadata.period
            if not isinstance(value, int):
                return None, f"'{raw}' is not a whole year"
            if not period.start <= value <= period.end:
                return None, f"year {value} is outside the plan period {period.start}-{period.end}"
        elif value < 0:
            return None, f"{value:g} is negative"
        return value, None
    text = str(raw).strip()
    if f.type == "choice":
        if text not in f.choices:
            hint = did_you_mean(text, f.choices)
            return None, f"'{text}' is not one of {', '.join(f.choices)}" + (f"; {hint}" if hint else "")
        return text, None
    if f.type == "institution":
        if text not in plan.institution:
            aliases = {a: i.id for i in plan.institutions for a in i.aliases}
            if text in aliases:
                return aliases[text], None
            hint = did_you_mean(text, plan.institution)
            return None, f"unknown institution '{text}'" + (f"; {hint}" if hint else "")
        return text, None
    return text, None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def import_sheets(data_dir: Path, files: list[Path], kind: str, *, by: Optional[str] = None,
                  date: Optional[dt.date] = None, dry_run: bool = False) -> SheetReport:
    from ..validate import require_plan

    read = [(f, read_workbook(Path(f), kind)) for f in files]  # every file read before any change
    plan, _ = require_plan(data_dir)
    fields = fields_of(kind)
    current = {r.key: r for r in plan_rows(plan, kind, "pillar")}
    date = date or dt.date.today()
    report = SheetReport()
    files: dict[Path, RoundTripFile] = {}
    # values as they stand after the rows applied so far (a second file sees the first's changes)
    now: dict[str, dict[str, Any]] = {k: dict(r.values) for k, r in current.items()}
    for path, rows in read:
        for rr in rows:
            where = f"{Path(path).name}, sheet '{rr.sheet}', row {rr.row}"
            if rr.comment:
                report.comments.append(f"{where}: {rr.key}: {rr.comment}")
            row = current.get(rr.key)
            if row is None:
                report.problems.append(Problem(where, rr.key, "rejected", "unknown key",
                                               f"no {'indicator' if kind == 'results' else 'action'} '{rr.key}'"))
                continue
            changes: dict[Field, Any] = {}
            bad = False
            for f in fields:
                value, problem = _parse(f, rr.cells.get(f.header), plan)
                col = f"column {rr.columns[f.header]} ({f.header})"
                if problem:
                    report.problems.append(Problem(f"{where}, {col}", rr.key, "rejected", "bad value", problem))
                    bad = True
                    continue
                base = rr.exported.get(f.header)
                if _same(value, base):
                    continue
                if value is None:
                    report.problems.append(Problem(f"{where}, {col}", rr.key, "rejected", "cleared",
                                                   f"the cell was emptied (it had {base!r}); a worksheet adds and "
                                                   "changes values, the secretariat removes them in the data"))
                    bad = True
                    continue
                ours = now[rr.key].get(f.header)
                if _same(ours, value):
                    continue
                if not _same(ours, base):
                    report.problems.append(Problem(f"{where}, {col}", rr.key, "conflict", "conflict",
                                                   f"changed in the plan data since the export (now {ours!r}, "
                                                   f"worksheet {value!r}); not overwritten"))
                    continue
                changes[f] = value
            if bad:
                continue  # a row with a bad cell is not applied at all
            if not changes:
                report.unchanged += 1
                continue
            merged = {f.header: now[rr.key].get(f.header) for f in fields}
            merged.update({f.header: v for f, v in changes.items()})
            problem = _row_problem(kind, merged)
            if problem:
                report.problems.append(Problem(where, rr.key, "rejected", "incomplete", problem))
                continue
            origin = plan.origin(row.owner)
            rt = files.setdefault(Path(origin.file.path), RoundTripFile(Path(origin.file.path)))
            target = rt.at(tuple(origin.loc) + tuple(row.sub))
            who = by or f"{', '.join(row.info.get('Lead', '').split(', ')[:1]) or 'line ministry'} (worksheet)"
            _apply(rt, target, type(row.record), changes, who, date)
            now[rr.key].update({f.header: v for f, v in changes.items()})
            report.applied += len(changes)
    if not dry_run:  # the rows that passed are written; the report lists the others
        for rt in files.values():
            if rt.save(expected=to_plain(rt.data)):
                report.files_written.append(rt.display)
    return report


def _row_problem(kind: str, v: dict[str, Any]) -> Optional[str]:
    if kind == "results":
        for label in ("Mid-term", "End"):
            value = v.get(f"{label} target")
            year = v.get(f"{label} year")
            if value is not None and year is None:
                return f"the {label.lower()} target {value:g} needs a year ('{label} year')"
        mid, end = v.get("Mid-term year"), v.get("End year")
        if mid is not None and end is not None and mid > end:
            return f"the mid-term year {mid} is after the end year {end}"
    if kind == "timeline":
        start, end = v.get("Start year"), v.get("End year")
        if (start is None) != (end is None):
            return "give both the start and the end year"
        if start is not None and end < start:
            return f"the end year {end} is before the start year {start}"
    return None


def _field_model(cls: Any, key: str) -> Any:
    import typing
    f = getattr(cls, "model_fields", {}).get(key)
    if f is None:
        return None
    for arg in (f.annotation, *typing.get_args(f.annotation)):
        if isinstance(arg, type) and hasattr(arg, "model_fields"):
            return arg
    return None


def _after(cls: Any, node: CommentedMap, key: str) -> Optional[str]:
    """Where a new key goes: after the present key that comes last before it in the model."""
    order = list(getattr(cls, "model_fields", {}))
    if key not in order:
        return None
    before = [k for k in order[:order.index(key)] if k in node]
    return max(before, key=order.index) if before else None


def _apply(rt: RoundTripFile, record: CommentedMap, model: Any, changes: dict[Field, Any], who: str,
           date: dt.date) -> None:
    tree: dict = {}
    for f, value in changes.items():
        node = tree
        for part in f.path[:-1]:
            node = node.setdefault(part, {})
        node[f.path[-1]] = value
    decided = {f.provenance for f in changes if f.provenance}
    # a new mapping (and date object) each time: ruamel would write a shared one as an alias
    def decision() -> CommentedMap:
        return CommentedMap([("by", who), ("date", dt.date(date.year, date.month, date.day))])

    _merge(rt, record, model, tree, (), decided, decision)


def _merge(rt, node: CommentedMap, cls, tree: dict, path: tuple, decided: set, decision) -> None:
    for key, sub in tree.items():
        if isinstance(sub, dict):
            sub_cls = _field_model(cls, key)
            if isinstance(node.get(key), CommentedMap):
                _merge(rt, node[key], sub_cls, sub, path + (key,), decided, decision)
            else:
                rt.set(node, key, _build(sub_cls, sub, path + (key,), decided, decision), after=_after(cls, node, key))
        else:
            rt.set(node, key, sub, after=_after(cls, node, key))
    if path in decided:
        old = [k for k in PROVENANCE_KEYS if k in node]
        if old:
            rt.rename(node, old[0], "decided", decision())
            for k in old[1:]:
                rt.delete(node, k)
        else:
            rt.set(node, "decided", decision())


def _build(cls, tree: dict, path: tuple, decided: set, decision) -> CommentedMap:
    order = list(getattr(cls, "model_fields", {}))
    out = CommentedMap()
    for key in sorted(tree, key=lambda k: order.index(k) if k in order else len(order)):
        sub = tree[key]
        out[key] = _build(_field_model(cls, key), sub, path + (key,), decided, decision) if isinstance(sub, dict) else sub
    if path in decided:
        out["decided"] = decision()
    return out


def print_report(report: SheetReport, stream) -> None:
    for p in report.problems:
        label = p.verdict if p.verdict == "conflict" else f"rejected ({p.reason})"
        print(f"{p.where}: {p.key}: {label}: {p.detail}", file=stream)
    reasons = Counter(p.reason for p in report.problems if p.verdict == "rejected")
    conflicts = sum(p.verdict == "conflict" for p in report.problems)
    rejected = sum(reasons.values())
    print(f"sheets: {report.applied} value(s) applied, {report.unchanged} row(s) unchanged, {conflicts} conflict(s), "
          f"{rejected} rejected" + (f" ({', '.join(f'{n} {r}' for r, n in sorted(reasons.items()))})" if reasons else ""),
          file=stream)
    for c in report.comments:
        print(f"  comment: {c}", file=stream)
    for f in report.files_written:
        print(f"  wrote {f}", file=stream)
