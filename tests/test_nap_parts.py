"""Provenance you can see, and the parts of a NAP: read in the built DOCX (XML) and PDF (text,
with two extractors), in English, Khmer and bilingual."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from conftest import pdftotext, pypdf_pages, read_with_pypdf
from docgen.cli import main
from docgen.khmer import strip_invisible
from docgen.status import all_indicators, live_actions, readiness

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "km", "en-km")
# what drafting machinery looks like: seed file names, line references, editorial asides
LEAKS = re.compile(r"\d{3}_[0-9a-f]{16}|\.txt\b|\blines? \d|\bline_end\b|the report gives|full name not given"
                   r"|report line|បន្ទាត់ ?[០-៩\d]", re.I)
NEW_PARTS = ("DOC_reading", "DOC_vision_goal", "DOC_legal", "DOC_results", "DOC_timeline", "DOC_costing",
             "DOC_risks", "DOC_monitoring", "DOC_localisation", "DOC_notes", "DOC_remains", "DOC_sources")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(built_all):
    return built_all  # every document, language and format, built once per session


def parts(docx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(docx) as z:
        return {n: z.read(n) for n in z.namelist()}


def xml_text(data: bytes) -> str:
    return "".join(t.text or "" for t in etree.fromstring(data).iter(f"{W}t"))


def pdf_texts(pdf: Path) -> list[str]:
    """The PDF's text by poppler and by pypdf (two extractors; each reads a file once per session)."""
    return [pdftotext(pdf), "\n".join(pypdf_pages(pdf))]


def nap(built, plan, lang, ext):
    return built[f"NAP-WPS_{plan.metadata.version}_{lang}.{ext}"]


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def test_no_document_shows_drafting_machinery(built):
    """Seed file names, line numbers and editorial asides stay in the data: never in a document."""
    checked = 0
    if shutil.which("pdftotext"):
        read_with_pypdf([p for p in built.values() if p.suffix == ".pdf"])
    for name, path in sorted(built.items()):
        if path.suffix == ".docx":
            p = parts(path)
            texts = [xml_text(p[n]) for n in ("word/document.xml", "word/footnotes.xml") if n in p]
        else:
            if shutil.which("pdftotext") is None:
                continue
            texts = pdf_texts(path)
        for text in texts:
            found = LEAKS.search(text)
            assert found is None, f"{name}: ...{text[max(0, found.start() - 80):found.end() + 40]}..."
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("lang", LANGS)
def test_every_action_text_has_its_footnote(built, plan, lang):
    """The action's text carries a note citing §8.1. In the bilingual DOCX, whose text sits in
    side-by-side layout tables, the notes are endnotes (docgen.docx.notes: LibreOffice breaks
    tables at footnotes)."""
    p = parts(nap(built, plan, lang, "docx"))
    doc = etree.fromstring(p["word/document.xml"])
    notes = {}
    for part, tag in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
        if part in p:
            notes.update({(tag, n.get(f"{W}id")): xml_text(etree.tostring(n))
                          for n in etree.fromstring(p[part]).iter(f"{W}{tag}")})
    kind = "endnote" if lang == "en-km" else "footnote"
    for a in live_actions(plan):
        # the action's first paragraph (its ID in bold and its text) carries the note mark
        start = doc.xpath(f"//w:bookmarkStart[@w:name='{a.id}']", namespaces=NS)[0]
        para = start.getparent() if start.getparent().tag == f"{W}p" else start.xpath("following::w:p[1]", namespaces=NS)[0]
        assert a.id in xml_text(etree.tostring(para)), (lang, a.id)
        refs = para.xpath(f".//w:{kind}Reference/@w:id", namespaces=NS)
        assert refs, f"{lang}: {a.id} has no {kind}"
        cited = notes[(kind, refs[-1])]
        want = "§៨.១" if lang == "km" else "§8.1"
        assert want in cited and ("Situation Analysis Report" in cited or "របាយការណ៍វិភាគស្ថានភាព" in cited), cited


