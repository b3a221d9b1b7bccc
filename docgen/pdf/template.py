"""The pandoc Typst template, generated from docgen/style/style.yaml.

The style values (sizes, colours, spacing, font names) are configuration and are
written into the template; everything about one document (title, header text,
labels) reaches Typst as JSON through ``sys.inputs``, never as Typst source, so
no text from the plan can be read as Typst markup.
"""
from __future__ import annotations

import json

from ..chart import CHART_TYPST
from .fonts import FontSet


def _colour(hex_rgb: str) -> str:
    return f'rgb("#{hex_rgb.lstrip("#")}")'


def _fonts(names: list[str]) -> str:
    return "(" + ", ".join(json.dumps(n) for n in names) + ",)"


def build_template(style: dict, fonts: FontSet, khmer_first: bool) -> str:
    """Typst source with pandoc's ``$body$`` placeholder (so every literal ``$`` is doubled)."""
    sz, col, sp, page = style["sizes"], style["colours"], style["spacing"], style["page"]
    m = page["margins"]
    # Word's line spacing multiplies the font's line height (~1.2 em for these fonts);
    # Typst's leading is the gap between lines, so: gap = (multiple x 1.2 - 1) em.
    leading = max(0.3, round(sp["line"] * 1.2 - 1.0, 3))
    # Khmer lines are measured from the font's ascender to its descender (stacked vowels and
    # subscripts included), so only the extra spacing asked for is added between them.
    leading_km = max(0.2, round(sp["line_khmer"] - 1.3, 3))
    values = {
        "BODY_FONTS": _fonts(fonts.body(khmer_first)),
        "HEADING_FONTS": _fonts(fonts.heading(khmer_first)),
        "KM_FONTS": _fonts(fonts.body(True)),
        "KM_HEADING_FONTS": _fonts(fonts.heading(True)),
        # Latin first: Noto Sans has no Khmer, so Khmer still gets Muol Light, but the English
        # lines of a bilingual cover do not take Muol Light's own Latin letters.
        "LATIN_KM_HEADING_FONTS": _fonts(fonts.heading(False)),
        "PAPER": json.dumps(page["size"].lower()),
        "MARGINS": f"(top: {m['top']}mm, bottom: {m['bottom']}mm, left: {m['left']}mm, right: {m['right']}mm)",
        "LANDSCAPE_MARGINS": "(top: {top}mm, bottom: {bottom}mm, left: {left}mm, right: {right}mm)".format(
            **(page.get("landscape_margins") or m)),
        "TEXT": _colour(col["text"]), "HEADING": _colour(col["heading"]), "ACCENT": _colour(col["accent"]),
        "PROPOSAL": _colour(col.get("proposal", col["accent"])),
        "HEADER_FILL": _colour(col["table_header_fill"]), "BORDER": _colour(col["table_border"]),
        "PENDING": _colour(col["pending"]), "MUTED": _colour(col["draft_mark"]),
        "BODY": f"{sz['body']}pt", "SMALL": f"{sz['small']}pt", "TITLE": f"{sz['title']}pt",
        "SUBTITLE": f"{sz['subtitle']}pt", "H1": f"{sz['heading1']}pt", "H2": f"{sz['heading2']}pt",
        "H3": f"{sz['heading3']}pt", "TABLE": f"{sz['table']}pt", "MATRIX": f"{sz.get('matrix', sz['small'])}pt", "HF": f"{sz['header_footer']}pt",
        "PARA": f"{sp['paragraph_after']}pt", "HBEFORE": f"{sp['heading_before']}pt",
        "HAFTER": f"{sp['heading_after']}pt", "LEADING": f"{leading}em", "KM_LEADING": f"{leading_km}em",
        "KM_EDGES": "top-edge: \"ascender\", bottom-edge: \"descender\"",
    }
    text = _TEMPLATE.replace("@CHART@", CHART_TYPST)
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text.replace("$", "$$").replace("$$body$$", "$body$")


