"""Harvested review rounds in the consultation summaries
(a round naming its event) and in a review summary of their own (a round without one)."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from docgen import build as B
from docgen import documents as D
from docgen.cli import main
from docgen.diagnostics import Severity
from docgen.model.feedback import FeedbackRound
from docgen.validate import load_plan

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
KM_COMMENT = "សូមបញ្ជាក់ចំនួនខេត្ត។ Please name the provinces."
KM_REVIEWER = "សុខា ចាន់"

# A round harvested from the drafts reviewed at the consultation of 18 Dec 2024: what
# `docgen harvest` writes, with the secretariat's responses filled in.
EVENT_ROUND = f"""\
round: dec2024
consultation: C2024_12_18
items:
- id: FB_aaaaaaaaaaa1
  kind: comment
  source_file: NAP-WPS_0.1_en_MoI.docx
  reviewer: {{name: "{KM_REVIEWER}", initials: SC}}
  date: '2025-03-01T09:00:00Z'
  anchor: {{id: PROT_01, kind: action, method: bookmark}}
  text: "{KM_COMMENT}"
  commented_text: one-stop service centres
  replies:
  - {{author: Dara Kim, text: Agreed.}}
  status: closed
  response:
    decision: accepted
    rationale: {{en: Provinces named in the action., km: បានបញ្ជាក់ឈ្មោះខេត្តក្នុងសកម្មភាព។}}
- id: FB_aaaaaaaaaaa2
  kind: deletion
  source_file: NAP-WPS_0.1_en_MoI.docx
  reviewer: {{name: Dara Kim}}
  anchor: {{id: SEC_intro, kind: section, method: heading}}
  text: first ever
  response: {{decision: not_accepted, rationale: {{en: The plan is the first of its kind.}}}}
- id: FB_aaaaaaaaaaa3
  kind: comment
  source_file: NAP-WPS_0.1_en_MoI.docx
  reviewer: {{name: Dara Kim}}
  anchor: {{kind: general}}
  text: Add a list of acronyms in Khmer.
"""

# A written review with no consultation event: it gets its own review summary.
WRITTEN_ROUND = """\
round: written-1
items:
- id: FB_bbbbbbbbbbb1
  kind: insertion
  source_file: NAP-WPS_0.1_km_UNW.docx
  reviewer: {name: Lina Sok}
  anchor: {id: PART_01, kind: action, method: nearest_bookmark}
  text: and police contingents
  response: {decision: partly_accepted, rationale: {en: Police added where deployed under UN command.}}
- id: FB_bbbbbbbbbbb2
  kind: comment
  source_file: NAP-WPS_0.1_km_UNW.docx
  reviewer: {name: Lina Sok}
  anchor: {kind: general}
  text: Overall the draft reads well.
"""


def _write_rounds(data: Path) -> None:
    (data / "feedback").mkdir(exist_ok=True)
    (data / "feedback" / "dec2024.yaml").write_text(EVENT_ROUND, encoding="utf-8")
    (data / "feedback" / "written-1.yaml").write_text(WRITTEN_ROUND, encoding="utf-8")


def _xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("word/document.xml"))


def _text(root) -> str:
    return " ".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p"))


def _rows(root) -> list[list[str]]:
    return [["".join(t.text or "" for t in c.iter(f"{W}t")) for c in tr.iter(f"{W}tc")] for tr in root.iter(f"{W}tr")]


def _hyperlinks(root) -> dict[str, str]:
    return {"".join(t.text or "" for t in h.iter(f"{W}t")): h.get(f"{W}anchor") for h in root.iter(f"{W}hyperlink")}


def _bookmarks(root) -> set[str]:
    return {b.get(f"{W}name") for b in root.iter(f"{W}bookmarkStart")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The consultation documents of the bundled plan plus two harvested rounds (en, km; DOCX)."""
    from conftest import PLAN_DATA
    import shutil

    data = tmp_path_factory.mktemp("review") / "plan_data"
    shutil.copytree(PLAN_DATA, data)
    _write_rounds(data)
    out = data.parent / "build"
    files = B.build(data, ["consultations"], ["en", "km"], ["docx"], out, log=lambda *_: None)
    return {f.name: f for f in files}