@needs_pdftotext
@pytest.mark.parametrize("lang", ("en", "en-km"))
def test_pdf_footnotes_cite_each_action_by_section(built, plan, lang):
    for text in pdf_texts(nap(built, plan, lang, "pdf")):
        flat = " ".join(text.split())
        cites = Counter(re.findall(r"MoWA/UN Women 2025, §(8\.1\.\d)\b", flat))
        want = Counter(a.source.section for a in live_actions(plan))
        for section, n in want.items():
            assert cites[section] >= n, (section, cites[section], n)


@pytest.mark.parametrize("lang", LANGS)
def test_proposals_are_marked_in_docx(built, plan, lang):
    doc = etree.fromstring(parts(nap(built, plan, lang, "docx"))["word/document.xml"])
    runs = doc.xpath("//w:r[w:rPr/w:rStyle/@w:val='Proposal']", namespaces=NS)
    marked = "".join("".join(t.text or "" for t in r.iter(f"{W}t")) for r in runs)
    n_daggers = marked.count("\u2020")
    leads = sum(1 for a in live_actions(plan) if a.lead_provenance.provenance_kind == "proposed")
    indicators = sum(1 for a in live_actions(plan) for i in a.indicators if i.provenance_kind == "proposed")
    assert leads == len(live_actions(plan))  # the report assigns no lead: every lead is a proposal
    # every proposed lead, partner list, timeframe and indicator in the chapters, plus the tables
    assert n_daggers >= 3 * leads + indicators
    for a in live_actions(plan)[:5]:
        assert plan.institution[a.lead[0]].acronym.en in marked
    # the style is defined in the reference document
    styles = etree.fromstring(parts(nap(built, plan, lang, "docx"))["word/styles.xml"])
    assert styles.xpath("//w:style[@w:styleId='Proposal']/w:rPr/w:color/@w:val", namespaces=NS)


@needs_pdftotext
@pytest.mark.parametrize("lang", LANGS)
def test_proposals_are_marked_in_pdf(built, plan, lang):
    for text in pdf_texts(nap(built, plan, lang, "pdf")):
        flat = " ".join(text.split())
        # the cover's plan period is a working assumption, and every action's lead a proposal
        assert flat.count("\u2020") >= 3 * len(live_actions(plan))
        if lang != "km":  # Khmer text extracts badly from Typst PDFs; the daggers are counted above
            assert re.search(r"Lead: MoWA, MoJ ?\u2020", flat), lang


@pytest.mark.parametrize("lang", LANGS)
def test_new_parts_are_in_every_docx(built, plan, lang):
    doc = etree.fromstring(parts(nap(built, plan, lang, "docx"))["word/document.xml"])
    marks = {b.get(f"{W}name") for b in doc.iter(f"{W}bookmarkStart")}
    assert set(NEW_PARTS) <= marks, set(NEW_PARTS) - marks
    text = strip_invisible(xml_text(etree.tostring(doc)))  # the word joiners of Khmer line breaking
    # results framework: every indicator, action and outcome level, with placeholders where empty
    for ind in all_indicators(plan):
        assert ind.id in text
    placeholders = doc.xpath("//w:r[w:rPr/w:rStyle/@w:val='Placeholder']", namespaces=NS)
    missing = sum(1 for i in all_indicators(plan) for x in (i.midterm, i.target, i.means_of_verification) if x is None)
    assert len(placeholders) >= missing
    # timeline: one filled square per action-year
    period = plan.metadata.period
    years = sum(min(a.timeframe.end, period.end) - max(a.timeframe.start, period.start) + 1
                for a in live_actions(plan) if a.timeframe)
    assert text.count("\u25a0") == years
    # costing: every action uncosted shows "to be costed"
    tbc = "ត្រូវគណនាថ្លៃដើម" if lang == "km" else "to be costed"
    uncosted = sum(1 for a in live_actions(plan) if a.cost is None or a.cost.amount is None)
    assert text.count(tbc) >= uncosted
    for r in plan.risks:
        assert (r.risk.km if lang == "km" else r.risk.en)[:40] in text


