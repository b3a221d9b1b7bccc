"""Citations become footnotes, once, on the AST both backends share.

Templates write a citation as a span, ``[Situation Analysis Report ..., §3.2]{.cite}``,
right after the statement it supports, or as a paragraph of its own after a block
(a paragraph, a bilingual pair, a list). Here each becomes a pandoc ``Note``: a
real footnote in Word (footnotes.xml) and in Typst (``#footnote``). A citation
paragraph is attached to the end of the block before it, so its note mark follows
the text it sources instead of standing on a line of its own.

Inside a table a citation becomes a table note instead: a superscript letter in the
cell, the same letter for the same source, and the notes listed under the table as a
source line. Tables cite the same few sources row after row, and footnotes in a table
that runs over many pages make Typst lay the table out again for every note (a
330-action plan's results framework: 94 s with footnotes, 8 s without).
"""
from __future__ import annotations

from typing import Any, Optional

Node = dict[str, Any]
CITE = "cite"


def _is_cite(node: Node) -> bool:
    return node.get("t") == "Span" and CITE in node["c"][0][1]


def _note(span: Node) -> Node:
    return {"t": "Note", "c": [{"t": "Para", "c": span["c"][1]}]}


def _inlines(items: list[Node]) -> list[Node]:
    out: list[Node] = []
    for node in items:
        if _is_cite(node):
            while out and out[-1].get("t") in ("Space", "SoftBreak"):
                out.pop()  # the note mark sits right after the text it sources
            out.append(_note(node))
        else:
            out.append(_walk(node))
    return out


def _only_cites(block: Node) -> Optional[list[Node]]:
    """The notes of a Para/Plain made of citations only (else None)."""
    if block.get("t") not in ("Para", "Plain"):
        return None
    items = [n for n in block["c"] if n.get("t") not in ("Space", "SoftBreak", "LineBreak")]
    if not items or not all(_is_cite(n) for n in items):
        return None
    return [_note(n) for n in items]


def _tail(block: Node) -> Optional[list[Node]]:
    """The inline list that ends ``block``, where a trailing note can go."""
    t = block.get("t")
    if t in ("Para", "Plain"):
        return block["c"]
    if t == "Div":
        for child in reversed(block["c"][1]):
            found = _tail(child)
            if found is not None:
                return found
        return None
    if t in ("BulletList", "OrderedList"):
        items = block["c"] if t == "BulletList" else block["c"][1]
        if items and items[-1]:
            return _tail(items[-1][-1])
    return None


def _letter(n: int) -> str:
    """a, b, ... z, aa, ab, ..."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def _table_notes(block: Node) -> tuple[Node, Optional[Node]]:
    """``block`` (a table, or a figure holding one) with its citations as lettered marks,
    and the paragraph listing them (None when it cites nothing)."""
    letters: dict[str, str] = {}
    sources: list[list[Node]] = []

    def mark(span: Node) -> Node:
        key = repr(span["c"][1])
        if key not in letters:
            letters[key] = _letter(len(letters))
            sources.append(span["c"][1])
        return {"t": "Superscript", "c": [{"t": "Str", "c": letters[key]}]}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            out = []
            for x in node:
                if isinstance(x, dict) and _is_cite(x):
                    while out and isinstance(out[-1], dict) and out[-1].get("t") in ("Space", "SoftBreak"):
                        out.pop()
                    out.append(mark(x))
                else:
                    out.append(walk(x))
            return out
        if isinstance(node, dict):
            if node.get("t") in ("Str", "RawInline", "RawBlock", "Code", "CodeBlock", "Math"):
                return node
            return {k: walk(v) for k, v in node.items()}
        return node

    table = walk(block)
    if not sources:
        return table, None
    listed: list[Node] = []
    for i, source in enumerate(sources):
        if i:
            listed += [{"t": "Str", "c": ";"}, {"t": "Space"}]
        listed += [{"t": "Superscript", "c": [{"t": "Str", "c": _letter(i)}]}, {"t": "Space"}, *source]
    return table, {"t": "Para", "c": [{"t": "Span", "c": [["", ["source"], []], listed]}]}


def _blocks(items: list[Node]) -> list[Node]:
    out: list[Node] = []
    for block in items:
        if block.get("t") in ("Table", "Figure") and _has_table(block):
            table, listing = _table_notes(block)
            out.append(table)
            if listing is not None:
                out.append(listing)
            continue
        notes = _only_cites(block)
        if notes is not None:
            tail = _tail(out[-1]) if out else None
            if tail is not None:
                tail.extend(notes)
                continue
            out.append({"t": block["t"], "c": notes})
            continue
        out.append(_walk(block))
    return out


def _has_table(block: Node) -> bool:
    if block.get("t") == "Table":
        return True
    return block.get("t") == "Figure" and any(b.get("t") == "Table" for b in block["c"][2])


def _walk(node: Any) -> Any:
    if isinstance(node, list):
        if node and all(isinstance(x, dict) and "t" in x for x in node):
            if any(x["t"] in _BLOCKS for x in node):
                return _blocks(node)
            return _inlines(node)
        return [_walk(x) for x in node]
    if isinstance(node, dict):
        if node.get("t") in ("Str", "RawInline", "RawBlock", "Code", "CodeBlock", "Math"):
            return node
        return {k: _walk(v) for k, v in node.items()}
    return node


_BLOCKS = {"Para", "Plain", "Div", "Header", "BulletList", "OrderedList", "Table", "BlockQuote",
           "CodeBlock", "RawBlock", "HorizontalRule", "LineBlock", "DefinitionList", "Figure"}


def cites_to_notes(ast: Node) -> Node:
    """The document with every ``.cite`` span turned into a footnote (in place and returned)."""
    ast["blocks"] = _blocks(ast["blocks"])
    return ast
