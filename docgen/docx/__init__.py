"""DOCX backend: Pandoc Markdown body + DocMeta -> a DOCX made for Word reviewers.

pandoc writes the document with a reference.docx generated from style.yaml
(:mod:`docgen.docx.reference`) and the shared Lua filter's DOCX branches;
:mod:`docgen.docx.postprocess` then fixes what pandoc cannot express and re-zips
the package deterministically.
"""
from __future__ import annotations

import calendar
import os
import tempfile
from pathlib import Path

from docgen.diagnostics import DocgenError
from docgen.docmeta import DocMeta

from docgen.fsutil import atomic_write_bytes
from docgen.i18n import LANGS
from docgen.markdown.reader import markdown_to_json
from docgen.pandoc import run_pandoc

from .khmer_join import join_khmer_json
from .postprocess import postprocess
from .reference import bilingual_columns, build_reference_docx, load_style, reference_docx_for

__all__ = ["write_docx", "docx_bytes", "build_reference_docx"]

LUA_FILTER = Path(__file__).resolve().parent.parent / "markdown" / "filters" / "docgen.lua"


def _check(markdown: str, meta: DocMeta) -> None:
    if not isinstance(markdown, str):
        raise DocgenError(f"write_docx: the Markdown body must be text, not {type(markdown).__name__}")
    if meta.lang not in LANGS:
        raise DocgenError(f"write_docx: unknown language variant '{meta.lang}' (one of {', '.join(LANGS)})")
    if "\x00" in markdown:
        raise DocgenError("write_docx: the Markdown body contains a NUL character")


def pandoc_docx(markdown: str, meta: DocMeta, reference: Path, resource_dir: Path | None,
                english_share: float = 44) -> bytes:
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = str(calendar.timegm(meta.date.timetuple()))
    contents = meta.labels.get("contents", "Contents")
    with tempfile.TemporaryDirectory(prefix="docgen-docx-") as tmp:
        out = Path(tmp) / "out.docx"
        # The body is read once (docgen.markdown.reader) and shared with the PDF backend.
        args = ["--from", "json", "--to", "docx", "--reference-doc", str(reference), "--lua-filter", str(LUA_FILTER),
                "--metadata", f"docgen-contents={contents}",
                "--metadata", f"docgen-bilingual-english={english_share:g}", "--output", str(out)]
        if resource_dir is not None:
            args += ["--resource-path", str(resource_dir)]
        run_pandoc(args, join_khmer_json(markdown_to_json(markdown)).encode("utf-8"), "writing the DOCX", env=env,
                   cwd=str(resource_dir) if resource_dir else None)
        return out.read_bytes()


def docx_bytes(markdown: str, meta: DocMeta, *, resource_dir: Path | None = None) -> bytes:
    """``markdown`` (a Pandoc Markdown body) as the bytes of a finished DOCX."""
    _check(markdown, meta)
    style = load_style()
    reference = reference_docx_for(meta)
    english, _khmer = bilingual_columns(style)
    return postprocess(pandoc_docx(markdown, meta, reference, resource_dir, english), meta, style)


def write_docx(markdown: str, out_path: Path, meta: DocMeta, *,
               resource_dir: Path | None = None) -> None:
    """Write ``markdown`` (a Pandoc Markdown body) as a DOCX at ``out_path``, atomically."""
    atomic_write_bytes(Path(out_path), docx_bytes(markdown, meta, resource_dir=resource_dir), "DOCX")