@needs_pdftotext
@pytest.mark.parametrize("lang", LANGS)
def test_new_parts_are_in_every_pdf(built, plan, lang):
    from pypdf import PdfReader

    reader = PdfReader(str(nap(built, plan, lang, "pdf")))

    def titles(outline):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    outline = [t.replace("\u200b", "") for t in titles(reader.outline)]  # Khmer words are segmented
    want = {"en": ["Results framework", "Implementation timeline", "Indicative costing", "Risks and mitigation",
                   "Reporting and evaluation schedule", "Notes for reviewers", "What remains to be decided"],
            "km": ["ក្របខណ្ឌលទ្ធផល", "កាលវិភាគអនុវត្ត", "ការប៉ាន់ស្មានថ្លៃដើម", "ហានិភ័យ និងការកាត់បន្ថយ",
                   "កាលវិភាគនៃការរាយការណ៍ និងការវាយតម្លៃ", "កំណត់សម្គាល់សម្រាប់អ្នកពិនិត្យ", "អ្វីដែលនៅត្រូវសម្រេច"]}
    for en, km in zip(want["en"], want["km"]):
        # a bilingual heading pair is one outline entry, "English / Khmer"
        wanted = {"en": en, "km": km, "en-km": f"{en} / {km}"}[lang]
        assert wanted in outline, (lang, wanted)
    for text in pdf_texts(nap(built, plan, lang, "pdf")):
        assert "SO2_I1" in text and "RREC_05_I1" in text
        assert text.count("\u25a0") >= len(live_actions(plan))


def test_secretariat_notes_are_word_comments_on_their_passage(built, plan, tmp_path):
    from docgen.review.harvest import harvest_file
    from docgen.review.known import known_ids_from_plan
    from docgen.status import review_notes

    docx = nap(built, plan, "en", "docx")
    p = parts(docx)
    comments = etree.fromstring(p["word/comments.xml"])
    texts = ["".join(t.text or "" for t in c.iter(f"{W}t")) for c in comments.iter(f"{W}comment")]
    ours = [c for c in comments.iter(f"{W}comment") if c.get(f"{W}author") == "NAP-WPS Secretariat"]
    notes = review_notes(plan)
    assert len(ours) == len(notes) >= 5
    assert any("93 per cent of men and 91 per cent of women" in t for t in texts)
    doc = etree.fromstring(p["word/document.xml"])
    # the RCAF note sits on PROT_06's first paragraph
    cid = next(c.get(f"{W}id") for c in ours if "UNSCR 1325" in "".join(t.text or "" for t in c.iter(f"{W}t")))
    start = doc.xpath(f"//w:commentRangeStart[@w:id='{cid}']", namespaces=NS)[0]
    para = start.getparent()
    assert para.xpath(".//w:bookmarkStart/@w:name", namespaces=NS)[:1] == ["PROT_06"] or \
        "PROT_06" in "".join(para.xpath(".//w:t/text()", namespaces=NS))
    # returned unchanged, harvest finds nothing new: the secretariat's own comments are not feedback
    result = harvest_file(docx, known_ids_from_plan(plan))
    assert result.ok and result.items == []
    # with the carried comments kept, each note comes back anchored where it was put
    kept = harvest_file(docx, known_ids_from_plan(plan), keep_carried=True).items
    anchors = {i.anchor.id for i in kept if i.reviewer.name == "NAP-WPS Secretariat"}
    assert {"PROT_06", "PROT_03", "PREV_02"} <= anchors


def test_status_counts_match_the_data(capsys, plan):
    items = {i.key: i for i in readiness(plan)}
    inds = all_indicators(plan)
    assert items["targets_missing"].counts["nap"] == sum(1 for i in inds if i.target is None)
    assert items["mov_missing"].counts["nap"] == sum(1 for i in inds if i.means_of_verification is None)
    assert items["costs_missing"].counts["nap"] == len(live_actions(plan))  # nothing is costed yet
    assert items["placeholders"].counts["tor"] == len(plan.tor.placeholders())
    proposed_leads = sum(1 for a in live_actions(plan) if a.lead_provenance.proposed)
    assert items["proposals"].counts["nap"] >= proposed_leads + 1  # + the plan period
    assert items["draft_translations"].counts["consultations"] > 0
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    row = next(l for l in out.splitlines() if l.startswith("actions not yet costed"))
    assert row.split()[-4:] == [str(len(live_actions(plan))), "0", "0", str(len(live_actions(plan)))]
    row = next(l for l in out.splitlines() if l.startswith("placeholders"))
    assert int(row.split()[-3]) == len(plan.tor.placeholders())


