"""Harvest reviewers' comments and tracked changes from reviewed DOCX files.

Reviewed files are made here by three writers: pandoc (the docgen DOCX backend,
from Markdown comment/insertion/deletion spans, plus Word's commentsExtended part
for a reply and a resolved comment), python-docx's comment API, and LibreOffice
headless through UNO (tests marked ``libreoffice``).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from docgen.khmer import strip_invisible
import yaml

from docgen.cli import main
from docgen.docmeta import DocMeta
from docgen.docx import write_docx
from docgen.model.feedback import FeedbackRound
from docgen.review.harvest import harvest_file
from docgen.review.known import KnownIds, known_ids_from_plan
from docgen.validate import load_plan

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini_plan"
LO_REVIEWER = HERE / "fixtures" / "review" / "lo_reviewer.py"
META = DocMeta(doc="nap", lang="en", title="NAP-WPS", version="0.1", date=dt.date(2026, 11, 21),
               header_text="DRAFT v0.1")

PROT_01_KM = "ពង្រឹងមជ្ឈមណ្ឌលសេវាកម្មមួយកន្លែងសម្រាប់ជនរងគ្រោះនៃអំពើហិង្សាផ្អែកលើយេនឌ័រនៅតាមខេត្តជាប់ព្រំដែន។"
COMMENT_KM = "សូមបញ្ជាក់ចំនួនខេត្ត។ Please name the provinces."

# A draft as the NAP templates lay it out (Markdown contract of DEVELOPERS.md).
DRAFT = f"""
# Introduction {{#SEC_intro}}

Cambodia drafts its first National Action Plan on Women, Peace and Security.

::: {{lang=km}}
កម្ពុជារៀបចំផែនការសកម្មភាពជាតិលើកដំបូងស្តីពីស្ត្រី សន្តិភាព និងសន្តិសុខ។
:::

# Protection {{#PIL_protection}}

## Output 1.1 Protection services are strengthened {{#OUT_1_1}}