def test_the_model_documents_and_reads_the_consultation_link():
    import yaml

    fr = FeedbackRound.model_validate(yaml.safe_load(EVENT_ROUND))
    assert fr.consultation == "C2024_12_18"
    assert "consultation" in FeedbackRound.__doc__ and "Review-<round>" in FeedbackRound.__doc__
    assert FeedbackRound.model_validate(yaml.safe_load(WRITTEN_ROUND)).consultation is None


def test_event_summary_matrix_has_the_harvested_items_and_responses(built):
    root = _xml(built["Consultation-C2024_12_18_0.1_en.docx"])
    rows = {r[0]: r for r in _rows(root) if r and r[0].startswith("FB_")}
    assert sorted(rows) == ["FB_aaaaaaaaaaa1", "FB_aaaaaaaaaaa2", "FB_aaaaaaaaaaa3"]
    heard, linked, response, rationale = rows["FB_aaaaaaaaaaa1"][1:5]
    assert KM_COMMENT in heard and KM_REVIEWER in heard and "one-stop service centres" in heard
    assert "Dara Kim: Agreed." in heard
    assert (linked, response, rationale) == ("PROT_01", "Accepted", "Provinces named in the action.")
    assert rows["FB_aaaaaaaaaaa2"][1].startswith("Proposed deletion: first ever")
    # a section is shown by its title (its ID is internal)
    assert rows["FB_aaaaaaaaaaa2"][2:5] == ["Introduction: background and purpose", "Not accepted",
                                            "The plan is the first of its kind."]
    assert rows["FB_aaaaaaaaaaa3"][2:4] == ["General", "Pending (to be decided)"]
    # the recorded feedback of the event is still there, next to the harvested items
    assert any(r[0] == "F1" for r in _rows(root))
    # the anchor is shown and linked to the "Linked to" entry, which is a bookmark
    links = _hyperlinks(root)
    assert links["PROT_01"] == "C2024_12_18_PROT_01"
    assert links["Introduction: background and purpose"] == "C2024_12_18_SEC_intro"
    assert {"C2024_12_18_PROT_01", "C2024_12_18_SEC_intro"} <= _bookmarks(root)
    assert "Items harvested from the reviewed files of round dec2024" in _text(root)


def test_khmer_document_keeps_khmer_items_and_khmer_responses(built):
    root = _xml(built["Consultation-C2024_12_18_0.1_km.docx"])
    rows = {r[0]: r for r in _rows(root) if r and r[0].startswith("FB_")}
    assert KM_COMMENT in rows["FB_aaaaaaaaaaa1"][1]
    assert rows["FB_aaaaaaaaaaa1"][3:5] == ["ទទួលយក", "បានបញ្ជាក់ឈ្មោះខេត្តក្នុងសកម្មភាព។"]
    # Khmer runs carry the Khmer language tag
    km_runs = [r for r in root.iter(f"{W}r") if KM_REVIEWER in "".join(t.text or "" for t in r.iter(f"{W}t"))]
    assert km_runs and all(r.find(f"{W}rPr/{W}lang") is not None
                           and r.find(f"{W}rPr/{W}lang").get(f"{W}bidi") == "km-KH" for r in km_runs)


def test_other_events_and_combined_summary(built):
    other = _text(_xml(built["Consultation-C2023_10_18_0.1_en.docx"]))
    assert "FB_aaaaaaaaaaa1" not in other and "FB_bbbbbbbbbbb1" not in other
    summary = _xml(built["Consultation-Summary_0.1_en.docx"])
    assert {"FB_aaaaaaaaaaa1", "FB_aaaaaaaaaaa2", "FB_aaaaaaaaaaa3"} <= {r[0] for r in _rows(summary) if r}
    # the actions-discussed table credits the harvested item to its action
    prot = next(r for r in _rows(summary) if r and r[0].startswith("PROT_01 "))
    assert any("FB_aaaaaaaaaaa1" in cell for cell in prot[1:])


