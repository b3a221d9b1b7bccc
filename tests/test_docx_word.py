"""The DOCX as Word reviewers open it: a filled-in TOC with page numbers from a real
layout, embedded fonts, pagination close to the PDF's, covers without header/footer,
a true app.xml, one TOC entry per bilingual heading pair, a readable matrix."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from docgen.build import build
from docgen.docx import layout
from docgen.docx.fonts import embeddable, font_key, obfuscate
from docgen.docx.reference import load_style
from docgen.docx.tables import BREAKS, text_width_em
from docgen.docx.toc import fill_toc, toc_bookmarks
from docgen.i18n import khmer_digits

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS = {"w": W_NS}
ROOT = Path(__file__).resolve().parent.parent
STYLE = load_style()
HAS_LO = shutil.which("soffice") is not None and layout._uno_python() is not None
needs_lo = [pytest.mark.libreoffice,
            pytest.mark.skipif(not HAS_LO, reason="LibreOffice with UNO not installed")]
NAP = ("en", "km", "en-km")


@pytest.fixture(scope="module")
def built(built_all):
    paths = [p for name, p in built_all.items() if name.startswith("NAP-WPS_") or name.startswith("ToR_")
             and name.endswith("_km.docx")]
    files = {}
    for p in paths:
        doc, _, rest = p.name.partition("_")
        lang, ext = rest.split("_", 1)[1].rsplit(".", 1)
        files[(doc, lang, ext)] = p
    return files


def part(docx: Path, name: str) -> bytes:
    with zipfile.ZipFile(docx) as z:
        return z.read(name)


def xml(docx: Path, name: str):
    return etree.fromstring(part(docx, name))


def text_of(el) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))


def toc_entries(doc) -> list[tuple[str, str | None]]:
    """(entry text without its page number, page number text or None)."""
    out = []
    for p in doc.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        if style is None or not re.fullmatch(r"TOC\d", style.get(f"{W}val")):
            continue
        page = None
        for instr in p.iter(f"{W}instrText"):
            if "PAGEREF" in (instr.text or ""):
                page = text_of(instr.getparent().getnext().getnext())
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))
        out.append((text[: len(text) - len(page)] if page else text, page))
    return out


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def lo_pdfs(built, tmp_path_factory):
    """The DOCX files through LibreOffice on a machine view with only DejaVu installed:
    a private fontconfig, so every other font it uses must come from the DOCX itself."""
    if not HAS_LO:
        pytest.skip("LibreOffice not installed")
    tmp = tmp_path_factory.mktemp("lo")
    dejavu = next((d for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
                   if Path(d).is_dir()), None)
    if dejavu is None:
        pytest.skip("DejaVu fonts not installed")
    conf = tmp / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f"<dir>{dejavu}</dir><cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    docx = [p for (doc, lang, ext), p in built.items() if ext == "docx"]
    proc = subprocess.run(["soffice", f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp), *map(str, docx)],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    fc = subprocess.run(["fc-list"], capture_output=True, text=True, env=env).stdout
    assert "Noto Sans:" not in fc and "Khmer OS" not in fc  # the view really lacks them
    return {key: tmp / (p.stem + ".pdf") for key, p in built.items() if p in docx}


# --------------------------------------------------------------------------- TOC
@pytest.mark.parametrize("lang", NAP)
def test_toc_opens_filled_in_without_update_prompt(built, lang):
    docx = built[("NAP-WPS", lang, "docx")]
    doc_xml = part(docx, "word/document.xml").decode()
    assert "w:dirty" not in doc_xml
    assert b"updateFields" not in part(docx, "word/settings.xml")
    doc = etree.fromstring(doc_xml.encode())
    entries = toc_entries(doc)
    headings = [p for p in doc.iter(f"{W}p")
                if re.fullmatch(r"Heading[123]", (p.xpath("w:pPr/w:pStyle/@w:val", namespaces=NS) or [""])[0])]
    assert len(entries) == len(headings) >= 15
    assert [e for e, _ in entries] == [text_of(h) if lang != "en-km" else e for h, (e, _) in zip(headings, entries)]
    if not HAS_LO:
        assert all(page is None for _, page in entries)
        return
    assert all(page for _, page in entries), entries
    pages = [int(page.translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789"))) for _, page in entries]
    assert pages == sorted(pages) and pages[0] >= 2
    if lang == "km":
        assert all(re.fullmatch("[០-៩]+", page) for _, page in entries)
    else:
        assert all(page.isascii() for _, page in entries)


@pytest.mark.parametrize("lang", ["en", "en-km"])
def test_toc_page_numbers_are_where_libreoffice_puts_the_headings(built, lo_pdfs, lang):
    """Each entry's page, read in LibreOffice's own PDF of the DOCX (with the embedded
    fonts only), shows that heading; checked with pdftotext and pypdf."""
    from pypdf import PdfReader

    entries = toc_entries(xml(built[("NAP-WPS", lang, "docx")], "word/document.xml"))
    pdf = lo_pdfs[("NAP-WPS", lang, "docx")]
    reader = PdfReader(str(pdf))
    for text, page in entries:
        english = text.split(" / ")[0] if lang == "en-km" else text
        # Word by word: a bilingual heading's English wraps beside its Khmer.
        words = set(re.findall(r"[A-Za-z][A-Za-z-]{3,}", english)[:5])
        assert words, text
        assert words <= set(re.findall(r"[A-Za-z][A-Za-z-]{3,}", page_text(pdf, int(page)))), (text, page)
        assert words <= set(re.findall(r"[A-Za-z][A-Za-z-]{3,}", reader.pages[int(page) - 1].extract_text())), \
            (text, page)


def test_bilingual_toc_lists_each_heading_pair_once(built):
    doc = xml(built[("NAP-WPS", "en-km", "docx")], "word/document.xml")
    entries = [e for e, _ in toc_entries(doc)]
    # Every entry is a pair, none a Khmer heading on its own.
    assert all(re.search(r"[A-Za-z].* / .*[\u1780-\u17ff]", e) for e in entries), entries
    # The Khmer heading of each pair: same look, body-text outline level, so Word's or
    # LibreOffice's own TOC update lists the pair once too.
    paired = [p for p in doc.iter(f"{W}p")
              if re.fullmatch(r"Heading\dKhmer", (p.xpath("w:pPr/w:pStyle/@w:val", namespaces=NS) or [""])[0])]
    assert len(paired) == len(entries)
    styles = xml(built[("NAP-WPS", "en-km", "docx")], "word/styles.xml")
    for level in (1, 2, 3):
        st = styles.xpath(f"w:style[@w:styleId='Heading{level}Khmer']", namespaces=NS)[0]
        assert st.find(f"{W}basedOn").get(f"{W}val") == f"Heading{level}"
        assert st.find(f"{W}pPr/{W}outlineLvl").get(f"{W}val") == "9"


def test_toc_without_layout_keeps_entries_without_numbers(built):
    doc = xml(built[("NAP-WPS", "en", "docx")], "word/document.xml")
    before = toc_entries(doc)
    assert toc_bookmarks(doc)
    fill_toc(doc, None, "en")
    after = toc_entries(doc)
    assert [e for e, _ in after] == [e for e, _ in before] and all(p is None for _, p in after)
    assert not any("PAGEREF" in (i.text or "") for i in doc.iter(f"{W}instrText"))
    assert not [t for p in doc.iter(f"{W}p") if p.xpath("w:pPr/w:pStyle[starts-with(@w:val,'TOC')]", namespaces=NS)
                for t in p.iter(f"{W}tab")]
    fill_toc(doc, {}, "km")  # nothing left to fill
    assert khmer_digits("12") == "១២"


def test_layout_is_cached_by_content(monkeypatch, tmp_path):
    from docgen import cache

    calls = []
    monkeypatch.setattr(cache, "_root", tmp_path)  # the build's cache folder
    monkeypatch.setattr(cache, "_memory", {})
    monkeypatch.setattr(layout._client, "ask", lambda req: calls.append(req) or {"pages": {"A": 3}, "page_count": 9})
    assert layout.layout(b"docx-bytes", ["A"]) == {"pages": {"A": 3}, "page_count": 9}
    assert len(list((tmp_path / "docx-layout").iterdir())) == 1
    monkeypatch.setattr(cache, "_memory", {})  # a later build: from disk
    assert layout.layout(b"docx-bytes", ["A"]) == {"pages": {"A": 3}, "page_count": 9}
    assert len(calls) == 1
    layout.layout(b"other-bytes", ["A"])
    assert len(calls) == 2
    monkeypatch.setattr(layout._client, "ask", lambda req: None)  # LibreOffice failed
    assert layout.layout(b"third", ["A"]) is None


# --------------------------------------------------------------------------- fonts
def test_font_obfuscation_follows_ecma_376():
    key = "{62E79491-959F-41E9-B76B-6B32631DEA5C}"
    data = bytes(range(64))
    ob = obfuscate(data, key)
    # The GUID's bytes from the end of its string: 5C EA 1D 63 32 6B ... 91 94 E7 62.
    mask = bytes.fromhex("5CEA1D63326B6BB7E941" "9F959194E762")
    assert len(mask) == 16
    assert ob[:16] == bytes(a ^ b for a, b in zip(data[:16], mask))
    assert ob[16:32] == bytes(a ^ b for a, b in zip(data[16:32], mask))
    assert ob[32:] == data[32:] and obfuscate(ob, key) == data
    assert font_key(b"x") == font_key(b"x") != font_key(b"y")
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", font_key(b"x"))


def test_restricted_fonts_are_not_embedded():
    from fontTools.ttLib import TTFont

    from docgen.docx.fonts import latin_faces

    faces = latin_faces("Noto Sans")
    if not faces:
        pytest.skip("fontpkg-noto-sans not installed")
    assert embeddable(faces[0].data)
    for fs_type in (0x0002, 0x0200):
        font = TTFont(io.BytesIO(faces[0].data))
        font["OS/2"].fsType = fs_type
        buf = io.BytesIO()
        font.save(buf)
        assert not embeddable(buf.getvalue())
    assert not embeddable(b"not a font")


def test_the_workers_make_the_word_faces_side_by_side(tmp_path, monkeypatch):
    """A face another process is making is taken last (the workers of a first build make the
    four faces at once instead of one after the other), and waited for."""
    import fcntl
    import threading

    from docgen.docx import fonts

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(fonts, "_latin", {})
    made = []
    monkeypatch.setattr(fonts, "_make_static_instance", lambda raw, weight: made.append((raw, weight)) or b"%d" % weight)
    sources = fonts._latin_sources("Noto Sans")
    if not sources:
        pytest.skip("fontpkg-noto-sans not installed")
    _, bold_source, _ = sources[1]
    lock = open(fonts._instance_path(bold_source.read_bytes(), 700).with_suffix(".lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # another worker is making the bold face
    assert fonts._static_instance(bold_source, 700, wait=False) is None
    threading.Timer(0.3, lock.close).start()  # ... and gives up on it
    faces = fonts.latin_faces("Noto Sans")
    assert [f.face for f in faces] == ["Regular", "Bold", "Italic", "BoldItalic"]
    assert [f.data for f in faces] == [b"400", b"700", b"400", b"700"]
    assert len(made) == 4 and made[-1] == (bold_source.read_bytes(), 700)  # made last, once the lock was free


@pytest.mark.parametrize("key", [("NAP-WPS", "en"), ("NAP-WPS", "km"), ("NAP-WPS", "en-km"), ("ToR", "km")])
def test_fonts_embedded_as_obfuscated_parts(built, key):
    from fontTools.ttLib import TTFont

    docx = built[(*key, "docx")]
    settings = xml(docx, "word/settings.xml")
    assert settings.find(f"{W}embedTrueTypeFonts") is not None
    assert settings.find(f"{W}embedSystemFonts") is None
    table = xml(docx, "word/fontTable.xml")
    rels = {r.get("Id"): r for r in xml(docx, "word/_rels/fontTable.xml.rels")}
    ct = part(docx, "[Content_Types].xml").decode()
    assert 'Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"' in ct
    embedded = {}
    for font in table.iter(f"{W}font"):
        for emb in font:
            tag = etree.QName(emb).localname
            if not tag.startswith("embed"):
                continue
            rel = rels[emb.get(f"{R}id")]
            assert rel.get("Type").endswith("/relationships/font")
            data = obfuscate(part(docx, "word/" + rel.get("Target")), emb.get(f"{W}fontKey"))
            assert emb.get(f"{W}fontKey") == font_key(data)  # same font, same key: same bytes
            tt = TTFont(io.BytesIO(data))
            assert tt["name"].getBestFamilyName() == font.get(f"{W}name")
            assert not tt["OS/2"].fsType & 0x0202
            embedded.setdefault(font.get(f"{W}name"), set()).add(tag)
    latin, khmer = STYLE["fonts"]["latin"], STYLE["fonts"]["khmer"]
    assert embedded.get(latin["body"]) == {"embedRegular", "embedBold", "embedItalic", "embedBoldItalic"}
    if Path("/usr/share/fonts/truetype/khmeros").is_dir() and key[1] != "en":
        assert embedded.get(khmer["body"]) == {"embedRegular"}
        assert embedded.get(khmer["heading"]) == {"embedRegular"}


@pytest.mark.parametrize("key", [("NAP-WPS", "en"), ("NAP-WPS", "km"), ("ToR", "km")])
def test_libreoffice_without_the_fonts_uses_the_embedded_ones(lo_pdfs, key):
    fonts = subprocess.run(["pdffonts", str(lo_pdfs[(*key, "docx")])], capture_output=True, text=True).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()}
    assert {"NotoSans-Regular", "NotoSans-Bold"} <= names, names
    # The one installed family is never what the text is drawn with (pypdf, per text run).
    from pypdf import PdfReader

    from docgen.docx.tables import _advances

    drawn, fallback = set(), set()

    def visit(text, cm, tm, font, size):
        if text.strip() and font:
            name = str(font.get("/BaseFont")).split("+")[-1]
            drawn.add(name)
            if "DejaVu" in name:
                fallback.update(text.strip())

    for page in PdfReader(str(lo_pdfs[(*key, "docx")])).pages:
        page.extract_text(visitor_text=visit)
    # Only characters none of the document's fonts has may fall back (the timeline's
    # U+25A0 squares: Noto Sans has none).
    ours = set()
    for family in (STYLE["fonts"]["latin"]["body"], STYLE["fonts"]["khmer"]["body"]):
        table = _advances(family)
        ours |= set(map(chr, table[0])) if table else set()
    assert drawn and not fallback & ours, (drawn, sorted(fallback & ours))
    if key[1] == "km" and Path("/usr/share/fonts/truetype/khmeros").is_dir():
        assert any(n.lower().startswith("khmerossiemreap") for n in names), names
        assert any(n.lower().startswith("khmerosmuollight") for n in names), names


# --------------------------------------------------------------------------- pagination, covers, app.xml
@pytest.mark.parametrize("lang", NAP)
def test_libreoffice_page_count_within_15_percent_of_the_pdf(built, lo_pdfs, lang):
    pdf = pdf_pages(built[("NAP-WPS", lang, "pdf")])
    docx = pdf_pages(lo_pdfs[("NAP-WPS", lang, "docx")])
    assert abs(docx - pdf) <= 0.15 * pdf, (docx, pdf)
    # app.xml states the page count of the layout the TOC's numbers come from, endnote pages
    # included: the pages LibreOffice shows (this view has only DejaVu for the few characters
    # the embedded fonts lack).
    app = part(built[("NAP-WPS", lang, "docx")], "docProps/app.xml").decode()
    assert abs(int(re.search(r"<Pages>(\d+)</Pages>", app).group(1)) - docx) <= 1, (app, docx)


@pytest.mark.parametrize("key", [("NAP-WPS", "en"), ("NAP-WPS", "km"), ("ToR", "km")])
def test_app_xml_is_true(built, key):
    app = part(built[(*key, "docx")], "docProps/app.xml").decode()
    assert "<Application>docgen</Application>" in app
    assert "<Words>" not in app and "Microsoft Word" not in app and "Normal.dotm" not in app
    assert bool(re.search(r"<Pages>\d+</Pages>", app)) == HAS_LO


@pytest.mark.parametrize("key", [("NAP-WPS", "en"), ("NAP-WPS", "km"), ("NAP-WPS", "en-km"), ("ToR", "km")])
def test_cover_has_no_header_or_footer(built, key):
    docx = built[(*key, "docx")]
    doc = xml(docx, "word/document.xml")
    first = next(doc.iter(f"{W}sectPr"))
    assert first.find(f"{W}titlePg") is not None
    rels = {r.get("Id"): r.get("Target") for r in xml(docx, "word/_rels/document.xml.rels")}
    for ref in ("headerReference", "footerReference"):
        firsts = [r for r in first.findall(f"{W}{ref}") if r.get(f"{W}type") == "first"]
        assert len(firsts) == 1
        assert text_of(xml(docx, "word/" + rels[firsts[0].get(f"{R}id")])) == ""
    # Only the first section: later pages keep the running header.
    assert sum(s.find(f"{W}titlePg") is not None for s in doc.iter(f"{W}sectPr")) == 1


@pytest.mark.parametrize("key", [("NAP-WPS", "en"), ("NAP-WPS", "en-km"), ("ToR", "km")])
def test_cover_page_rendered_without_header_or_page_number(lo_pdfs, key):
    pdf = lo_pdfs[(*key, "docx")]
    cover, second = page_text(pdf, 1), page_text(pdf, 2)
    assert "v0.1" in second  # the running header names the version
    assert "v0.1" not in cover.replace("Version 0.1", "").replace("0.1 ", "") or "DRAFT v0.1" not in cover
    assert not re.search(r"(Page|ទំព័រ)\s*\S+\s*(of|នៃ)", cover)
    assert re.search(r"(Page|ទំព័រ)\s*\S+\s*(of|នៃ)", second)


def _effective(styles, para, tag: str):
    """A paragraph property as Word resolves it: direct, then the style chain."""
    direct = para.find(f"{W}pPr/{W}{tag}")
    if direct is not None:
        return direct
    sid = (para.xpath("w:pPr/w:pStyle/@w:val", namespaces=NS) or ["Normal"])[0]
    while sid:
        st = styles.xpath(f"w:style[@w:styleId='{sid}']", namespaces=NS)
        if not st:
            return None
        found = st[0].find(f"{W}pPr/{W}{tag}") if tag in ("jc", "spacing") else st[0].find(f".//{W}{tag}")
        if found is not None:
            return found
        sid = (st[0].xpath("w:basedOn/@w:val", namespaces=NS) or [None])[0]
    return None


@pytest.mark.parametrize("key", [("NAP-WPS", "en"), ("NAP-WPS", "km"), ("NAP-WPS", "en-km"), ("ToR", "km")])
def test_cover_kingdom_centred_ministry_top_left_under_it(built, key):
    """As in official Cambodian documents (and the PDF cover): the kingdom heading centred
    at the top, the issuing ministry under it at the left, in the heading face."""
    docx = built[(*key, "docx")]
    doc, styles = xml(docx, "word/document.xml"), xml(docx, "word/styles.xml")
    cover = []
    for p in doc.iter(f"{W}p"):
        if p.find(f"{W}pPr/{W}pStyle") is not None and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "TOCHeading":
            break
        cover.append(p)
    style_of = [(p.xpath("w:pPr/w:pStyle/@w:val", namespaces=NS) or [""])[0] for p in cover]
    kingdom = [p for p, s in zip(cover, style_of) if s == "CoverKingdom"]
    ministry = [p for p, s in zip(cover, style_of) if s == "CoverMinistry"]
    assert len(kingdom) == (4 if key[1] == "en-km" else 2)
    assert len(ministry) == (2 if key[1] == "en-km" else 1)
    assert style_of.index("CoverMinistry") == style_of.index("CoverKingdom") + len(kingdom)  # right under it
    assert style_of.index("Title") > style_of.index("CoverMinistry")
    assert {_effective(styles, p, "jc").get(f"{W}val") for p in kingdom} == {"center"}
    assert {_effective(styles, p, "jc").get(f"{W}val") for p in ministry} == {"left"}
    assert _effective(styles, cover[style_of.index("Title")], "jc").get(f"{W}val") == "center"
    fonts = _effective(styles, ministry[0], "rFonts")
    assert fonts.get(f"{W}cs") == STYLE["fonts"]["khmer"]["heading"]
    assert fonts.get(f"{W}ascii") == STYLE["fonts"]["latin"]["heading"]
    # The title sits lower on the page than the heading block, as in the PDF.
    assert int(_effective(styles, cover[style_of.index("Title")], "spacing").get(f"{W}before")) >= 400


@pytest.mark.parametrize("key", [("NAP-WPS", "en"), ("NAP-WPS", "km"), ("NAP-WPS", "en-km"), ("ToR", "km")])
def test_cover_rendered_with_the_ministry_at_the_top_left(lo_pdfs, key):
    from docgen.docx.reference import page_geometry

    pdf = lo_pdfs[(*key, "docx")]
    bbox = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'height="([\d.]+)"', bbox).group(1))
    words = [(float(a), float(b), float(c), t) for a, b, c, t in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', bbox)]
    left = page_geometry(STYLE)["left"] / 20
    top = [w for w in words if w[1] < height * 0.3]
    at_margin = [w for w in top if abs(w[0] - left) < 3]
    assert at_margin, top[:8]  # the ministry line starts at the left margin
    first_line = min(w[1] for w in top)
    centred = [w for w in top if w[1] - first_line < 3]  # the kingdom heading's first line
    assert all(w[0] > left + 50 for w in centred), centred
    assert min(w[1] for w in at_margin) > first_line + 10  # under the kingdom heading
    if key[1] != "km":
        ministry = next(w for w in words if w[3] == "Ministry")
        kingdom = next(w for w in words if w[3] == "Kingdom")
        assert abs(ministry[0] - left) < 3 and ministry[1] > kingdom[1] and kingdom[0] > left + 50


@pytest.mark.parametrize("lang", NAP)
def test_cover_title_never_ends_with_a_word_alone(built, lo_pdfs, lang):
    """Word cannot balance title lines as the PDF does: the title's last two words are
    joined (a no-break space, or a word joiner between Khmer words), so its last line
    holds two words at least."""
    doc = xml(built[("NAP-WPS", lang, "docx")], "word/document.xml")
    titles = [text_of(p) for p in doc.iter(f"{W}p")
              if p.xpath("w:pPr/w:pStyle/@w:val", namespaces=NS) == ["Title"]]
    assert len(titles) == (2 if lang == "en-km" else 1)
    for title in titles:
        if re.search("[\u1780-\u17ff]$", title):
            assert "\u2060" in title.rsplit(" ", 1)[-1], title
        else:
            assert title.rsplit(" ", 1)[-1].count("\u00a0") == 1, title
    if lang == "km":
        return
    bbox = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(lo_pdfs[("NAP-WPS", lang, "docx")]), "-"],
                          capture_output=True, text=True, check=True).stdout
    words = [(float(y0), float(y1), t) for y0, y1, t in re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', bbox)]
    start = next(i for i, w in enumerate(words) if w[2] == "National")
    size = words[start][1] - words[start][0]
    lines: dict[int, list[str]] = {}
    for y0, y1, t in words[start:]:
        if abs((y1 - y0) - size) > 0.5:
            break
        lines.setdefault(round(y0), []).append(t)
    assert len(lines) >= 1 and all(len(" ".join(ws).split()) >= 2 for ws in lines.values()), lines


# --------------------------------------------------------------------------- matrix
@pytest.mark.parametrize("lang", NAP)
def test_matrix_columns_fit_their_words_header_repeats_rows_whole(built, lang):
    doc = xml(built[("NAP-WPS", lang, "docx")], "word/document.xml")
    wide = [t for t in doc.iter(f"{W}tbl") if len(t.findall(f"{W}tblGrid/{W}gridCol")) >= 7]
    assert wide
    fonts = STYLE["fonts"]
    for tbl in wide:
        rows = tbl.findall(f"{W}tr")
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        whole = [r for r in rows if r.find(f"{W}trPr/{W}cantSplit") is not None]
        if lang == "en":
            assert len(whole) >= len(rows) - 2  # English rows are short: hardly any may split
        # Only the tallest rows may split (kept whole they leave much of a page empty): every
        # row allowed to split is fuller than most rows kept whole (a row's lines, near enough:
        # its fullest cell's characters per twip of width).
        split = [r for r in rows[1:] if r not in whole]
        grid = [int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        lines = lambda r: max(len(text_of(c)) / wd for c, wd in zip(r.findall(f"{W}tc"), grid))  # noqa: E731
        kept = sorted(map(lines, whole[1:]))
        if split and kept:
            assert min(map(lines, split)) > kept[len(kept) // 2]
        widths = [int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        size = int(rows[0].find(f".//{W}rPr/{W}sz").get(f"{W}val")) / 2
        # The cells' own left and right margins (the matrix has narrow ones), else Word's 108.
        mar = tbl.find(f"{W}tblPr/{W}tblCellMar")
        margins = sum(int(mar.find(f"{W}{side}").get(f"{W}w")) if mar is not None and mar.find(f"{W}{side}")
                      is not None else 108 for side in ("left", "right"))
        for cell, width in zip(rows[0].findall(f"{W}tc"), widths):
            for word in BREAKS.split(text_of(cell)):
                if word and not re.search("[\u1780-\u17ff]", word):  # Khmer breaks between its words
                    need = text_width_em(word, fonts["latin"]["body"], fonts["khmer"]["body"]) * size * 20 * 1.05
                    assert need + margins <= width, (word, width)


def _matrix_pages(pdf: Path) -> list[int]:
    """The landscape pages from the matrix's first to the one before the results framework."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    landscape = [i + 1 for i, p in enumerate(reader.pages) if float(p.mediabox.width) > float(p.mediabox.height)]
    for number in landscape:
        if re.search(r"^(Results framework|ក្របខណ្ឌលទ្ធផល)", page_text(pdf, number), re.M):
            return [n for n in landscape if n < number]
    return landscape


