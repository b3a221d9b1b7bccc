"""Participation charts (participants by stakeholder group and sex), drawn with Typst.

matplotlib does not shape Khmer (no complex text layout), so the chart is a small
Typst document compiled to PNG: Typst shapes Khmer with HarfBuzz-compatible
shaping, and the same PNG goes into the DOCX and the PDF. Data reaches Typst as
JSON through ``sys.inputs``, never spliced into Typst source, so no label can
inject Typst markup.
"""
from __future__ import annotations

import json
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


_SOURCE = r"""
#let d = json(bytes(sys.inputs.data))
#set page(width: 16cm, height: auto, margin: 0.3cm, fill: white)
#set text(font: d.fonts, size: 8.5pt, lang: d.lang)
#let mx = calc.max(1, ..d.bars.map(b => calc.max(
  if b.total == none { 0 } else { b.total },
  (if b.female == none { 0 } else { b.female }) + (if b.male == none { 0 } else { b.male }))))
#let unit = 8.2cm / mx
#let seg(n, colour) = if n != none and n > 0 { box(width: n * unit, height: 0.42cm, fill: rgb(colour)) }
#let bar(b) = {
  let known = b.female != none or b.male != none
  if known {
    seg(b.female, d.colours.female)
    seg(b.male, d.colours.male)
  } else {
    seg(b.total, d.colours.unstated)
  }
  h(0.15cm)
  text(size: 8pt, b.shown)
}
#align(center, text(weight: "bold", size: 9.5pt, d.title))
#v(0.1cm)
#grid(
  columns: (5.6cm, 1fr),
  column-gutter: 0.25cm,
  row-gutter: 0.16cm,
  align: (right + horizon, left + horizon),
  ..d.bars.map(b => (par(justify: false, b.label), bar(b))).flatten()
)
#v(0.15cm)
#align(center, {
  let key(colour, name) = { box(width: 0.3cm, height: 0.3cm, fill: rgb(colour)); h(0.1cm); name; h(0.5cm) }
  key(d.colours.female, d.legend.female)
  key(d.colours.male, d.legend.male)
  if d.bars.any(b => b.female == none and b.male == none) { key(d.colours.unstated, d.legend.unstated) }
})
"""


def render_chart(bars: Sequence[Bar], *, title: str, legend: dict[str, str], lang: str,
                 number=str, out_path: Optional[Path] = None, ppi: int = 200) -> bytes:
    """Compile the chart to PNG bytes (and write them to ``out_path`` if given).

    ``legend`` has keys female, male, unstated; ``number`` formats a count in the
    document's language (Khmer digits for Khmer).
    """
    import typst  # the Typst compiler's Python binding (a project dependency)

    def shown(b: Bar) -> str:
        parts = [number(b.total) if b.total is not None else "?"]
        sexes = [f"{number(n)} {legend[k]}" for k, n in (("female_short", b.female), ("male_short", b.male))
                 if n is not None]
        return parts[0] + (f" ({', '.join(sexes)})" if sexes else "")

    from .pdf.fonts import font_set
    from .toolchain import fonts_key, typst_version

    # The PDF's own fonts (Khmer OS or Noto Sans Khmer from PyPI), so a pip-only install
    # draws Khmer labels too; system fonts are not consulted.
    fs = font_set()
    fonts = fs.body(khmer_first=lang == "km")
    data = {
        "title": title,
        "lang": "km" if lang == "km" else "en",
        "fonts": fonts,
        "legend": {k: legend[k] for k in ("female", "male", "unstated")},
        "colours": {"female": FEMALE, "male": MALE, "unstated": UNSTATED},
        "bars": [{"label": b.label, "total": b.total, "female": b.female, "male": b.male, "shown": shown(b)}
                 for b in bars],
    }
    inputs = json.dumps(data, ensure_ascii=False)

    def compile_png() -> bytes:
        try:
            png = typst.compile(_SOURCE.encode("utf-8"), format="png", ppi=ppi, ignore_system_fonts=True,
                                font_paths=[str(p) for p in fs.paths], sys_inputs={"data": inputs})
        except Exception as exc:  # the compiler reports its own errors; name the chart, not a traceback
            raise DocgenError(f"participation chart '{title}': Typst failed: {exc}") from None
        return png[0] if isinstance(png, list) else png  # one image per page; the chart is one page

    # The same chart recurs (per-event summaries and the combined one; every rebuild).
    png = cached("chart", digest(_SOURCE, inputs, str(ppi), fonts_key(fs), typst_version()), compile_png)
    if out_path is not None:
        Path(out_path).write_bytes(png)
    return png
