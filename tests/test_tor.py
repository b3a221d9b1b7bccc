"""Terms of Reference: data drawn from §8.2/§8.3/§6.2.3, checks, and every placeholder visible."""
from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from docgen.khmer import strip_invisible

from conftest import needs_pdftotext
from lxml import etree

from docgen.diagnostics import Severity
from docgen.model.tor import Placeholder
from docgen.validate import load_plan

from conftest import PLAN_DATA

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def tor():
    plan, _ = load_plan(PLAN_DATA)
    return plan, plan.tor


def test_bodies_and_composition_follow_section_8_2(tor):
    plan, t = tor
    bodies = {b.id: b for b in t.bodies}
    assert list(bodies) == ["HLSC", "TWG", "CSOAG"]
    assert [b.level for b in t.bodies] == ["political", "technical", "advisory"]
    # §8.2 (line 1977): coordination leadership vs technical/implementation level.
    assert [m.institution for m in bodies["HLSC"].members] == ["MoWA", "MoFAIC", "MoND", "MoI", "MPTC", "MEF"]
    assert [m.institution for m in bodies["TWG"].members] == [
        "NPMEC", "NCDM", "MoE", "MoEYS", "MoH", "MoINF", "MoJ", "CMAA", "CMAC"]
    assert all(m.institution in plan.institution for b in t.bodies for m in b.members)
    assert bodies["TWG"].reports_to == ["HLSC"]


def test_what_the_sources_do_not_decide_is_a_placeholder(tor):
    _, t = tor
    for b in t.bodies:
        # No source names a chair, a meeting frequency or a decision rule for any body.
        assert isinstance(b.chair, Placeholder), b.id
        assert isinstance(b.meetings, Placeholder), b.id
        assert isinstance(b.decision_making, Placeholder), b.id
    assert any(isinstance(x, Placeholder) for x in t.reporting)
    assert any(isinstance(x, Placeholder) for x in t.duration_review)
    # Options offered for the steering committee's chair are the report's own (line 1977).
    hlsc = t.bodies[0]
    assert [o.en for o in hlsc.chair.options] == ["Prime Minister level", "Deputy Prime Minister level"]
    assert hlsc.chair.source.line == 1977


def test_tor_has_no_validation_problems(tor):
    _, diags = load_plan(PLAN_DATA)
    assert [d.format() for d in diags if d.file.endswith("tor.yaml") and d.code != "km-draft"] == []


def _edit(plan_copy: Path, old: str, new: str) -> Path:
    path = plan_copy / "tor.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_unknown_body_and_institution_are_errors_with_hints(plan_copy):
    path = _edit(plan_copy, "      reports_to: [HLSC]", "      reports_to: [HLCS]")
    _edit(plan_copy, "        - {institution: MoEYS,", "        - {institution: MoEYs,")
    _, diags = load_plan(plan_copy)
    errs = [d for d in diags if d.severity is Severity.ERROR]
    body = next(d for d in errs if "unknown body 'HLCS'" in d.message)
    assert body.file.endswith("tor.yaml") and "HLSC" in body.hint
    assert body.line == next(n for n, l in enumerate(path.read_text().splitlines(), 1) if "reports_to: [HLCS]" in l)
    inst = next(d for d in errs if "MoEYs" in d.message)
    assert "MoEYS" in inst.hint and inst.path.startswith("tor.bodies[1].members[")


def test_reporting_circle_is_an_error(plan_copy):
    text = (plan_copy / "tor.yaml").read_text(encoding="utf-8")
    start = text.index("      reports_to:\n        to_decide:\n          en: To whom the Steering Committee")
    end = text.index("      sources:", start)
    (plan_copy / "tor.yaml").write_text(text[:start] + "      reports_to: [TWG]\n" + text[end:], encoding="utf-8")
    _, diags = load_plan(plan_copy)
    assert any("reporting lines form a circle: HLSC -> TWG -> HLSC" in d.message for d in diags
               if d.severity is Severity.ERROR)


# --- documents -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(built_all):
    """The plan and the folder of the session's build of every document (the shipped files)."""
    plan, _ = load_plan(PLAN_DATA)
    return plan, built_all[f"ToR_{plan.metadata.version}_en.docx"].parent


def _placeholder_runs(path: Path) -> str:
    doc = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    out = []
    for r in doc.iter(f"{W}r"):
        style = r.find(f"{W}rPr/{W}rStyle")
        if style is not None and style.get(f"{W}val") == "Placeholder":
            out.append(strip_invisible("".join(t.text or "" for t in r.iter(f"{W}t"))))
    return "".join(out)


@pytest.mark.parametrize("lang", ["en", "km", "en-km"])
def test_every_placeholder_is_visible_in_docx(built, lang):
    plan, folder = built
    marked = " ".join(_placeholder_runs(folder / f"ToR_{plan.metadata.version}_{lang}.docx").split())
    phs = plan.tor.placeholders()
    assert len(phs) >= 12
    for p in phs:
        want = p.to_decide.km if lang == "km" else p.to_decide.en
        assert " ".join(want.split())[:60] in marked, want


def test_tor_docx_names_members_and_sources(built):
    plan, folder = built
    doc = etree.fromstring(zipfile.ZipFile(folder / f"ToR_{plan.metadata.version}_en.docx").read("word/document.xml"))
    text = " ".join(strip_invisible("".join(t.text or "" for t in doc.iter(f"{W}t"))).split())
    for b in plan.tor.bodies:
        assert b.name.en in text
        for m in b.members:
            assert f"{m.institution} ({plan.institution[m.institution].name.en}" in text
    # citations are footnotes: the document and its section, never a file name or line
    notes = etree.fromstring(zipfile.ZipFile(folder / f"ToR_{plan.metadata.version}_en.docx").read("word/footnotes.xml"))
    notes_text = " ".join("".join(t.text or "" for t in notes.iter(f"{W}t")).split())
    assert "Situation Analysis Report on WPS in Cambodia, MoWA/UN Women 2025, §8.2" in notes_text
    assert ".txt" not in notes_text + text and "003_" not in notes_text + text


@needs_pdftotext
def test_every_placeholder_is_visible_in_pdf(built_all):
    plan, _ = load_plan(PLAN_DATA)
    pdf = built_all[f"ToR_{plan.metadata.version}_en.pdf"]
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    for p in plan.tor.placeholders():
        assert " ".join(p.to_decide.en.split())[:50] in text
