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

from test_harvest import DRAFT, LO_REVIEWER, META, uno_python

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
