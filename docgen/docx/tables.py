"""Column widths of data tables from their content, for both backends.

pandoc takes column widths from the Markdown's pipe-table dashes, which cannot know
how long a lead ministry's acronym or a header word is: the bilingual matrix broke its
header inside a word ("output|s") while short columns of dashes stayed wide. Here each
column gets at least its longest word (header words in bold; a Khmer word as docgen's
segmentation and lexicon find it, which is what the line breaker keeps whole), and the
rest of the text width goes to the columns in proportion to how much text they hold,
the way browsers lay out automatic tables. Widths are measured with the fonts' advance
widths (unshaped, so a little generous for Khmer). :func:`fit_columns` applies them to
a DOCX table; :func:`content_widths` is the same for any table given as cell texts
(the Typst backend's pandoc tables).
"""
from __future__ import annotations

import io
import re
from functools import lru_cache

from .fonts import _font_file
from .ooxml import w

KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")
KHMER_LETTERS = re.compile("[\u1780-\u17d3]")
# Where a cell's line may break: spaces, and after a hyphen between letters. A range
# ("2026–2030", "២០២៦–២០៣០") counts as one word: a column never splits it.
BREAKS = re.compile(r"[\s\u200b]+|(?<=[A-Za-z]-)(?=[A-Za-z])")
# A Khmer run breaks between its words (docgen's segmentation: the PDF's word boxes, the
# DOCX's word joiners); a word wider than this many em is let break (data terms are at most
# khmer.MAX_TERM_LEN characters, about 10 em).
KHMER_WORD_EM = 11.0
# Tables of at least this many columns get their widths from their content (both backends).
CONTENT_FIT_COLUMNS = 4
CELL_MARGINS = 2 * 108 + 40  # twips: left and right cell margins, plus the borders
# The matrix's cells: 3 pt a side, as the PDF's (docgen/pdf/template.py, docgen-matrix).
MATRIX_CELL_MARGIN = 60
BOLD_FACTOR = 1.07
# The widest word's measure is unshaped and the layout's rounding is not ours: a little more.
LEAST_SLACK = 1.04


@lru_cache(maxsize=4)
def _advances(family: str) -> tuple[dict[int, float], float] | None:
    """code point -> advance width in em, and the average, for a family's file."""
    data = _font_file(family)
    if data is None:
        return None
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True)
    upm = font["head"].unitsPerEm
    hmtx = font["hmtx"]
    widths = {cp: hmtx[name][0] / upm for cp, name in font.getBestCmap().items()}
    average = sum(widths.values()) / max(len(widths), 1)
    return widths, average


COENG = "\u17d2"
# Split vowels: the font's own glyph for the code point is a wide precomposed form, but
# shaped they are the pre-base េ and, for some, a following ា-like part.
_SHAPED_VOWELS = {"\u17be": 1, "\u17bf": 2, "\u17c0": 2, "\u17c4": 2, "\u17c5": 2}
_RO = "\u179a"


@lru_cache(maxsize=65536)
def text_width_em(text: str, latin: str, khmer: str) -> float:
    """The width of ``text`` in em (no line break). Khmer is measured as shaped, near
    enough: a subscript consonant (after coeng) adds no width but subscript ro's, split
    vowels count as their pre-base part (and after-base part)."""
    total, after_coeng = 0.0, False
    for ch in text:
        table = _advances(khmer if KHMER.match(ch) else latin)
        if table is None:
            total += 0.55
            continue
        widths, average = table
        if after_coeng:
            after_coeng = False
            if ch != _RO:
                continue
            total += 0.3
            continue
        if ch == COENG:
            after_coeng = True
            continue
        if ch in _SHAPED_VOWELS:
            total += _SHAPED_VOWELS[ch] * widths.get(0x17C1, 0.32)
            continue
        total += widths.get(ord(ch), average)
    return total


def _cell_texts(tc) -> list[tuple[str, bool]]:
    """(paragraph text, bold?) for each paragraph in a cell."""
    out = []
    for p in tc.iter(w("p")):
        runs = list(p.iter(w("r")))
        text = "".join(t.text or "" for r in runs for t in r.iter(w("t")))
        bold = bool(runs) and all(r.find(f"{w('rPr')}/{w('b')}") is not None for r in runs if
                                  "".join(t.text or "" for t in r.iter(w("t"))).strip())
        out.append((text, bold))
    return out


