"""The bundled plan data carries the report faithfully and validates with 0 errors."""
import json
import re
import unicodedata
from pathlib import Path

import pytest

from docgen.cli import main
from docgen.diagnostics import Severity
from docgen.validate import load_plan

ROOT = Path(__file__).resolve().parent.parent
SEEDS = next((p for p in [ROOT.parent / "shared" / "seeds", ROOT / "seeds"] if p.is_dir()), None)
REPORT = "003_465d7293abc2d4a4.txt"
needs_seeds = pytest.mark.skipif(SEEDS is None, reason="source documents (../shared/seeds) not present")


def norm(text: str) -> str:
    text = re.sub(r"[\u00b2\u00b3\u00b9\u2070-\u2079]+", "", text)  # footnote markers, before NFKC makes them digits
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2014", "-").replace("\u2013", "-")
    return re.sub(r"\s+", " ", text).strip()


def report_actions() -> list[tuple[int, str, list[str]]]:
    """(line, text, outputs) of every suggested action in §8.1, read straight from the report."""
    lines = (SEEDS / REPORT).read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("8.1.1 Protection Pillar"))
    end = next(i for i, l in enumerate(lines) if l.startswith("8.2 Possible Coordination"))
    found = []
    for i in range(start, end):
        m = re.match(r"- (.*) \((ASEAN RPA[^)]*)\)\s*$", lines[i])
        if m:
            found.append((i + 1, m.group(1), re.findall(r"\d\.\d", m.group(2))))
    return found


def test_bundled_plan_has_no_errors():
    plan, diags = load_plan(ROOT / "plan_data")
    errors = [d.format() for d in diags if d.severity is Severity.ERROR]
    assert errors == []
    assert plan is not None


@pytest.fixture(scope="module")
def exported(capsys_module=None):
    import io
    import contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["export", "json", "--data", str(ROOT / "plan_data")]) == 0
    return json.loads(buf.getvalue())


def test_export_has_33_actions_per_pillar(exported):
    actions = exported["actions"]
    assert len(actions) == 33
    per_pillar = {}
    for a in actions:
        per_pillar[a["pillar"]] = per_pillar.get(a["pillar"], 0) + 1
    assert per_pillar == {"protection": 8, "participation": 9, "prevention": 11, "relief_recovery": 5}
    for a in actions:
        assert {"id", "pillar", "asean_outputs", "text", "lead", "partners"} <= set(a)
        assert a["text"]["en"] and a["text"]["km"]
        assert all(re.fullmatch(r"[1-5]\.[1-4]", o) for o in a["asean_outputs"])
    assert len(exported["asean_outputs"]) == 14
    assert {o["id"] for o in exported["asean_outputs"]} == {
        "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "5.3"}
    assert all({"id", "pillar", "outcome", "text"} <= set(o) for o in exported["asean_outputs"])


@needs_seeds
def test_output_mappings_match_report_section_8_1(exported):
    expected = report_actions()
    assert len(expected) == 33
    got = [(a["source"]["line"], a["asean_outputs"]) for a in exported["actions"]]
    assert sorted(got) == sorted((line, outs) for line, _, outs in expected)
    assert sum(len(outs) == 2 for _, _, outs in expected) == 2


@needs_seeds
def test_action_texts_are_the_reports(exported):
    by_line = {line: text for line, text, _ in report_actions()}
    for a in exported["actions"]:
        assert norm(a["text"]["en"]) == norm(by_line[a["source"]["line"]]), a["id"]


@needs_seeds
def test_output_texts_are_the_reports(exported):
    lines = (SEEDS / REPORT).read_text(encoding="utf-8").splitlines()
    for out in exported["asean_outputs"]:
        cited = lines[out["source"]["line"] - 1]
        assert cited.startswith(f"Output {out['id']}."), (out["id"], cited)
        assert norm(out["text"]["en"]) in norm(cited), out["id"]


def test_khmer_is_present_and_marked_draft(exported):
    khmer = re.compile(r"[\u1780-\u17FF]")
    for a in exported["actions"]:
        assert khmer.search(a["text"]["km"]), a["id"]
        assert a["text"]["status"] == "draft"


@needs_seeds
def test_source_errors_are_reported_not_hidden():
    plan, diags = load_plan(ROOT / "plan_data")
    warnings = [d.format() for d in diags if d.severity is Severity.WARNING]
    typos = [w for w in warnings if "is mistyped" in w]
    assert any("ASEAN RPAWPS Output 1.1" in w for w in typos)
    assert any("ASEAN RPA Output 3.1" in w for w in typos)
    assert any("sources disagree" in w and "21.4" in w and "21.2" in w for w in warnings)
