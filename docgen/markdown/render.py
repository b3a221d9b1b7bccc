"""Stage 4: render a template context to Pandoc Markdown.

Safety by construction: the environment's ``finalize`` hook sees every value a
template prints with ``{{ }}``. :class:`MD` (Markdown made by our own filters or
macros) is printed as is; a :class:`Tx` is rendered for the document's
language (Khmer in ``[...]{lang=km}``, a missing Khmer text as the English one
flagged ``.pending``); anything else, including string literals, is escaped
with :func:`md_inline`. A template author cannot forget to escape.

Template syntax notes: Jinja comments are ``{## ... ##}`` (``{#`` starts every
Pandoc identifier); use ``{{ x|id }}`` for identifiers (validated, not escaped).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Optional

import jinja2
import jinja2.runtime

from .. import i18n, khmer
from ..context.values import Tx, tx
from ..diagnostics import DocgenError
from ..model.common import Text
from .escape import MD, md_id, md_inline, md_join, shorten

_PACKAGE = Path(__file__).resolve().parent.parent


def _templates_dir() -> Path:
    """The templates: ``docgen/templates`` in an installed wheel, the repository's
    top-level ``templates/`` in a source checkout (setup.py maps one onto the other)."""
    installed = _PACKAGE / "templates"
    return installed if installed.is_dir() else _PACKAGE.parent / "templates"


TEMPLATES = _templates_dir()


def km_span(text: str) -> MD:
    return MD(f"[{md_inline(text)}]{{lang=km}}")


def pending(en: str, short: bool = False) -> MD:
    """English shown for a missing Khmer text, flagged in red with a Khmer label."""
    label = f"\\[{km_span(i18n.label('translation_pending', 'km'))}\\]"
    if short:
        return MD(f"[{label}]{{.pending}}")
    return MD(f"[{md_inline(en)} {label}]{{.pending}}")


def stale(km: MD) -> MD:
    """A Khmer text that translates an older English one, flagged like a missing one."""
    label = f"\\[{km_span(i18n.label('translation_stale', 'km'))}\\]"
    return MD(f"[{km} {label}]{{.pending}}")


def render_tx(value: Tx, lang: str, width: Optional[int] = None) -> MD:
    """One Tx in ``en``, ``km``, or (``en-km``, inline) both, separated by a slash."""
    esc = (lambda s: shorten(s, width)) if width else md_inline
    if lang == "en":
        return esc(value.en)
    if lang == "km":
        if value.km and value.stale:
            return stale(MD(f"[{esc(value.km)}]{{lang=km}}"))
        if value.km:
            return MD(f"[{esc(value.km)}]{{lang=km}}") if value.km != value.en else esc(value.km)
        return esc(value.en) if value.en_ok_in_km else pending(value.en if not width else shorten(value.en, width))
    if lang == "en-km":
        if value.km == value.en or value.numeric or (not value.km and value.en_ok_in_km):
            return esc(value.en)
        if not value.km:
            return MD(f"{esc(value.en)} {pending(value.en, short=True)}")
        km = MD(f"[{esc(value.km)}]{{lang=km}}")
        return MD(f"{esc(value.en)} / {stale(km) if value.stale else km}")
    raise ValueError(f"unknown language {lang!r}")


def _as_tx(value: Any) -> Optional[Tx]:
    if isinstance(value, Tx):
        return value
    if isinstance(value, Text):
        return tx(value)
    return None


@jinja2.pass_context
def _finalize(ctx, value: Any) -> str:
    if isinstance(value, MD):
        return value
    if value is None:
        # A None is a missing value the template should have tested with {% if %}.
        raise jinja2.TemplateRuntimeError("a template printed None (test optional values with {% if %})")
    t = _as_tx(value)
    if t is not None:
        return render_tx(t, ctx["lang"])
    if isinstance(value, int) and not isinstance(value, bool):
        # A count or a year printed as is: Khmer digits in the Khmer variant.
        return md_inline(i18n.digits(value, ctx["lang"]))
    return md_inline(value)


@jinja2.pass_context
def _t(ctx, value: Any, lang: Optional[str] = None, width: Optional[int] = None) -> MD:
    """``{{ x|t }}``, ``{{ x|t("km") }}``, ``{{ x|t(width=60) }}`` (shortened for a table cell)."""
    t = _as_tx(value)
    if t is None:
        return shorten(value, width) if width else md_inline(value)
    return render_tx(t, lang or ctx["lang"], width)


@jinja2.pass_context
def _tblock(ctx, value: Any, lang: Optional[str] = None) -> MD:
    """A multi-paragraph text: blank lines in the data separate paragraphs."""
    t = _as_tx(value) or tx(str(value))
    lang = lang or ctx["lang"]
    split = lambda s: [p for p in (s or "").replace("\r", "").split("\n\n") if p.strip()]  # noqa: E731
    if lang == "km" and t.km:
        mark = stale if t.stale else (lambda m: m)
        return MD("\n\n".join(mark(km_span(p)) for p in split(t.km)))
    if lang == "km" and not t.en_ok_in_km:
        return MD("\n\n".join(pending(p) for p in split(t.en)))
    return MD("\n\n".join(md_inline(p) for p in split(t.en)))


@jinja2.pass_context
def _tjoin(ctx, items: Iterable[Any], lang: Optional[str] = None, sep: str = ", ") -> MD:
    return MD(str(sep).join(_t(ctx, i, lang) for i in items))


def _hashes(n: int) -> MD:
    return MD("#" * int(n))


@jinja2.pass_context
def _link(ctx, target: str, text: Any = None, lang: Optional[str] = None) -> MD:
    """An internal link ``[text](#ID)``; the text (a Tx or a string) defaults to the ID."""
    shown = _t(ctx, text if text is not None else target, lang)
    return MD(f"[{shown}](#{md_id(target)})")


class MarkdownEnvironment(jinja2.Environment):
    """Jinja for Pandoc Markdown: strict undefined, every printed value escaped."""


# A macro's output is made of template text and finalized (escaped) values, so it
# is trusted Markdown; without this, {{ my_macro(x) }} would be escaped a second time.
# Scoped to our environment class, so other Jinja users in the process are unaffected.
_orig_invoke = jinja2.runtime.Macro._invoke


def _invoke(self, arguments, autoescape):
    rv = _orig_invoke(self, arguments, autoescape)
    if isinstance(self._environment, MarkdownEnvironment) and isinstance(rv, str):
        return MD(rv)
    return rv


if not getattr(jinja2.runtime.Macro._invoke, "_docgen", False):
    _invoke._docgen = True
    jinja2.runtime.Macro._invoke = _invoke

# Filters that would print data unescaped, or escape it for HTML instead of Markdown.
_UNSAFE_FILTERS = ("safe", "escape", "e", "forceescape", "urlize", "xmlattr", "tojson", "indent", "wordwrap")


def make_env(template_dirs: Iterable[Path] = (TEMPLATES,)) -> MarkdownEnvironment:
    env = MarkdownEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in template_dirs]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        comment_start_string="{##",
        comment_end_string="##}",
    )
    for name in _UNSAFE_FILTERS:
        env.filters.pop(name, None)
    env.filters.update(md=md_inline, id=md_id, join=md_join, shorten=shorten,
                       t=_t, tblock=_tblock, tjoin=_tjoin, link=_link)
    env.globals.update(hashes=_hashes, link=_link)
    return env


_ENV: Optional[MarkdownEnvironment] = None


def render(template: str, context: dict) -> str:
    """Render ``templates/<template>`` with ``context`` (which must hold ``lang``)."""
    global _ENV
    if _ENV is None:
        _ENV = make_env()
    try:
        text = _ENV.get_template(template).render(context)
    except jinja2.TemplateNotFound as exc:
        raise DocgenError(f"template not found: {exc.name} (looked in {TEMPLATES})") from None
    except jinja2.TemplateError as exc:
        where = f"{getattr(exc, 'filename', None) or template}:{getattr(exc, 'lineno', '') or ''}"
        raise DocgenError(f"{where}: template error: {exc}") from None
    # Collapse runs of blank lines the template logic leaves; Markdown does not need them.
    lines, blank = [], 0
    for line in text.splitlines():
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip())
    # One spelling per Khmer word in every document, whatever the data, labels or templates wrote.
    # and ៖, not ':', after Khmer labels and texts.
    return khmer.khmer_colons(khmer.normalise("\n".join(lines).strip() + "\n"))