def _word_em(word: str, latin: str, khmer: str) -> float:
    """The width of the widest piece of ``word`` no line may break: a Latin word whole, a
    Khmer run by docgen's words (a number stays with the word it counts)."""
    from .. import khmer as kh

    if not KHMER_LETTERS.search(word):  # Khmer digits and signs alone do not break
        return text_width_em(word, latin, khmer)
    widest = 0.0
    for is_khmer, piece in kh.split(kh.strip_invisible(word)):
        # Latin glued to Khmer ("PART_01៖") breaks only at the script change.
        widest = max(widest, text_width_em(piece, latin, khmer))
    return min(widest, KHMER_WORD_EM)


def distribute(least: list[float], want: list[float], total: list[float], width: float) -> list[float]:
    """Column widths summing to ``width``: each at least its ``least`` (scaled down only
    when even those do not fit), at most its ``want`` while others still need room, the
    spare width shared in proportion to each column's ``total`` text."""
    n = len(least)
    want = [max(x, lo) for x, lo in zip(want, least)]
    if sum(least) >= width:
        return [x * width / sum(least) for x in least]
    if sum(want) <= width:
        return [x * width / sum(want) for x in want]
    # The spare width goes where the text is (a row is as tall as its fullest cell), but
    # never beyond what a column's longest paragraph needs.
    widths, open_cols = list(least), set(range(n))
    spare = width - sum(least)
    while spare > 1e-6 * width and open_cols:
        weight = sum(total[c] for c in open_cols) or len(open_cols)
        grant = {c: spare * (total[c] or 1) / weight for c in open_cols}
        spare = 0.0
        for c, g in grant.items():
            room = want[c] - widths[c]
            if g >= room:
                widths[c] = want[c]
                spare += g - room
                open_cols.discard(c)
            else:
                widths[c] += g
    return widths


# The spare width is handed out in this many steps, each to the column where it shortens
# the table most.
SHARE_STEPS = 40
# Khmer lines are about this much taller than Latin ones at the same size.
KHMER_LINE_FACTOR = 1.4


def shortest_widths(least: list[float], want: list[float], cells: list[list[list[tuple[float, float]]]],
                    width: float, margins: float) -> list[float]:
    """Column widths summing to ``width`` (each at least its ``least``) that make the table
    about as short as it can be: ``cells[row][col]`` lists a cell's paragraphs as (text
    length, line pitch), a row is as tall as its tallest cell, and each share of the spare
    width goes to the column whose widening shortens the rows most. A long text alone in a
    column of short ones (a km target) so gets the room that keeps its row low. What no
    column needs is shared as :func:`distribute` does."""
    n = len(least)
    want = [max(x, lo) for x, lo in zip(want, least)]
    if sum(least) >= width or sum(want) <= width:
        return distribute(least, want, [0.0] * n, width)
    widths = list(least)
    step = (width - sum(least)) / SHARE_STEPS

    def height(paragraphs, w):
        room = max(w - margins, 1e-6)
        return sum(max(1.0, length / room) * pitch for length, pitch in paragraphs)

    # Each cell's height at the current widths; only the widened column's change a step.
    heights = [[height(p, w) for p, w in zip(row, widths)] for row in cells]
    for _ in range(SHARE_STEPS):
        gains = [0.0] * n
        for row, hs in zip(cells, heights):
            ordered = sorted(hs)
            top, second = ordered[-1], ordered[-2] if n > 1 else 0.0
            if second >= top - 1e-9:
                continue  # two cells as tall: widening one alone does not lower the row
            c = hs.index(top)
            gains[c] += top - max(second, height(row[c], widths[c] + step))
        best = max(range(n), key=lambda c: (gains[c], -c))
        if gains[best] <= 1e-9:
            break
        widths[best] += step
        for row, hs in zip(cells, heights):
            hs[best] = height(row[best], widths[best])
    spare = width - sum(widths)
    if spare > 1e-6 * width:
        totals = [sum(length for row in cells for length, _ in row[c]) for c in range(n)]
        rest = distribute([0.0] * n, [max(0.0, wt - w) for wt, w in zip(want, widths)], totals, spare)
        widths = [w + r for w, r in zip(widths, rest)]
    return widths