def test_status_annex_in_the_draft_matches(built, plan):
    doc = etree.fromstring(parts(nap(built, plan, "en", "docx"))["word/document.xml"])
    rows = {}
    for tr in doc.iter(f"{W}tr"):
        cells = ["".join(tc.itertext()).strip() for tc in tr.iter(f"{W}tc")]
        if len(cells) == 5:
            rows[cells[0]] = cells[1:]
    items = {i.key: i for i in readiness(plan)}
    assert rows["Actions not yet costed"] == [str(items["costs_missing"].counts["nap"]), "0", "0",
                                              str(items["costs_missing"].total)]
    assert rows["Indicators without an end target"][0] == str(items["targets_missing"].counts["nap"])


def _reply_to_note(built, plan, tmp_path, note_says: str, author: str, when: str, reply_text: str) -> Path:
    """The English NAP DOCX as a reviewer sends it back: a reply (Word's threaded reply) to
    the secretariat's note that contains ``note_says``."""
    from test_harvest import add_word_comments_extended, write_parts

    returned = tmp_path / "returned.docx"
    shutil.copy(nap(built, plan, "en", "docx"), returned)
    p = parts(returned)
    comments = etree.fromstring(p["word/comments.xml"])
    note = next(c for c in comments.iter(f"{W}comment") if note_says in "".join(c.itertext()))
    reply_id = str(1 + max(int(c.get(f"{W}id")) for c in comments.iter(f"{W}comment")))
    reply = etree.SubElement(comments, f"{W}comment", {f"{W}id": reply_id, f"{W}author": author, f"{W}date": when})
    etree.SubElement(etree.SubElement(etree.SubElement(reply, f"{W}p"), f"{W}r"), f"{W}t").text = reply_text
    p["word/comments.xml"] = etree.tostring(comments, xml_declaration=True, encoding="UTF-8", standalone=True)
    write_parts(returned, p)
    add_word_comments_extended(returned, {reply_id: note.get(f"{W}id")}, set())
    return returned


def test_reviewer_reply_to_a_secretariat_note_is_harvested(built, plan, tmp_path):
    from docgen.review.harvest import harvest_file
    from docgen.review.known import known_ids_from_plan

    returned = _reply_to_note(built, plan, tmp_path, "UNSCR 1325", "Dara Kim", "2026-12-01T10:00:00Z",
                              "The MOWIP report gives 92 per cent overall.")
    items = harvest_file(returned, known_ids_from_plan(plan)).items
    assert [(i.reviewer.name, i.text, i.anchor.id) for i in items] == [
        ("Dara Kim", "The MOWIP report gives 92 per cent overall.", "PROT_06")]
    assert items[0].commented_text.startswith("reply to FB_") and "(notes)" in items[0].commented_text


def _table_after(doc, bookmark: str):
    start = doc.xpath(f"//w:bookmarkStart[@w:name='{bookmark}']", namespaces=NS)[0]
    return start.xpath("following::w:tbl[1]", namespaces=NS)[0]


def _proposal_text(el) -> str:
    return "".join(t.text or "" for r in el.xpath(".//w:r[w:rPr/w:rStyle/@w:val='Proposal']", namespaces=NS)
                   for t in r.iter(f"{W}t"))


