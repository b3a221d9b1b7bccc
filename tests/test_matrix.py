"""The implementation and results matrix as readers get it: the landscape pages of the NAP PDFs.

Reads the pages (poppler's text and word boxes): every action's full text is in the
matrix, each action on one page (rows never split), the header row on every page, no
word outside the page's text area or on top of another word (a column narrower than a
word makes its text run into the next column), and in English at least 6 actions a page.
"""
from __future__ import annotations

import html
import re
import subprocess
from collections import defaultdict

import pytest

from conftest import needs_pdftotext

pytestmark = [pytest.mark.slow, needs_pdftotext]

ACTION_ID = re.compile(r"\b(?:PROT|PART|PREV|RREC)_\d\d\b(?!_)")
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
def _margins() -> dict:
    from docgen.docx.reference import load_style

    page = load_style()["page"]
    return page.get("landscape_margins") or page["margins"]


MARGINS = _margins()
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def pages(pdf) -> list[dict]:
    """Every page: size, words with their boxes, and text (reading order)."""
    out = subprocess.run(["pdftotext", "-q", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    result = []
    for n, m in enumerate(PAGE.finditer(out), 1):
        words = [(float(a), float(b), float(c), float(d), html.unescape(w)) for a, b, c, d, w in WORD.findall(m.group(3))]
        text = subprocess.run(["pdftotext", "-q", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        result.append({"number": n, "width": float(m.group(1)), "height": float(m.group(2)),
                       "words": words, "text": text})
    return result


def matrix_pages(pdf) -> list[dict]:
    """Landscape pages with the matrix's header row (its 'Partners' and 'Timeframe' columns,
    in the document's language); other landscape annexes have other columns."""
    from docgen import i18n

    lang = "km" if str(pdf).endswith("_km.pdf") else "en"
    heads = [i18n.label(k, lang) for k in ("partners", "timeframe")]
    return [p for p in pages(pdf) if p["width"] > p["height"]
            and all(h in flat(p["text"]).replace(" ", "") or h in p["text"] for h in heads)]


def flat(text: str) -> str:
    # pandoc's Typst writer writes typographic apostrophes and quotes as straight ones
    # ... and a line may break after '-' or '/', or on either side of an em dash (no space
    # there in the text)
    text = " ".join(text.translate(str.maketrans("’‘“”", "''\"\"")).split())
    return re.sub(r" ?— ?", "—", re.sub(r"(?<=[-/]) ", "", text))


@pytest.fixture(scope="module")
def matrices(built_all):
    return {lang: matrix_pages(built_all[f"NAP-WPS_0.1_{lang}.pdf"]) for lang in ("en", "km", "en-km")}


def live_actions(plan):
    return [a for a in plan.actions if a.status != "dropped"]


@pytest.mark.parametrize("lang", ["en", "km", "en-km"])
def test_every_action_once_on_one_page_with_the_header_row(matrices, plan, lang):
    found = defaultdict(list)
    for p in matrices[lang]:
        for ident in set(ACTION_ID.findall(p["text"])):
            found[ident].append(p["number"])
        # the header row repeats on every page of the matrix
        header = ("Action", "Indicators", "Baseline", "Target") if lang != "km" else ("សកម្មភាព", "សូចនាករ")
        words = " ".join(w[4] for w in p["words"])
        assert lang == "km" or all(h in words for h in header), (lang, p["number"])
    ids = [a.id for a in live_actions(plan)]
    assert sorted(found) == sorted(ids), (lang, set(ids) ^ set(found))
    assert all(len(pages) == 1 for pages in found.values()), {k: v for k, v in found.items() if len(v) > 1}


HEADER = ("Action", "ASEAN", "Lead", "Partners", "Timeframe", "Indicators", "Baseline", "Target")


def column_starts(p) -> list[float]:
    top = min(w[1] for w in p["words"] if w[4] == "Action")
    return [next(w[0] for w in p["words"] if w[4] == h and abs(w[1] - top) < 3) - 3.5 for h in HEADER]


def columns(p) -> list[str]:
    """The text of each column of a matrix page, read from the word boxes: the columns start
    where the header row's English words do (the first row of the page)."""
    top = min(w[1] for w in p["words"] if w[4] == "Action")
    starts = column_starts(p)
    cols = [[] for _ in starts]
    for w in sorted(p["words"], key=lambda w: (round(w[1]), w[0])):
        if w[1] > top + 8:
            cols[max(i for i, x in enumerate(starts) if w[0] >= x)].append(w[4])
    return [" ".join(c) for c in cols]


@pytest.mark.parametrize("lang", ["en", "en-km"])
def test_every_action_full_text_in_the_matrix(matrices, plan, lang):
    """The English text of every action, whole, in the action column, and every indicator's in
    the indicator column (Khmer extraction from Typst PDFs doubles clusters, typst#4225)."""
    cols = [columns(p) for p in matrices[lang]]
    text = flat(" ".join(c[0] for c in cols))
    indicators = flat(" ".join(c[5] for c in cols))
    missing = [a.id for a in live_actions(plan) if flat(a.text.en) not in text]
    assert not missing, missing
    for a in live_actions(plan):
        for ind in a.indicators:
            assert flat(ind.text.en) in indicators, (lang, ind.id)


def test_english_matrix_has_at_least_six_actions_a_page(matrices, plan):
    n_pages = len(matrices["en"])
    assert len(live_actions(plan)) / n_pages >= 6, n_pages


def test_page_counts_stay_sensible(matrices):
    en, km, bi = (len(matrices[x]) for x in ("en", "km", "en-km"))
    assert km <= 2.5 * en and bi <= 3 * en, (en, km, bi)


@pytest.mark.parametrize("lang", ["en", "km", "en-km"])
def test_no_word_outside_the_text_area_or_on_another(matrices, lang):
    for p in matrices[lang]:
        # The running header and the footer are the first and the last line; the landscape
        # pages' margins are style.yaml's.
        first, last = min(round(w[1]) for w in p["words"]), max(round(w[1]) for w in p["words"])
        body = [w for w in p["words"] if first < round(w[1]) < last]
        bottom = p["height"] - MARGINS["bottom"] * 72 / 25.4
        for x0, y0, x1, y1, word in body:
            margin = min(MARGINS["left"], MARGINS["right"]) * 72 / 25.4 - 0.5
            assert x0 >= margin and x1 <= p["width"] - margin, (lang, p["number"], word, "margin")
            assert y1 <= bottom + 2, (lang, p["number"], word, "below the text area")  # clipped rows
        # Words of one line that overlap run into each other: a column narrower than a word.
        # (Latin words only: poppler's boxes of Typst's Khmer clusters overlap by themselves.)
        lines = defaultdict(list)
        for w in (w for w in body if not re.search(r"[\u1780-\u17ff]", w[4])):
            lines[round(w[3])].append(w)
        for ws in lines.values():
            ws.sort()
            for a, b in zip(ws, ws[1:]):
                assert a[2] <= b[0] + 1.0, (lang, p["number"], a[4], b[4], "overlap")
        # No Latin word crosses into the next column (the header row's words start the columns).
        if lang != "km":
            starts = column_starts(p)
            table_top = min(w[1] for w in p["words"] if w[4] == "Action") - 1
            for x0, y0, x1, y1, word in body:
                if y0 >= table_top and not re.search(r"[\u1780-\u17ff]", word):
                    nxt = [x for x in starts if x > x0 + 1]
                    assert not nxt or x1 <= min(nxt), (lang, p["number"], word, "into the next column")


@pytest.mark.parametrize("lang", ["en", "en-km"])
def test_proposed_values_carry_the_proposal_mark(matrices, plan, lang):
    """Leads, partners, timeframes and indicators the drafting team proposes are marked † in the
    matrix as in the chapters (the report's §8.1 assigns no lead: every lead is a proposal)."""
    leads = partners = timeframes = indicators = 0
    for p in matrices[lang]:
        cols = columns(p)
        leads += cols[2].count("\u2020")
        partners += cols[3].count("\u2020")
        timeframes += cols[4].count("\u2020")
        indicators += cols[5].count("\u2020")
    live = live_actions(plan)
    # in the bilingual matrix the Khmer line under a proposed text is marked too
    per_text = 2 if lang == "en-km" else 1
    assert leads == sum(a.lead_provenance.provenance_kind == "proposed" for a in live) == len(live)
    assert partners == sum(bool(a.partners) and a.partners_provenance.provenance_kind == "proposed" for a in live)
    assert timeframes == sum(bool(a.timeframe) and a.timeframe.provenance_kind == "proposed" for a in live)
    assert indicators == per_text * sum(i.provenance_kind == "proposed" for a in live for i in a.indicators)