::: {{#PROT_01 .action}}
**PROT\\_01** Strengthen one-stop service centres for survivors of gender-based violence in border provinces.

::: {{lang=km}}
{PROT_01_KM}
:::

Lead: MoWA. Partners: MoI, CSOs.
:::

::: {{#PROT_02 .action}}
**PROT\\_02** Review laws on protection of women in emergencies.

Lead: MoI.
:::

# Participation {{#PIL_participation}}

::: {{#PART_01 .action}}
**PART\\_01** Increase the share of women deployed in UN peacekeeping operations.
:::

# Coordination {{#SEC_coordination}}

MoWA coordinates the plan through a technical working group.
"""


def span(kind: str, cid: str, author: str, date: str = "2025-03-01T09:00:00Z", text: str = "") -> str:
    return f'[{text}]{{.{kind} id="{cid}" author="{author}" date="{date}"}}'


def c_start(cid, author, text, date="2025-03-01T09:00:00Z"):
    return span("comment-start", cid, author, date, text)


def c_end(cid):
    return f'[]{{.comment-end id="{cid}"}}'


def change(kind, author, text, date="2025-03-02T10:00:00Z"):
    return f'[{text}]{{.{kind} author="{author}" date="{date}"}}'


def pandoc_reviewed_markdown() -> str:
    """The draft with reviewers' comments and changes, as pandoc spans."""
    md = DRAFT
    md = md.replace("Strengthen one-stop service centres",
                    "Strengthen " + c_start("1", "សុខា ចាន់", COMMENT_KM) + c_start("2", "Dara Kim", "Agreed, list them.")
                    + "one-stop " + c_start("3", "Dara Kim", "Overlaps the first comment") + "service"
                    + c_end("1") + c_end("2") + " centres" + c_end("3"))
    md = md.replace(PROT_01_KM, PROT_01_KM.replace("ជនរងគ្រោះ", c_start("4", "Dara Kim", "ពាក្យនេះត្រឹមត្រូវ")
                                                   + "ជនរងគ្រោះ" + c_end("4")))
    md = md.replace("Review laws on protection", c_start("5", "Dara Kim", "Spans two paragraphs") + "Review laws on protection")
    md = md.replace("Lead: MoI.", "Lead: MoI." + c_end("5"))
    md = md.replace("UN peacekeeping operations.",
                    "UN peacekeeping operations" + c_start("6", "Sokha Chan", "Comment on an insertion")
                    + change("insertion", "Sokha Chan", " and police contingents") + c_end("6") + ".")
    md = md.replace("through a technical working group",
                    change("deletion", "Dara Kim", "through a technical working group")
                    + change("insertion", "Dara Kim", "through the TWG-WPS"))
    md = md.replace("Cambodia drafts its first",
                    c_start("7", "Dara Kim", "General remark on the intro") + "Cambodia drafts" + c_end("7") + " its first")
    return md


W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


def add_word_comments_extended(path: Path, replies: dict[str, str], done: set[str]) -> None:
    """Add what Word writes for replies and resolved comments: w14:paraId + commentsExtended.xml."""
    from lxml import etree

    W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    root = etree.fromstring(parts["word/comments.xml"])
    para_of = {}
    for c in root.iter(f"{{{W}}}comment"):
        cid = c.get(f"{{{W}}}id")
        para_of[cid] = f"{int(cid) + 0x10000000:08X}"
        c.findall(f".//{{{W}}}p")[-1].set(f"{{{W14}}}paraId", para_of[cid])
    parts["word/comments.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    ex = "".join(
        f'<w15:commentEx w15:paraId="{para_of[cid]}"'
        + (f' w15:paraIdParent="{para_of[replies[cid]]}"' if cid in replies else "")
        + f' w15:done="{1 if cid in done else 0}"/>' for cid in sorted(para_of, key=int))
    parts["word/commentsExtended.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:commentsEx xmlns:w15="{W15}">{ex}</w15:commentsEx>'
    ).encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    rels = rels.replace("</Relationships>",
                        '<Relationship Id="rIdCx" Type="http://schemas.microsoft.com/office/2011/relationships/commentsExtended" '
                        'Target="commentsExtended.xml"/></Relationships>')
    parts["word/_rels/document.xml.rels"] = rels.encode()
    ct = parts["[Content_Types].xml"].decode().replace(
        "</Types>", '<Override PartName="/word/commentsExtended.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"/></Types>')
    parts["[Content_Types].xml"] = ct.encode()
    write_parts(path, parts)


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def edit_document_xml(src: Path, dest: Path, edit) -> Path:
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["word/document.xml"] = edit(parts["word/document.xml"].decode("utf-8")).encode("utf-8")
    write_parts(dest, parts)
    return dest


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def known() -> KnownIds:
    plan, diags = load_plan(MINI)
    assert plan is not None, diags
    return known_ids_from_plan(plan)


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("review")


@pytest.fixture(scope="session")
def draft(work) -> Path:
    out = work / "draft.docx"
    write_docx(DRAFT, out, META)
    return out


@pytest.fixture(scope="session")
def pandoc_reviewed(work) -> Path:
    out = work / "reviewed-pandoc.docx"
    write_docx(pandoc_reviewed_markdown(), out, META)
    add_word_comments_extended(out, replies={"2": "1"}, done={"4"})
    return out


@pytest.fixture(scope="session")
def pydocx_reviewed(draft, work) -> Path:
    import docx

    d = docx.Document(str(draft))
    paras = d.paragraphs

    def runs_with(text):
        for p in paras:
            for r in p.runs:
                if text in strip_invisible(r.text):
                    return r
        raise AssertionError(text)

    d.add_comment(runs_with("Increase the share"), text="ស្ត្រីជាច្រើនទៀត — more women", author="Chenda Sok", initials="CS")
    d.add_comment(runs_with(PROT_01_KM), text="ពិនិត្យការបកប្រែ", author="Chenda Sok", initials="CS")
    d.add_comment([runs_with("Review laws"), runs_with("Lead: MoI.")], text="Across paragraphs", author="Chenda Sok",
                  initials="CS")
    d.add_comment(runs_with("MoWA coordinates"), text="Who chairs the TWG?", author="Chenda Sok", initials="CS")
    out = work / "reviewed-python-docx.docx"
    d.save(str(out))
    return out


def uno_python() -> str | None:
    for exe in (sys.executable, "/usr/bin/python3", "/usr/lib/libreoffice/program/python"):
        if Path(exe).exists() and subprocess.run([exe, "-c", "import uno"], capture_output=True).returncode == 0:
            return exe
    return None


LO_OPS = [
    {"op": "author", "name": "Sokha Chan"},
    {"op": "comment", "find": "one-stop service centres", "author": "សុខា ចាន់", "initials": "សច", "text": COMMENT_KM},
    {"op": "comment", "find": "ជនរងគ្រោះ", "author": "Dara Kim", "initials": "DK", "text": "ពាក្យនេះត្រឹមត្រូវ",
     "resolved": True},
    {"op": "comment", "find": "Review laws", "to": "Lead: MoI.", "author": "Dara Kim", "initials": "DK",
     "text": "Spans two paragraphs"},
    {"op": "comment", "find": "laws on protection", "author": "Sokha Chan", "initials": "SC",
     "text": "Nested inside the spanning one"},
    {"op": "insert", "after": "UN peacekeeping operations", "text": " and police contingents"},
    {"op": "comment", "find": " and police contingents", "author": "Dara Kim", "initials": "DK",
     "text": "Comment on an insertion"},
    {"op": "author", "name": "Dara Kim"},
    {"op": "delete", "find": "through a technical working group"},
    {"op": "comment", "find": "Output 1.1", "author": "Dara Kim", "text": "On the output heading"},
    {"op": "comment", "find": "Cambodia drafts", "author": "Dara Kim", "text": "On the introduction"},
]


@pytest.fixture(scope="session")
def lo_reviewed(draft, work) -> Path:
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed")
    exe = uno_python()
    if exe is None:
        pytest.skip("no Python with the LibreOffice UNO bridge (python3-uno)")
    ops = work / "ops.json"
    ops.write_text(json.dumps(LO_OPS, ensure_ascii=False), encoding="utf-8")
    out = work / "reviewed-libreoffice.docx"
    proc = subprocess.run([exe, str(LO_REVIEWER), str(draft), str(out), str(ops)], capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return out


def by_text(items):
    return {i.text.strip(): i for i in items}


def where(item):
    return (item.anchor.kind, item.anchor.id)


# --- writers: every comment and change, anchored to the right ID ----------------------------


def test_pandoc_reviewed_file(pandoc_reviewed, known):
    r = harvest_file(pandoc_reviewed, known)
    assert r.ok, r.error
    items = by_text(r.items)
    assert len(r.items) == 9  # 6 comments (the reply is folded in), 3 changes
    c = items[COMMENT_KM]  # Khmer author, Khmer + English text
    assert c.kind == "comment" and c.reviewer.name == "សុខា ចាន់"
    assert where(c) == ("action", "PROT_01") and c.anchor.method == "bookmark"
    assert c.commented_text == "one-stop service"
    assert [(x.author, x.text) for x in c.replies] == [("Dara Kim", "Agreed, list them.")]
    assert c.resolved is False and c.date == "2025-03-01T09:00:00Z"
    overlap = items["Overlaps the first comment"]
    assert overlap.commented_text == "service centres" and where(overlap) == ("action", "PROT_01")
    km = items["ពាក្យនេះត្រឹមត្រូវ"]
    assert km.commented_text == "ជនរងគ្រោះ" and km.resolved is True and where(km) == ("action", "PROT_01")
    spanning = items["Spans two paragraphs"]
    assert spanning.commented_text == "Review laws on protection of women in emergencies.\nLead: MoI."
    assert where(spanning) == ("action", "PROT_02")
    on_ins = items["Comment on an insertion"]
    assert on_ins.commented_text.strip() == "and police contingents"  # CommonMark keeps the span's leading space
    assert where(on_ins) == ("action", "PART_01")
    assert where(items["General remark on the intro"]) == ("section", "SEC_intro")
    ins = items["and police contingents"]
    assert ins.kind == "insertion" and ins.reviewer.name == "Sokha Chan" and where(ins) == ("action", "PART_01")
    dele = items["through a technical working group"]
    assert dele.kind == "deletion" and dele.date == "2025-03-02T10:00:00Z"
    assert where(dele) == ("section", "SEC_coordination")
    assert where(items["through the TWG-WPS"]) == ("section", "SEC_coordination")
    assert r.counts() == {"comments": 6, "changes": 3, "edits": 0, "anchored": 9, "general": 0, "carried": 0}


def test_python_docx_reviewed_file(pydocx_reviewed, known):
    r = harvest_file(pydocx_reviewed, known)
    assert r.ok, r.error
    items = by_text(r.items)
    assert len(items) == 4
    assert where(items["ស្ត្រីជាច្រើនទៀត — more women"]) == ("action", "PART_01")
    tr = items["ពិនិត្យការបកប្រែ"]
    assert tr.commented_text == PROT_01_KM and where(tr) == ("action", "PROT_01")
    assert tr.reviewer.name == "Chenda Sok" and tr.reviewer.initials == "CS"
    across = items["Across paragraphs"]
    assert across.commented_text.startswith("Review laws") and across.commented_text.endswith("Lead: MoI.")
    assert "\n" in across.commented_text and where(across) == ("action", "PROT_02")
    assert where(items["Who chairs the TWG?"]) == ("section", "SEC_coordination")
    assert all(i.resolved is None for i in r.items)  # python-docx writes no commentsExtended


@pytest.mark.libreoffice
def test_libreoffice_reviewed_file(lo_reviewed, known):
    r = harvest_file(lo_reviewed, known)
    assert r.ok, r.error
    items = by_text(r.items)
    expected = {
        COMMENT_KM: ("action", "PROT_01"),
        "ពាក្យនេះត្រឹមត្រូវ": ("action", "PROT_01"),
        "Spans two paragraphs": ("action", "PROT_02"),
        "Nested inside the spanning one": ("action", "PROT_02"),
        "Comment on an insertion": ("action", "PART_01"),
        "and police contingents": ("action", "PART_01"),
        "through a technical working group": ("section", "SEC_coordination"),
        "On the output heading": ("output", "1.1"),
        "On the introduction": ("section", "SEC_intro"),
    }
    assert {t: where(items[t]) for t in expected} == expected
    assert len(r.items) == len(expected)
    assert items[COMMENT_KM].reviewer.name == "សុខា ចាន់" and items[COMMENT_KM].reviewer.initials == "សច"
    assert items["ពាក្យនេះត្រឹមត្រូវ"].commented_text == "ជនរងគ្រោះ"
    assert items["ពាក្យនេះត្រឹមត្រូវ"].resolved is True
    assert items["Spans two paragraphs"].commented_text == "Review laws on protection of women in emergencies.\nLead: MoI."
    assert items["Comment on an insertion"].commented_text.strip() == "and police contingents"
    assert items["and police contingents"].kind == "insertion"
    assert items["and police contingents"].reviewer.name == "Sokha Chan"
    assert items["through a technical working group"].kind == "deletion"
    assert items["through a technical working group"].reviewer.name == "Dara Kim"


# --- anchoring survives lost, collapsed and moved bookmarks --------------------------------


def test_collapsed_bookmarks_fall_back_to_nearest_start(pandoc_reviewed, known, work):
    # every bookmark collapsed to a point at its start
    def collapse(xml):
        xml = re.sub(r"<w:bookmarkEnd [^>]*/>", "", xml)
        return re.sub(r'(<w:bookmarkStart w:id="(\d+)"[^>]*/>)', r'\1<w:bookmarkEnd w:id="\2"/>', xml)

    r = harvest_file(edit_document_xml(pandoc_reviewed, work / "collapsed.docx", collapse), known)
    items = by_text(r.items)
    assert where(items[COMMENT_KM]) == ("action", "PROT_01")
    assert where(items["Spans two paragraphs"]) == ("action", "PROT_02")
    assert where(items["through a technical working group"]) == ("section", "SEC_coordination")
    assert {i.anchor.method for i in r.items} == {"nearest_bookmark"}


def test_lost_bookmarks_fall_back_to_headings(pandoc_reviewed, known, work):
    def strip(xml):
        return re.sub(r"<w:bookmark(Start|End) [^>]*/>", "", xml)

    r = harvest_file(edit_document_xml(pandoc_reviewed, work / "nobookmarks.docx", strip), known)
    items = by_text(r.items)
    # an action paragraph starts with its ID; sections match by title
    assert where(items[COMMENT_KM]) == ("action", "PROT_01")
    assert where(items["Spans two paragraphs"]) == ("action", "PROT_02")
    assert where(items["and police contingents"]) == ("action", "PART_01")
    assert where(items["General remark on the intro"]) == ("section", "SEC_intro")
    assert where(items["through a technical working group"]) == ("section", "SEC_coordination")
    assert {i.anchor.method for i in r.items} == {"heading"}


def test_action_bookmark_lost_inside_pillar_range_uses_closer_action_paragraph(pandoc_reviewed, known, work):
    def strip_actions(xml):
        return re.sub(r'<w:bookmarkStart w:id="\d+" w:name="P(ROT|ART)_0\d"/>', "", xml)

    r = harvest_file(edit_document_xml(pandoc_reviewed, work / "noactions.docx", strip_actions), known)
    items = by_text(r.items)
    assert where(items["Spans two paragraphs"]) == ("action", "PROT_02")
    assert items["Spans two paragraphs"].anchor.method == "heading"


def test_unanchorable_items_are_kept_as_general(work):
    path = work / "plain.docx"
    write_docx("Plain text " + c_start("1", "X", "no anchor at all") + "here" + c_end("1") + ".\n", path, META)
    r = harvest_file(path, KnownIds())
    assert [(i.text, i.anchor.kind, i.anchor.id, i.anchor.method) for i in r.items] == [
        ("no anchor at all", "general", None, "general")]
    assert r.counts() == {"comments": 1, "changes": 0, "edits": 0, "anchored": 0, "general": 1, "carried": 0}


def test_without_a_plan_bookmark_names_follow_the_id_scheme(pandoc_reviewed):
    r = harvest_file(pandoc_reviewed, None)
    assert where(by_text(r.items)[COMMENT_KM]) == ("action", "PROT_01")


def test_item_ids_are_stable_and_unique(pandoc_reviewed, known, work):
    a = harvest_file(pandoc_reviewed, known).items
    copy = work / "elsewhere" / pandoc_reviewed.name
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(pandoc_reviewed, copy)
    b = harvest_file(copy, known).items
    assert [i.id for i in a] == [i.id for i in b]
    assert len({i.id for i in a}) == len(a)
    assert all(re.fullmatch(r"FB_[0-9a-f]{12}", i.id) for i in a)


# --- the command: feedback file, re-harvest, responses kept -----------------------------------


@pytest.fixture
def data(tmp_path) -> Path:
    dest = tmp_path / "plan_data"
    shutil.copytree(MINI, dest)
    return dest


def harvest(capsys, data, *files, round_name="round1"):
    rc = main(["harvest", *map(str, files), "--round", round_name, "--data", str(data)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_harvest_writes_the_round_file_and_reharvest_adds_nothing(capsys, data, pandoc_reviewed, pydocx_reviewed):
    rc, out, err = harvest(capsys, data, pandoc_reviewed, pydocx_reviewed)
    assert rc == 0, err
    assert "reviewed-pandoc.docx: 6 comments, 3 changes, 0 untracked edits; 9 anchored, 0 general" in out
    assert "reviewed-python-docx.docx: 4 comments, 0 changes, 0 untracked edits; 4 anchored, 0 general" in out
    path = data / "feedback" / "round1.yaml"
    text = path.read_text(encoding="utf-8")
    assert COMMENT_KM in text and PROT_01_KM in text  # Khmer written as text, not escapes
    fr = FeedbackRound.model_validate(yaml.safe_load(text))
    assert fr.round == "round1" and len(fr.items) == 13
    assert {i.status for i in fr.items} == {"open"} and {i.response.decision for i in fr.items} == {"pending"}
    assert {i.source_file for i in fr.items} == {"reviewed-pandoc.docx", "reviewed-python-docx.docx"}

    rc, out, err = harvest(capsys, data, pandoc_reviewed, pydocx_reviewed)
    assert rc == 0 and "0 new items, 13 already recorded" in out
    assert path.read_text(encoding="utf-8") == text


def test_recorded_responses_and_yaml_comments_survive(capsys, data, pandoc_reviewed, pydocx_reviewed):
    assert harvest(capsys, data, pandoc_reviewed)[0] == 0
    path = data / "feedback" / "round1.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = doc["items"][0]["id"]
    text = path.read_text(encoding="utf-8")
    # the secretariat records a response by hand, with a YAML comment
    text = text.replace("  status: open\n  response:\n    decision: pending\n    rationale: null",
                        "  status: closed\n  response:\n    decision: accepted  # agreed at the TWG\n"
                        "    rationale: {en: Provinces added., km: បានបន្ថែមខេត្ត។}", 1)
    path.write_text(text, encoding="utf-8")
    rc, out, err = harvest(capsys, data, pandoc_reviewed, pydocx_reviewed)
    assert rc == 0 and "4 new items, 9 already recorded" in out
    new_text = path.read_text(encoding="utf-8")
    assert new_text.startswith(text.rstrip("\n"))  # appended, nothing above changed
    assert "# agreed at the TWG" in new_text
    fr = FeedbackRound.model_validate(yaml.safe_load(new_text))
    item = next(i for i in fr.items if i.id == first)
    assert item.status == "closed" and item.response.decision == "accepted"
    assert item.response.rationale.km == "បានបន្ថែមខេត្ត។"
    assert len(fr.items) == 13


def test_invalid_feedback_file_is_not_overwritten(capsys, data, pandoc_reviewed):
    path = data / "feedback" / "round1.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("round: round1\nitems:\n  - id: FB_1\n    kind: remark\n", encoding="utf-8")
    before = path.read_bytes()
    rc, out, err = harvest(capsys, data, pandoc_reviewed)
    assert rc == 1 and "round1.yaml" in err and "Traceback" not in err
    assert path.read_bytes() == before


def test_bad_round_name(capsys, data, pandoc_reviewed):
    rc, out, err = harvest(capsys, data, pandoc_reviewed, round_name="../../etc")
    assert rc == 1 and "not a valid round name" in err
    assert not (data / "feedback").exists() or not any((data / "feedback").iterdir())


# --- hostile and broken files ---------------------------------------------------------------


def _docx_with_document(path: Path, document: bytes, base: Path) -> Path:
    with zipfile.ZipFile(base) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["word/document.xml"] = document
    write_parts(path, parts)
    return path


@pytest.fixture(scope="session")
def hostile(work, draft) -> dict[str, Path]:
    d = work / "hostile"
    d.mkdir()
    files = {}
    raw = draft.read_bytes()
    files["truncated"] = d / "truncated.docx"
    files["truncated"].write_bytes(raw[: len(raw) // 2])
    files["pdf"] = d / "report.docx"
    files["pdf"].write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    files["text"] = d / "notes.docx"
    files["text"].write_text("Comments: please add the provinces.\n", encoding="utf-8")
    files["bomb"] = d / "bomb.docx"
    with zipfile.ZipFile(files["bomb"], "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * (40 * 1024 * 1024) + b"</w:document>")
    files["xxe"] = _docx_with_document(d / "xxe.docx", (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b'<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>'), draft)
    lol = b"".join(b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i,) + (i - 1,) * 10)
                   for i in range(1, 10))
    files["laughs"] = _docx_with_document(d / "laughs.docx", (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">' + lol + b']>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b'<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>'), draft)
    files["xlsx"] = d / "sheet.docx"
    with zipfile.ZipFile(files["xlsx"], "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    files["badxml"] = _docx_with_document(d / "badxml.docx", b"<w:document><w:body>", draft)
    return files


EXPECTED_ERRORS = {
    "truncated": "damaged zip archive",
    "pdf": "not a DOCX file: it is a PDF",
    "text": "not a DOCX file: it is a text file",
    "bomb": "zip bomb",
    "xxe": "declares a DTD or entities",
    "laughs": "declares a DTD or entities",
    "xlsx": "no Word document body",
}
# "badxml" (a body that is not well-formed) is read in part: see test_review_loop.py


@pytest.mark.parametrize("kind", sorted(EXPECTED_ERRORS))
def test_hostile_file_rejected(hostile, kind):
    r = harvest_file(hostile[kind])
    assert not r.ok and r.items == []
    assert EXPECTED_ERRORS[kind] in r.error.message
    assert r.error.hint and hostile[kind].name in r.error.file


def test_hostile_files_do_not_stop_the_others(capsys, data, hostile, pandoc_reviewed):
    bad = [hostile[k] for k in sorted(EXPECTED_ERRORS)]
    rc, out, err = harvest(capsys, data, bad[0], pandoc_reviewed, *bad[1:])
    assert rc == 1
    assert "Traceback" not in err and "internal error" not in err
    for k in EXPECTED_ERRORS:
        assert f"{hostile[k].name}: {EXPECTED_ERRORS[k]}" in err.replace(str(hostile[k].parent) + "/", "") or \
            EXPECTED_ERRORS[k] in err
        assert hostile[k].name in err
    assert f"{len(bad)} of {len(bad) + 1} files could not be harvested" in err
    fr = FeedbackRound.model_validate(yaml.safe_load((data / "feedback" / "round1.yaml").read_text(encoding="utf-8")))
    assert {i.source_file for i in fr.items} == {"reviewed-pandoc.docx"} and len(fr.items) == 9


def test_only_bad_files_write_nothing(capsys, data, hostile):
    rc, out, err = harvest(capsys, data, hostile["pdf"])
    assert rc == 1
    assert not (data / "feedback" / "round1.yaml").exists()


# --- --carry-comments: open items back into the next draft ------------------------------------


@pytest.fixture
def harvested(capsys, data, pandoc_reviewed) -> Path:
    assert harvest(capsys, data, pandoc_reviewed)[0] == 0
    path = data / "feedback" / "round1.yaml"
    text = path.read_text(encoding="utf-8")
    # the secretariat closes the intro remark
    doc = yaml.safe_load(text)
    intro = next(i["id"] for i in doc["items"] if i["text"] == "General remark on the intro")
    text = text.replace(f"- id: {intro}\n", f"- id: {intro}\n", 1)
    lines = text.split("\n")
    start = lines.index(f"- id: {intro}")
    for k in range(start, len(lines)):
        if lines[k] == "  status: open":
            lines[k] = "  status: closed"
            break
    path.write_text("\n".join(lines), encoding="utf-8")
    return data


def carried_items(path: Path, known):
    r = harvest_file(path, known, keep_carried=True)
    assert r.ok, r.error
    return r.items


def test_carry_comments_puts_open_items_on_their_actions(harvested, known, work, tmp_path):
    from docgen.review.carry import carry_comments

    plan, _ = load_plan(harvested)
    out = tmp_path / "next.docx"
    write_docx(DRAFT, out, META)
    assert carry_comments(out, plan, META) == 7  # 9 items - 1 closed - 1 resolved by its reviewer
    items = carried_items(out, known)
    got = sorted((i.reviewer.name, i.anchor.kind, i.anchor.id, i.anchor.method) for i in items)
    assert got == sorted([
        ("សុខា ចាន់", "action", "PROT_01", "bookmark"), ("Dara Kim", "action", "PROT_01", "bookmark"),
        ("Dara Kim", "action", "PROT_02", "bookmark"), ("Sokha Chan", "action", "PART_01", "bookmark"),
        ("Sokha Chan", "action", "PART_01", "bookmark"), ("Dara Kim", "section", "SEC_coordination", "bookmark"),
        ("Dara Kim", "section", "SEC_coordination", "bookmark")])
    khmer = next(i for i in items if i.reviewer.name == "សុខា ចាន់")
    assert re.match(r"^\[round1 FB_[0-9a-f]{12}\] " + re.escape(COMMENT_KM), khmer.text)
    assert "Dara Kim: Agreed, list them." in khmer.text  # the thread so far comes along
    assert khmer.commented_text.startswith("PROT_01 Strengthen")
    # coming back unchanged, carried comments are not harvested again
    assert harvest_file(out, known).items == []


def test_carried_comment_without_its_action_goes_on_the_first_paragraph(harvested, known, tmp_path):
    from docgen.review.carry import carry_comments

    plan, _ = load_plan(harvested)
    out = tmp_path / "next.docx"
    write_docx(DRAFT.replace("{#PROT_02 .action}", "{.action}"), out, META)  # PROT_02 dropped its bookmark
    carry_comments(out, plan, META)
    moved = [i for i in carried_items(out, known) if "Spans two paragraphs" in i.text]
    assert len(moved) == 1 and "was on action PROT_02" in moved[0].text
    assert where(moved[0]) == ("section", "SEC_intro")  # the first paragraph of the document


def test_build_with_carry_comments(capsys, harvested, known, tmp_path):
    rc = main(["build", "--doc", "nap", "--lang", "en,km", "--format", "docx", "--carry-comments",
               "--data", str(harvested), "--out", str(tmp_path / "build")])
    assert rc == 0, capsys.readouterr().err
    for lang in ("en", "km"):
        items = carried_items(tmp_path / "build" / "0.1" / f"NAP-WPS_0.1_{lang}.docx", known)
        assert len(items) == 7
        assert {i.anchor.id for i in items} == {"PROT_01", "PROT_02", "PART_01", "SEC_coordination"}
        assert all(i.anchor.method == "bookmark" for i in items)


@pytest.mark.libreoffice
def test_carried_comments_survive_libreoffice(harvested, known, draft, tmp_path):
    from docgen.review.carry import carry_comments

    if not shutil.which("soffice") or uno_python() is None:
        pytest.skip("LibreOffice with UNO is not installed")
    plan, _ = load_plan(harvested)
    out = tmp_path / "next.docx"
    shutil.copy(draft, out)
    carry_comments(out, plan, META)
    ops = tmp_path / "ops.json"
    ops.write_text("[]", encoding="utf-8")
    saved = tmp_path / "saved-by-lo.docx"
    proc = subprocess.run([uno_python(), str(LO_REVIEWER), str(out), str(saved), str(ops)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    before = sorted((i.reviewer.name, i.anchor.id) for i in carried_items(out, known))
    after = sorted((i.reviewer.name, i.anchor.id) for i in carried_items(saved, known))
    assert after == before and len(after) == 7


def test_feedback_matrix_reads_responses(harvested):
    from docgen.review.matrix import feedback_matrix

    path = harvested / "feedback" / "round1.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "    decision: pending\n    rationale: null", "    decision: partly_accepted\n"
        "    rationale: {en: Two provinces added., km: បានបន្ថែមខេត្តពីរ។}", 1)
    path.write_text(text, encoding="utf-8")
    plan, _ = load_plan(harvested)
    rows = feedback_matrix(plan, "round1", "km")
    assert len(rows) == 9 and feedback_matrix(plan, "other") == []
    answered = [r for r in rows if r["decision"] == "partly_accepted"]
    assert len(answered) == 1 and answered[0]["rationale"] == "បានបន្ថែមខេត្តពីរ។"
    assert {r["anchor_id"] for r in rows} == {"SEC_intro", "PROT_01", "PROT_02", "PART_01", "SEC_coordination"}
    assert any(r["heard"] == "Proposed deletion: through a technical working group" for r in rows)