@pytest.mark.parametrize("lang", LANGS)
def test_matrix_marks_proposed_leads_in_docx(built, plan, lang):
    """Every lead of the matrix is in the proposal style with its dagger, as in the chapters."""
    doc = etree.fromstring(parts(nap(built, plan, lang, "docx"))["word/document.xml"])
    rows = _table_after(doc, "DOC_matrix").findall(f"{W}tr")[1:]
    assert len(rows) == len(live_actions(plan))
    for row in rows:
        a = plan.action[re.match(r"[A-Z]+_\d+", xml_text(etree.tostring(row.find(f"{W}tc")))).group()]
        lead = row.findall(f"{W}tc")[2]
        marked = _proposal_text(lead)
        assert marked.endswith("\u2020"), (lang, a.id, xml_text(etree.tostring(lead)))
        assert plan.institution[a.lead[0]].acronym.en in marked, (lang, a.id, marked)


@pytest.mark.parametrize("lang", LANGS)
def test_tor_has_the_reading_legend(built, plan, lang):
    """The ToR explains its marks as the NAP does: citations, proposals (style and †) and its
    numbered placeholders, in every language and both formats."""
    from pypdf import PdfReader

    docx = built[f"ToR_{plan.metadata.version}_{lang}.docx"]
    doc = etree.fromstring(parts(docx)["word/document.xml"])
    start = doc.xpath("//w:bookmarkStart[@w:name='TOR_reading']", namespaces=NS)
    assert start, lang
    legend = start[0].xpath("following::w:tbl[1]" if lang == "en-km" else "following::w:p[position() <= 4]",
                            namespaces=NS)
    text = strip_invisible("".join(xml_text(etree.tostring(e)) for e in legend))
    styles = {s for e in legend for s in e.xpath(".//w:rStyle/@w:val", namespaces=NS)}
    assert {"Proposal", "Placeholder"} <= styles, (lang, styles)
    assert "\u2020" in text
    words = {"en": ["footnote", "drafting team", "secretariat"],
             "km": ["ជើងទំព័រ", "ក្រុមរៀបចំសេចក្ដីព្រាង", "លេខាធិការដ្ឋាន"]}
    for w in words["km" if lang == "km" else "en"] + (words["km"] if lang == "en-km" else []):
        assert w in text, (lang, w)
    if shutil.which("pdftotext") is None:
        return
    pdf = built[f"ToR_{plan.metadata.version}_{lang}.pdf"]
    outline = [o.title.replace("\u200b", "") for o in PdfReader(str(pdf)).outline if not isinstance(o, list)]
    want = {"en": "How to read this draft", "km": "របៀបអានសេចក្ដីព្រាងនេះ",
            "en-km": "How to read this draft / របៀបអានសេចក្ដីព្រាងនេះ"}[lang]
    assert want in outline, (lang, outline)
    assert "\u2020" in subprocess.run(["pdftotext", "-l", "4", str(pdf), "-"], capture_output=True, text=True).stdout


