"""Citations become footnotes, once, on the AST both backends share.

Templates write a citation as a span, ``[Situation Analysis Report ..., §3.2]{.cite}``,
right after the statement it supports, or as a paragraph of its own after a block
(a paragraph, a bilingual pair, a list). Here each becomes a pandoc ``Note``: a
real footnote in Word (footnotes.xml) and in Typst (``#footnote``). A citation
paragraph is attached to the end of the block before it, so its note mark follows
the text it sources instead of standing on a line of its own.
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


def _blocks(items: list[Node]) -> list[Node]:
    out: list[Node] = []
    for block in items:
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
