"""The review loop loses nothing: Track Changes on in what we send, untracked edits found,
every story read, identity by content, concurrent harvests, carried comments round-trip,
hand-edited feedback files kept byte for byte, damaged parts read around."""
from __future__ import annotations

import dataclasses
import re
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from docgen.docx import write_docx

from test_harvest import (DRAFT, LO_REVIEWER, META, known, pandoc_reviewed, pydocx_reviewed,  # noqa: F401
                          uno_python, work, draft)

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


@pytest.mark.libreoffice
def test_libreoffice_sees_tracking_protected_and_keeps_it(tmp_path):
    src, plain = tmp_path / "locked.docx", tmp_path / "plain.docx"
    write_docx(DRAFT, src, dataclasses.replace(META, lock_tracking=True))
    write_docx(DRAFT, plain, META)
    locked = json.loads(run_lo(src, tmp_path / "l.docx", [{"op": "report"}], tmp_path).stdout.splitlines()[0])
    unlocked = json.loads(run_lo(plain, tmp_path / "u.docx", [{"op": "report"}], tmp_path).stdout.splitlines()[0])
    assert locked == {"record_changes": True, "protected": True}
    assert unlocked == {"record_changes": True, "protected": False}
    prot = settings_of(tmp_path / "l.docx").find("w:documentProtection", NS)
    assert prot is not None and prot.get(f"{{{W}}}edit") == "trackedChanges"


def test_build_lock_tracking_flag(tmp_path, capsys):
    from docgen.cli import main

    mini = Path(__file__).parent / "fixtures" / "mini_plan"
    for flag, locked in (([], False), (["--lock-tracking"], True)):
        out = tmp_path / ("locked" if locked else "plain")
        rc = main(["build", "--data", str(mini), "--doc", "nap", "--lang", "en", "--format", "docx",
                   "--out", str(out), *flag])
        assert rc == 0, capsys.readouterr().err
        s = settings_of(next(out.glob("*/NAP-WPS_*_en.docx")))
        assert s.find("w:trackRevisions", NS) is not None
        assert (s.find("w:documentProtection", NS) is not None) == locked


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


# --- every story ---------------------------------------------------------------------------

WNS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _ins(author, text, cid="950"):
    return (f'<w:ins w:id="{cid}" w:author="{author}" w:date="2025-03-03T08:00:00Z"><w:r><w:t xml:space="preserve">'
            f'{text}</w:t></w:r></w:ins>')


def _comment_xml(cid, author, text):
    return (f'<w:comment w:id="{cid}" w:author="{author}" w:date="2025-03-03T08:00:00Z" w:initials="X">'
            f'<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:comment>')


def _range(cid, text):
    return (f'<w:commentRangeStart w:id="{cid}"/><w:r><w:t>{text}</w:t></w:r><w:commentRangeEnd w:id="{cid}"/>'
            f'<w:r><w:commentReference w:id="{cid}"/></w:r>')


