"""DOCX backend: open the generated packages and assert on their XML."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from docgen.diagnostics import DocgenError
from docgen.docmeta import DocMeta
from docgen.khmer import strip_invisible
from docgen.docx import write_docx
from docgen.docx.reference import load_style, reference_bytes, reference_docx_for

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R}
KM_TITLE = "ផែនការសកម្មភាពជាតិស្តីពីស្ត្រី សន្តិភាព និងសន្តិសុខ"
STYLE = load_style()
DATE = dt.date(2026, 11, 21)

SAMPLE = r"""
::: {.cover}
# National Action Plan on Women, Peace and Security

## 2026-2030

Ministry of Women\'s Affairs
:::

::: {.toc}
:::

# Introduction {#SEC_intro}

Body with [English shown]{.pending} and [to be decided]{.placeholder} and [KMSPAN ស្ត្រី]{lang=km}.

PAYLOAD \<w:p\>\<w:r\>\<w:t\>x\</w:t\>\</w:r\>\</w:p\> \*\*bold\*\* \`raw\`\{=openxml\} \&amp; \<b\>html\</b\> \\emph\{tex\} \#typst\[x\] END

## Protection {#PIL_protection}

::: {#PROT_01 .action}
**PROT_01** Strengthen protection services.
:::

::: {#PROT_02 .action lang=km}
**PROT_02** KMDIV ផែនការសកម្មភាពជាតិស្តីពីស្ត្រី សន្តិភាព និងសន្តិសុខ
:::

::: {.bilingual #BI_PROT_03}
::: {lang=en}
ENSIDE English side.
:::
::: {lang=km}
KMSIDE ផែនការសកម្មភាពជាតិ
:::
:::

::: {.pagebreak}
:::

::: {.landscape #SEC_matrix}
# Matrix {#SEC_matrix_h}

| ID | Action | Lead |
|----|--------|------|
| PROT_01 | Protect | MoWA |
| PROT_02 | ការពារ | MoI |

Table: Results matrix
:::

# Coordination {#SEC_coord}

LASTPARA.
"""

KM_SAMPLE = f"""
::: {{.cover lang=km}}
# {KM_TITLE}

ព្រះរាជាណាចក្រកម្ពុជា
:::

::: {{.toc}}
:::

::: {{lang=km}}
# សេចក្តីផ្តើម {{#SEC_intro}}

{KM_TITLE} គឺជាផែនការដំបូងរបស់ព្រះរាជាណាចក្រកម្ពុជា ដែលរៀបចំឡើងដោយក្រសួងកិច្ចការនារី
ដើម្បីពង្រឹងការចូលរួមរបស់ស្ត្រីក្នុងការកសាងសន្តិភាព។ [English shown]{{.pending}}

::: {{#PROT_01 .action}}
**PROT_01** ពង្រឹងសេវាការពារជនរងគ្រោះពីអំពើហិង្សាលើស្ត្រី និងកុមារ នៅគ្រប់ខេត្តក្រុង។
:::
:::
"""


def meta(lang: str = "en", **kw) -> DocMeta:
    khmer = lang == "km"
    base = dict(
        doc="nap", lang=lang, title="National Action Plan on WPS & <Cambodia>", version="0.1",
        date=DATE,
        header_text="សេចក្តីព្រាង v0.1 - ២១ វិច្ឆិកា ២០២៦" if khmer else "DRAFT v0.1 - 21 November 2026",
        status="DRAFT", author="Ministry of Women's Affairs", subject="Women, Peace and Security",
        keywords=("WPS", "Cambodia"),
        labels=({"page": "ទំព័រ", "of": "នៃ", "contents": "មាតិកា"} if khmer
                else {"page": "Page", "of": "of", "contents": "Contents"}),
        properties={"plan_id": "NAP-WPS-1"},
    )
    base.update(kw)
    return DocMeta(**base)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def xml(path: Path, name: str):
    return etree.fromstring(parts(path)[name])


def text_of(el) -> str:
    return strip_invisible("".join(el.itertext()))


def style(styles, style_id: str):
    found = styles.xpath(f"w:style[@w:styleId='{style_id}']", namespaces=NS)
    assert found, f"style {style_id} missing"
    return found[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("docx")
    files = {
        "en": (SAMPLE, meta("en")),
        "en-km": (SAMPLE, meta("en-km")),
        "km": (KM_SAMPLE, meta("km")),
    }
    paths = {}
    for key, (md, m) in files.items():
        paths[key] = out / f"NAP-WPS_0.1_{key}.docx"
        write_docx(md, paths[key], m)
    return paths


# --------------------------------------------------------------------------- package
@pytest.mark.parametrize("variant", ["en", "en-km", "km"])
def test_well_formed_and_python_docx_opens(built, variant):
    import docx

    for name, data in parts(built[variant]).items():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(data)  # raises on malformed XML
    document = docx.Document(str(built[variant]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "PROT_01" in text
    assert not list(built[variant].parent.glob(".*.tmp")), "temp file left behind"


def test_deterministic_bytes(built, tmp_path):
    again = tmp_path / "again.docx"
    write_docx(SAMPLE, again, meta("en"))
    assert again.read_bytes() == built["en"].read_bytes()
    with zipfile.ZipFile(again) as zf:
        names = zf.namelist()
        assert names[0] == "[Content_Types].xml"
        assert {i.date_time for i in zf.infolist()} == {(2026, 11, 21, 0, 0, 0)}


def test_other_date_changes_timestamps(tmp_path):
    p = tmp_path / "d.docx"
    write_docx("Hello.", p, meta("en", date=dt.date(2027, 1, 2)))
    with zipfile.ZipFile(p) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2027, 1, 2, 0, 0, 0)}


# --------------------------------------------------------------------------- styles
def test_styles_fonts_and_khmer_language(built):
    styles = xml(built["en"], "word/styles.xml")
    rpr = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    fonts = rpr.find("w:rFonts", NS)
    assert fonts.get(f"{{{W}}}ascii") == STYLE["fonts"]["latin"]["body"] == "Noto Sans"
    assert fonts.get(f"{{{W}}}cs") == "Khmer OS Siemreap"
    lang = rpr.find("w:lang", NS)
    assert lang.get(f"{{{W}}}val") == "en-US" and lang.get(f"{{{W}}}bidi") == "km-KH"
    for sid in ("Title", "Subtitle", "Heading1", "Heading2", "Heading3", "Heading1Char"):
        f = style(styles, sid).find("w:rPr/w:rFonts", NS)
        assert f.get(f"{{{W}}}cs") == "Khmer OS Muol Light", sid
        assert f.get(f"{{{W}}}ascii") == "Noto Sans", sid
    # Theme attributes would override the explicit fonts: none anywhere in styles.xml.
    for f in styles.iter(f"{{{W}}}rFonts"):
        assert not [a for a in f.attrib if "Theme" in a or "theme" in a], etree.tostring(f)
    h1 = style(styles, "Heading1")
    assert h1.find("w:rPr/w:sz", NS).get(f"{{{W}}}val") == str(round(STYLE["sizes"]["heading1"] * 2))
    assert h1.find("w:rPr/w:color", NS).get(f"{{{W}}}val") == STYLE["colours"]["heading"]
    assert h1.find("w:rPr/w:bCs", NS).get(f"{{{W}}}val") == "0"  # no fake-bold Muol


def test_character_and_table_styles(built):
    styles = xml(built["en"], "word/styles.xml")
    pending = style(styles, "TranslationPending")
    assert pending.get(f"{{{W}}}type") == "character"
    assert pending.find("w:name", NS).get(f"{{{W}}}val") == "Translation Pending"
    assert pending.find("w:rPr/w:color", NS).get(f"{{{W}}}val") == STYLE["colours"]["pending"]
    ph = style(styles, "Placeholder")
    assert ph.find("w:rPr/w:shd", NS).get(f"{{{W}}}fill") == "FFFF00"
    table = style(styles, "Table")
    assert table.find("w:tblPr/w:tblBorders/w:insideH", NS).get(f"{{{W}}}color") == STYLE["colours"]["table_border"]
    first = table.find("w:tblStylePr[@w:type='firstRow']", NS)
    assert first.find("w:tcPr/w:shd", NS).get(f"{{{W}}}fill") == STYLE["colours"]["table_header_fill"]
    bi = style(styles, "BilingualTable")
    assert {b.get(f"{{{W}}}val") for b in bi.find("w:tblPr/w:tblBorders", NS)} == {"nil"}
    cap = style(styles, "Caption")
    assert cap.find("w:rPr/w:i", NS) is not None
    for sid in ("BodyText", "FirstParagraph", "Compact", "Normal", "TOCHeading", "TOC1", "Header", "Footer"):
        style(styles, sid)


def _line(styles, path):
    return styles.find(path, NS).get(f"{{{W}}}line")


def test_khmer_line_spacing(built):
    from docgen.docx.fonts import font_metrics
    from docgen.docx.reference import line_spacing

    lines = line_spacing(STYLE)
    khmer_line = str(round(lines["khmer"] * 240))
    latin_line = str(round(lines["latin"] * 240))
    # The multiples reproduce the PDF's line pitch: Khmer lines from ascender to
    # descender plus (line_khmer - 1.3) em, Latin from cap height plus (line x 1.2 - 1) em.
    km, latin = font_metrics(STYLE["fonts"]["khmer"]["body"]), font_metrics(STYLE["fonts"]["latin"]["body"])
    if km is not None and latin is not None:
        assert lines["khmer"] * km.line_height == pytest.approx(
            km.ascender + km.descender + STYLE["spacing"]["line_khmer"] - 1.3, abs=0.01)
        assert lines["latin"] * latin.line_height == pytest.approx(
            latin.cap_height + STYLE["spacing"]["line"] * 1.2 - 1, abs=0.01)
        assert lines["khmer"] * km.line_height > 1.5 * lines["latin"] * latin.line_height
    assert khmer_line != latin_line
    path = "w:docDefaults/w:pPrDefault/w:pPr/w:spacing"
    assert _line(xml(built["km"], "word/styles.xml"), path) == khmer_line
    en_styles = xml(built["en"], "word/styles.xml")
    assert _line(en_styles, path) == latin_line
    # Khmer paragraphs in English/bilingual documents: the Body Text Khmer style.
    assert style(en_styles, "BodyTextKhmer").find("w:pPr/w:spacing", NS).get(f"{{{W}}}line") == khmer_line
    doc = xml(built["en-km"], "word/document.xml")
    km_paras = [p for p in doc.iter(f"{{{W}}}p") if "KMDIV" in text_of(p) or "KMSIDE" in text_of(p)]
    assert len(km_paras) == 2
    for p in km_paras:
        assert p.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val") == "BodyTextKhmer"


def test_khmer_runs_carry_bidi_language(built):
    doc = xml(built["en-km"], "word/document.xml")
    for marker in ("KMSPAN", "KMDIV", "KMSIDE"):
        runs = [r for r in doc.iter(f"{{{W}}}r") if marker in text_of(r) or
                (r.getprevious() is not None and marker in text_of(r.getprevious()))]
        assert runs, marker
        lang = runs[0].find("w:rPr/w:lang", NS)
        assert lang is not None and lang.get(f"{{{W}}}bidi") == "km-KH", marker
    # Khmer text anywhere in the body sits in runs whose cs font resolves to Khmer OS:
    # no run overrides rFonts with a theme or another cs font.
    for f in doc.iter(f"{{{W}}}rFonts"):
        assert f.get(f"{{{W}}}cs") in (None, "Khmer OS Siemreap", "Khmer OS Muol Light")


# --------------------------------------------------------------------------- header/footer/sections
def test_header_footer_on_every_section(built):
    for variant, (page, of) in {"en": ("Page", "of"), "km": ("ទំព័រ", "នៃ")}.items():
        p = parts(built[variant])
        header = etree.fromstring(p["word/header1.xml"])
        assert text_of(header) == meta(variant).header_text
        footer = etree.fromstring(p["word/footer1.xml"])
        instr = [t.text.strip() for t in footer.iter(f"{{{W}}}instrText")]
        assert instr == ["PAGE", "NUMPAGES"]
        words = "".join(t.text for t in footer.iter(f"{{{W}}}t"))
        assert words.startswith(page) and f" {of} " in words
        rels = etree.fromstring(p["word/_rels/document.xml.rels"])
        targets = {r.get("Id"): r.get("Target") for r in rels}
        doc = etree.fromstring(p["word/document.xml"])
        sects = list(doc.iter(f"{{{W}}}sectPr"))
        assert sects
        for s in sects:
            h = s.find("w:headerReference", NS)
            f = s.find("w:footerReference", NS)
            assert targets[h.get(f"{{{R}}}id")] == "header1.xml"
            assert targets[f.get(f"{{{R}}}id")] == "footer1.xml"
        ct = p["[Content_Types].xml"].decode()
        assert "/word/header1.xml" in ct and "/word/footer1.xml" in ct


def test_landscape_section(built):
    doc = xml(built["en"], "word/document.xml")
    body = doc.find("w:body", NS)
    breaks = body.findall("w:p/w:pPr/w:sectPr", NS)
    assert len(breaks) == 2
    portrait, landscape = (b.find("w:pgSz", NS) for b in breaks)
    assert portrait.get(f"{{{W}}}orient") is None
    assert landscape.get(f"{{{W}}}orient") == "landscape"
    assert int(landscape.get(f"{{{W}}}w")) > int(landscape.get(f"{{{W}}}h"))
    assert int(portrait.get(f"{{{W}}}w")) < int(portrait.get(f"{{{W}}}h"))
    final = body.find("w:sectPr/w:pgSz", NS)
    assert final.get(f"{{{W}}}orient") is None
    # The matrix sits between the two breaks.
    children = list(body)
    first_i = children.index(breaks[0].getparent().getparent())
    second_i = children.index(breaks[1].getparent().getparent())
    between = "".join(text_of(c) for c in children[first_i:second_i])
    assert "Results matrix" in between and "LASTPARA" not in between
    # The `.pagebreak` right before the section break was dropped (no blank page in Word).
    prev = children[first_i - 1]
    assert not prev.findall(".//w:br[@w:type='page']", NS)


def test_landscape_at_end_makes_final_section_landscape(tmp_path):
    out = tmp_path / "end.docx"
    write_docx("Intro.\n\n::: {.landscape}\n| A | B |\n|---|---|\n| 1 | 2 |\n:::\n", out, meta())
    body = xml(out, "word/document.xml").find("w:body", NS)
    assert len(body.findall("w:p/w:pPr/w:sectPr", NS)) == 1  # only the portrait break
    assert body.find("w:sectPr/w:pgSz", NS).get(f"{{{W}}}orient") == "landscape"


# --------------------------------------------------------------------------- contract constructs
def test_bookmarks(built):
    doc = xml(built["en"], "word/document.xml")
    names = [b.get(f"{{{W}}}name") for b in doc.iter(f"{{{W}}}bookmarkStart")]
    for expected in ("SEC_intro", "PIL_protection", "PROT_01", "PROT_02", "SEC_matrix", "SEC_coord"):
        assert expected in names
    assert len(names) == len(set(names))
    # Our IDs, and Word's hidden TOC targets (_Toc<n>) in headings whose ID is a div's.
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}|_Toc\d+", n) for n in names), names
    # The action bookmark encloses the action's text.
    start = next(b for b in doc.iter(f"{{{W}}}bookmarkStart") if b.get(f"{{{W}}}name") == "PROT_01")
    bid = start.get(f"{{{W}}}id")
    texts, el = [], start.getnext()
    while not (el.tag == f"{{{W}}}bookmarkEnd" and el.get(f"{{{W}}}id") == bid):
        texts.append(text_of(el))
        el = el.getnext()
    assert "Strengthen protection services." in "".join(texts)


def test_duplicate_or_bad_ids_are_errors(tmp_path):
    with pytest.raises(DocgenError, match="PROT_01.*2 times"):
        write_docx("::: {#PROT_01}\na\n:::\n\n::: {#PROT_01}\nb\n:::\n", tmp_path / "d.docx", meta())
    with pytest.raises(DocgenError, match="bad-id"):
        write_docx("# Heading {#bad-id}\n", tmp_path / "e.docx", meta())
    assert not (tmp_path / "d.docx").exists() and not (tmp_path / "e.docx").exists()


def test_table_header_repeats_and_bilingual_table(built):
    doc = xml(built["en-km"], "word/document.xml")
    tables = doc.findall(".//w:tbl", NS)
    data = [t for t in tables if t.find("w:tblPr/w:tblStyle", NS).get(f"{{{W}}}val") == "Table"]
    bilingual = [t for t in tables if t.find("w:tblPr/w:tblStyle", NS).get(f"{{{W}}}val") == "BilingualTable"]
    assert len(data) == 1 and len(bilingual) == 1
    rows = data[0].findall("w:tr", NS)
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
    assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows[1:])
    cells = bilingual[0].findall("w:tr/w:tc", NS)
    assert len(cells) == 2
    assert "ENSIDE" in text_of(cells[0]) and "KMSIDE" in text_of(cells[1])
    assert bilingual[0].find("w:tr/w:trPr/w:tblHeader", NS) is None


def test_toc_cover_pagebreak_and_spans(built):
    doc = xml(built["km"], "word/document.xml")
    paras = doc.findall("w:body/w:p", NS)
    title = [p for p in paras if p.xpath("w:pPr/w:pStyle/@w:val", namespaces=NS) == ["Title"]]
    assert len(title) == 1 and text_of(title[0]) == KM_TITLE
    toc_heading = [p for p in paras if p.xpath("w:pPr/w:pStyle/@w:val", namespaces=NS) == ["TOCHeading"]]
    assert len(toc_heading) == 1 and text_of(toc_heading[0]) == "មាតិកា"
    instr = [t.text for t in doc.iter(f"{{{W}}}instrText")]
    assert any(i.strip().startswith("TOC \\o") for i in instr)
    anchors = doc.xpath("//w:hyperlink/@w:anchor", namespaces=NS)
    assert len(anchors) == 1  # cover title is not a chapter
    # The entry links to a bookmark inside the heading the SEC_intro section starts with.
    target = doc.xpath(f"//w:p[w:bookmarkStart/@w:name='{anchors[0]}']", namespaces=NS)
    assert len(target) == 1 and target[0].getprevious().get(f"{{{W}}}name") == "SEC_intro"
    # Page break after the cover, before the contents: as "page break before" on the next
    # paragraph, so a full cover page does not leave a blank page.
    i_title, i_toc = paras.index(title[0]), paras.index(toc_heading[0])
    assert any(p.find("w:pPr/w:pageBreakBefore", NS) is not None for p in paras[i_title + 1:i_toc + 1])
    assert not any(p.findall(".//w:br[@w:type='page']", NS) for p in paras[i_title:i_toc])
    en = xml(built["en"], "word/document.xml")
    runs = {text_of(r): r.xpath("w:rPr/w:rStyle/@w:val", namespaces=NS) for r in en.iter(f"{{{W}}}r")}
    assert runs["English shown"] == ["TranslationPending"]
    assert runs["to be decided"] == ["Placeholder"]


def test_payloads_stay_literal(built):
    doc = xml(built["en"], "word/document.xml")
    para = next(p for p in doc.iter(f"{{{W}}}p") if "PAYLOAD" in text_of(p))
    assert text_of(para) == ("PAYLOAD <w:p><w:r><w:t>x</w:t></w:r></w:p> **bold** `raw`{=openxml} "
                             "&amp; <b>html</b> \\emph{tex} #typst[x] END")
    assert not para.findall(".//w:b", NS) and not para.findall(".//w:p", NS)


# --------------------------------------------------------------------------- properties
def test_document_properties(built):
    p = parts(built["en"])
    core = etree.fromstring(p["docProps/core.xml"])
    ns = {"dc": "http://purl.org/dc/elements/1.1/",
          "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
          "dcterms": "http://purl.org/dc/terms/"}
    assert core.findtext("dc:title", namespaces=ns) == "National Action Plan on WPS & <Cambodia>"
    assert core.findtext("dc:subject", namespaces=ns) == "Women, Peace and Security"
    assert core.findtext("dc:creator", namespaces=ns) == "Ministry of Women's Affairs"
    assert core.findtext("cp:keywords", namespaces=ns) == "WPS, Cambodia"
    assert core.findtext("cp:contentStatus", namespaces=ns) == "DRAFT"
    assert core.findtext("dcterms:created", namespaces=ns) == "2026-11-21T00:00:00Z"
    assert core.findtext("dcterms:modified", namespaces=ns) == "2026-11-21T00:00:00Z"
    custom = etree.fromstring(p["docProps/custom.xml"])
    props = {e.get("name"): text_of(e) for e in custom}
    assert props["version"] == "0.1" and props["status"] == "DRAFT" and props["plan_id"] == "NAP-WPS-1"
    pids = [int(e.get("pid")) for e in custom]
    assert pids == list(range(2, 2 + len(pids)))
    assert b"docProps/custom.xml" in p["_rels/.rels"]
    import docx

    cp = docx.Document(str(built["en"])).core_properties
    assert cp.title == "National Action Plan on WPS & <Cambodia>"
    assert cp.created == dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.timezone.utc)


# --------------------------------------------------------------------------- reference + errors
def test_reference_cached_per_variant():
    a = reference_docx_for(meta("en"))
    assert reference_docx_for(meta("en")) == a
    assert reference_docx_for(meta("km")) != a
    assert reference_docx_for(meta("en", header_text="DRAFT v0.2")) != a
    assert reference_bytes(meta("en")) == reference_bytes(meta("en"))
    with zipfile.ZipFile(io.BytesIO(a.read_bytes())) as zf:
        assert "word/header1.xml" in zf.namelist()


@pytest.mark.parametrize("bad", [
    lambda tmp: write_docx("x", tmp / "a.docx", meta(lang="fr")),
    lambda tmp: write_docx(b"x", tmp / "a.docx", meta()),
    lambda tmp: write_docx("x\x00y", tmp / "a.docx", meta()),
])
def test_bad_input_is_docgen_error(tmp_path, bad):
    with pytest.raises(DocgenError):
        bad(tmp_path)


# --------------------------------------------------------------------------- LibreOffice
@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_and_renders(built, tmp_path):
    srcs = [built["km"], built["en-km"]]
    profile = tmp_path / "lo-profile"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, srcs)],
        capture_output=True, text=True, timeout=180)
    assert "Error" not in proc.stderr + proc.stdout, proc.stderr + proc.stdout
    for src in srcs:
        pdf = tmp_path / (src.stem + ".pdf")
        assert pdf.exists(), proc.stdout + proc.stderr
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  timeout=60).stdout
            assert "PROT_01" in text
            assert re.search("[\u1780-\u17ff]", text)
        if shutil.which("pdffonts"):
            fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                                   timeout=60).stdout
            assert "KhmerOSSiemreap" in fonts
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9", str(tmp_path / (built["en-km"].stem + ".pdf"))],
                              capture_output=True, text=True, timeout=60).stdout
        sizes = re.findall(r"size:\s+([\d.]+) x ([\d.]+)", info)
        assert any(float(w_) > float(h_) for w_, h_ in sizes), "no landscape page"
        assert "Pages:          " in info


def test_review_marks_survive_and_word_mode(tmp_path):
    out = tmp_path / "review.docx"
    md = ('Text [commented]{.comment-start id="0" author="Reviewer" date="2026-11-21T00:00:00Z"}'
          'Please check.[]{.comment-end id="0"} [new]{.insertion author="R" date="2026-11-21T00:00:00Z"}'
          ' [old]{.deletion author="R" date="2026-11-21T00:00:00Z"}.\n')
    write_docx(md, out, meta())
    p = parts(out)
    comments = etree.fromstring(p["word/comments.xml"])
    assert [c.get(f"{{{W}}}author") for c in comments.findall("w:comment", NS)] == ["Reviewer"]
    assert text_of(comments) == "commented"  # the span's content is the comment text
    doc = etree.fromstring(p["word/document.xml"])
    assert doc.findall(".//w:commentRangeStart", NS)
    ins, dele = doc.find(".//w:ins", NS), doc.find(".//w:del", NS)
    assert text_of(ins) == "new" and dele.findtext(".//w:delText", namespaces=NS) == "old"
    assert ins.get(f"{{{W}}}id") != dele.get(f"{{{W}}}id")
    settings = etree.fromstring(p["word/settings.xml"])
    mode = settings.find("w:compat/w:compatSetting[@w:name='compatibilityMode']", NS)
    assert mode.get(f"{{{W}}}val") == "15"


def test_cover_parts_get_their_styles(tmp_path):
    out = tmp_path / "cover.docx"
    md = ("::: {.cover}\n::: {.kingdom}\nKINGDOM\n:::\n\n::: {.ministry}\nMINISTRY\n:::\n\n"
          "::: {.title}\nTITLE\n:::\n\n::: {.subtitle}\nSUBTITLE\n:::\n\n::: {.status}\nSTATUS\n:::\n:::\n\n"
          "# Chapter {#SEC_one}\n\nText [Source: report]{.source}.\n")
    write_docx(md, out, meta())
    doc = xml(out, "word/document.xml")
    got = {text_of(p): p.xpath("w:pPr/w:pStyle/@w:val", namespaces=NS) for p in doc.iter(f"{{{W}}}p")}
    assert got["KINGDOM"] == ["CoverKingdom"] and got["TITLE"] == ["Title"]
    assert got["SUBTITLE"] == ["Subtitle"] and got["MINISTRY"] == ["CoverMinistry"]
    assert got["STATUS"] == ["CoverStatus"] and got["Chapter"] == ["Heading1"]
    src = next(r for r in doc.iter(f"{{{W}}}r") if text_of(r) == "Source: report")
    assert src.xpath("w:rPr/w:rStyle/@w:val", namespaces=NS) == ["Source"]
    styles = xml(out, "word/styles.xml")
    assert style(styles, "CoverKingdom").find("w:rPr/w:rFonts", NS).get(f"{{{W}}}cs") == "Khmer OS Muol Light"


# --------------------------------------------------------------------------- table layout
def _grid_total(tbl) -> int:
    return sum(int(c.get(f"{{{W}}}w")) for c in tbl.findall("w:tblGrid/w:gridCol", NS))


def test_tables_fill_the_text_width_of_their_section(tmp_path):
    from docgen.docx.reference import page_geometry

    g = page_geometry(STYLE)
    portrait_w = g["w"] - g["left"] - g["right"]
    landscape_w = g["h"] - g["landscape_left"] - g["landscape_right"]  # landscape pages have their own margins
    wide = "| " + " | ".join(f"H{i}" for i in range(9)) + " |\n|" + "|".join(["---"] * 9) + "|\n" \
        + "| " + " | ".join(f"cell{i}" for i in range(9)) + " |\n"
    md = ("::: {.bilingual}\n::: {lang=en}\n# Heading {#H_a}\n:::\n\n::: {lang=km}\n# ក {#H_a_km .unnumbered}\n"
          ":::\n:::\n\n| A | B |\n|:--|:------|\n| 1 | " + "long " * 20 + "|\n\n::: {.landscape}\n" + wide + ":::\n\nEnd.\n")
    out = tmp_path / "tables.docx"
    write_docx(md, out, meta("en-km"))
    body = xml(out, "word/document.xml").find("w:body", NS)
    bi, small, matrix = body.findall("w:tbl", NS)
    # pandoc's grid is sized for its 5.5 in default; scaled to the section's text width
    assert abs(_grid_total(bi) - portrait_w) <= 2 and abs(_grid_total(small) - portrait_w) <= 2
    assert abs(_grid_total(matrix) - landscape_w) <= 9
    cols = [int(c.get(f"{{{W}}}w")) for c in small.findall("w:tblGrid/w:gridCol", NS)]
    assert abs(cols[1] / cols[0] - 7 / 3) < 0.01  # proportions (separator cells 3:7) kept
    # the bilingual Khmer column is the wider one
    bi_cols = [int(c.get(f"{{{W}}}w")) for c in bi.findall("w:tblGrid/w:gridCol", NS)]
    assert bi_cols[1] > bi_cols[0]
    # many columns: small text on every run; two columns: the table style's size
    sizes = {r.find("w:rPr/w:sz", NS).get(f"{{{W}}}val") for r in matrix.iter(f"{{{W}}}r")}
    assert sizes == {str(round(2 * STYLE["sizes"]["matrix"]))}  # style.yaml's matrix size, in half-points
    assert all(r.find("w:rPr/w:sz", NS) is None for r in small.iter(f"{{{W}}}r"))
    # a data table right after a bilingual heading is kept apart (not joined, so its
    # header row repeats), and the heading row keeps with it
    between = bi.getnext()
    assert between.tag == f"{{{W}}}p" and between.getnext() is small
    assert between.find("w:pPr/w:keepNext", NS) is not None
    row = bi.find("w:tr", NS)
    assert row.find("w:trPr/w:cantSplit", NS) is not None
    assert all(p.find("w:pPr/w:keepNext", NS) is not None for p in row.iter(f"{{{W}}}p"))