def content_widths(rows: list[list[list[tuple[str, bool]]]], width: float, size_pt: float, margins: float,
                   latin: str, khmer: str, *, per_pt: float = 1.0) -> list[float] | None:
    """Widths of the columns of a table given as rows of cells, each cell its paragraphs
    as (text, bold?). ``width`` and ``margins`` (a cell's padding left and right plus its
    borders) are in a unit of ``per_pt`` to the point (twips: 20). None if the rows are
    ragged."""
    n = len(rows[0]) if rows else 0
    if n == 0 or any(len(r) != n for r in rows):
        return None
    em = size_pt * per_pt
    least, want = [0.0] * n, [0.0] * n
    cells: list[list[list[tuple[float, float]]]] = []
    for row in rows:
        measured = []
        for c, paragraphs in enumerate(row):
            paras = []
            for text, bold in paragraphs:
                factor = em * (BOLD_FACTOR if bold else 1.0)
                words = [t for t in BREAKS.split(text) if t]
                if words:
                    least[c] = max(least[c], max(_word_em(t, latin, khmer) for t in words) * factor * LEAST_SLACK)
                length = text_width_em(text, latin, khmer) * factor * 1.05  # a word-wrap loses some
                want[c] = max(want[c], length)
                paras.append((length, KHMER_LINE_FACTOR if KHMER_LETTERS.search(text) else 1.0))
            measured.append(paras)
        cells.append(measured)
    least = [x + margins for x in least]
    want = [x + margins for x in want]
    return shortest_widths(least, want, cells, width, margins)


def fit_columns(tbl, width: int, size_pt: float, latin: str, khmer: str,
                margins: int = CELL_MARGINS) -> list[int] | None:
    """Set the grid of ``tbl`` (a table with one cell per column in every row) to
    content-based widths that sum to ``width`` twips (``margins``: a cell's left and
    right margins and borders); returns them, or None if the table has merged cells
    and is left alone."""
    cols = tbl.findall(f"{w('tblGrid')}/{w('gridCol')}")
    rows = tbl.findall(w("tr"))
    if not cols or not rows:
        return None
    texts = []
    for tr in rows:
        header = tr.find(f"{w('trPr')}/{w('tblHeader')}") is not None
        texts.append([[(text, bold or header) for text, bold in _cell_texts(tc)] for tc in tr.findall(w("tc"))])
    if any(len(r) != len(cols) for r in texts):
        return None
    widths = content_widths(texts, width, size_pt, margins, latin, khmer, per_pt=20)
    if widths is None:
        return None
    out = [round(x) for x in widths]
    out[-1] += width - sum(out)
    for col, value in zip(cols, out):
        col.set(w("w"), str(value))
    for tr in rows:
        for tc, value in zip(tr.findall(w("tc")), out):
            tcw = tc.find(f"{w('tcPr')}/{w('tcW')}")
            if tcw is not None:
                tcw.set(w("w"), str(value))
                tcw.set(w("type"), "dxa")
    return out


def _cell_lines(tc) -> list[str]:
    """A cell's lines as written: its paragraphs, split at line breaks."""
    out = []
    for p in tc.iter(w("p")):
        line = []
        for el in p.iter(w("t"), w("br")):
            if el.tag == w("br"):
                out.append("".join(line))
                line = []
            else:
                line.append(el.text or "")
        out.append("".join(line))
    return out


def row_height_pt(tr, widths: list[int], size_pt: float, latin: str, khmer: str,
                  pitch: dict[str, float], margins: int = CELL_MARGINS) -> float:
    """An estimate of a row's height in points: each cell's lines wrapped at its column
    width (``widths`` in twips), Khmer lines at ``pitch["khmer"]`` em, others at
    ``pitch["latin"]`` em; the row is as tall as its tallest cell."""
    tallest = 0.0
    for tc, width in zip(tr.findall(w("tc")), widths):
        room = max((width - margins) / 20, size_pt)
        height = 0.0
        for line in _cell_lines(tc):
            length = text_width_em(line, latin, khmer) * size_pt
            lines = max(1, -(-length * 1.1 // room))  # a word-wrap loses about a tenth
            height += lines * size_pt * pitch["khmer" if KHMER_LETTERS.search(line) else "latin"]
        tallest = max(tallest, height)
    return tallest
