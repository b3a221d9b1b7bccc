"""Participation charts (participants by stakeholder group and sex), drawn with Typst.

matplotlib does not shape Khmer (no complex text layout), so the chart is drawn by
Typst, which shapes Khmer with HarfBuzz-compatible shaping. One drawing function
(:data:`CHART_TYPST`, ``docgen-chart(data)``) serves both formats: the PDF template
defines it and draws the chart in the page from ``chart_<id>.json`` (vector, its text
real text), and :func:`render_chart` compiles it alone to the PNG the DOCX embeds.
Data reaches Typst as JSON, never spliced into Typst source, so no label can inject
Typst markup. Labels are cut into words (Khmer by :func:`docgen.khmer.split`) and
wrap between words only.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from .cache import cached, digest
from .diagnostics import DocgenError

# Colours from docgen/style/style.yaml's palette (accent purple, heading blue), grey for "not stated".
FEMALE, MALE, UNSTATED = "#6B2D8C", "#1F3864", "#A6A6A6"


@dataclass(frozen=True)
class Bar:
    label: str
    total: Optional[int]
    female: Optional[int]
    male: Optional[int]


# The drawing, fitted to the width it is given; ``d``: see :func:`chart_data`.
CHART_TYPST = r"""
#let docgen-chart(d) = layout(size => {
  set text(size: 8.5pt)
  set par(justify: false, leading: 0.45em)
  let words(tokens) = tokens.map(t => if t.box { box(t.text) } else { t.text }).join()
  let mx = calc.max(1, ..d.bars.map(b => calc.max(
    if b.total == none { 0 } else { b.total },
    (if b.female == none { 0 } else { b.female }) + (if b.male == none { 0 } else { b.male }))))
  let label-width = size.width * 0.36
  // the longest bar leaves room for its figures
  let unit = (size.width - label-width - 0.25cm) * 0.6 / mx
  let seg(n, colour) = if n != none and n > 0 { box(width: n * unit, height: 0.42cm, fill: rgb(colour)) }
  let bar(b) = {
    if b.female != none or b.male != none {
      seg(b.female, d.colours.female)
      seg(b.male, d.colours.male)
    } else {
      seg(b.total, d.colours.unstated)
    }
    h(0.15cm)
    text(size: 8pt, words(b.shown))
  }
  block(breakable: false, {
    align(center, text(weight: "bold", size: 9.5pt, words(d.title)))
    v(0.1cm)
    grid(
      columns: (label-width, 1fr),
      column-gutter: 0.25cm,
      row-gutter: 0.16cm,
      align: (right + horizon, left + horizon),
      ..d.bars.map(b => (words(b.label), bar(b))).flatten()
    )
    v(0.15cm)
    align(center, {
      let key(colour, name) = box({ box(width: 0.3cm, height: 0.3cm, fill: rgb(colour)); h(0.1cm); words(name) })
      key(d.colours.female, d.legend.female)
      h(0.5cm)
      key(d.colours.male, d.legend.male)
      if d.bars.any(b => b.female == none and b.male == none) { h(0.5cm); key(d.colours.unstated, d.legend.unstated) }
    })
  })
})
"""

_STANDALONE = CHART_TYPST + r"""
#let d = json(bytes(sys.inputs.data))
#set page(width: 16cm, height: auto, margin: 0.3cm, fill: white)
#set text(font: d.fonts, lang: d.lang)
#docgen-chart(d)
"""

_KHMER_SIGNS = re.compile(r"[\u17d4-\u17d8\u17da]+")  # end a word or sentence: never start a line


def tokens(text: str) -> list[dict]:
    """A label as Typst will set it: Khmer words each unbreakable (a line may break between
    two of them), other text as it is (breaking at its spaces)."""
    from .khmer import split

    out: list[dict] = []
    for is_khmer, piece in split(text):
        if is_khmer and _KHMER_SIGNS.fullmatch(piece) and out:
            out[-1]["text"] += piece
        elif is_khmer:
            if out and out[-1]["box"]:
                out.append({"text": "\u200b", "box": False})
            out.append({"text": piece, "box": True})
        else:
            out.append({"text": piece, "box": False})
    return out


def chart_data(bars: Sequence[Bar], *, title: str, legend: dict[str, str], lang: str, number=str) -> dict:
    """What ``docgen-chart`` draws: JSON-ready. ``legend`` has keys female, male, unstated,
    female_short, male_short; ``number`` formats a count in the document's language."""

    def shown(b: Bar) -> str:
        head = number(b.total) if b.total is not None else "?"
        sexes = [f"{number(n)} {legend[k]}" for k, n in (("female_short", b.female), ("male_short", b.male))
                 if n is not None]
        return head + (f" ({', '.join(sexes)})" if sexes else "")

    return {
        "title": tokens(title),
        "lang": "km" if lang == "km" else "en",
        "legend": {k: tokens(legend[k]) for k in ("female", "male", "unstated")},
        "colours": {"female": FEMALE, "male": MALE, "unstated": UNSTATED},
        "bars": [{"label": tokens(b.label), "total": b.total, "female": b.female, "male": b.male,
                  "shown": tokens(shown(b))} for b in bars],
    }


def render_chart(bars: Sequence[Bar], *, title: str, legend: dict[str, str], lang: str,
                 number=str, out_path: Optional[Path] = None, ppi: int = 200) -> bytes:
    """Compile the chart to PNG bytes. With ``out_path`` (``chart_<id>.png``), write them there
    and the chart's data beside them (``chart_<id>.json``), which the PDF draws as vectors."""
    import typst  # the Typst compiler's Python binding (a project dependency)

    from .pdf.fonts import font_set
    from .toolchain import fonts_key, typst_version

    data = chart_data(bars, title=title, legend=legend, lang=lang, number=number)
    # The PDF's own fonts (Khmer OS or Noto Sans Khmer from PyPI), so a pip-only install
    # draws Khmer labels too; system fonts are not consulted.
    fs = font_set()
    inputs = json.dumps({**data, "fonts": fs.body(khmer_first=lang == "km")}, ensure_ascii=False)

    def compile_png() -> bytes:
        try:
            png = typst.compile(_STANDALONE.encode("utf-8"), format="png", ppi=ppi, ignore_system_fonts=True,
                                font_paths=[str(p) for p in fs.paths], sys_inputs={"data": inputs})
        except Exception as exc:  # the compiler reports its own errors; name the chart, not a traceback
            raise DocgenError(f"participation chart '{title}': Typst failed: {exc}") from None
        return png[0] if isinstance(png, list) else png  # one image per page; the chart is one page

    # The same chart recurs (per-event summaries and the combined one; every rebuild).
    png = cached("chart", digest(_STANDALONE, inputs, str(ppi), fonts_key(fs), typst_version()), compile_png)
    if out_path is not None:
        Path(out_path).write_bytes(png)
        Path(out_path).with_suffix(".json").write_text(json.dumps(data, ensure_ascii=False, sort_keys=True),
                                                       encoding="utf-8")
    return png