@pytest.mark.parametrize("lang", NAP)
def test_matrix_pages_in_libreoffice(built, lo_pdfs, lang):
    """Actions a page in LibreOffice's layout of the DOCX matrix: English as the PDF (6 or
    more), the Khmer and bilingual rows (taller) let to split rather than leave pages empty."""
    pages = _matrix_pages(lo_pdfs[("NAP-WPS", lang, "docx")])
    doc = xml(built[("NAP-WPS", lang, "docx")], "word/document.xml")
    matrix = next(t for t in doc.iter(f"{W}tbl") if len(t.findall(f"{W}tblGrid/{W}gridCol")) >= 7)
    actions = len(matrix.findall(f"{W}tr")) - 1
    assert actions >= 30 and pages
    least = {"en": 6, "km": 3, "en-km": 1.8}[lang]
    assert actions / len(pages) >= least, (lang, actions, pages)


# --------------------------------------------------------------------------- bilingual columns
def test_bilingual_columns_leave_no_long_gaps(lo_pdfs):
    """On LibreOffice's pages of the bilingual NAP, neither column of side-by-side text
    stays empty for more than a third of the text height (the Khmer column is wider)."""
    import html

    from docgen.docx.reference import bilingual_columns, page_geometry

    pdf = lo_pdfs[("NAP-WPS", "en-km", "docx")]
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    geo = page_geometry(STYLE)
    english = bilingual_columns(STYLE)[0] / 100
    worst, checked = [], 0
    for number, page in enumerate(bbox.split("<page ")[1:], start=1):
        width, height = (float(x) for x in re.search(r'width="([\d.]+)" height="([\d.]+)"', page).groups())
        if width > height:
            continue  # the landscape matrix
        words = [tuple(map(float, m[:4])) for m in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
        top_margin, bottom_margin = geo["top"] / 20, height - geo["bottom"] / 20
        body = [w for w in words if top_margin < w[1] < bottom_margin]
        left_edge = geo["left"] / 20
        split = left_edge + (width - left_edge - geo["right"] / 20) * english
        left = sorted(w[1] for w in body if w[2] <= split + 4)
        right = [w for w in body if w[0] >= split - 4]
        if len(left) < 3 or len(right) < 3 or not any(w[0] > split for w in body):
            continue
        checked += 1
        ys = [min(w[1] for w in body)] + left + [max(w[3] for w in body)]
        worst.append((max(b - a for a, b in zip(ys, ys[1:])) / (bottom_margin - top_margin), number))
    assert checked >= 30
    assert max(worst)[0] < 1 / 3, sorted(worst, reverse=True)[:5]


def test_without_libreoffice_the_toc_has_entries_and_no_numbers(monkeypatch, tmp_path):
    import datetime as dt

    from docgen.docmeta import DocMeta
    from docgen.docx import write_docx

    monkeypatch.setenv(layout.SWITCH_ENV, "off")
    meta = DocMeta(doc="nap", lang="en", title="T", version="0.1", date=dt.date(2026, 11, 21),
                   header_text="DRAFT v0.1")
    out = tmp_path / "t.docx"
    write_docx("::: {.cover}\n# Cover title\n:::\n\n::: {.toc}\n:::\n\n# One {#SEC_one}\n\nText.\n\n"
               "## Two {#SEC_two}\n\nMore.\n", out, meta)
    doc = xml(out, "word/document.xml")
    assert toc_entries(doc) == [("One", None), ("Two", None)]
    assert "w:dirty" not in part(out, "word/document.xml").decode()
    assert "<Pages>" not in part(out, "docProps/app.xml").decode()


def _assert_no_blank_page(key, pdf):
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]
    assert len(pages) >= 5
    for number, text in enumerate(pages, start=1):
        lines = [ln for ln in text.splitlines() if ln.strip()]
        body = lines[1:-1] if number > 1 else lines  # running header, page footer
        assert sum(len(ln.strip()) for ln in body) >= 20, (key, number, lines)


