"""Ministry worksheets: results, costing and timeline out as XLSX and back, checked."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from docgen.cli import main
from docgen.validate import load_plan

from test_translate import LO_TRANSLATOR, _calc_available

pytestmark = pytest.mark.skipif(not hasattr(__import__("docgen.model.plan", fromlist=["x"]), "Cost"),
                                reason="the plan model has no costs yet")
DATE = "2026-12-01"


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def _snapshot(data: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")}


def _cols(ws) -> dict[str, int]:
    return {c.value: i + 1 for i, c in enumerate(ws[1])}


def _row(ws, key: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == key:
            return r
    raise AssertionError(key)


def _export(data: Path, tmp_path: Path, kind: str, *extra: str) -> Path:
    out = tmp_path / f"{kind}.xlsx"
    assert main(["sheets", "export", "--data", str(data), "--kind", kind, "-o", str(out), *extra]) == 0
    return out


def test_workbook_layout(plan_copy, tmp_path):
    plan, _ = load_plan(plan_copy)
    out = _export(plan_copy, tmp_path, "results")
    wb = load_workbook(out)
    assert wb.sheetnames[:4] == [p.name.en[:31] for p in plan.pillars][:4]
    ws = wb.worksheets[0]
    col = _cols(ws)
    assert ws.freeze_panes == "B2" and ws.protection.sheet
    assert ws.cell(2, col["Indicator"]).protection.locked
    assert not ws.cell(2, col["End target"]).protection.locked
    kinds = {str(dv.sqref).split(":")[0][0]: (dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation}
    end_year = ws.cell(1, col["End year"]).column_letter
    p = plan.metadata.period
    assert kinds[end_year] == ("whole", str(p.start), str(p.end))
    by_lead = load_workbook(_export(plan_copy, tmp_path, "costing", "--by", "lead"))
    assert "MoWA" in by_lead.sheetnames
    ws = by_lead["MoWA"]
    keys = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert keys and all("MoWA" in plan.action[k].lead for k in keys)


def test_results_and_costing_round_trip_with_bad_cells_named(plan_copy, tmp_path, capsys):
    before = _snapshot(plan_copy)
    results = _export(plan_copy, tmp_path, "results")
    wb = load_workbook(results)
    ws = wb["Protection"]
    col = _cols(ws)
    ok = _row(ws, "PROT_01_I1")
    ws.cell(ok, col["End target"]).value = 500
    ws.cell(ok, col["End year"]).value = 2030
    ws.cell(ok, col["Means of verification (English)"]).value = "MoWA annual administrative data"
    ws.cell(ok, col["Responsible (institution ID)"]).value = "MoWA"
    bad = _row(ws, "PROT_02_I1")
    ws.cell(bad, col["Responsible (institution ID)"]).value = "MoXX"
    wb.save(results)
    assert main(["sheets", "import", "--data", str(plan_copy), "--kind", "results", str(results),
                 "--date", DATE]) == 1
    out = capsys.readouterr().out
    letter = ws.cell(1, col["Responsible (institution ID)"]).column_letter
    assert (f"sheet 'Protection', row {bad}, column {letter} (Responsible (institution ID)): PROT_02_I1: "
            "rejected (bad value): unknown institution 'MoXX'") in out
    assert "4 value(s) applied" in out and "1 rejected" in out

    costing = _export(plan_copy, tmp_path, "costing")
    wb = load_workbook(costing)
    ws = wb["Protection"]
    col = _cols(ws)
    r1, r2 = _row(ws, "PROT_01"), _row(ws, "PROT_02")
    ws.cell(r1, col["Amount"]).value = 250000
    ws.cell(r1, col["Currency"]).value = "USD"
    ws.cell(r1, col["Funding source (English)"]).value = "National budget"
    ws.cell(r1, col["Funding status"]).value = "estimated"
    ws.cell(r2, col["Amount"]).value = "about 5000"
    wb.save(costing)
    assert main(["sheets", "import", "--data", str(plan_copy), "--kind", "costing", str(costing), "--date", DATE]) == 1
    out = capsys.readouterr().out
    amount = ws.cell(1, col["Amount"]).column_letter
    assert (f"sheet 'Protection', row {r2}, column {amount} (Amount): PROT_02: rejected (bad value): "
            "'about 5000' is not a number") in out

    plan, diags = load_plan(plan_copy)
    assert plan is not None, [d.format() for d in diags if d.severity.value == "error"]
    ind = plan.action["PROT_01"].indicators[0]
    assert ind.target.value == 500 and ind.target.year == 2030 and ind.target.provenance_kind == "decided"
    assert ind.means_of_verification.en == "MoWA annual administrative data" and ind.responsible == "MoWA"
    assert plan.action["PROT_02"].indicators[0].responsible != "MoXX"
    cost = plan.action["PROT_01"].cost
    assert (cost.amount, cost.currency, cost.status, cost.funding_source.en) == (250000, "USD", "estimated",
                                                                             "National budget")
    assert cost.decided.date.isoformat() == DATE
    assert plan.action["PROT_02"].cost is None or plan.action["PROT_02"].cost.amount is None
    after = _snapshot(plan_copy)
    changed = [p for p in after if after[p] != before[p]]
    assert [p.name for p in changed] == ["protection.yaml"]
    assert _comments(after[changed[0]]) == _comments(before[changed[0]])
    assert "&id" not in after[changed[0]]
    # the same files again: nothing more to apply
    main(["sheets", "import", "--data", str(plan_copy), "--kind", "costing", str(costing), "--date", DATE])
    assert "0 value(s) applied" in capsys.readouterr().out
    assert _snapshot(plan_copy) == after


def test_timeline_conflict_is_reported_not_overwritten(plan_copy, tmp_path, capsys):
    out = _export(plan_copy, tmp_path, "timeline")
    wb = load_workbook(out)
    ws = wb["Protection"]
    col = _cols(ws)
    r = _row(ws, "PROT_01")
    ws.cell(r, col["Start year"]).value = 2027
    r2 = _row(ws, "PROT_02")
    ws.cell(r2, col["End year"]).value = 2025  # before the plan period
    wb.save(out)
    f = plan_copy / "actions" / "protection.yaml"
    text = f.read_text(encoding="utf-8")
    i = text.index("id: PROT_01")
    j = text.index("start: 2026", i)
    f.write_text(text[:j] + "start: 2028" + text[j + len("start: 2026"):], encoding="utf-8")
    assert main(["sheets", "import", "--data", str(plan_copy), "--kind", "timeline", str(out), "--date", DATE]) == 1
    report = capsys.readouterr().out
    assert "PROT_01: conflict: changed in the plan data since the export (now 2028, worksheet 2027)" in report
    assert "year 2025 is outside the plan period" in report
    plan, _ = load_plan(plan_copy)
    assert plan.action["PROT_01"].timeframe.start == 2028


def test_bad_worksheet_changes_nothing(plan_copy, tmp_path, capsys):
    before = _snapshot(plan_copy)
    out = _export(plan_copy, tmp_path, "costing")
    assert main(["sheets", "import", "--data", str(plan_copy), "--kind", "results", str(out)]) == 1
    err = capsys.readouterr().err
    assert "missing column(s)" in err and "is this a 'results' worksheet?" in err
    junk = tmp_path / "x.xlsx"
    junk.write_bytes(b"not a workbook")
    assert main(["sheets", "import", "--data", str(plan_copy), "--kind", "costing", str(junk)]) == 1
    assert "not an XLSX workbook" in capsys.readouterr().err
    assert _snapshot(plan_copy) == before


@pytest.mark.libreoffice
@pytest.mark.skipif(not _calc_available(), reason="LibreOffice Calc with python3-uno not installed")
def test_costing_round_trip_libreoffice_calc(plan_copy, tmp_path, capsys):
    out = _export(plan_copy, tmp_path, "costing")
    edited = tmp_path / "edited.xlsx"
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps([
        {"sheet": "Protection", "key": "PROT_03", "column": "Amount", "value": 120000},
        {"sheet": "Protection", "key": "PROT_03", "column": "Funding status", "value": "budgeted"},
        {"sheet": "Protection", "key": "PROT_04", "column": "Amount", "value": "twelve"},
    ]), encoding="utf-8")
    subprocess.run(["/usr/bin/python3", str(LO_TRANSLATOR), str(out), str(edited), str(ops)], check=True,
                   timeout=240)
    assert main(["sheets", "import", "--data", str(plan_copy), "--kind", "costing", str(edited),
                 "--date", DATE]) == 1
    report = capsys.readouterr().out
    assert "PROT_04: rejected (bad value): 'twelve' is not a number" in report
    assert "2 value(s) applied" in report
    plan, _ = load_plan(plan_copy)
    assert plan.action["PROT_03"].cost.amount == 120000 and plan.action["PROT_03"].cost.status == "budgeted"