def test_round_without_event_gets_a_review_summary(built):
    assert "Review-written-1_0.1_en.docx" in built and "Review-written-1_0.1_km.docx" in built
    assert not any(n.startswith("Review-dec2024") for n in built)  # shown in its event's summary instead
    root = _xml(built["Review-written-1_0.1_en.docx"])
    text = _text(root)
    assert "Review round written-1" in text and "NAP-WPS_0.1_km_UNW.docx" in text and "Lina Sok" in text
    assert "Items: 2 (Comments: 1; Proposed changes: 1)" in text and "General: 1" in text and "Open: 2" in text
    assert "Partly accepted: 1" in text and "Pending (to be decided): 1" in text
    rows = {r[0]: r for r in _rows(root) if r and r[0].startswith("FB_")}
    assert rows["FB_bbbbbbbbbbb1"][1:5] == ["Proposed insertion: and police contingents (Lina Sok)", "PART_01",
                                            "Partly accepted", "Police added where deployed under UN command."]
    assert rows["FB_bbbbbbbbbbb2"][2] == "General"
    assert _hyperlinks(root)["PART_01"] == "RV_PART_01" and "RV_PART_01" in _bookmarks(root)
    km = _xml(built["Review-written-1_0.1_km.docx"])
    assert "ជុំពិនិត្យ written-1" in _text(km)
    assert [r[3] for r in _rows(km) if r and r[0] == "FB_bbbbbbbbbbb1"] == ["ទទួលយកមួយផ្នែក"]


def test_no_rounds_no_review_documents(plan):
    assert D.DOCUMENTS["consultations"][-1].each(plan) == []


def test_unknown_event_is_a_diagnostic_with_file_line_and_guess(plan_copy, tmp_path, capsys):
    (plan_copy / "feedback").mkdir(exist_ok=True)
    bad = plan_copy / "feedback" / "dec2024.yaml"
    bad.write_text(EVENT_ROUND.replace("consultation: C2024_12_18", "consultation: C2024_12_81"), encoding="utf-8")
    plan, diags = load_plan(plan_copy)
    assert plan is None
    [d] = [d for d in diags if d.severity is Severity.ERROR]
    assert d.file.endswith("feedback/dec2024.yaml") and d.line == 2 and "C2024_12_81" in d.message
    assert "did you mean 'C2024_12_18'?" in d.hint
    rc = main(["build", "--data", str(plan_copy), "--out", str(tmp_path / "b"), "--doc", "consultations",
               "--format", "docx", "--lang", "en"])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err and re.search(r"dec2024\.yaml:2:\d+: .*C2024_12_81", err)
    assert not (tmp_path / "b" / "0.1").exists()


def test_consultation_assets_receive_the_record(plan, tmp_path):
    doc = D.DOCUMENTS["consultations"][0]
    seen = []
    jobs = D.plan_jobs(plan, ["consultations"], ["en"], ["docx"], tmp_path)
    for job in jobs:
        if job.name.startswith("Consultation-C"):
            seen.append(job.name)
            ident = job.name.split("_0.1_")[0][len("Consultation-"):]
            assert (job.resource_dir / f"chart_{ident}.png").is_file()
    assert len(seen) == len(plan.consultations) and doc.assets.__code__.co_argcount == 4


def test_harvesting_again_keeps_the_consultation_link(tmp_path):
    import yaml
    from docgen.model.feedback import FeedbackItem
    from docgen.review.store import merge_items, read_round

    path = tmp_path / "feedback" / "dec2024.yaml"
    path.parent.mkdir()
    path.write_text("# secretariat's note\n" + EVENT_ROUND, encoding="utf-8")
    new = FeedbackItem.model_validate(yaml.safe_load(WRITTEN_ROUND)["items"][0])
    assert merge_items(path, "dec2024", [new]) == (1, 0)
    fr = read_round(path, "dec2024")
    assert fr.consultation == "C2024_12_18" and [i.id for i in fr.items][-1] == "FB_bbbbbbbbbbb1"
    assert path.read_text(encoding="utf-8").startswith("# secretariat's note\nround: dec2024\nconsultation: C2024_12_18\n")
