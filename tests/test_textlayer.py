"""Khmer text in the PDFs extracts as it reads: poppler, pdfium and MuPDF, every Khmer PDF."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Optional

import pytest

from conftest import mupdf_pages, pdfium_pages, pdftotext, read_once
from docgen.pdf import compile_typst, to_typst
from docgen.pdf.textlayer import fix_khmer_text, khmer_run_text

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")]
pdfium = pytest.importorskip("pypdfium2")
pymupdf = pytest.importorskip("pymupdf")

KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")
CLUSTER_TWICE = re.compile("([\u1780-\u17b3][\u17b4-\u17d3\u17dd]+)\\1")
WORD = "គោលនយោបាយ"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def poppler(path: Path, *mode: str) -> list[str]:
    """pdftotext's text per page; ``-raw`` keeps content order (its default reading order
    interleaves the wrapped lines of neighbouring table cells, whatever the text layer)."""
    out = pdftotext(path, *mode, "-enc", "UTF-8")
    return out.split("\f")[:-1] or [out]


def poppler_raw(path: Path) -> list[str]:
    return poppler(path, "-raw")


# Each extractor reads each file once per session (conftest): these tests read the same files.
EXTRACTORS = {"poppler": poppler_raw, "pdfium": pdfium_pages, "mupdf": mupdf_pages}

# --- the body and the footnotes of each page, apart from the page's furniture -------------
# In any PDF the running header, the footer and the page's footnotes are drawn between the
# last line of one page and the first of the next, and every extractor reads them there: a
# sentence that goes on over a page break has them between its halves. The tests read each
# page's body (inside the margins of style.yaml, above the footnote separator) and its
# footnotes (below the separator) apart, with each extractor's own clipping, and join the
# bodies of consecutive pages. Extractors cannot be told to do this themselves: Typst marks
# the header and footer as /Artifact, but pdftotext, pdfium's text API and MuPDF's get_text
# all read artifacts as text.
MM = 72 / 25.4


def page_areas(path: Path) -> list[tuple[tuple, tuple]]:
    """Per page: its body and its footnote area, as (x0, y0, x1, y1) from the top left."""
    import yaml

    page_style = yaml.safe_load((Path(__file__).resolve().parent.parent / "docgen/style/style.yaml")
                                .read_text(encoding="utf-8"))["page"]
    areas = []
    with pymupdf.open(str(path)) as doc:
        for page in doc:
            width, height = page.rect.width, page.rect.height
            m = page_style["landscape_margins" if width > height else "margins"]
            top, bottom, left = m["top"] * MM, height - m["bottom"] * MM, m["left"] * MM
            text_width = width - left - m["right"] * MM
            separator = bottom
            for d in page.get_drawings():
                r = d["rect"]
                # Typst's footnote separator: a black rule from the left margin, 30 % of the text width
                if (r.height < 1 and abs(r.x0 - left) < 1 and 0.25 < r.width / text_width < 0.35
                        and d.get("color") == (0.0, 0.0, 0.0) and r.y0 > top):
                    separator = min(separator, r.y0)
            areas.append(((0.0, top, width, separator), (0.0, separator, width, bottom)))
    return areas


_WORD_BOX = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>')


def _centre_in(box, area) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= x <= area[2] and area[1] <= y <= area[3]


def poppler_areas(path: Path, areas) -> list[tuple[str, str]]:
    """pdftotext -raw's words with their boxes, kept by where their centre lies: the same
    text in the same order as its plain output, and with its spaces."""
    import html

    out = pdftotext(path, "-raw", "-bbox", "-enc", "UTF-8")
    pages = []
    for page, plain, (body, notes) in zip(out.split("<page ")[1:], poppler_raw(path), areas):
        # where the plain text has whitespace, in the whitespace-free text's positions (the
        # word list also cuts words where a glyph has no width)
        spaces, at = set(), 0
        for piece in re.split(r"(\s+)", plain):
            if piece.isspace():
                spaces.add(at)
            at += len(squeeze(piece))
        kept = {id(body): [], id(notes): []}
        at = 0
        for a, b, c, d, t in _WORD_BOX.findall(page):
            word = squeeze(html.unescape(t))
            for area in (body, notes):
                if _centre_in((float(a), float(b), float(c), float(d)), area):
                    kept[id(area)].append((" " if at in spaces else "") + word)
            at += len(word)
        pages.append(("".join(kept[id(body)]), "".join(kept[id(notes)])))
    return pages


def pdfium_areas(path: Path, areas) -> list[tuple[str, str]]:
    doc = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for i, (body, notes) in enumerate(areas):
            page = doc[i]
            height, text = page.get_height(), page.get_textpage()
            # pdfium reports a hyphen that ends a line as U+0002 (its soft-hyphen mark)
            clip = [text.get_text_bounded(a[0], height - a[3], a[2], height - a[1]).replace("\x02", "-")
                    for a in (body, notes)]
            pages.append(tuple(clip))
        return pages
    finally:
        doc.close()


def mupdf_areas(path: Path, areas) -> list[tuple[str, str]]:
    with pymupdf.open(str(path)) as doc:
        return [(page.get_text(clip=body), page.get_text(clip=notes)) for page, (body, notes) in zip(doc, areas)]


AREAS = {"poppler": poppler_areas, "pdfium": pdfium_areas, "mupdf": mupdf_areas}


NEAR = 400   # characters, whitespace aside: about four lines of body text


class Reading:
    """What one extractor reads of a PDF: the bodies of its pages (and where they had
    whitespace) and their footnotes."""

    def __init__(self, path: Path, extractor: str):
        pages = AREAS[extractor](path, page_areas(path))
        self.bodies, self.breaks = [], []
        for body, _ in pages:
            pieces = re.split(r"(\s+)", body)
            breaks, at = set(), 0
            for piece in pieces:
                if piece.isspace():
                    breaks.add(at)
                at += len(squeeze(piece))
            self.bodies.append(squeeze(body))
            self.breaks.append(breaks | {0, at})
        self.body = "".join(self.bodies)
        self.notes = "".join(squeeze(notes) for _, notes in pages)

    def holds(self, sentence: str) -> bool:
        return sentence in self.body or sentence in self.notes

    def across_a_page_break(self, sentence: str) -> Optional[int]:
        """The page whose body ends with the sentence's beginning while the next page's
        body begins with the rest: the beginning (4 characters or more) ends before a
        space or line break among the page's last ``NEAR`` characters, the rest (4 or
        more) starts after one among the next page's first ``NEAR``. Between the halves
        lies what the layout put there: the rest of a table row and the table's repeated
        header row, or in the bilingual pairs the next page's English column beside the
        Khmer. (A doubled cluster cuts a sentence inside a word, where there is no space.)"""
        for i, (page, following) in enumerate(zip(self.bodies, self.bodies[1:])):
            tail = max(0, len(page) - NEAR)
            if sentence[:4] not in page[tail:]:
                continue
            for end in sorted(self.breaks[i]):
                if end < tail + 4:
                    continue
                for k in range(4, len(sentence) - 3):
                    if page.endswith(sentence[:k], 0, end):
                        at = following.find(sentence[k:], 0, NEAR + len(sentence))
                        while 0 <= at < NEAR:
                            if at in self.breaks[i + 1]:
                                return i
                            at = following.find(sentence[k:], at + 1, NEAR + len(sentence))
        return None


def _reading(path: str, extractor: str) -> Reading:
    return Reading(Path(path), extractor)


def reading_of(path: Path, extractor: str) -> Reading:
    """The extractor's Reading of the PDF, made once per session for each file content (tests
    only read it)."""
    return read_once(_reading, path, extractor)


def khmer_sentences(plan) -> set[str]:
    """Every Khmer sentence of the plan data, whitespace removed."""
    from pydantic import BaseModel

    texts: list[str] = []

    def walk(o):
        if isinstance(o, BaseModel):
            km = getattr(o, "km", None)
            if isinstance(km, str):
                texts.append(km)
            for name in type(o).model_fields:
                walk(getattr(o, name))
        elif isinstance(o, (list, tuple)):
            for x in o:
                walk(x)
        elif isinstance(o, dict):
            for x in o.values():
                walk(x)
        elif hasattr(o, "__dict__") and not isinstance(o, type):
            for x in vars(o).values():
                walk(x)

    walk(plan)
    return {squeeze(s) for t in texts for s in re.split("[។\n]", t) if len(squeeze(s)) >= 8 and KHMER.search(s)}


@pytest.fixture(scope="session")
def khmer_sources(plan, tmp_path_factory):
    """The Markdown and meta of every Khmer-bearing PDF (km and en-km, all documents)."""
    from docgen.documents import DOCUMENTS, plan_jobs

    scratch = tmp_path_factory.mktemp("textlayer-md")
    return {job.name: (job.markdown, job.meta)
            for job in plan_jobs(plan, list(DOCUMENTS), ["km", "en-km"], ["pdf"], scratch)}


@pytest.fixture(scope="session")
def khmer_pdfs(built_all, khmer_sources):
    """Every Khmer-bearing PDF as the build ships it: {name: (path, markdown, meta)}."""
    return {name: (built_all[f"{name}.pdf"], md, meta) for name, (md, meta) in khmer_sources.items()}


BEFORE_AFTER = ("NAP-WPS_0.1_km", "NAP-WPS_0.1_en-km", "ToR_0.1_km", "Consultation-Summary_0.1_en-km")


@pytest.fixture(scope="session")
def before_after(plan):
    """A few of them as Typst wrote them and after the text layer: {name: (before, after)}."""
    import tempfile

    from docgen.documents import DOCUMENTS, plan_jobs

    scratch = Path(tempfile.mkdtemp(prefix="docgen-textlayer-"))
    out = {}
    try:
        for job in plan_jobs(plan, list(DOCUMENTS), ["km", "en-km"], ["pdf"], scratch):
            if job.name not in BEFORE_AFTER:
                continue
            before = compile_typst(to_typst(job.markdown, job.meta), job.meta, job.resource_dir)
            (scratch / f"{job.name}.before.pdf").write_bytes(before)
            (scratch / f"{job.name}.pdf").write_bytes(fix_khmer_text(before))
            out[job.name] = (scratch / f"{job.name}.before.pdf", scratch / f"{job.name}.pdf")
        assert len(out) == len(BEFORE_AFTER), sorted(out)
        yield out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def typst_text(before_after):
    """Typst's own text of those PDFs (their ActualText, per page, in content order), read once,
    one worker process a CPU core (~6 s for the Khmer NAP)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    names = list(before_after)
    with ProcessPoolExecutor(min(len(names), os.cpu_count() or 1),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        texts = pool.map(khmer_run_text, [before_after[name][0].read_bytes() for name in names])
        return dict(zip(names, texts))


def source_text(markdown: str) -> str:
    return squeeze(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown))


