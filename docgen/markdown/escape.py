"""Escaping data for Pandoc Markdown, and the Jinja environment that enforces it.

Pandoc's Markdown has ``all_symbols_escapable``: a backslash before any ASCII
punctuation character makes it a literal character. Escaping *every* ASCII
punctuation character (not just the ones that look dangerous today) means no
data string can open emphasis, a link, a raw block (```{=openxml}``), a div, a
table cell, a heading, a list, math, a citation or HTML, and smart punctuation
(``--``, ``...``, quotes) stays as typed. Non-ASCII text (Khmer) is left as is.

Templates never see a raw data string they could print by mistake: the
environment's ``finalize`` hook escapes every value printed with ``{{ }}``
unless it is :class:`MD` (Markdown that our own filters produced).
"""
from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any, Iterable

import jinja2
import jinja2.runtime

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


def shorten(text: Any, width: int = 120) -> MD:
    """Shorten a data text on a word boundary (for table cells), then escape it."""
    s = fold(text)
    if len(s) > width:
        cut = s[:width].rsplit(" ", 1)[0] if " " in s[:width] else s[:width]
        s = cut.rstrip(" ,;:") + "…"
    return md_inline(s)


def _finalize(value: Any) -> str:
    if isinstance(value, MD):
        return value
    if value is None:
        # A None is a missing value the template should have tested with {% if %}.
        raise jinja2.TemplateRuntimeError("a template printed None (test optional values with {% if %})")
    return md_inline(value)


class MarkdownEnvironment(jinja2.Environment):
    """Jinja for Pandoc Markdown: strict undefined, every printed value escaped."""


# A macro's output is made of template text and finalized (escaped) values, so it
# is trusted Markdown; without this, {{ my_macro(x) }} would be escaped a second time.
# Scoped to our environment class so other Jinja users in the process are unaffected.
_orig_invoke = jinja2.runtime.Macro._invoke


def _invoke(self, arguments, autoescape):
    rv = _orig_invoke(self, arguments, autoescape)
    if isinstance(self._environment, MarkdownEnvironment) and isinstance(rv, str):
        return MD(rv)
    return rv


if not getattr(jinja2.runtime.Macro._invoke, "_docgen", False):
    _invoke._docgen = True
    jinja2.runtime.Macro._invoke = _invoke

# Filters that would turn data into unescaped text, or that HTML-escape, are removed.
_UNSAFE_FILTERS = ("safe", "escape", "e", "forceescape", "urlize", "xmlattr", "tojson", "indent", "wordwrap")


def make_env(template_dirs: Iterable[Path]) -> MarkdownEnvironment:
    env = MarkdownEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in template_dirs]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    for name in _UNSAFE_FILTERS:
        env.filters.pop(name, None)
    env.filters.update(md=md_inline, mdblock=md_block, id=md_id, join=md_join, shorten=shorten)
    return env
