"""Column widths of the PDF's data tables from their content (pandoc's AST).

pandoc gives a pipe table the proportions of its dashes, which cannot know that a
Khmer header word (អ្នកទទួលខុសត្រូវ) or a place name (រាជធានីភ្នំពេញ) is wider than its
column: Typst then breaks the word box inside the word, or lets it overflow into the
next cell. The same measure as the DOCX's tables (docgen.docx.tables) sets each
column to at least its widest word and shares the rest by the text each holds.
"""
from __future__ import annotations

from typing import Any

from ..docx.reference import load_style, page_geometry
from ..docx.fonts import font_metrics
from ..docx.tables import CONTENT_FIT_COLUMNS, KHMER_LETTERS, content_widths, text_width_em

Node = dict[str, Any]

# The template's table inset (4pt a side) and stroke (0.5pt).
CELL_MARGINS_PT = 2 * 4 + 0.5
# The matrix's (docgen-matrix in docgen/pdf/template.py): 3pt a side, 2.5pt above and below.
MATRIX_INSET_PT = (3.0, 2.5)
# A matrix row never splits across pages, unless it is estimated taller than this share of
# the page's text height: kept whole, Typst would let it run off the page's foot.
TALL_ROW_SHARE = 0.8
# The bilingual grid's gutter: 1.4em of body text.
BILINGUAL_GUTTER_EM = 1.4


def text_widths(style: dict | None = None) -> dict[str, float]:
    """The text width of a portrait and of a landscape page, in points."""
    geo = page_geometry(style or load_style())
    return {"portrait": (geo["w"] - geo["left"] - geo["right"]) / 20,
            "landscape": (geo["h"] - geo.get("landscape_left", geo["left"])
                          - geo.get("landscape_right", geo["right"])) / 20}


def _landscape_height(style: dict) -> float:
    geo = page_geometry(style)
    return (geo["w"] - geo.get("landscape_top", geo["top"]) - geo.get("landscape_bottom", geo["bottom"])) / 20


