"""Khmer line breaking in the DOCX: word boundaries made explicit for Word and LibreOffice.

Word and LibreOffice find Khmer line breaks with their own dictionaries, which break
inside the project's words (LibreOffice, like ICU, ends 73 of 579 Khmer lines of the
km NAP inside one: កិច្ចការ|នារី, សសរ|ស្តម្ភ). So the DOCX says where breaks go: a
zero-width space between two words (as Khmer typists do in Word), a word joiner
(U+2060) between the syllables of a word. Both are invisible; docgen.khmer.INVISIBLE
lists them for whatever reads the text back (harvest, comparisons).
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..khmer import KHMER_RUN, joined, words

ZWSP = "\u200b"
# Signs that end a word or sentence stay on the line of the word before them.
_TRAILING = re.compile(r"[\u17d4-\u17d8\u17da]+")


def join_run(run: str) -> str:
    """A run of Khmer characters with its word boundaries and word joins marked."""
    out = ""
    for w in words(run):
        if out and not _TRAILING.fullmatch(w):
            out += ZWSP
        out += joined(w)
    return out


def join_text(text: str) -> str:
    return KHMER_RUN.sub(lambda m: join_run(m.group()), text) if KHMER_RUN.search(text) else text


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        t = node.get("t")
        if t == "Str":
            return {"t": "Str", "c": join_text(node["c"])}
        if t in ("Code", "CodeBlock", "RawInline", "RawBlock", "Math"):
            return node
        return {k: _walk(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(x) for x in node]
    return node


def join_khmer_json(ast_json: str) -> str:
    """pandoc's JSON AST with every Khmer text's line breaks made explicit."""
    if not KHMER_RUN.search(ast_json):
        return ast_json
    ast = json.loads(ast_json)
    return json.dumps({**ast, "blocks": _walk(ast["blocks"]), "meta": _walk(ast.get("meta", {}))},
                      ensure_ascii=False)
