"""Khmer line breaking in the DOCX: no line break inside one of the project's words.

Word and LibreOffice find Khmer line breaks with their own dictionaries, which break
inside the project's words (LibreOffice, like ICU, ended 73 of 579 Khmer lines of the
km NAP inside one: កិច្ចការ|នារី, សសរ|ស្តម្ភ). The DOCX writer puts a word joiner
(U+2060) exactly where ICU's Khmer line breaker, which LibreOffice uses, would break
inside a word (docgen.khmer.protect), and nowhere else, so Find still matches most
words. The joiner is invisible; whatever reads DOCX text back (harvest, comparisons)
removes it with docgen.khmer.strip_invisible.
"""
from __future__ import annotations

import json
from typing import Any

from ..khmer import KHMER_RUN, protect_text


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        t = node.get("t")
        if t == "Str":
            return {"t": "Str", "c": protect_text(node["c"])}
        if t in ("Code", "CodeBlock", "RawInline", "RawBlock", "Math"):
            return node
        return {k: _walk(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(x) for x in node]
    return node


def join_khmer_json(ast_json: str) -> str:
    """pandoc's JSON AST with word joiners where a line must not break inside a Khmer word."""
    if not KHMER_RUN.search(ast_json):
        return ast_json
    ast = json.loads(ast_json)
    return json.dumps({**ast, "blocks": _walk(ast["blocks"])}, ensure_ascii=False)
