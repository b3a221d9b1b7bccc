"""Column widths of wide data tables (the action matrix) from their content.

pandoc takes column widths from the Markdown's pipe-table dashes, which cannot know
how long a lead ministry's acronym or a header word is: the bilingual matrix broke its
header inside a word ("output|s") while short columns of dashes stayed wide. Here each
column gets at least its longest word (header words in bold), and the rest of the text
width goes to the columns in proportion to how much text they hold, the way browsers
lay out automatic tables. Widths are measured with the fonts' advance widths
(unshaped, so a little generous for Khmer).
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
# A Khmer run breaks between words (the dictionary of Word / LibreOffice, or the
# zero-width spaces of the Khmer segmentation): count it as this many em at most.
KHMER_WORD_EM = 4.0
CELL_MARGINS = 2 * 108 + 40  # twips: left and right cell margins, plus the borders
BOLD_FACTOR = 1.07


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


def text_width_em(text: str, latin: str, khmer: str) -> float:
    """The width of ``text`` in em (no line break)."""
    total = 0.0
    for ch in text:
        table = _advances(khmer if KHMER.match(ch) else latin)
        if table is None:
            total += 0.55
            continue
        widths, average = table
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
    if KHMER_LETTERS.search(word):  # Khmer digits and signs alone do not break
        return min(text_width_em(word, latin, khmer), KHMER_WORD_EM)
    return text_width_em(word, latin, khmer)


def fit_columns(tbl, width: int, size_pt: float, latin: str, khmer: str) -> list[int] | None:
    """Set the grid of ``tbl`` (a table with one cell per column in every row) to
    content-based widths that sum to ``width`` twips; returns them, or None if the
    table has merged cells and is left alone."""
    cols = tbl.findall(f"{w('tblGrid')}/{w('gridCol')}")
    n = len(cols)
    rows = tbl.findall(w("tr"))
    if n == 0 or not rows:
        return None
    em = size_pt * 20  # twips per em
    least, want, total = [0.0] * n, [0.0] * n, [0.0] * n
    for i, tr in enumerate(rows):
        cells = tr.findall(w("tc"))
        if len(cells) != n:
            return None
        header = tr.find(f"{w('trPr')}/{w('tblHeader')}") is not None
        for c, tc in enumerate(cells):
            for text, bold in _cell_texts(tc):
                factor = em * (BOLD_FACTOR if bold or header else 1.0)
                words = [t for t in BREAKS.split(text) if t]
                if words:
                    least[c] = max(least[c], max(_word_em(t, latin, khmer) for t in words) * factor)
                length = text_width_em(text, latin, khmer) * factor
                want[c] = max(want[c], length)
                total[c] += length
    least = [x + CELL_MARGINS for x in least]
    want = [max(x + CELL_MARGINS, lo) for x, lo in zip(want, least)]
    if sum(least) >= width:
        widths = [x * width / sum(least) for x in least]
    elif sum(want) <= width:
        widths = [x * width / sum(want) for x in want]
    else:
        # The spare width goes where the text is (a row is as tall as its fullest
        # cell), but never beyond what a column's longest paragraph needs.
        widths, open_cols = list(least), set(range(n))
        spare = width - sum(least)
        while spare > 1 and open_cols:
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
