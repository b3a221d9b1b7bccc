"""The review loop loses nothing: Track Changes on in what we send, untracked edits found,
every story read, identity by content, concurrent harvests, carried comments round-trip,
hand-edited feedback files kept byte for byte, damaged parts read around."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from docgen.docx import write_docx

from test_harvest import DRAFT, LO_REVIEWER, META, known, uno_python  # noqa: F401 (fixture)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def settings_of(path: Path):
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("word/settings.xml"))


def run_lo(src: Path, out: Path, ops: list, work: Path) -> subprocess.CompletedProcess:
    if not __import__("shutil").which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed")
    exe = uno_python()
    if exe is None:
        pytest.skip("no Python with the LibreOffice UNO bridge (python3-uno)")
    ops_file = work / f"ops-{out.stem}.json"
    ops_file.write_text(json.dumps(ops, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([exe, str(LO_REVIEWER), str(src), str(out), str(ops_file)], capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


# --- Track Changes on in every DOCX we send -----------------------------------------------


def test_sent_docx_opens_with_track_changes_on(tmp_path):
    out = tmp_path / "d.docx"
    write_docx(DRAFT, out, META)
    s = settings_of(out)
    assert len(s.findall("w:trackRevisions", NS)) == 1
    assert s.find("w:documentProtection", NS) is None
    # schema order: trackRevisions after proofState/attachedTemplate, before defaultTabStop
    names = [etree.QName(e).localname for e in s]
    if "defaultTabStop" in names:
        assert names.index("trackRevisions") < names.index("defaultTabStop")


def test_lock_tracking_enforces_tracked_changes(tmp_path):
    out = tmp_path / "d.docx"
    write_docx(DRAFT, out, dataclasses.replace(META, lock_tracking=True))
    s = settings_of(out)
    prot = s.findall("w:documentProtection", NS)
    assert len(prot) == 1
    assert prot[0].get(f"{{{W}}}edit") == "trackedChanges" and prot[0].get(f"{{{W}}}enforcement") == "1"
    assert s.find("w:trackRevisions", NS) is not None


def test_tracking_settings_function_is_idempotent():
    from docgen.docx.tracking import track_changes_settings

    once = track_changes_settings(None, lock=True)
    twice = track_changes_settings(once, lock=True)
    assert once == twice
    unlocked = etree.fromstring(track_changes_settings(once, lock=False))
    assert unlocked.find("w:documentProtection", NS) is None
    assert unlocked.find("w:trackRevisions", NS) is not None


@pytest.mark.libreoffice
def test_libreoffice_records_a_reviewer_who_just_types(tmp_path):
    src = tmp_path / "draft.docx"
    write_docx(DRAFT, src, META)
    out = tmp_path / "typed.docx"
    proc = run_lo(src, out, [{"op": "report"},
                             {"op": "insert", "after": "UN peacekeeping operations", "text": " and police",
                              "record": None}], tmp_path)
    report = json.loads(proc.stdout.strip().splitlines()[0])
    assert report["record_changes"] is True
    from docgen.review.harvest import harvest_file

    r = harvest_file(out)
    assert [(i.kind, i.text.strip()) for i in r.items if i.kind == "insertion"] == [("insertion", "and police")]


# --- untracked edits -----------------------------------------------------------------------

TABLE = """
# Monitoring and evaluation {#SEC_monitoring}