def test_no_blank_pages_in_libreoffice(lo_pdfs):
    """Every page of every DOCX shows text, the NAP's pages between and after its two
    landscape blocks (matrix, results framework) included."""
    assert any(key[0] == "NAP-WPS" for key in lo_pdfs)
    for key, pdf in lo_pdfs.items():
        _assert_no_blank_page(key, pdf)


def test_no_empty_section_between_landscape_blocks(built):
    """Back-to-back landscape blocks share no portrait section between them, and every
    empty section-break paragraph is one point high (a full page cannot push it over)."""
    for lang in NAP:
        body = xml(built[("NAP-WPS", lang, "docx")], "word/document.xml").find(f"{W}body")
        marks = [el for el in body if el.tag == f"{W}p" and el.find(f"{W}pPr/{W}sectPr") is not None]
        assert len(marks) >= 3
        orients = [m.find(f"{W}pPr/{W}sectPr/{W}pgSz").get(f"{W}orient") for m in marks]
        assert "landscape" in orients
        for mark in marks:
            prev = mark.getprevious()
            while prev is not None and prev.tag in (f"{W}bookmarkStart", f"{W}bookmarkEnd"):
                prev = prev.getprevious()
            assert prev is None or prev not in marks, lang
            if not text_of(mark).strip():
                assert mark.find(f"{W}pPr/{W}spacing").get(f"{W}line") == "20"
                assert mark.find(f"{W}pPr/{W}rPr/{W}sz").get(f"{W}val") == "2"


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_LO, reason="LibreOffice with UNO not installed")
def test_one_layout_server_per_build_closed_at_its_end(tmp_path):
    import time

    # A build in worker processes: they share this process's server.
    build(ROOT / "plan_data", ["tor"], ["en"], ["docx"], tmp_path, log=lambda *_: None)
    sock = layout._Client.socket_path()
    if not sock.exists():  # the build's layouts were cached: ask once more, with new bytes
        layout.layout(os.urandom(64), ["_Toc000001"])
    assert sock.exists()
    pid = int(sock.with_suffix(".pid").read_text())
    layout.close()
    assert not sock.exists()
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the layout server did not end")