def stories_docx(src: Path, dest: Path, textbox: bool = True, note_comment: bool = True,
                 endnote: bool = True) -> Path:
    """A reviewed file with a tracked change in the header and the footer, a footnote the reviewer
    inserted (with a tracked change and a comment in it), and a text box with a comment, written
    twice as Word does (mc:Choice and mc:Fallback)."""
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    hdr = parts["word/header1.xml"].decode()
    parts["word/header1.xml"] = hdr.replace("</w:p></w:hdr>", _ins("Dara Kim", " (for consultation)") + "</w:p></w:hdr>").encode()
    ftr = parts["word/footer1.xml"].decode()
    i = ftr.rindex("</w:p>")
    parts["word/footer1.xml"] = (ftr[:i] + _ins("Dara Kim", " Confidential", "951") + ftr[i:]).encode()
    fn = parts["word/footnotes.xml"].decode()
    parts["word/footnotes.xml"] = fn.replace("</w:footnotes>", (
        '<w:footnote w:id="7"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> See the 2019 law</w:t></w:r>'
        + _ins("Sokha Chan", " and its 2023 amendment", "952") + (_range("31", " on shelters") if note_comment else "") +
        '</w:p></w:footnote></w:footnotes>')).encode()
    box = (f'<w:r><mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
           f'<w:p>{_range("32", "Box: 12 provinces")}</w:p></w:txbxContent></w:drawing></mc:Choice>'
           f'<mc:Fallback><w:pict><w:txbxContent><w:p>{_range("32", "Box: 12 provinces")}</w:p>'
           f'</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>')
    doc = parts["word/document.xml"].decode()
    anchor = "Review laws on protection of women in emergencies.</w:t></w:r>"
    assert anchor in doc
    doc = doc.replace(anchor, anchor + '<w:r><w:footnoteReference w:id="7"/></w:r>', 1)
    anchor2 = "Increase the share of women deployed in UN peacekeeping operations.</w:t></w:r>"
    assert anchor2 in doc
    doc = doc.replace(anchor2, anchor2 + (box if textbox else ""), 1)
    parts["word/document.xml"] = doc.encode()
    if "word/comments.xml" in parts:
        comments = parts["word/comments.xml"].decode()
        if "</w:comments>" not in comments:  # pandoc writes an empty <w:comments .../>
            comments = comments.rstrip()[:-2] + "></w:comments>"
        comments = comments.replace(
            "</w:comments>", _comment_xml("31", "Sokha Chan", "Which shelters?")
            + _comment_xml("32", "Chenda Sok", "Source of the 12?") + "</w:comments>")
    else:
        comments = (f'<?xml version="1.0" encoding="UTF-8"?><w:comments {WNS}>'
                    + _comment_xml("31", "Sokha Chan", "Which shelters?")
                    + _comment_xml("32", "Chenda Sok", "Source of the 12?") + "</w:comments>")
        rels = parts["word/_rels/document.xml.rels"].decode().replace("</Relationships>", (
            '<Relationship Id="rIdCm" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"'
            ' Target="comments.xml"/></Relationships>'))
        parts["word/_rels/document.xml.rels"] = rels.encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].decode().replace("</Types>", (
            '<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.comments+xml"/></Types>')).encode()
    parts["word/comments.xml"] = comments.encode()
    if endnote:  # pandoc writes no endnotes part: add one, as Word does for a reviewer's endnote
        parts["word/endnotes.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><w:endnotes {WNS}><w:endnote w:type="separator" w:id="-1">'
            '<w:p><w:r><w:separator/></w:r></w:p></w:endnote><w:endnote w:id="1"><w:p><w:r><w:endnoteRef/></w:r>'
            + _ins("Chenda Sok", "Figures from the 2024 survey", "953") + '</w:p></w:endnote></w:endnotes>').encode()
        parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].decode().replace(
            "</Relationships>", '<Relationship Id="rIdEn" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/endnotes" Target="endnotes.xml"/></Relationships>').encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].decode().replace("</Types>", (
            '<Override PartName="/word/endnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.endnotes+xml"/></Types>')).encode()
        doc = parts["word/document.xml"].decode()
        anchor3 = "MoWA coordinates the plan through a technical working group.</w:t></w:r>"
        assert anchor3 in doc
        parts["word/document.xml"] = doc.replace(anchor3, anchor3 + '<w:r><w:endnoteReference w:id="1"/></w:r>',
                                                 1).encode()
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in parts.items():
            zf.writestr(n, d)
    return dest