| Indicator | Baseline | Target |
|---|---|---|
| Provinces with a one-stop centre | 4 | 12 |
| Women in peacekeeping | 5% | 10% |
"""
SENT_MD = DRAFT + TABLE


def sent_build(root: Path) -> Path:
    """build/0.1/NAP-WPS_0.1_en.docx as docgen build writes it (custom properties say what it is)."""
    out = root / "0.1" / "NAP-WPS_0.1_en.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_docx(SENT_MD, out, dataclasses.replace(META, properties={"version": "0.1", "language": "en"}))
    return out


def edit_xml(src: Path, dest: Path, *pairs) -> Path:
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    doc = parts["word/document.xml"].decode("utf-8")
    for old, new in pairs:
        assert old in doc, old
        doc = doc.replace(old, new, 1)
    parts["word/document.xml"] = doc.encode("utf-8")
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in parts.items():
            zf.writestr(n, d)
    return dest


@pytest.fixture(scope="module")
def sent(tmp_path_factory) -> Path:
    return sent_build(tmp_path_factory.mktemp("build"))


def untracked(items):
    return [i for i in items if i.kind == "untracked_edit"]


def test_untracked_edit_in_a_paragraph_and_a_table_cell(sent, known, tmp_path):
    from docgen.review.harvest import harvest_file

    edited = edit_xml(sent, tmp_path / "NAP edited.docx",
                      ("Review laws on protection of women in emergencies.",
                       "Review and amend laws on protection of women in emergencies."),
                      (">12<", ">25<"))
    r = harvest_file(edited, known, sent_root=sent.parent.parent)
    assert r.ok and r.warnings == []
    edits = untracked(r.items)
    assert len(edits) == 2, [(e.old_text, e.text) for e in edits]
    para, cell = edits
    assert para.old_text == "PROT_02 Review laws on protection of women in emergencies."
    assert para.text == "PROT_02 Review and amend laws on protection of women in emergencies."
    assert (para.anchor.kind, para.anchor.id) == ("action", "PROT_02")
    assert cell.old_text == "Provinces with a one-stop centre | 4 | 12"
    assert cell.text == "Provinces with a one-stop centre | 4 | 25"
    assert cell.anchor.id == "SEC_monitoring"


def test_tracked_changes_are_not_untracked_edits_and_joiners_do_not_count(sent, known, tmp_path):
    from docgen.review.harvest import harvest_file

    ins = ('<w:ins w:id="901" w:author="Dara Kim" w:date="2025-03-02T10:00:00Z"><w:r><w:t xml:space="preserve">'
           ' and police</w:t></w:r></w:ins>')
    edited = edit_xml(sent, tmp_path / "tracked.docx",
                      ("UN peacekeeping operations.</w:t></w:r>", "UN peacekeeping operations.</w:t></w:r>" + ins),
                      ("Cambodia drafts its first", "Cambodia\u2060 drafts\u200b its first"))
    r = harvest_file(edited, known, sent_root=sent.parent.parent)
    assert untracked(r.items) == []
    assert [(i.kind, i.text.strip()) for i in r.items] == [("insertion", "and police")]


def test_file_returned_unchanged_is_reported(sent, known, tmp_path, capsys):
    import shutil

    from docgen.cli import main

    data = tmp_path / "plan_data"
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini_plan", data)
    same = tmp_path / "NAP-WPS_0.1_en (returned).docx"
    shutil.copy(sent, same)
    rc = main(["harvest", str(same), "--round", "r1", "--data", str(data), "--build", str(sent.parent.parent)])
    err = capsys.readouterr().err
    assert rc == 0
    assert "nothing found: no comments, no tracked changes and no edits" in err


def test_sent_version_missing_is_said(known, sent, tmp_path):
    from docgen.review.harvest import harvest_file

    r = harvest_file(sent, known, sent_root=tmp_path / "nowhere")
    assert r.ok and r.items == []
    assert any("version 0.1 is not in" in w.message for w in r.warnings)


@pytest.mark.libreoffice
def test_libreoffice_edits_without_tracking_are_found(sent, known, tmp_path):
    from docgen.review.harvest import harvest_file

    out = tmp_path / "lo-untracked.docx"
    run_lo(sent, out, [{"op": "author", "name": "Sokha Chan"},
                       {"op": "replace", "find": "technical working group", "text": "TWG-WPS", "record": False},
                       {"op": "replace", "find": "10%", "text": "15%", "record": False},
                       {"op": "insert", "after": "Lead: MoI.", "text": " Partners: CSOs.", "record": True}], tmp_path)
    r = harvest_file(out, known, sent_root=sent.parent.parent)
    edits = untracked(r.items)
    assert [(e.old_text, e.text) for e in edits] == [
        ("MoWA coordinates the plan through a technical working group.", "MoWA coordinates the plan through a TWG-WPS."),
        ("Women in peacekeeping | 5% | 10%", "Women in peacekeeping | 5% | 15%")]
    assert [where for where in ((e.anchor.kind, e.anchor.id) for e in edits)] == [
        ("section", "SEC_coordination"), ("section", "SEC_monitoring")]
    assert [(i.kind, i.text.strip()) for i in r.items if i.kind == "insertion"] == [("insertion", "Partners: CSOs.")]


@pytest.mark.libreoffice
def test_libreoffice_resave_without_edits_gives_no_untracked_edits(sent, known, tmp_path):
    from docgen.review.harvest import harvest_file

    out = tmp_path / "lo-same.docx"
    run_lo(sent, out, [], tmp_path)
    r = harvest_file(out, known, sent_root=sent.parent.parent)
    assert untracked(r.items) == []
