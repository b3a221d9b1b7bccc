"""Provenance: every lead, partner list, indicator, target, timeframe, cost, ToR clause and the
plan period says whether it comes from a source, is the drafters' proposal, or was decided."""
import json
import re

from docgen.cli import main
from test_validate import TINY, run_validate, write_plan

KINDS = {"source", "proposed", "decided"}


def _kind(obj: dict) -> set:
    return KINDS & set(obj)


def test_lead_without_provenance_fails_with_file_and_line(capsys, tmp_path):
    actions = TINY["actions.yaml"].replace(
        "            lead_provenance: {decided: {round: round1}}\n", "")
    data = write_plan(tmp_path / "plan_data", {"actions.yaml": actions})
    code, out = run_validate(capsys, data)
    assert code == 1
    # PART_01's lead is on line 16 of the fixture
    assert re.search(r"actions\.yaml:16:\d+: actions\[1\]\.lead: PART_01: lead institution\(s\) has no provenance\n"
                     r"    hint: say where it comes from: 'source: ", out), out


def test_two_provenances_at_once_are_refused(capsys, tmp_path):
    actions = TINY["actions.yaml"].replace(
        "lead_provenance: {decided: {round: round1}}",
        "lead_provenance: {decided: {round: round1}, proposed: {rationale: {en: x}}}")
    code, out = run_validate(capsys, write_plan(tmp_path / "plan_data", {"actions.yaml": actions}))
    assert code == 1
    assert "give one provenance, not proposed and decided" in out


def test_decision_says_when(capsys, tmp_path):
    actions = TINY["actions.yaml"].replace("{decided: {round: round1}}", "{decided: {by: MoWA}}")
    code, out = run_validate(capsys, write_plan(tmp_path / "plan_data", {"actions.yaml": actions}))
    assert code == 1
    assert "a decision says when it was taken" in out


def test_export_shows_provenance_everywhere(capsys):
    assert main(["export", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert _kind(data["metadata"]["period"]) == {"proposed"}
    n_ind = n_target = 0
    for a in data["actions"]:
        assert len(_kind(a["lead_provenance"])) == 1, a["id"]
        if a.get("partners"):
            assert len(_kind(a["partners_provenance"])) == 1, a["id"]
        assert len(_kind(a["timeframe"])) == 1, a["id"]
        for ind in a.get("indicators", []):
            n_ind += 1
            assert len(_kind(ind)) == 1, ind["id"]
            for key in ("midterm", "target"):
                if key in ind:
                    n_target += 1
                    assert len(_kind(ind[key])) == 1, ind["id"]
    assert n_ind >= 48 and n_target >= 1
    tor = data["tor"]
    clauses = [*tor["background"], *tor["objectives"]]
    for b in tor["bodies"]:
        clauses += b.get("members", []) + b.get("responsibilities", [])
        if isinstance(b.get("reports_to"), list):
            clauses.append(b["reports_to_provenance"])
    clauses += [x for x in tor["reporting"] + tor["duration_review"] if "to_decide" not in x]
    assert clauses and all(len(_kind(c)) == 1 for c in clauses)