def _inline_text(items: list[Node], bold: bool, out: list[tuple[str, bool]]) -> None:
    """Append the text of ``items`` to the last paragraph of ``out``; a line break starts
    a new one."""
    for node in items:
        t, c = node.get("t"), node.get("c")
        if t == "Str":
            text, was_bold = out[-1]
            out[-1] = (text + c, was_bold and bold if text.strip() else bold)
        elif t in ("Space", "SoftBreak"):
            out[-1] = (out[-1][0] + " ", out[-1][1])
        elif t == "LineBreak":
            out.append(("", bold))
        elif t == "Strong":
            _inline_text(c, True, out)
        elif t in ("Emph", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            _inline_text(c, bold, out)
        elif t in ("Span", "Link", "Quoted", "Cite"):
            if t == "Span" and "linebreak" in c[0][1]:
                out.append(("", bold))
            else:
                _inline_text(c[1], bold, out)
        elif t == "Code":
            out[-1] = (out[-1][0] + c[1], out[-1][1])
        # Notes (a footnote's mark is one character), raw inlines, images: no width here.


def cell_paragraphs(blocks: list[Node], bold: bool = False) -> list[tuple[str, bool]]:
    """A cell's paragraphs as (text, bold?)."""
    out: list[tuple[str, bool]] = []
    for b in blocks:
        t, c = b.get("t"), b.get("c")
        if t in ("Para", "Plain"):
            out.append(("", bold))
            _inline_text(c, bold, out)
        elif t == "Div":
            out += cell_paragraphs(c[1], bold)
        elif t in ("BulletList", "OrderedList"):
            for item in (c if t == "BulletList" else c[1]):
                out += [("• " + text, b2) for text, b2 in cell_paragraphs(item, bold)]
        elif t == "Header":
            out.append(("", True))
            _inline_text(c[2], True, out)
    return [(text.strip(), b) for text, b in out if text.strip()]


def fit_table(node: Node, width_pt: float, size_pt: float) -> Node:
    """``node`` (a pandoc Table) with column widths from its content, for a table
    ``width_pt`` wide with text of ``size_pt``; tables of few columns, or with merged
    cells, are returned as they are."""
    attr, caption, colspecs, head, bodies, foot = node["c"]
    if len(colspecs) < CONTENT_FIT_COLUMNS:
        return node
    rows: list[list[list[tuple[str, bool]]]] = []

    def add(row_list, bold):
        for _row_attr, cells in row_list:
            if any(cell[2] != 1 or cell[3] != 1 for cell in cells):
                return False
            rows.append([cell_paragraphs(cell[4], bold) for cell in cells])
        return True

    ok = add(head[1], True)
    for body in bodies:
        ok = ok and add(body[2], True) and add(body[3], False)
    ok = ok and add(foot[1], False)
    if not ok or not rows:
        return node
    style = load_style()
    fonts = style["fonts"]
    widths = content_widths(rows, width_pt, size_pt, CELL_MARGINS_PT, fonts["latin"]["body"],
                            fonts["khmer"]["body"])
    if widths is None:
        return node
    total = sum(widths)
    # Rounded down (to a hundredth of a per cent), so the columns never sum past 100 %.
    specs = [[spec[0], {"t": "ColWidth", "c": int(w / total * 10000) / 10000}] for spec, w in zip(colspecs, widths)]
    return {"t": "Table", "c": [attr, caption, specs, head, bodies, foot]}


def break_tall_rows(node: Node, width_pt: float, style: dict) -> Node:
    """The matrix ``node`` with the cells of any row estimated taller than
    TALL_ROW_SHARE of a landscape page made breakable (``typst:breakable``, which
    pandoc's Typst writer passes on as ``table.cell(breakable: true)``)."""
    attr, caption, colspecs, head, bodies, foot = node["c"]
    shares = [spec[1].get("c") if spec[1].get("t") == "ColWidth" else None for spec in colspecs]
    if not shares or None in shares:
        shares = [1 / len(colspecs)] * len(colspecs)
    fonts, sizes, sp = style["fonts"], style["sizes"], style["spacing"]
    size = float(sizes.get("matrix") or sizes["small"])
    latin_m, khmer_m = font_metrics(fonts["latin"]["body"]), font_metrics(fonts["khmer"]["body"])
    # Typst's line pitch in the matrix: Latin from cap height plus 0.28em, Khmer from its
    # ascender to its descender plus the Khmer leading (docgen/pdf/template.py).
    pitch = {"latin": (latin_m.cap_height if latin_m else 0.72) + 0.28,
             "khmer": (khmer_m.ascender + khmer_m.descender if khmer_m else 1.8) + max(0.2, sp["line_khmer"] - 1.3)}
    limit = TALL_ROW_SHARE * _landscape_height(style)
    rooms = [max(share * width_pt - 2 * MATRIX_INSET_PT[0], size) for share in shares]

    def tall(cells) -> bool:
        tallest = 0.0
        for cell, room in zip(cells, rooms):
            height = 2 * MATRIX_INSET_PT[1]
            for text, bold in cell_paragraphs(cell[4]):
                length = text_width_em(text, fonts["latin"]["body"], fonts["khmer"]["body"]) * size
                lines = max(1, -(-length * 1.1 // room))
                height += lines * size * pitch["khmer" if KHMER_LETTERS.search(text) else "latin"]
            tallest = max(tallest, height)
        return tallest > limit

    new_bodies = []
    for b_attr, row_head, head_rows, rows in bodies:
        new_rows = []
        for row_attr, cells in rows:
            if tall(cells):
                cells = [[[c[0][0], c[0][1], [*c[0][2], ["typst:breakable", "true"]]], *c[1:]] for c in cells]
            new_rows.append([row_attr, cells])
        new_bodies.append([b_attr, row_head, head_rows, new_rows])
    return {"t": "Table", "c": [attr, caption, colspecs, head, new_bodies, foot]}
