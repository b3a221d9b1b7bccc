"""Khmer word segmentation, shared by every stage that needs word boundaries.

Khmer writes no spaces between words. The PDF keeps each word unbreakable (Typst's
own line breaker sometimes splits Khmer words, see docgen.pdf.typst_ast), table
cells are shortened between words, and redlines diff Khmer word by word. Results
are cached: the same texts recur across the language variants of one build.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

KHMER_RUN = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]+")


@lru_cache(maxsize=65536)
def segment(run: str) -> Optional[tuple[str, ...]]:
    """khmercut's words of a run of Khmer letters, or None if they do not join back into
    the run (cached: plan texts repeat across variants and in redlines)."""
    import khmercut

    out = tuple(w for w in khmercut.tokenize(run) if w)
    return out if "".join(out) == run else None


def words(run: str) -> tuple[str, ...]:
    """The words of a run of Khmer letters; the run whole if segmentation lost or added
    characters."""
    seg = segment(run)
    return seg if seg is not None else (run,)


def split(text: str) -> list[tuple[bool, str]]:
    """``text`` as (is_khmer_word, piece) pieces, in order; non-Khmer pieces kept as they are."""
    pieces: list[tuple[bool, str]] = []
    pos = 0
    for m in KHMER_RUN.finditer(text):
        if m.start() > pos:
            pieces.append((False, text[pos:m.start()]))
        pieces.extend((True, w) for w in words(m.group()))
        pos = m.end()
    if pos < len(text):
        pieces.append((False, text[pos:]))
    return pieces