KHMER_LETTERS = re.compile("[\u1780-\u17df\u17f0-\u17ff\u19e0-\u19ff]")


def khmer_only(text: str) -> str:
    """The Khmer letters and signs of ``text``, without digits (Typst's text of the Khmer
    runs alone has no Latin words to compare)."""
    return "".join(KHMER_LETTERS.findall(text))


@pytest.mark.parametrize("extractor", list(EXTRACTORS))
def test_khmer_sentences_extract_verbatim(khmer_pdfs, plan, extractor):
    """Each Khmer sentence of the data that a PDF holds is in its extracted text, every
    character (Latin words and digits inside it too) in order, whitespace aside: whole in
    the bodies of the pages joined or in the footnotes, or, when the layout broke it over
    a page, its beginning on one page and the rest on the next (see Reading).

    Footnote reference marks are real text (the number a reader sees) and extract as such;
    a citation's mark follows the text it cites, so no sentence of the data has one inside
    it, and the comparison does not remove them."""
    sentences = khmer_sentences(plan)
    expected = whole = across = 0
    missing = []
    for name, (after, markdown, _meta) in khmer_pdfs.items():
        source = source_text(markdown)
        reading = reading_of(after, extractor)
        for s in sentences:
            if s not in source:
                continue
            expected += 1
            if reading.holds(s):
                whole += 1
            elif reading.across_a_page_break(s) is not None:
                across += 1
            else:
                missing.append((name, s))
    found = whole + across
    print(f"{extractor}: {found} of {expected} Khmer sentences found ({whole} whole, {across} over a page break)")
    assert expected > 2000
    assert found >= 0.99 * expected, missing[:5]