def test_every_story_is_harvested(sent, known, tmp_path):
    from docgen.review.harvest import harvest_file

    r = harvest_file(stories_docx(sent, tmp_path / "stories.docx"), known, sent_root=sent.parent.parent)
    assert r.ok and r.warnings == []
    got = sorted(((i.story, i.kind, i.text.strip(), i.anchor.kind, i.anchor.id or "") for i in r.items),
                 key=lambda t: tuple(x or "" for x in t))
    assert got == sorted([
        ("header", "insertion", "(for consultation)", "general", ""),
        ("footer", "insertion", "Confidential", "general", ""),
        ("footnote", "insertion", "and its 2023 amendment", "action", "PROT_02"),
        ("footnote", "comment", "Which shelters?", "action", "PROT_02"),
        ("endnote", "insertion", "Figures from the 2024 survey", "section", "SEC_coordination"),
        ("text box", "comment", "Source of the 12?", "action", "PART_01"),  # once, not twice
        # the reviewer added the box itself with Track Changes off
        (None, "untracked_edit", "PART_01 Increase the share of women deployed in UN peacekeeping operations. "
                                 "Box: 12 provinces", "action", "PART_01"),
    ], key=lambda t: tuple(x or "" for x in t))
    box = next(i for i in r.items if i.story == "text box")
    assert box.commented_text == "Box: 12 provinces"


@pytest.mark.libreoffice
def test_every_story_survives_a_libreoffice_resave(sent, known, tmp_path):
    from docgen.review.harvest import harvest_file

    # LibreOffice does not load our minimal text box, nor a file with a comment inside a footnote
    src = stories_docx(sent, tmp_path / "stories.docx", textbox=False, note_comment=False)
    out = tmp_path / "stories-lo.docx"
    run_lo(src, out, [], tmp_path)
    r = harvest_file(out, known)
    got = sorted((i.story, i.kind, i.text.strip()) for i in r.items)
    assert ("header", "insertion", "(for consultation)") in got
    assert ("footer", "insertion", "Confidential") in got
    assert ("footnote", "insertion", "and its 2023 amendment") in got
    assert ("endnote", "insertion", "Figures from the 2024 survey") in got


# --- identity by content -------------------------------------------------------------------


@pytest.fixture
def data(tmp_path) -> Path:
    import shutil

    dest = tmp_path / "plan_data"
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini_plan", dest)
    return dest


def harvest_cli(capsys, data, *files, round_name="round1", build=None):
    from docgen.cli import main

    args = ["harvest", *map(str, files), "--round", round_name, "--data", str(data)]
    if build is not None:
        args += ["--build", str(build)]
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def round_items(data, name="round1"):
    from docgen.review.store import read_round

    return read_round(data / "feedback" / f"{name}.yaml", name).items


def test_renamed_resent_file_adds_nothing(capsys, data, pandoc_reviewed, tmp_path):
    import shutil

    rc, out, _ = harvest_cli(capsys, data, pandoc_reviewed)
    assert rc == 0
    n = len(round_items(data))
    copies = []
    for name in ("reviewed-pandoc (1).docx", "Copy of NAP review.docx"):
        copies.append(tmp_path / name)
        shutil.copy(pandoc_reviewed, copies[-1])
    rc, out, _ = harvest_cli(capsys, data, *copies)
    assert rc == 0 and "0 new items" in out
    assert len(round_items(data)) == n == 9


def test_two_reviewers_identical_comments_stay_two(capsys, data, tmp_path):
    from test_harvest import c_end, c_start

    md = DRAFT.replace("Review laws", c_start("1", "Dara Kim", "Please cite the law.") + "Review" + c_end("1")
                       + " " + c_start("2", "Sokha Chan", "Please cite the law.") + "laws" + c_end("2"))
    one = tmp_path / "a.docx"
    write_docx(md, one, META)
    rc, out, _ = harvest_cli(capsys, data, one)
    items = round_items(data)
    assert [(i.reviewer.name, i.text) for i in items] == [("Dara Kim", "Please cite the law."),
                                                          ("Sokha Chan", "Please cite the law.")]
    assert len({i.id for i in items}) == 2


# --- concurrency ---------------------------------------------------------------------------


def _harvest_in_child(data: str, path: str, round_name: str, q) -> None:
    import io
    import contextlib

    from docgen.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["harvest", path, "--round", round_name, "--data", data])
    q.put((rc, err.getvalue()))


