"""DOCX backend: Pandoc Markdown body + DocMeta -> a DOCX made for Word reviewers.

pandoc writes the document with a reference.docx generated from style.yaml
(:mod:`docgen.docx.reference`) and the shared Lua filter's DOCX branches;
:mod:`docgen.docx.postprocess` then fixes what pandoc cannot express and re-zips
the package deterministically.
"""
from __future__ import annotations

import calendar
import os
import subprocess
import tempfile
from pathlib import Path

from docgen.diagnostics import DocgenError
from docgen.docmeta import DocMeta

from docgen.markdown.reader import markdown_to_json

from .postprocess import postprocess
from .reference import build_reference_docx, load_style, pandoc_path, reference_docx_for

__all__ = ["write_docx", "build_reference_docx"]

LUA_FILTER = Path(__file__).resolve().parent.parent / "markdown" / "filters" / "docgen.lua"
LANGS = ("en", "km", "en-km")
PANDOC_TIMEOUT = 300


def _check(markdown: str, meta: DocMeta) -> None:
    if not isinstance(markdown, str):
        raise DocgenError(f"write_docx: the Markdown body must be text, not {type(markdown).__name__}")
    if meta.lang not in LANGS:
        raise DocgenError(f"write_docx: unknown language variant '{meta.lang}' (one of {', '.join(LANGS)})")
    if "\x00" in markdown:
        raise DocgenError("write_docx: the Markdown body contains a NUL character")


def run_pandoc(markdown: str, meta: DocMeta, reference: Path, resource_dir: Path | None) -> bytes:
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = str(calendar.timegm(meta.date.timetuple()))
    contents = meta.labels.get("contents", "Contents")
    with tempfile.TemporaryDirectory(prefix="docgen-docx-") as tmp:
        out = Path(tmp) / "out.docx"
        # The body is read once (docgen.markdown.reader) and shared with the PDF backend.
        cmd = [pandoc_path(), "--from", "json", "--to", "docx",
               "--reference-doc", str(reference), "--lua-filter", str(LUA_FILTER),
               "--metadata", f"docgen-contents={contents}", "--output", str(out)]
        if resource_dir is not None:
            cmd += ["--resource-path", str(resource_dir)]
        try:
            proc = subprocess.run(cmd, input=markdown_to_json(markdown).encode("utf-8"), capture_output=True,
                                  env=env, timeout=PANDOC_TIMEOUT,
                                  cwd=str(resource_dir) if resource_dir else None)
        except subprocess.TimeoutExpired:
            raise DocgenError(f"pandoc took longer than {PANDOC_TIMEOUT} s writing the DOCX") from None
        except OSError as exc:
            raise DocgenError(f"cannot run pandoc: {exc}") from None
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip()
            raise DocgenError(f"pandoc failed writing the DOCX: {msg}")
        return out.read_bytes()


def write_docx(markdown: str, out_path: Path, meta: DocMeta, *,
               resource_dir: Path | None = None) -> None:
    """Write ``markdown`` (a Pandoc Markdown body) as a DOCX at ``out_path``, atomically."""
    _check(markdown, meta)
    out_path = Path(out_path)
    style = load_style()
    reference = reference_docx_for(meta)
    data = postprocess(run_pandoc(markdown, meta, reference, resource_dir), meta, style)
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, out_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise DocgenError(f"{out_path}: cannot write the DOCX: {exc}") from None