@pytest.mark.parametrize("extractor", list(EXTRACTORS))
def test_khmer_text_extracts_as_typst_was_given_it(before_after, typst_text, plan, extractor):
    """Every Khmer sentence of the data that Typst's own text (its ActualText, in content
    order) holds whole is in the extracted text after the text layer: at least 99 %."""
    sentences = {khmer_only(s) for s in khmer_sentences(plan)}
    expected = found = 0
    for name, (before, after) in before_after.items():
        truth = khmer_only("".join("".join(runs) for runs in typst_text[name]))
        reading = reading_of(after, extractor)
        body, notes = khmer_only(reading.body), khmer_only(reading.notes)
        for s in sentences:
            if s in truth:
                expected += 1
                found += s in body or s in notes
    print(f"{extractor}: {found} of {expected} Khmer sentences that Typst's text holds")
    assert expected > 300
    assert found >= 0.99 * expected


def test_poppler_default_reading_order_keeps_marks_with_their_letters(before_after, khmer_sources, plan):
    """pdftotext without -raw (and poppler's viewers) order the characters of a line by
    position: a mark drawn where the next letter starts would come after it. Its reading
    order interleaves the lines of neighbouring table cells, so not every sentence is whole
    there; measured: 440 of 488 in the NAP km, 157 when marks had no advance."""
    sentences = khmer_sentences(plan)
    expected = found = 0
    for name in ("NAP-WPS_0.1_km", "ToR_0.1_km"):
        source = source_text(khmer_sources[name][0])
        text = squeeze("".join(poppler(before_after[name][1])))
        for s in sentences:
            if s in source:
                expected += 1
                found += s in text
    print(f"pdftotext, default order: {found} of {expected}")
    assert found >= 0.85 * expected