def test_concurrent_harvests_into_one_round_lose_nothing(data, pandoc_reviewed, pydocx_reviewed):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    expected = None
    losses = 0
    waited = 0
    trials = 20
    for trial in range(trials):
        name = f"race{trial}"
        q = ctx.Queue()
        procs = [ctx.Process(target=_harvest_in_child, args=(str(data), str(f), name, q))
                 for f in (pandoc_reviewed, pydocx_reviewed)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        results = [q.get(timeout=5) for _ in procs]
        assert [rc for rc, _ in results] == [0, 0], results
        waited += sum("waiting for docgen harvest --round" in err for _, err in results)
        items = round_items(data, name)
        if expected is None:
            expected = 9 + 4
        losses += len(items) != expected
    assert losses == 0, f"{losses} of {trials} trials lost items"


def test_a_harvest_waits_for_the_lock_and_says_so(data, pandoc_reviewed):
    import threading

    from docgen.review.store import feedback_lock

    msgs = []
    folder = data / "feedback"
    with feedback_lock(folder, "docgen harvest --round round1 (the secretariat's other run)"):
        t = threading.Thread(target=lambda: feedback_lock(folder, "second", log=msgs.append).__enter__())
        t.start()
        t.join(0.5)
        assert t.is_alive()  # still waiting
    t.join(5)
    assert not t.is_alive()
    assert msgs and msgs[0].startswith("waiting for docgen harvest --round round1 (the secretariat's other run)")


# --- robust reading ------------------------------------------------------------------------


def _rezip(src: Path, dest: Path, change) -> Path:
    with zipfile.ZipFile(src) as zf:
        entries = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    entries = change(entries)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the point
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, d in entries:
                zf.writestr(n, d)
    return dest


def test_malformed_comments_part_still_yields_the_tracked_changes(pandoc_reviewed, known, tmp_path, capsys, data):
    from docgen.review.harvest import harvest_file

    bad = _rezip(pandoc_reviewed, tmp_path / "badcomments.docx",
                 lambda es: [(n, b"<w:comments><w:comment>" if n == "word/comments.xml" else d) for n, d in es])
    r = harvest_file(bad, known)
    assert r.ok
    assert sorted(i.kind for i in r.items) == ["deletion", "insertion", "insertion"]
    assert len(r.warnings) == 1 and "word/comments.xml" in r.warnings[0].message
    rc, out, err = harvest_cli(capsys, data, bad)
    assert rc == 1 and "word/comments.xml" in err and "3 new items" in out
    assert "could be read only in part" in err


def test_malformed_body_still_yields_the_comments(pandoc_reviewed, known, tmp_path):
    from docgen.review.harvest import harvest_file

    bad = _rezip(pandoc_reviewed, tmp_path / "badbody.docx",
                 lambda es: [(n, d[: len(d) // 2] if n == "word/document.xml" else d) for n, d in es])
    r = harvest_file(bad, known)
    assert r.ok and len(r.warnings) == 1
    assert "word/document.xml" in r.warnings[0].message and "cannot be placed" in r.warnings[0].message
    comments = [i for i in r.items if i.kind == "comment"]
    assert len(comments) == 6 and {i.anchor.kind for i in comments} == {"general"}


def test_duplicate_zip_entries_are_refused(pandoc_reviewed, known, tmp_path):
    from docgen.review.harvest import harvest_file

    dup = _rezip(pandoc_reviewed, tmp_path / "dup.docx",
                 lambda es: es + [("word/comments.xml", b'<w:comments xmlns:w="x"/>')])
    r = harvest_file(dup, known)
    assert not r.ok and "'word/comments.xml' more than once" in r.error.message and "ambiguous" in r.error.message


# --- carried comments round-trip -------------------------------------------------------------

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


def q(t):
    return f"{{{W}}}{t}"



def word_review(src, dest, *, replies=(), done=(), edits=None):
    """What Word writes when a reviewer replies to, resolves or edits comments.
    replies: [(parent comment id, author, date, text)]; done: comment ids resolved;
    edits: {comment id: new full text}."""
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    croot = etree.fromstring(parts["word/comments.xml"])
    doc = etree.fromstring(parts["word/document.xml"])
    comments = {c.get(q("id")): c for c in croot.iter(q("comment"))}
    para = {}
    for cid, c in comments.items():
        para[cid] = f"{int(cid) + 0x10000000:08X}"
        c.findall(f".//{q('p')}")[-1].set(f"{{{W14}}}paraId", para[cid])
    for cid, text in (edits or {}).items():
        c = comments[cid]
        ts = c.findall(f".//{q('t')}")
        ts[0].text = text
        for t in ts[1:]:
            t.text = ""
    parent_of = {}
    next_id = max(int(i) for i in comments) + 1
    for parent, author, date, text in replies:
        cid = str(next_id); next_id += 1
        c = etree.SubElement(croot, q("comment"), {q("id"): cid, q("author"): author, q("date"): date, q("initials"): author[:1]})
        p = etree.SubElement(c, q("p")); para[cid] = f"{int(cid) + 0x10000000:08X}"; p.set(f"{{{W14}}}paraId", para[cid])
        r = etree.SubElement(p, q("r")); etree.SubElement(r, q("annotationRef"))
        r = etree.SubElement(p, q("r")); t = etree.SubElement(r, q("t")); t.text = text
        parent_of[cid] = parent
        # Word puts the reply's range right beside its parent's
        ps = doc.xpath(f"//w:commentRangeStart[@w:id='{parent}']", namespaces={"w": W})[0]
        ps.addnext(etree.Element(q("commentRangeStart"), {q("id"): cid}))
        pe = doc.xpath(f"//w:commentRangeEnd[@w:id='{parent}']", namespaces={"w": W})[0]
        pe.addnext(etree.Element(q("commentRangeEnd"), {q("id"): cid}))
        ref = etree.Element(q("r")); etree.SubElement(ref, q("commentReference"), {q("id"): cid})
        pe.getparent().append(ref)
    parts["word/comments.xml"] = etree.tostring(croot, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/document.xml"] = etree.tostring(doc, xml_declaration=True, encoding="UTF-8", standalone=True)
    ex = "".join(f'<w15:commentEx w15:paraId="{para[cid]}"'
                 + (f' w15:paraIdParent="{para[parent_of[cid]]}"' if cid in parent_of else "")
                 + f' w15:done="{1 if cid in done else 0}"/>' for cid in sorted(para, key=int))
    parts["word/commentsExtended.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                          f'<w15:commentsEx xmlns:w15="{W15}">{ex}</w15:commentsEx>').encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    if "commentsExtended" not in rels:
        rels = rels.replace("</Relationships>", '<Relationship Id="rIdCx" Type="http://schemas.microsoft.com/office/2011/relationships/commentsExtended" Target="commentsExtended.xml"/></Relationships>')
        parts["word/_rels/document.xml.rels"] = rels.encode()
        ct = parts["[Content_Types].xml"].decode().replace("</Types>", '<Override PartName="/word/commentsExtended.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"/></Types>')
        parts["[Content_Types].xml"] = ct.encode()
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in parts.items():
            zf.writestr(n, d)
    return dest


def carried_draft(data: Path, dest: Path) -> tuple[Path, dict]:
    """The next draft with round1's open items carried as comments; their comment IDs by item text."""
    from docgen.docx.zipio import write_zip
    from docgen.review.carry import add_comments, comment_plan
    from docgen.validate import load_plan

    plan, diags = load_plan(data)
    assert plan is not None, diags
    write_docx(DRAFT, dest, META)
    with zipfile.ZipFile(dest) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    comments = comment_plan(plan)
    assert add_comments(parts, comments, META.date) == len(comments)
    buf = __import__("io").BytesIO()
    write_zip(buf, parts, META.date)
    dest.write_bytes(buf.getvalue())
    root = etree.fromstring(parts["word/comments.xml"])
    ids = {}
    for c in root.iter(q("comment")):
        text = "".join(c.find(q("p")).itertext())
        ids[text.split("] ", 1)[1]] = c.get(q("id"))
    return dest, ids


@pytest.fixture
def round1(capsys, data, pandoc_reviewed) -> Path:
    rc, _, err = harvest_cli(capsys, data, pandoc_reviewed)
    assert rc == 0, err
    return data


def by_item_text(data, name="round1"):
    return {i.text: i for i in round_items(data, name)}


def test_carried_comments_replies_edits_and_resolutions_go_onto_their_items(capsys, round1, tmp_path):
    data = round1
    draft, cid = carried_draft(data, tmp_path / "carried.docx")
    before = (data / "feedback" / "round1.yaml").read_text(encoding="utf-8")
    reviewed = word_review(draft, tmp_path / "NAP reviewed by Chenda.docx",
                           replies=[(cid["Spans two paragraphs"], "Chenda Sok", "2025-04-01T10:00:00Z",
                                     "Yes, split it in two.")],
                           done={cid["Comment on an insertion"]},
                           edits={cid["Overlaps the first comment"]:
                                  f"[round1 {by_item_text(data)['Overlaps the first comment'].id}] "
                                  "Overlaps the first comment; merge them"})
    rc, out, err = harvest_cli(capsys, data, reviewed, round_name="round2")
    assert rc == 0, err
    assert "0 new items" in out and "round1.yaml: 3 carried items updated" in out
    items = by_item_text(data)
    spans = items["Spans two paragraphs"]
    assert [(r.author, r.text, r.source_file, r.matched) for r in spans.replies] == [
        ("Chenda Sok", "Yes, split it in two.", "NAP reviewed by Chenda.docx", None)]
    assert items["Comment on an insertion"].resolved is True
    edited = items["Overlaps the first comment"]
    assert [(e.text, e.author, e.source_file) for e in edited.edits] == [
        ("Overlaps the first comment; merge them", "Dara Kim", "NAP reviewed by Chenda.docx")]
    # untouched carried comments stay untouched, and only the changed items' lines changed
    after = (data / "feedback" / "round1.yaml").read_text(encoding="utf-8")
    assert after.splitlines()[:20] == before.splitlines()[:20]
    # the same file again (under another name) changes nothing
    again = tmp_path / "copy.docx"
    again.write_bytes(reviewed.read_bytes())
    rc, out, err = harvest_cli(capsys, data, again, round_name="round2")
    assert rc == 0 and "0 new items" in out and "updated" not in out
    assert (data / "feedback" / "round1.yaml").read_text(encoding="utf-8") == after


@pytest.mark.libreoffice
def test_carried_thread_survives_a_libreoffice_resave(capsys, round1, tmp_path):
    data = round1
    draft, cid = carried_draft(data, tmp_path / "carried.docx")
    replies = [(cid["Spans two paragraphs"], "Chenda Sok", "2025-04-01T10:00:00Z", "Yes, split it in two."),
               (cid["Comment on an insertion"], "Dara Kim", "2025-04-02T10:00:00Z", "Police too.")]
    word = word_review(draft, tmp_path / "word.docx", replies=replies, done={cid["General remark on the intro"]})
    lo = tmp_path / "resaved by LibreOffice.docx"
    run_lo(word, lo, [], tmp_path)
    rc, out, err = harvest_cli(capsys, data, lo, round_name="round2")
    assert rc == 0, err
    assert "0 new items" in out
    items = by_item_text(data)
    got = [(r.author, r.text, r.matched is not None) for it in (items["Spans two paragraphs"],
                                                                 items["Comment on an insertion"]) for r in it.replies]
    assert got == [("Chenda Sok", "Yes, split it in two.", True), ("Dara Kim", "Police too.", True)]
    assert "anchor range and position" in items["Spans two paragraphs"].replies[0].matched
    assert items["General remark on the intro"].resolved is True


@pytest.mark.libreoffice
def test_every_carried_thread_keeps_its_reply_after_libreoffice(capsys, round1, tmp_path):
    """A reply to each carried comment (several share one paragraph's range), then a LibreOffice re-save."""
    data = round1
    draft, cid = carried_draft(data, tmp_path / "carried.docx")
    replies = [(c, "Chenda Sok", f"2025-04-01T10:{n:02d}:00Z", f"Reply {n} to {text[:30].strip()}")
               for n, (text, c) in enumerate(sorted(cid.items()))]
    lo = tmp_path / "resaved.docx"
    run_lo(word_review(draft, tmp_path / "word.docx", replies=replies), lo, [], tmp_path)
    rc, out, err = harvest_cli(capsys, data, lo, round_name="round2")
    assert rc == 0, err
    items = {i.id: i for i in round_items(data)}
    texts = {}
    for it in items.values():
        head = (CarriedComment_first(it))
        texts[head] = it
    right = sum(1 for n, (text, _) in enumerate(sorted(cid.items()))
                if [r.text for r in texts[text].replies if r.source_file] == [f"Reply {n} to {text[:30].strip()}"])
    assert "0 new items" in out
    assert right == len(cid), f"{right} of {len(cid)} replies on their thread"


def CarriedComment_first(item):
    from docgen.review.threads import carried_text

    return carried_text(item)


# --- hand-edited feedback files are kept --------------------------------------------------------


def test_hand_edited_feedback_file_survives_byte_for_byte(capsys, round1, pydocx_reviewed, tmp_path):
    import difflib

    data = round1
    draft, cid = carried_draft(data, tmp_path / "carried.docx")  # the next draft went out
    path = data / "feedback" / "round1.yaml"
    text = path.read_text(encoding="utf-8")
    items = round_items(data)
    first, second = items[0].id, items[1].id
    # what a secretariat officer does by hand: notes, an answered item with an unquoted date,
    # the consultation link written after the items, a note between items
    text = "# Round 1: written review, Dec 2024. Notes by Sophea.\n" + text
    text = text.replace(f"- id: {second}\n", f"# Dara: follow up by phone\n- id: {second}\n")
    block = text.split(f"- id: {first}\n", 1)[1].split("- id: ", 1)[0]
    answered = block.replace("    decision: pending\n", "    decision: accepted   # agreed at the TWG\n") \
                    .replace("    by: null\n", "    by: MoWA\n").replace("    date: null\n", "    date: 2026-12-05\n") \
                    .replace("  status: open\n", "  status: closed\n")
    assert answered != block
    text = text.replace(block, answered, 1)
    text += "consultation: C2024_12_18   # the December workshop\n"
    path.write_text(text, encoding="utf-8")
    hand = text

    # a second reviewer's file (new items) and a reply to a carried comment (an update)
    reply = word_review(draft, tmp_path / "reply.docx",
                        replies=[(cid["Spans two paragraphs"], "Chenda Sok", "2025-04-01T10:00:00Z", "Split it.")])
    rc, out, err = harvest_cli(capsys, data, pydocx_reviewed, reply)
    assert rc == 0, err
    assert "4 new items" in out and "1 carried item updated" in out
    new = path.read_text(encoding="utf-8")
    old_lines, new_lines = hand.splitlines(keepends=True), new.splitlines(keepends=True)
    ops = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
    removed = [l for op, i1, i2, _, _ in ops if op in ("replace", "delete") for l in old_lines[i1:i2]]
    assert removed == ["  replies: []\n"]  # the one changed field of the one changed item
    assert "    date: 2026-12-05\n" in new and new.endswith("consultation: C2024_12_18   # the December workshop\n")
    fr = __import__("docgen.review.store", fromlist=["read_round"]).read_round(path, "round1")
    assert fr.consultation == "C2024_12_18" and len(fr.items) == 9 + 4
    assert fr.items[0].response.date == "2026-12-05" and fr.items[0].status == "closed"
    spans = next(i for i in fr.items if i.text == "Spans two paragraphs")
    assert [r.text for r in spans.replies] == ["Split it."]


def test_plain_values_in_a_response_get_a_quote_hint(capsys, round1, pydocx_reviewed):
    data = round1
    path = data / "feedback" / "round1.yaml"
    text = path.read_text(encoding="utf-8").replace("    by: null\n", "    by: yes\n", 1)
    path.write_text(text, encoding="utf-8")
    rc, out, err = harvest_cli(capsys, data, pydocx_reviewed)
    assert rc == 1 and "Traceback" not in err
    assert re.search(r"round1\.yaml:\d+:\d+: items\[0\]\.response\.by: Input should be a valid string", err)
    assert "put the text in quotes" in err
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.libreoffice
def test_review_resaved_by_libreoffice_and_sent_again_adds_nothing(capsys, data, pandoc_reviewed, tmp_path):
    """The same review, re-saved in LibreOffice (dates, ranges and threads rewritten) and sent again."""
    rc, out, _ = harvest_cli(capsys, data, pandoc_reviewed)
    assert rc == 0 and "9 new items" in out
    lo = tmp_path / "review (LibreOffice).docx"
    run_lo(pandoc_reviewed, lo, [], tmp_path)
    rc, out, _ = harvest_cli(capsys, data, lo)
    assert rc == 0 and "0 new items" in out, out
    assert len(round_items(data)) == 9


def test_a_rebuilt_sent_draft_is_suspected(sent, known, tmp_path):
    from docgen.review.harvest import harvest_file

    other = tmp_path / "other.docx"
    md = "\n\n".join(f"Paragraph {n} of a different draft." for n in range(30))
    write_docx(md, other, dataclasses.replace(META, properties={"version": "0.1", "language": "en"}))
    r = harvest_file(other, known, sent_root=sent.parent.parent)
    assert any("rebuilt from changed data" in w.message for w in r.warnings)


def test_an_edited_carried_comment_is_carried_in_its_new_wording(capsys, round1, tmp_path):
    from docgen.review.carry import comment_plan
    from docgen.validate import load_plan

    data = round1
    draft, cid = carried_draft(data, tmp_path / "carried.docx")
    item = by_item_text(data)["Overlaps the first comment"]
    reviewed = word_review(draft, tmp_path / "r.docx",
                           edits={cid["Overlaps the first comment"]: f"[round1 {item.id}] Merge with the first one"})
    assert harvest_cli(capsys, data, reviewed, round_name="round2")[0] == 0
    plan, _ = load_plan(data)
    carried = {c.item.id: c for c in comment_plan(plan)}
    assert carried[item.id].paragraphs()[0] == f"[round1 {item.id}] Merge with the first one"
    # the next draft with that wording, returned unchanged: no new edit
    draft2, _ = carried_draft(data, tmp_path / "carried2.docx")
    rc, out, _ = harvest_cli(capsys, data, draft2, round_name="round2")
    assert "updated" not in out
    assert [e.text for e in by_item_text(data)["Overlaps the first comment"].edits] == ["Merge with the first one"]


@pytest.mark.parametrize("layout", ["crlf", "bom", "indented"])
def test_feedback_file_layouts_are_kept(round1, layout):
    """Saved on Windows (CRLF), with a byte-order mark, or with the list indented: kept as it is."""
    import difflib

    from docgen.review.store import read_round, write_round

    path = round1 / "feedback" / "round1.yaml"
    text = path.read_text(encoding="utf-8")
    if layout == "crlf":
        raw = text.replace("\n", "\r\n").encode()
    elif layout == "bom":
        raw = b"\xef\xbb\xbf" + text.encode()
    else:
        raw = "\n".join("  " + l if l.startswith(("- ", "  ")) else l for l in text.split("\n")).encode()
    path.write_bytes(raw)
    fr = read_round(path, "round1")
    new = fr.items[0].model_copy(update={"id": "FB_aaaaaaaaaaaa", "text": "A new comment"})
    upd = fr.items[1].model_copy(deep=True)
    upd.resolved = True
    write_round(path, "round1", fr, [new], {upd.id: upd})
    out = path.read_bytes()
    old_lines, new_lines = raw.splitlines(keepends=True), out.splitlines(keepends=True)
    ops = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
    removed = [l for op, i1, i2, _, _ in ops if op in ("replace", "delete") for l in old_lines[i1:i2]]
    assert [l.strip() for l in removed] == [b"resolved: false"]
    if layout == "crlf":
        assert out.count(b"\n") == out.count(b"\r\n")
    back = read_round(path, "round1")
    assert back.items[-1].text == "A new comment" and back.items[1].resolved is True
