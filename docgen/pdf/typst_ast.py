"""Give the Markdown contract's constructs their Typst form, on pandoc's JSON AST.

The DOCX backend does the same for Word in the Lua filter; here it is Python
because the PDF path also segments Khmer words (khmercut) on the same pass.

Everything emitted as raw Typst is our own markup around the document's content:
no text from data is ever placed in raw Typst, except Khmer words (letters of the
Khmer block only, which have no meaning in Typst markup) and literal runs such as
"..." that we quote as Typst strings with escaping.
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..docx.reference import load_style

from ..khmer import KHMER_RUN, protect_text, split
from .tables import BILINGUAL_GUTTER_EM, break_tall_rows, fit_table, text_widths

Node = dict[str, Any]

# Typst turns these into typographic symbols ("..." -> ellipsis, "-?" -> soft hyphen)
# and pandoc's Typst writer leaves them unescaped; data must show as written.
_SHORTHANDS = ("...", "-?")
_MINUS = re.compile(r"-(?=\d)")


def raw_block(text: str) -> Node:
    return {"t": "RawBlock", "c": ["typst", text]}


def raw_inline(text: str) -> Node:
    return {"t": "RawInline", "c": ["typst", text]}


def raw_expr(text: str) -> Node:
    """An inline Typst expression, ended with ';' so that text after it ('.x', '(a)', '[b]')
    is read as text, not as a field access, a call or another argument."""
    return raw_inline(text + ";")


def typst_string(text: str) -> str:
    """A Typst string literal (same escapes as JSON for what we need)."""
    return json.dumps(text, ensure_ascii=False)


def _attr(node: Node) -> tuple[str, list[str], dict[str, str]]:
    ident, classes, kvs = node["c"][0]
    return ident, classes, dict(kvs)


_INLINE_STYLE = {
    "pending": "docgen-pending",
    "placeholder": "docgen-placeholder",
    "source": "docgen-source",
    "note": "docgen-note",
    "proposal": "docgen-proposal",
}
_COVER_PARTS = ("kingdom", "ministry", "title", "subtitle", "status", "supported", "period", "date")


# Khmer signs that end a word or sentence (khan ។, bariyoosan ៕, colon ៖, repetition ៗ...):
# khmercut returns them as words of their own, but a line must never start with one.
_KHMER_TRAILING = re.compile(r"[\u17d4-\u17d8\u17da]+")  # not ៙ (U+17D9), which opens a text


def _words(text: str) -> list[tuple[bool, str]]:
    """split(text), with trailing Khmer signs joined to the word before them, or kept as
    plain text after anything else (no break opportunity before them, unlike a word box)."""
    out: list[tuple[bool, str]] = []
    for is_khmer, piece in split(text):
        if is_khmer and _KHMER_TRAILING.fullmatch(piece):
            if out and out[-1][0]:
                out[-1] = (True, out[-1][1] + piece)
            else:
                out.append((False, piece))
        else:
            out.append((is_khmer, piece))
    return out


def _ids(node: Any, found: set[str]) -> set[str]:
    """Every identifier (heading, div, span) in the AST: the labels Typst can link to."""
    if isinstance(node, dict):
        if node.get("t") in ("Header", "Div", "Span", "Table", "Figure"):
            attr = node["c"][1] if node["t"] == "Header" else node["c"][0]
            if attr and attr[0]:
                found.add(attr[0])
        for value in node.values():
            _ids(value, found)
    elif isinstance(node, list):
        for item in node:
            _ids(item, found)
    return found


class TypstTransform:
    def __init__(self, box_khmer: bool = True):
        self.box_khmer = box_khmer
        self.labels: set[str] | None = None  # set by document(); None: do not check links
        # Where a table being written sits: its width in points, and whether it is the
        # matrix (whose columns docgen.context.matrix declares).
        style = load_style()
        self._style = style
        self._page_widths = text_widths(style)
        self._table_size = float(style["sizes"]["table"])
        self._gutter = BILINGUAL_GUTTER_EM * float(style["sizes"]["body"])
        self._widths: list[tuple[float, bool]] = [(self._page_widths["portrait"], False)]

    # --- inlines ---------------------------------------------------------------

    def _str(self, text: str, in_heading: bool) -> list[Node]:
        if not KHMER_RUN.search(text):
            return self._literal(text)
        if not self.box_khmer:
            # Plain text: a zero-width space between words and a word joiner where a Khmer
            # dictionary would break inside one (khmer.protect).
            return self._literal(protect_text(text, mark_words=True))
        # Headings too: Typst's PDF bookmarks and outline keep the text of boxes, and its own
        # Khmer dictionary breaks inside words a joiner would not protect (ស៊ី|វិល).
        out: list[Node] = []
        raw: list[str] = []  # consecutive Khmer words (and the spaces between them) as one raw run
        for is_khmer, piece in _words(text):
            if is_khmer:
                if raw and raw[-1].startswith("#box"):
                    raw.append("\u200b")  # a break opportunity between two words
                raw.append(f"#box[{piece}]")  # an unbreakable word (Khmer letters only: no markup)
            elif piece.strip(" ") == "" and raw:
                raw.append(piece)
            else:
                if raw:
                    out.append(raw_expr("".join(raw)))
                    raw = []
                out += self._literal(piece)
        if raw:
            out.append(raw_expr("".join(raw)))
        return out

    @staticmethod
    def _literal(text: str) -> list[Node]:
        if not any(s in text for s in _SHORTHANDS) and not _MINUS.search(text):
            return [{"t": "Str", "c": text}]
        out, buf, i = [], "", 0
        while i < len(text):
            for s in _SHORTHANDS:
                if text.startswith(s, i):
                    if buf:
                        out.append({"t": "Str", "c": buf})
                        buf = ""
                    out.append(raw_expr(f"#{typst_string(s)}"))
                    i += len(s)
                    break
            else:
                if _MINUS.match(text, i) and (i == 0 or not text[i - 1].isalnum()):
                    if buf:
                        out.append({"t": "Str", "c": buf})
                        buf = ""
                    out.append(raw_inline("\\-"))  # an escaped hyphen: Typst shows '-1' as '−1'
                else:
                    buf += text[i]
                i += 1
        if buf:
            out.append({"t": "Str", "c": buf})
        return out

    def inlines(self, items: list[Node], in_heading: bool = False) -> list[Node]:
        out: list[Node] = []
        for node in items:
            t = node.get("t")
            if t == "Str":
                out += self._str(node["c"], in_heading)
            elif t == "Span":
                out += self._span(node, in_heading)
            elif t == "Image" and "chart" in node["c"][0][1] and _CHART_FILE.fullmatch(node["c"][2][0]):
                # A participation chart: drawn by Typst from its data (vector, searchable text);
                # the PNG beside it is the DOCX's. The name is ours (checked), quoted as a string.
                data = node["c"][2][0].rsplit(".", 1)[0] + ".json"
                out.append(raw_expr(f"#docgen-chart(json({typst_string(data)}))"))
            elif t == "Link" and self._dangling(node):
                # Typst refuses a link to a label that does not exist: keep the text only.
                out += self.inlines(node["c"][1], in_heading)
            else:
                out.append(self._walk_children(node, in_heading))
                if t in _EXPRESSION_INLINES:
                    out.append(raw_inline(";"))  # end pandoc's '#link(..)[..]' etc. (see raw_expr)
        return out

    def _dangling(self, node: Node) -> bool:
        target = node["c"][2][0]
        return self.labels is not None and target.startswith("#") and target[1:] not in self.labels

    def _span(self, node: Node, in_heading: bool) -> list[Node]:
        ident, classes, kvs = _attr(node)
        if "linebreak" in classes:
            return [{"t": "LineBreak"}]
        body = self.inlines(node["c"][1], in_heading)
        wrappers = [_INLINE_STYLE[c] for c in classes if c in _INLINE_STYLE]
        if kvs.get("lang", "").startswith("km"):
            wrappers.append("docgen-km-inline")
        if not wrappers:
            node = {"t": "Span", "c": [node["c"][0], body]}
            return [node]
        # '#[];' first: a span starting with '/ ', '= ', '- ' or '+ ' is not a term, heading or list
        # (';' ends the empty block, so a span starting with '.a' is not a field access).
        opened = "".join(f"#{w}[" for w in wrappers) + "#[];"
        return [raw_inline(opened), *body, raw_expr("]" * len(wrappers))]

    # --- blocks ----------------------------------------------------------------

    def blocks(self, items: list[Node]) -> list[Node]:
        out: list[Node] = []
        for node in items:
            if node.get("t") == "Div":
                out += self._div(node)
            elif node.get("t") == "Header":
                level, attr, inl = node["c"]
                out.append({"t": "Header", "c": [level, attr, self.inlines(inl, in_heading=True)]})
            elif node.get("t") == "Table":
                width, matrix = self._widths[-1]
                fitted = break_tall_rows(node, width, self._style) if matrix else fit_table(node, width, self._table_size)
                out.append(self._walk_children(fitted, False))
            else:
                out.append(self._walk_children(node, False))
        return out

    def _div(self, node: Node) -> list[Node]:
        ident, classes, kvs = _attr(node)
        children = node["c"][1]
        label = f" <{ident}>" if ident else ""
        if "toc" in classes:
            return [raw_block("#docgen-toc()" + label)]
        if "pagebreak" in classes:
            return [raw_block("#pagebreak(weak: true)")]
        if "bilingual" in classes:
            cols = [c for c in children if c.get("t") == "Div"]
            if len(cols) == 2:
                return self._bilingual(cols, label)
        wrapper = None
        if "landscape" in classes:
            wrapper = "docgen-landscape"
        elif "matrix" in classes:
            wrapper = "docgen-matrix"
        elif "cover" in classes:
            wrapper = "docgen-cover"
        else:
            part = next((c for c in classes if c in _COVER_PARTS), None)
            if part:
                wrapper = f'docgen-cover-part({typst_string(part)})'
        lang = kvs.get("lang", "")
        if "landscape" in classes:
            self._widths.append((self._page_widths["landscape"], self._widths[-1][1]))
        elif "matrix" in classes:
            self._widths.append((self._widths[-1][0], True))
        else:
            self._widths.append(self._widths[-1])
        try:
            body = self.blocks(children)
        finally:
            self._widths.pop()
        if wrapper is None and not lang:
            return [{"t": "Div", "c": [node["c"][0], body]}]
        # Our own wrapper for every language, never pandoc's '#set text(lang: ..);' prefix:
        # that would put a heading after it in mid-line, where Typst prints its '=' marks.
        lang_open = ["#docgen-km["] if lang.startswith("km") else [f"#docgen-lang({typst_string(lang)})["] if lang else []
        opens = ([f"#{wrapper}["] if wrapper else []) + lang_open
        return [raw_block("".join(opens)), *body, raw_block("]" * len(opens) + label)]

    def _bilingual(self, cols: list[Node], label: str) -> list[Node]:
        """Two columns side by side. A heading pair (each column opening with a heading) is one
        entry of the outline and PDF bookmarks, "English / Khmer": a hidden heading carries it,
        and the visible pair stays with what follows."""
        heads = [c["c"][1][0] if c["c"][1] and c["c"][1][0].get("t") == "Header" else None for c in cols]
        outer, matrix = self._widths[-1]
        self._widths.append(((outer - self._gutter) / 2, matrix))
        try:
            left, right = (self.blocks([c]) for c in cols)
        finally:
            self._widths.pop()
        if heads[0] is None or heads[1] is None:
            return [raw_block("#docgen-bilingual["), *left, raw_block("]["), *right, raw_block("]" + label)]
        level = heads[0]["c"][0]
        entry = [*self.inlines(heads[0]["c"][2], in_heading=True), {"t": "Str", "c": " / "},
                 *self.inlines(heads[1]["c"][2], in_heading=True)]
        # One line, so the entry has no space before or after it (the bookmark shows it as is).
        opening = {"t": "Plain", "c": [raw_inline(f"#docgen-bilingual-heading({level}, ["), *entry, raw_inline("])[")]}
        return [opening, *left, raw_block("]["), *right, raw_block("]" + label)]

    # --- generic -----------------------------------------------------------------

    def _walk_children(self, node: Any, in_heading: bool) -> Any:
        if isinstance(node, list):
            if node and all(isinstance(x, dict) and "t" in x for x in node):
                kinds = {x["t"] for x in node}
                if kinds & _BLOCK_TYPES:
                    return self.blocks(node)
                if kinds & _INLINE_TYPES:
                    return self.inlines(node, in_heading)
            return [self._walk_children(x, in_heading) for x in node]
        if isinstance(node, dict):
            if node.get("t") in ("RawBlock", "RawInline", "Code", "CodeBlock", "Math"):
                return node
            return {k: self._walk_children(v, in_heading) for k, v in node.items()}
        return node

    def document(self, ast: Node) -> Node:
        self.labels = _ids(ast["blocks"], set())
        return {**ast, "blocks": self.blocks(ast["blocks"])}


_CHART_FILE = re.compile(r"chart(_[A-Za-z0-9_]+)?\.png")

# Inlines pandoc's Typst writer emits as '#function(..)[..]' expressions.
_EXPRESSION_INLINES = {"Link", "Image", "Note", "Strikeout", "Underline", "Superscript", "Subscript", "SmallCaps"}

_BLOCK_TYPES = {"Para", "Plain", "Div", "Header", "BulletList", "OrderedList", "Table", "BlockQuote",
                "CodeBlock", "RawBlock", "HorizontalRule", "LineBlock", "DefinitionList", "Figure"}
_INLINE_TYPES = {"Str", "Space", "SoftBreak", "LineBreak", "Emph", "Strong", "Span", "Link", "Code",
                 "RawInline", "Image", "Note", "Quoted", "Cite", "Underline", "Strikeout", "Superscript",
                 "Subscript", "SmallCaps", "Math"}