def test_rationale_table_is_khmer_in_the_khmer_draft(built, plan):
    """The annex of proposals names what each rationale covers as a Khmer reader does: no English
    words, only the plan's printed labels (PROT_01, SO2_I1) and acronyms."""
    doc = etree.fromstring(parts(nap(built, plan, "km", "docx"))["word/document.xml"])
    rows = _table_after(doc, "DOC_notes_proposals").findall(f"{W}tr")
    assert len(rows) >= 10
    for row in rows:
        for n, cell in enumerate(row.findall(f"{W}tc")):
            text = strip_invisible(xml_text(etree.tostring(cell)))
            assert n > 0 or re.search(r"[\u1780-\u17ff]", text), text  # the rationale is in Khmer
            english = re.findall(r"\b[a-z]{2,}\b", re.sub(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b", "", text))
            assert not english, (english, text)


def _notes_in_order(docx: Path) -> list[str]:
    """The text of every footnote and endnote, in the order of their references."""
    p = parts(docx)
    doc = etree.fromstring(p["word/document.xml"])
    texts = {}
    for part, tag in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
        if part in p:
            for n in etree.fromstring(p[part]).iter(f"{W}{tag}"):
                texts[(tag, n.get(f"{W}id"))] = " ".join(xml_text(etree.tostring(n)).split())
    return [texts.get(("footnote" if r.tag == f"{W}footnoteReference" else "endnote", r.get(f"{W}id")), "")
            for r in doc.iter(f"{W}footnoteReference", f"{W}endnoteReference")]


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
@pytest.mark.parametrize("lang", ("en", "en-km"))
def test_notes_keep_their_text_in_libreoffice_with_the_secretariat_comments(built, plan, lang, tmp_path):
    """The secretariat's notes on the introduction's sections sit there as comments, and
    LibreOffice still gives every footnote its own text (7.4 mixed them up when a comment's
    reference sat between the first two note references): the DOCX saved again by LibreOffice
    has the same notes, in the same order."""
    docx = nap(built, plan, lang, "docx")
    doc = etree.fromstring(parts(docx)["word/document.xml"])
    comments = etree.fromstring(parts(docx)["word/comments.xml"])
    by_text = {c.get(f"{W}id"): "".join(c.itertext()) for c in comments.iter(f"{W}comment")}
    for about, words in (("SEC_method", "18 December 2024"), ("SEC_context", "civil servants")):
        cid = next(i for i, t in by_text.items() if words in t)
        start = doc.xpath(f"//w:commentRangeStart[@w:id='{cid}']", namespaces=NS)[0]
        marks = start.getparent().xpath(".//w:bookmarkStart/@w:name", namespaces=NS) + \
            start.xpath("preceding::w:bookmarkStart[not(starts-with(@w:name, '_'))][1]/@w:name", namespaces=NS)
        assert about in marks, (about, lang, marks)
    profile = tmp_path / "lo-profile"
    proc = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                           "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "lo"), str(docx)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    ours, theirs = _notes_in_order(docx), _notes_in_order(tmp_path / "lo" / docx.name)
    assert len(ours) >= len(live_actions(plan)) and all(ours)  # at least one per action
    assert theirs == ours, next((n, a, b) for n, (a, b) in enumerate(zip(ours, theirs)) if a != b)


def test_notes_for_reviewers_are_khmer_in_the_khmer_draft(built, plan):
    """Every note of the annex, the conflicts' explanations (retained_because) included, reads in
    Khmer in the Khmer draft: no English words beside the printed labels, acronyms and titles."""
    doc = etree.fromstring(parts(nap(built, plan, "km", "docx"))["word/document.xml"])
    start = doc.xpath("//w:bookmarkStart[@w:name='DOC_notes']", namespaces=NS)[0]
    end = doc.xpath("//w:bookmarkStart[@w:name='DOC_notes_proposals']", namespaces=NS)[0]
    before_end = set(end.xpath("preceding::w:p", namespaces=NS))
    paras = [p for p in start.xpath("following::w:p", namespaces=NS) if p in before_end]
    notes = [strip_invisible(xml_text(etree.tostring(p))) for p in paras]
    notes = [t for t in notes if re.search(r"[\u1780-\u17ff]", t)]
    assert len(notes) >= len(review_notes_of(plan))
    for text in notes:
        english = re.findall(r"\b[a-z]{3,}\b", re.sub(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b", "", text))
        assert not english, (english, text[:200])


def review_notes_of(plan):
    from docgen.status import review_notes

    return review_notes(plan)


def test_docgen_harvest_records_a_reply_to_a_note_once(built, plan, tmp_path, plan_copy, capsys):
    """`docgen harvest` writes the reply into the round's feedback file, anchored where the note
    is, and a second harvest of the same file adds nothing."""
    returned = _reply_to_note(built, plan, tmp_path, "18 December 2024", "Sokha Chan", "2026-12-01T11:00:00Z",
                              "Our attendance sheet counts 71.")
    args = ["harvest", "--data", str(plan_copy), "--build", str(tmp_path / "no-build"), "--round", "round2",
            str(returned)]
    main(args)
    first = capsys.readouterr().out
    assert "1 new item" in first, first
    recorded = (plan_copy / "feedback" / "round2.yaml").read_text(encoding="utf-8")
    assert recorded.count("Our attendance sheet counts 71.") == 1
    assert "SEC_method" in recorded and "reply to FB_" in recorded
    main(args)
    assert "0 new items, 1 already recorded" in capsys.readouterr().out
    assert (plan_copy / "feedback" / "round2.yaml").read_text(encoding="utf-8") == recorded
