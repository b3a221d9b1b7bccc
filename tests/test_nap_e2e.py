"""End to end: the six NAP-WPS files built from the bundled plan data."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from docgen.pdf.fonts import font_set

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(built_all):
    return {name: p for name, p in built_all.items() if name.startswith("NAP-WPS_")}


def xml(docx: Path, part: str):
    with zipfile.ZipFile(docx) as z:
        return etree.fromstring(z.read(part))


def test_six_files_named_by_version_and_language(built, plan):
    v = plan.metadata.version
    assert sorted(built) == sorted(f"NAP-WPS_{v}_{l}.{e}" for l in ("en", "km", "en-km") for e in ("docx", "pdf"))


@pytest.mark.parametrize("lang", ["en", "km", "en-km"])
def test_docx_bookmark_per_action_styles_header_props(built, plan, lang):
    docx = built[f"NAP-WPS_{plan.metadata.version}_{lang}.docx"]
    doc = xml(docx, "word/document.xml")
    bookmarks = {b.get(f"{W}name") for b in doc.iter(f"{W}bookmarkStart")}
    assert {a.id for a in plan.actions if a.status != "dropped"} <= bookmarks
    assert {f"OUT_{o.id.replace('.', '_')}" for o in plan.outputs} <= bookmarks or lang == "en-km"
    styles = xml(docx, "word/styles.xml")
    names = {s.find(f"{W}name").get(f"{W}val") for s in styles.iter(f"{W}style") if s.find(f"{W}name") is not None}
    assert {"Title", "heading 1", "heading 2", "heading 3", "Caption"} <= names
    used = {p.get(f"{W}val") for p in doc.iter(f"{W}pStyle")}
    assert {"Heading1", "Heading2"} <= used
    # Khmer: explicit complex-script font and km-KH language in the defaults.
    defaults = styles.find(f"{W}docDefaults")
    assert defaults.find(f".//{W}rFonts").get(f"{W}cs")
    assert defaults.find(f".//{W}lang").get(f"{W}bidi") == "km-KH"
    with zipfile.ZipFile(docx) as z:
        headers = " ".join(z.read(n).decode() for n in z.namelist() if re.match(r"word/(header|footer)\d*\.xml", n))
        core = z.read("docProps/core.xml").decode()
    assert f"v{plan.metadata.version}" in headers and "NUMPAGES" in headers and "PAGE" in headers
    assert "<dc:title>" in core and plan.metadata.version in core
    assert any(r.get(f"{W}bidi") == "km-KH" for r in doc.iter(f"{W}lang")) or lang == "en"
    # Data tables: header row repeats, rows never split across pages; only a landscape matrix
    # row taller than a good part of the page may (docgen.docx.postprocess.let_tall_rows_split),
    # which no English row is.
    from docgen.docx.postprocess import WIDE_TABLE_COLUMNS

    data_tables = [t for t in doc.iter(f"{W}tbl") if t.find(f"{W}tblPr/{W}tblStyle").get(f"{W}val") == "Table"]
    assert data_tables
    for tbl in data_tables:
        rows = tbl.findall(f"{W}tr")
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        whole = [r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows]
        wide = len(tbl.findall(f"{W}tblGrid/{W}gridCol")) >= WIDE_TABLE_COLUMNS
        assert all(whole) or (wide and lang != "en"), (lang, whole.count(False), len(rows))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("lang", ["en", "km", "en-km"])
def test_pdf_fonts_every_action_id_pages(built, plan, lang):
    pdf = built[f"NAP-WPS_{plan.metadata.version}_{lang}.pdf"]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    missing = [a.id for a in plan.actions if a.status != "dropped" and a.id not in text]
    assert missing == []
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in r for r in rows)  # every font embedded
    assert lang == "en" or font_set().khmer_body.replace(" ", "") in fonts
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                           text=True).stdout).group(1))
    assert pages >= 20
    # the cover has no footer; the next page says "Page 2 of N" (Khmer digits in km)
    second = " ".join(text.split("\f")[1].split())
    if lang == "km":
        khmer = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
        assert f"ទំព័រ ២ នៃ {str(pages).translate(khmer)}" in second, second[-80:]
    else:
        assert f"Page 2 of {pages}" in second, second[-80:]


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_real_docx_files_open_in_libreoffice(built, plan, libreoffice_pdfs):
    docx = [built[f"NAP-WPS_{plan.metadata.version}_{lang}.docx"] for lang in ("km", "en-km")]
    for path in docx:
        pdf = libreoffice_pdfs[path.name]
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert all(a.id in text for a in plan.actions), path.name
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert "KhmerOS" in fonts.replace(" ", "") or "NotoSansKhmer" in fonts
