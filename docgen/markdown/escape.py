"""Escaping data for Pandoc Markdown, and the Jinja environment that enforces it.

Pandoc's Markdown has ``all_symbols_escapable``: a backslash before any ASCII
punctuation character makes it a literal character. Escaping *every* ASCII
punctuation character (not just the ones that look dangerous today) means no
data string can open emphasis, a link, a raw block (```{=openxml}``), a div, a
table cell, a heading, a list, math, a citation or HTML, and smart punctuation
(``--``, ``...``, quotes) stays as typed. Non-ASCII text (Khmer) is left as is.

The template environment (:mod:`docgen.markdown.render`) escapes every value a
template prints unless it is :class:`MD` (Markdown our own filters produced).
"""
from __future__ import annotations

import re
import string
from typing import Any, Iterable

from ..model.common import ID_PATTERN

_PUNCT = frozenset(string.punctuation)
_ESCAPES = {ord(c): "\\" + c for c in string.punctuation}
# Line breaks and tabs become spaces: a newline could start a block (heading,
# list, table row, fenced div) and a backslash before one is a hard break.
_WS = re.compile(r"[ \t\n\r\f\v\x85\u2028\u2029]+")
# Control characters have no place in a document (Word rejects most of them in XML).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PARA_SPLIT = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_ID = re.compile(ID_PATTERN)


class MD(str):
    """A string that is already valid Markdown: printed as is by templates."""

    __slots__ = ()


def fold(text: str) -> str:
    """What a data string looks like once rendered: whitespace runs as one space."""
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", str(text)))
    return _WS.sub(" ", text).strip(" ")


def md_inline(text: Any) -> MD:
    """Literal text for any inline position (paragraph, heading, table cell, span)."""
    if isinstance(text, MD):
        return text
    return MD(fold(text).translate(_ESCAPES))


def md_block(text: Any) -> MD:
    """Literal paragraphs: blank lines separate paragraphs, single newlines fold."""
    if isinstance(text, MD):
        return text
    paras = [md_inline(p) for p in _PARA_SPLIT.split(str(text))]
    return MD("\n\n".join(p for p in paras if p))


def md_id(value: Any) -> MD:
    """An ID for ``{#ID}``/bookmarks: IDs are validated, so refuse rather than escape."""
    value = str(value)
    if not _ID.fullmatch(value):
        raise ValueError(f"not a valid ID for a Markdown attribute: {value!r}")
    return MD(value)


def md_join(items: Iterable[Any], sep: str = ", ") -> MD:
    """Join data items: each escaped, the separator (template text) kept."""
    return MD(str(sep).join(md_inline(i) for i in items))


def _words(text: str) -> list[str]:
    """Words and the spaces between them; Khmer runs (written without spaces) segmented."""
    from ..khmer import split

    out: list[str] = []
    for part in re.split(r"( )", text):
        if part:
            out.extend(piece for _, piece in split(part))
    return out


def shorten(text: Any, width: int = 120) -> MD:
    """Shorten a data text on a word boundary (for table cells), then escape it.

    Khmer is cut between words too: a cut inside a syllable would leave a dangling
    subscript or vowel sign.
    """
    s = fold(text)
    if len(s) <= width:
        return md_inline(s)
    kept = ""
    for word in _words(s):
        if len(kept) + len(word) > width - 1:
            break
        kept += word
    kept = kept.rstrip(" ,;:") or s[:width - 1].rstrip()
    return md_inline(kept + "…")