@pytest.mark.parametrize("extractor", list(EXTRACTORS))
def test_no_doubled_clusters(khmer_pdfs, extractor):
    doubled = Counter()
    for name, (after, markdown, _meta) in khmer_pdfs.items():
        source = source_text(markdown)
        for m in CLUSTER_TWICE.finditer(squeeze("".join(EXTRACTORS[extractor](after)))):
            if m.group(0) not in source:
                doubled[m.group(0)] += 1
    assert not doubled, doubled.most_common(5)


def test_before_the_text_layer_extraction_was_broken(before_after):
    """The fault this stage exists for is still there in Typst's own output (so the
    tests above measure the stage, not a fixed Typst)."""
    before, _ = before_after["NAP-WPS_0.1_km"]
    text = squeeze("".join(poppler(before)))
    assert CLUSTER_TWICE.search(text)


@pytest.mark.parametrize("extractor", list(EXTRACTORS))
def test_searching_a_khmer_word_finds_its_pages(before_after, typst_text, extractor):
    checked = 0
    for name, (before, after) in before_after.items():
        truth = {i for i, runs in enumerate(typst_text[name]) if WORD in "".join(runs)}
        if not truth:
            continue
        pages = {i for i, text in enumerate(EXTRACTORS[extractor](after)) if WORD in squeeze(text)}
        assert pages == truth, (name, sorted(truth), sorted(pages))
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("extractor", list(EXTRACTORS))
def test_latin_text_extracts_as_before(before_after, extractor):
    """Latin words and numbers, also on mixed lines, come out as they did."""
    latin = re.compile(r"[A-Za-z0-9]+")  # punctuation next to Khmer may gain or lose a space
    words = 0
    for name, (before, after) in before_after.items():
        was = Counter(latin.findall(" ".join(EXTRACTORS[extractor](before))))
        assert was == Counter(latin.findall(" ".join(EXTRACTORS[extractor](after)))), name
        words += sum(was.values())
    assert words > 1000


