"""Ministry worksheets: what each kind holds, and the workbook (openpyxl).

``results``: one row per indicator (targets, means of verification, frequency,
responsible institution; the baseline is shown, it needs a cited source).
``costing``: one row per action (amount, currency, funding source and status).
``timeline``: one row per action (start and end year).
One sheet per pillar, or per lead institution. Locked columns say what the
row is; unlocked ones are for the ministry. A hidden column keeps the values
as exported, for the three-way check on import.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..diagnostics import Diagnostic, DocgenError, relative
from ..model.bundle import Plan
from ..translate.xlsx import print_setup, row_height

EXPORTED = "Exported values"
KEY = "Key"


@dataclass(frozen=True)
class Field:
    header: str
    path: tuple  # below the row's record: ('target', 'value')
    type: str  # number | year | text | choice | institution
    width: int = 14
    choices: tuple = ()
    provenance: Optional[tuple] = None  # the record that says where the value comes from: ('target',)
    note: str = ""


def _choices(model: type, name: str) -> tuple:
    import typing
    ann = model.model_fields[name].annotation
    for arg in (ann, *typing.get_args(ann)):
        if typing.get_origin(arg) is typing.Literal:
            return typing.get_args(arg)
    return ()


def fields_of(kind: str) -> tuple[Field, ...]:
    from ..model import plan as pm
    if kind == "results":
        units = _choices(pm.Target, "unit")
        freq = tuple(typing_args(pm, "Frequency"))
        return (
            Field("Mid-term target", ("midterm", "value"), "number", provenance=("midterm",)),
            Field("Mid-term year", ("midterm", "year"), "year", 11, provenance=("midterm",)),
            Field("End target", ("target", "value"), "number", provenance=("target",)),
            Field("End year", ("target", "year"), "year", 11, provenance=("target",)),
            Field("Target unit", ("target", "unit"), "choice", 11, units, provenance=("target",)),
            Field("Means of verification (English)", ("means_of_verification", "en"), "text", 40),
            Field("Frequency", ("frequency",), "choice", 14, freq),
            Field("Responsible (institution ID)", ("responsible",), "institution", 16),
        )
    if kind == "costing":
        return (
            Field("Amount", ("cost", "amount"), "number", 14, provenance=("cost",)),
            Field("Currency", ("cost", "currency"), "choice", 10, _choices(pm.Cost, "currency"), provenance=("cost",)),
            Field("Funding source (English)", ("cost", "funding_source", "en"), "text", 30, provenance=("cost",)),
            Field("Funding status", ("cost", "status"), "choice", 14, _choices(pm.Cost, "status"),
                  provenance=("cost",)),
        )
    if kind == "timeline":
        return (
            Field("Start year", ("timeframe", "start"), "year", 11, provenance=("timeframe",)),
            Field("End year", ("timeframe", "end"), "year", 11, provenance=("timeframe",)),
        )
    raise ValueError(kind)


def typing_args(module, name: str) -> tuple:
    import typing
    return typing.get_args(getattr(module, name))


@dataclass
class SheetRow:
    key: str  # indicator or action ID
    group: list[str]  # sheets it goes in (pillar, or each lead)
    info: dict[str, str]  # locked, descriptive columns
    values: dict[str, Any]  # field header -> value as in the plan (None if absent)
    record: object  # Action, Indicator or OutcomeIndicator (model)
    owner: object  # the record the origin points at (Action or OutcomeIndicator)
    sub: tuple  # below the owner: ('indicators', 0) or ()


def get_path(obj: Any, path: tuple) -> Any:
    for part in path:
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    if isinstance(obj, float) and obj.is_integer():
        obj = int(obj)
    return obj


def _live(plan: Plan):
    return [a for a in plan.actions if a.status != "dropped"]


def plan_rows(plan: Plan, kind: str, by: str) -> list[SheetRow]:
    fields = fields_of(kind)
    rows = []
    for a in _live(plan):
        groups = [a.pillar] if by == "pillar" else list(a.lead)
        lead = ", ".join(a.lead)
        if kind == "results":
            for i, ind in enumerate(a.indicators):
                rows.append(SheetRow(ind.id, groups, {"Action": a.id, "Lead": lead, "Indicator": ind.text.en,
                                                      "Baseline": _baseline(ind)},
                                     {f.header: get_path(ind, f.path) for f in fields}, ind, a, ("indicators", i)))
        else:
            rows.append(SheetRow(a.id, groups, {"Lead": lead, "Action": a.text.en},
                                 {f.header: get_path(a, f.path) for f in fields}, a, a, ()))
    if kind == "results":
        for oi in getattr(plan, "outcome_indicators", []):
            oc = plan.outcome.get(oi.outcome)
            pillar = oc.pillar if oc else "outcomes"
            groups = [pillar] if by == "pillar" else [oi.responsible or "unassigned"]
            rows.append(SheetRow(oi.id, groups, {"Action": f"outcome {oi.outcome}", "Lead": oi.responsible or "",
                                                 "Indicator": oi.text.en, "Baseline": _baseline(oi)},
                                 {f.header: get_path(oi, f.path) for f in fields}, oi, oi, ()))
    return rows


def _baseline(ind) -> str:
    b = getattr(ind, "baseline", None)
    if b is None:
        return ""
    unit = {"percent": " %", "ratio": " (ratio)"}.get(b.unit, "")
    parts = [f"{b.value:g}{unit}"] if b.value is not None else []
    parts += [f"{label} {v:g}{unit}" for label, v in (("women", getattr(b, "female", None)),
                                                        ("men", getattr(b, "male", None))) if v is not None]
    qualifier = getattr(b, "qualifier", None)
    text = ", ".join(parts)
    if qualifier and text:
        text = f"{qualifier.replace('_', ' ')} {text}"
    return text + (f" ({b.year})" if b.year else "")


def info_columns(kind: str) -> tuple[tuple[str, int], ...]:
    if kind == "results":
        return (("Action", 11), ("Lead", 14), ("Indicator", 50), ("Baseline", 20))
    return (("Lead", 14), ("Action", 60))


def sheet_name(group: str, plan: Plan, by: str) -> str:
    if by == "pillar" and group in plan.pillar:
        name = plan.pillar[group].name.en
    else:
        name = group
    return re.sub(r"[\[\]\*\?/\\:]", " ", name)[:31]


def _json_value(v: Any) -> Any:
    return v if v is None or isinstance(v, (int, float, str, bool)) else str(v)


def write_workbook(plan: Plan, kind: str, by: str, out: Path, rows: list[SheetRow]) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = fields_of(kind)
    infos = info_columns(kind)
    headers = [KEY] + [h for h, _ in infos] + [f.header for f in fields] + ["Comment", EXPORTED]
    wb = Workbook()
    wb.remove(wb.active)
    groups: dict[str, list[SheetRow]] = {}
    for r in rows:
        for g in r.group:
            groups.setdefault(g, []).append(r)
    order = list(plan.pillar) if by == "pillar" else sorted(groups)
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F3864")
    edit_fill = PatternFill("solid", fgColor="FFF8E1")
    wrap = Alignment(wrap_text=True, vertical="top")
    period = plan.metadata.period
    for g in [g for g in order if g in groups] + [g for g in groups if g not in order]:
        ws = wb.create_sheet(sheet_name(g, plan, by))
        for c, h in enumerate(headers, start=1):
            cell = ws.cell(1, c, h)
            cell.font, cell.fill = head_font, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        widths = [16] + [w for _, w in infos] + [f.width for f in fields] + [30, 10]
        for c, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = w
        ws.column_dimensions[get_column_letter(len(headers))].hidden = True
        ws.row_dimensions[1].height = 32
        for n, row in enumerate(groups[g], start=2):
            values = [row.key] + [row.info[h] for h, _ in infos] + [row.values[f.header] for f in fields] + \
                     ["", json.dumps({k: _json_value(v) for k, v in row.values.items()}, ensure_ascii=False,
                                     sort_keys=True)]
            ws.row_dimensions[n].height = row_height([(str(v or ""), w, False)
                                                      for v, w in zip(values[:-1], widths[:-1])])
            for c, v in enumerate(values, start=1):
                cell = ws.cell(n, c, v if v != "" else None)
                cell.alignment = wrap
                editable = c > 1 + len(infos) and c < len(headers)
                if editable:
                    cell.protection = Protection(locked=False)
                    cell.fill = edit_fill
        last = max(2, len(groups[g]) + 1)
        first_field = 2 + len(infos)
        for i, f in enumerate(fields):
            col = get_column_letter(first_field + i)
            rng = f"{col}2:{col}{last}"
            if f.type == "choice":
                dv = DataValidation(type="list", formula1='"' + ",".join(f.choices) + '"', allow_blank=True)
            elif f.type == "year":
                dv = DataValidation(type="whole", operator="between", formula1=str(period.start),
                                    formula2=str(period.end), allow_blank=True)
                dv.error = f"a year from {period.start} to {period.end}"
            elif f.type == "number":
                dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
                dv.error = "a number"
            elif f.type == "institution":
                ids = ",".join(sorted(plan.institution))
                dv = DataValidation(type="list", formula1='"' + ids + '"', allow_blank=True) if len(ids) < 250 else None
            else:
                dv = None
            if dv is not None:
                dv.showErrorMessage = True
                dv.add(rng)
                ws.add_data_validation(dv)
        ws.freeze_panes = "B2"
        print_setup(ws)
        ws.protection.sheet = True
        ws.protection.autoFilter = ws.protection.sort = False
        ws.protection.formatColumns = ws.protection.formatRows = False
    if not wb.sheetnames:
        wb.create_sheet("empty")
    props = wb.properties
    props.title = f"NAP-WPS {plan.version}: {kind} worksheet"
    props.creator = "docgen"
    props.created = props.modified = dt.datetime.combine(plan.metadata.date, dt.time())
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(wb.sheetnames)


@dataclass
class ReadRow:
    sheet: str
    row: int
    key: str
    cells: dict[str, Any]  # header -> raw cell value
    columns: dict[str, str]  # header -> column letter
    exported: dict[str, Any]
    comment: str


def read_workbook(path: Path, kind: str) -> list[ReadRow]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    display = relative(path)
    if not zipfile.is_zipfile(path):
        raise DocgenError([Diagnostic(display, None, None, "", "not an XLSX workbook",
                                      hint="import the .xlsx made by 'docgen sheets export'")])
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise DocgenError([Diagnostic(display, None, None, "", f"cannot open the workbook: {exc}")]) from None
    fields = [f.header for f in fields_of(kind)]
    out = []
    for ws in wb.worksheets:
        header = [str(c.value).strip() if c.value is not None else "" for c in ws[1]]
        if header == [""] * len(header):
            continue
        missing = [h for h in [KEY, EXPORTED, *fields] if h not in header]
        if missing:
            raise DocgenError([Diagnostic(display, 1, None, f"sheet '{ws.title}'",
                                          f"missing column(s): {', '.join(missing)}",
                                          hint=f"is this a '{kind}' worksheet? keep the exported headers "
                                               "(use 'docgen sheets import --kind ...' for the right kind)")])
        idx = {h: i for i, h in enumerate(header) if h}
        for n, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            values = list(values) + [None] * (len(header) - len(values))
            key = values[idx[KEY]]
            if key is None or str(key).strip() == "":
                if any(v not in (None, "") for v in values):
                    raise DocgenError([Diagnostic(display, n, None, f"sheet '{ws.title}' row {n}",
                                                  "row has no key", hint="keep column A as exported")])
                continue
            try:
                exported = json.loads(values[idx[EXPORTED]] or "{}")
            except (TypeError, json.JSONDecodeError):
                raise DocgenError([Diagnostic(display, n, None, f"sheet '{ws.title}' row {n}",
                                              f"the hidden column '{EXPORTED}' was edited",
                                              hint="export a fresh worksheet and copy the values across")]) from None
            out.append(ReadRow(ws.title, n, str(key).strip(), {h: values[idx[h]] for h in fields},
                               {h: get_column_letter(idx[h] + 1) for h in fields}, exported,
                               str(values[idx["Comment"]] or "").strip() if "Comment" in idx else ""))
    return out
