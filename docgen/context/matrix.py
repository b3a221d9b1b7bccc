"""The implementation and results matrix of the NAP (templates/_nap_matrix.md.j2).

One row per action, never split across pages; its columns are described here, once,
so a new field (a means of verification, a cost) is one more :class:`Column`. A cell
is a list of :class:`Line` values, each shown on a line of its own (an action's
indicators one under the other, and their baselines and targets beside them, labelled
with the indicator's number when there are several). The template knows nothing of
the fields: it prints the columns' labels and each cell's lines.

Column widths (:func:`fit_widths`) are set here, tuned on the plan's texts so that the
rows are short, and no column is narrower than its longest word (a long Khmer word or
ID widens its column; the action text gives up the room).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..markdown.escape import MD
from . import values as v
from .values import Tx

DASH = Tx("–", "–", en_ok_in_km=True, numeric=True)  # an empty field, the same in every language


@dataclass(frozen=True)
class Line:
    """One line of a cell: a text, or a list of short items (institution acronyms) joined
    with commas; in the bilingual document a text shows in English, then in Khmer under
    it, and each item once ("Kdei Karuna / ក្ដីករុណា" only where the two differ)."""
    text: Optional[Tx] = None
    prefix: Optional[str] = None  # shown in bold before the text: an ID (the same in every language)
    items: tuple[Tx, ...] = ()
    proposed: bool = False  # the drafting team's proposal: marked as in the chapters

    @property
    def two_languages(self) -> bool:
        """Whether the bilingual document shows this line twice (English, then Khmer under it)."""
        t = self.text
        return t is not None and bool(t.km) and t.km != t.en and not t.numeric


@dataclass(frozen=True)
class Column:
    label: str   # key of docgen/i18n_labels.yaml
    width: int   # per cent of the table's width (the fit below widens a column for a long word)
    action: Optional[Callable[[dict], list[Line]]] = None        # one cell per action...
    indicator: Optional[Callable[[dict], Optional[Tx]]] = None  # ...or one line per indicator
    proposed: Callable[[dict], bool] = lambda ind: False        # whether an indicator's value is a proposal


def items(values: list[Tx], proposed: bool = False) -> list[Line]:
    return [Line(items=tuple(values), proposed=proposed)] if values else [Line(DASH)]


COLUMNS: tuple[Column, ...] = (
    Column("action", 38, action=lambda a: [Line(a["text"], prefix=a["id"])]),
    Column("asean_outputs", 5, action=lambda a: items([o["number"] for o in a["outputs"]])),
    Column("lead", 6, action=lambda a: items(a["lead"], a["lead_proposed"])),
    Column("partners", 11, action=lambda a: items(a["partners"], a["partners_proposed"])),
    Column("timeframe", 6, action=lambda a: [Line(a["timeframe"], proposed=a["timeframe_proposed"])
                                             if a["timeframe"] else Line(DASH)]),
    Column("indicators", 20, indicator=lambda ind: ind["text"], proposed=lambda ind: ind["proposed"]),
    Column("baseline", 6, indicator=lambda ind: ind["baseline"]),
    Column("target", 8, indicator=lambda ind: ind["target"], proposed=lambda ind: ind["target_proposed"]),
)


def _cell(col: Column, a: dict) -> list[Line]:
    if col.action is not None:
        return col.action(a)
    inds = a["indicators"]
    if not inds:
        return [Line(DASH)]
    # Beside several indicators, each value names its indicator (I1, I2) so lines pair up.
    short = (lambda i: i["id"]) if col.label == "indicators" else \
        (lambda i: i["id"].rsplit("_", 1)[-1]) if len(inds) > 1 else (lambda i: None)
    lines = []
    for i in inds:
        value = col.indicator(i)
        lines.append(Line(value, prefix=short(i), proposed=col.proposed(i)) if value else Line(DASH, prefix=short(i)))
    return lines


# --- column widths -------------------------------------------------------------------

# Letters of matrix text per per cent of the landscape table's width (8 pt Noto Sans on A4,
# measured in Typst: 1.45 mm a letter, 2.67 mm a per cent), and the cell padding (6 pt) in letters.
_CHARS_PER_PERCENT = 1.84
_PADDING = 1.45
_KHMER_BASE = 1.55  # a Khmer base letter (with its stacked signs, Khmer OS Siemreap) against a Latin letter


def _shown(t: Optional[Tx], lang: str) -> list[str]:
    if t is None:
        return []
    if lang == "km":
        return [t.km or t.en]
    if lang == "en-km" and t.km and t.km != t.en and not t.numeric:
        return [t.en, t.km]
    return [t.en]


def _texts(line: Line, lang: str) -> list[str]:
    """What a line shows, as plain lines of text (for measuring only)."""
    prefix = f"{line.prefix} " if line.prefix else ""
    mark = "\u2020" if line.proposed else ""
    if line.items:
        return [", ".join(" / ".join(dict.fromkeys(_shown(i, lang))) for i in line.items) + mark]
    return [prefix + s + mark if n == 0 else s + mark for n, s in enumerate(_shown(line.text, lang))]


def _length(word: str) -> float:
    """Width in average Latin letters: Khmer vowel signs, diacritics and subscripts (after the
    coeng U+17D2) take no width of their own."""
    width, after_coeng = 0.0, False
    for ch in word:
        if "\u17b4" <= ch <= "\u17d3" or after_coeng:
            after_coeng = ch == "\u17d2"
            continue
        width += _KHMER_BASE if "\u1780" <= ch <= "\u17ff" else 1.0
    return width


def _longest_word(texts: list[str]) -> float:
    """The widest unbreakable word of some texts (Khmer is broken between its words only)."""
    from ..khmer import split

    widest = 0.0
    for text in texts:
        for part in text.split():
            words = [w for _, w in split(part)] if any("\u1780" <= c <= "\u17ff" for c in part) else [part]
            widest = max([widest] + [_length(w) for w in words])
    return widest


def fit_widths(longest: list[float], preferred: list[int], widest: int = 0) -> list[int]:
    """Per-cent widths summing to 100: ``preferred`` (tuned on the plan's texts in Typst), with
    every column at least as wide as its longest word (``longest``, in average Latin letters);
    what that takes comes from column ``widest`` (the action text, which wraps best)."""
    floor = [math.ceil((w + _PADDING) / _CHARS_PER_PERCENT) for w in longest]
    widths = [max(p, f) for p, f in zip(preferred, floor)]
    widths[widest] -= sum(widths) - 100
    return widths


def matrix_context(actions: list[dict], lang: str) -> dict[str, Any]:
    """``actions``: action contexts (docgen.context.nap.action_context) in plan order."""
    labels = v.labels()
    header = [Line(labels[c.label]) for c in COLUMNS]
    rows = [[_cell(c, a) for c in COLUMNS] for a in actions]
    # Header words are bold: wider.
    longest = [max(1.08 * _longest_word(_texts(h, lang)),
                   max((_longest_word([t for ln in row[c] for t in _texts(ln, lang)]) for row in rows), default=0))
               for c, h in enumerate(header)]
    widths = fit_widths(longest, [c.width for c in COLUMNS])
    return {
        "columns": [{"label": h, "width": w, "rule": MD(":" + "-" * w)} for h, w in zip(header, widths)],
        "rows": [{"action": a, "cells": cells} for a, cells in zip(actions, rows)],
    }