def test_english_pdfs_extract_as_before(plan, tmp_path):
    """An English PDF's text is what it was; one without Khmer comes back byte for byte."""
    from docgen.documents import plan_jobs

    untouched = 0
    latin = re.compile(r"[A-Za-z0-9]+")  # punctuation next to Khmer may gain or lose a space
    for job in plan_jobs(plan, ["nap", "tor"], ["en"], ["pdf"], tmp_path):
        before = compile_typst(to_typst(job.markdown, job.meta), job.meta, job.resource_dir)
        after = fix_khmer_text(before)
        untouched += after == before
        (tmp_path / "before.pdf").write_bytes(before)
        (tmp_path / "after.pdf").write_bytes(after)
        for extract in EXTRACTORS.values():
            was = extract(tmp_path / "before.pdf")
            assert Counter(latin.findall(" ".join(was))) == Counter(latin.findall(" ".join(extract(tmp_path / "after.pdf"))))
            assert len(" ".join(was)) > 1000
    assert untouched >= 1


def _page_content(page) -> bytes:
    import pikepdf

    contents = page.obj.Contents
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(c.read_bytes() for c in contents)
    return contents.read_bytes()


def _struct_tree_mcids(doc) -> set[tuple[tuple, int]]:
    """(page, MCID) for every marked-content reference of the structure tree."""
    import pikepdf

    refs, seen = set(), set()
    stack = [(doc.Root.StructTreeRoot, None)]
    while stack:
        node, page = stack.pop()
        if isinstance(node, pikepdf.Dictionary):
            if node.is_indirect:
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            page = node.get("/Pg", page)
            if node.get("/Type") == pikepdf.Name.MCR:
                refs.add((page.objgen, int(node.MCID)))
            elif node.get("/Type") != pikepdf.Name.OBJR and "/K" in node:
                stack.append((node.K, page))
        elif isinstance(node, pikepdf.Array):
            stack.extend((child, page) for child in node)
        elif isinstance(node, int) or hasattr(node, "__int__"):
            refs.add((page.objgen, int(node)))
    return refs


def test_structure_stays_valid(before_after):
    """qpdf's checks pass, pdfinfo still says Tagged, every MCID of the structure tree is in
    its page's content (and no other), as many as before, and marked content nests."""
    import pikepdf

    marks = re.compile(rb"\b(BDC|BMC|EMC)\b")
    for name, (before, after) in before_after.items():
        counts = []
        for path in (before, after):
            with pikepdf.open(path) as doc:
                assert doc.check_pdf_syntax() == [], (name, path)
                assert doc.Root.MarkInfo.Marked
                in_content = set()
                for page in doc.pages:
                    content = _page_content(page)
                    in_content |= {(page.obj.objgen, int(n)) for n in re.findall(rb"/MCID\s+(\d+)", content)}
                    depth = 0
                    for op in marks.findall(content):
                        depth += 1 if op != b"EMC" else -1
                        assert depth >= 0, (name, path)
                    assert depth == 0, (name, path)
                referenced = _struct_tree_mcids(doc)
                assert referenced == in_content, (name, path, len(referenced ^ in_content))
                counts.append(len(referenced))
        assert counts[0] == counts[1] > 1000, (name, counts)
        info = subprocess.run(["pdfinfo", str(after)], capture_output=True, text=True).stdout
        assert re.search(r"Tagged:\s+yes", info), name


def test_same_input_same_bytes(before_after, khmer_pdfs):
    before, after = before_after["NAP-WPS_0.1_km"]
    assert khmer_pdfs["NAP-WPS_0.1_km"][0].read_bytes() == after.read_bytes()  # the build's, too
    assert fix_khmer_text(before.read_bytes()) == after.read_bytes()


def test_pages_look_exactly_as_before(before_after, tmp_path):
    from PIL import Image, ImageChops

    compared = 0
    for name, (before, after) in before_after.items():
        for pdf, stem in ((before, "b"), (after, "a")):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "4", str(pdf), str(tmp_path / f"{name}-{stem}")],
                           check=True)
        for png in sorted(tmp_path.glob(f"{name}-b-*.png")):
            other = tmp_path / png.name.replace(f"{name}-b-", f"{name}-a-")
            with Image.open(png) as a, Image.open(other) as b:
                assert a.size == b.size
                assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None, png.name
            compared += 1
    assert compared >= 12