_TEMPLATE = r"""
#let D = json(bytes(sys.inputs.docgen))
#set document(title: D.title, author: D.author, keywords: D.keywords,
  date: datetime(year: D.date.at(0), month: D.date.at(1), day: D.date.at(2)))
#set smartquote(enabled: false)

#let km-digits = ("០", "១", "២", "៣", "៤", "៥", "៦", "៧", "៨", "៩")
#let num(n) = if D.khmer_digits { str(n).clusters().map(c => km-digits.at(int(c))).join() } else { str(n) }
#let km = D.lang == "km"

// The cover (marked by docgen-cover) has neither the running header nor a page number.
#let on-cover() = query(<docgen-cover-page>).any(m => m.location().page() == here().page())
#set page(paper: @PAPER@, margin: @MARGINS@,
  header: context if not on-cover() { align(center, text(size: @HF@, fill: @MUTED@, D.header)) },
  footer: context if not on-cover() { align(center, text(size: @HF@, fill: @MUTED@,
    D.labels.page + " " + num(counter(page).get().first()) + " " + D.labels.of + " " + num(counter(page).final().first()))) })
// Khmer digits wherever Typst prints a number itself: outline page numbers, captions.
#set page(numbering: n => num(n)) if D.khmer_digits
#set figure(numbering: n => num(n)) if D.khmer_digits
#set figure.caption(separator: "៖ ") if km
#set text(font: @BODY_FONTS@, size: @BODY@, lang: D.lang, fill: @TEXT@)
#set text(@KM_EDGES@) if km
#set par(leading: if km { @KM_LEADING@ } else { @LEADING@ }, spacing: @PARA@ + 0.4em)
#set heading(numbering: none)
#show heading: set text(font: @HEADING_FONTS@, fill: @HEADING@, weight: if km { "regular" } else { "bold" })
#show heading: set block(above: @HBEFORE@, below: @HAFTER@)
#show heading.where(level: 1): set text(size: @H1@)
#show heading.where(level: 2): set text(size: @H2@)
#show heading.where(level: 3): set text(size: @H3@)
#show heading.where(level: 4): set text(size: @BODY@)
#set table(stroke: 0.5pt + @BORDER@, inset: 4pt, fill: (x, y) => if y == 0 { @HEADER_FILL@ })
#show table: set text(size: @TABLE@)
#show table: set par(leading: if km { @KM_LEADING@ } else { 0.45em })
#show table.cell.where(y: 0): set text(weight: "bold")
#show figure.where(kind: table): set figure.caption(position: top)
#show figure: set block(breakable: true)
#show link: set text(fill: @ACCENT@)
#show outline.entry.where(level: 1): set text(weight: "bold")

#let horizontalrule = line(length: 100%, stroke: 0.5pt + @BORDER@)
#let docgen-toc() = outline(title: D.labels.contents, depth: 2, indent: 1.2em)
#let docgen-pending(body) = text(fill: @PENDING@, body)
#let docgen-placeholder(body) = highlight(fill: rgb("#FFF2CC"), extent: 1pt, text(fill: rgb("#7F6000"), body))
#let docgen-source(body) = text(size: @SMALL@, fill: rgb("#666666"), body)
#let docgen-note(body) = text(size: @SMALL@, body)
#let docgen-proposal(body) = [#text(fill: @PROPOSAL@, body)#super[†]]
#let docgen-km(body) = {
  set text(font: @KM_FONTS@, lang: "km", @KM_EDGES@)
  set par(leading: @KM_LEADING@)
  show heading: set text(font: @KM_HEADING_FONTS@, weight: "regular")
  body
}
// Only the language: every font list already falls back to the Khmer font, and setting the
// body font here would override the heading and title fonts (Muol Light) of Khmer spans.
#let docgen-km-inline(body) = text(lang: "km", body)
// Landscape pages hold wide tables: narrower margins, so the matrix gets more rows per page.
#let docgen-landscape(body) = page(flipped: true, margin: @LANDSCAPE_MARGINS@, body)
// The results matrix: small text, a row never split across pages, the header repeated.
#let docgen-matrix(body) = {
  set text(size: @MATRIX@)
  set par(leading: if km { @KM_LEADING@ } else { 0.28em }, justify: false)
  set table(inset: (x: 3pt, y: 2.5pt))
  set table.cell(breakable: false)
  show table: set text(size: @MATRIX@)
  body
}
#let docgen-lang(code, body) = { set text(lang: code); body }
#let docgen-bilingual(left, right) = grid(columns: (1fr, 1fr), column-gutter: 1.4em, left, right)
// A heading pair: the outline and the PDF bookmarks get one entry (a hidden heading, "English /
// Khmer"); the two visible headings are not outlined, and the pair keeps with the next block.
#let docgen-bilingual-heading(level, entry, left, right) = block(sticky: true, {
  place(hide(heading(level: level, outlined: true, bookmarked: true, entry)))
  set heading(outlined: false, bookmarked: false)
  grid(columns: (1fr, 1fr), column-gutter: 1.4em, left, right)
})
// Title lines of even length (no word left alone on the last line): the narrowest width
// that still needs no more lines than the full width.
#let docgen-balanced(body) = layout(size => {
  let lines(w) = measure(block(width: w, body)).height
  let full = lines(size.width)
  let (lo, hi) = (size.width * 0.3, size.width)
  for _ in range(10) {
    let mid = (lo + hi) / 2
    if lines(mid) > full + 0.5pt { lo = mid } else { hi = mid }
  }
  block(width: hi + 0.5pt, body)
})
// Participation charts (docgen/chart.py), drawn in the page from their JSON data: vector, real text.
@CHART@
// The cover as in official Cambodian documents: the kingdom heading centred at the top, the
// issuing ministry under it on the left, the title in the middle of the page, the status
// and the supporting organisations at the foot.
#let docgen-cover(body) = {
  [#metadata("cover") <docgen-cover-page>]
  set align(center)
  body
  pagebreak(weak: true)
}
#let docgen-cover-part(kind, body) = {
  if kind == "kingdom" {
    block(below: 1.2em, text(font: @LATIN_KM_HEADING_FONTS@, size: @SUBTITLE@, fill: @HEADING@, body))
  } else if kind == "title" {
    v(1fr)
    block(above: 0em, below: 1.5em, text(font: @HEADING_FONTS@, size: @TITLE@, fill: @HEADING@,
      weight: if km { "regular" } else { "bold" }, docgen-balanced(body)))
  } else if kind == "subtitle" {
    block(below: 1em, text(size: @SUBTITLE@, fill: @ACCENT@, weight: "bold", docgen-balanced(body)))
  } else if kind == "ministry" {
    align(left, block(below: 1em, text(font: @LATIN_KM_HEADING_FONTS@, size: @BODY@ + 1pt, fill: @HEADING@,
      weight: if km { "regular" } else { "bold" }, body)))
  } else if kind == "status" {
    v(1.4fr)
    block(above: 0em, below: 1em, text(size: @BODY@, body))
  } else {
    block(above: 1.5em, text(size: @SMALL@, body))
  }
}

$body$
"""
