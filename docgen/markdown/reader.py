"""Read a Markdown body into pandoc's JSON AST once, for every backend.

Two reasons this is its own stage:
- Speed. pandoc's ``markdown`` reader takes ~0.9 s on the Khmer NAP (100 KB, a
  thousand ``[..]{lang=km}`` spans); ``commonmark_x`` reads the same body in
  ~0.17 s and gives the same AST but for one thing, pipe-table column widths.
  Both backends (DOCX and Typst) then start from the cached AST.
- Table widths. pandoc's own reader sizes pipe-table columns by the dashes of the
  separator row; commonmark_x leaves them default. We compute them the same way
  and put them back into the AST, so templates keep sizing columns with dashes.
"""
from __future__ import annotations

import json
import re
import threading
from concurrent.futures import Future
from typing import Optional

from ..pandoc import run_pandoc
from .notes import cites_to_notes

# Only the extensions the Markdown contract uses: no automatic heading IDs (only explicit
# IDs may become bookmarks), no smart quotes/emoji/math (data is literal text).
READER = ("commonmark_x-gfm_auto_identifiers-implicit_header_references-smart-emoji"
          "-tex_math_dollars-task_lists-alerts-yaml_metadata_block+implicit_figures")

_SEPARATOR = re.compile(r"^\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?\s*)?\|?\s*$")


def pipe_table_widths(markdown: str, columns: int = 72) -> list[Optional[list[float]]]:
    """Column widths of each pipe table, in order, as pandoc's Markdown reader sets them:
    relative to the length of each separator cell when a line of the table is longer than
    ``columns``, else None (default widths)."""
    lines = markdown.splitlines()
    widths: list[Optional[list[float]]] = []
    for i, line in enumerate(lines):
        if i == 0 or "-" not in line or "|" not in line or not _SEPARATOR.match(line):
            continue
        end = i + 1
        while end < len(lines) and lines[end].lstrip().startswith("|"):
            end += 1
        if max(len(l) for l in lines[i - 1:end]) <= columns:
            widths.append(None)
            continue
        # pandoc measures each separator cell without the spaces around it
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        total = sum(len(c) for c in cells)
        widths.append([len(c) / total for c in cells])
    return widths


def _set_widths(ast: dict, widths: list[Optional[list[float]]]) -> None:
    tables = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("t") == "Table":
                tables.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(ast["blocks"])
    if len(tables) != len(widths):
        return  # a table not written as a pipe table: keep pandoc's defaults rather than guess
    for table, cols in zip(tables, widths):
        colspecs = table["c"][2]
        if cols is not None and len(colspecs) == len(cols):
            for spec, width in zip(colspecs, cols):
                spec[1] = {"t": "ColWidth", "c": width}


def _read(markdown: str) -> str:
    out = run_pandoc(["--from", READER, "--to", "json"], markdown.encode("utf-8"), "reading the Markdown")
    ast = json.loads(out)
    _set_widths(ast, pipe_table_widths(markdown))
    cites_to_notes(ast)  # after the widths: they match tables in document order
    return json.dumps(ast, ensure_ascii=False)


_lock = threading.Lock()
_cache: dict[str, Future] = {}
_CACHE_SIZE = 16


def markdown_to_json(markdown: str) -> str:
    """The pandoc JSON AST of ``markdown``; concurrent callers with the same body share one read."""
    with _lock:
        fut = _cache.get(markdown)
        owner = fut is None
        if owner:
            fut = _cache[markdown] = Future()
            while len(_cache) > _CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
    if owner:
        try:
            fut.set_result(_read(markdown))
        except BaseException as exc:
            fut.set_exception(exc)
            with _lock:
                _cache.pop(markdown, None)
    return fut.result()


def forget() -> None:
    """Drop the cached ASTs (a worker process does, between documents: a large plan's AST
    takes hundreds of megabytes)."""
    with _lock:
        _cache.clear()
