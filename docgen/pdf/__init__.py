"""PDF backend: Pandoc Markdown body + DocMeta -> PDF, through Typst.

The body is read once into pandoc's AST (shared with the DOCX backend), given
the Typst form of the Markdown contract's constructs with Khmer words segmented
(:mod:`docgen.pdf.typst_ast`), written as Typst by pandoc with a template made
from style.yaml (:mod:`docgen.pdf.template`), and compiled by Typst with the fonts
of :mod:`docgen.pdf.fonts` embedded; :mod:`docgen.pdf.textlayer` then makes the Khmer
text extract as it reads.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..diagnostics import DocgenError
from ..cache import cached, digest
from ..docmeta import DocMeta
from ..fsutil import atomic_write_bytes
from ..markdown.reader import markdown_to_json
from ..pandoc import run_pandoc
from .fonts import FORCE_ENV, FontSet, font_set
from .template import build_template
from .textlayer import TEXTLAYER_VERSION, fix_khmer_text
from .typst_ast import TypstTransform

__all__ = ["write_pdf", "to_typst"]

LANGS = ("en", "km", "en-km")


def _force_noto() -> bool:
    return os.environ.get(FORCE_ENV, "").lower() == "noto"


@lru_cache(maxsize=None)
def _template_file(khmer_first: bool, force_noto: bool) -> str:
    from ..docx.reference import load_style

    text = build_template(load_style(), font_set(force_noto), khmer_first)
    folder = Path(tempfile.gettempdir()) / f"docgen-typst-{os.getuid()}"
    folder.mkdir(parents=True, exist_ok=True)
    import hashlib

    path = folder / f"template-{hashlib.sha256(text.encode()).hexdigest()[:16]}.typst"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return str(path)


_compilers: dict[tuple, object] = {}
_compilers_lock = threading.Lock()


def _fonts(fs: FontSet):
    """One typst.Fonts per font set: scanning font folders once, not per document."""
    import typst

    key = fs.paths
    with _compilers_lock:
        if key not in _compilers:
            _compilers[key] = typst.Fonts(include_system_fonts=False, font_paths=[str(p) for p in fs.paths])
        return _compilers[key]


def to_typst(markdown: str, meta: DocMeta, *, box_khmer: bool = True) -> str:
    """The Typst source of the document (pandoc's Typst writer on the transformed AST)."""
    ast = TypstTransform(box_khmer=box_khmer).document(json.loads(markdown_to_json(markdown)))
    template = _template_file(meta.lang == "km", _force_noto())
    out = run_pandoc(["--from", "json", "--to", "typst", "--wrap=none", "--template", template],
                     json.dumps(ast, ensure_ascii=False).encode("utf-8"), "writing Typst")
    return out.decode("utf-8")


def _inputs(meta: DocMeta) -> dict[str, str]:
    labels = {"contents": "Contents", "page": "Page", "of": "of", **meta.labels}
    data = {
        "title": meta.title, "author": meta.author or "", "keywords": list(meta.keywords),
        "date": [meta.date.year, meta.date.month, meta.date.day], "header": meta.header_text,
        "labels": labels, "lang": meta.primary_lang, "khmer_digits": meta.lang == "km",
    }
    return {"docgen": json.dumps(data, ensure_ascii=False)}


def compile_typst(source: str, meta: DocMeta, resource_dir: Optional[Path]) -> bytes:
    import calendar

    import typst

    fs = font_set(_force_noto())
    root = Path(resource_dir) if resource_dir else Path(tempfile.gettempdir())
    with tempfile.NamedTemporaryFile("w", suffix=".typ", dir=root, delete=False, encoding="utf-8") as fh:
        fh.write(source)
        main = Path(fh.name)
    try:
        compiler = typst.Compiler(root=str(root), font_paths=_fonts(fs), ignore_system_fonts=True)
        return compiler.compile(input=str(main), format="pdf", sys_inputs=_inputs(meta),
                                timestamp=calendar.timegm(meta.date.timetuple()))
    except typst.TypstError as exc:
        raise DocgenError(f"Typst could not typeset the PDF: {exc.message}"
                          + (f" ({'; '.join(exc.hints)})" if exc.hints else "")) from None
    finally:
        main.unlink(missing_ok=True)


def write_pdf(markdown: str, out_path: Path, meta: DocMeta, *, resource_dir: Optional[Path] = None) -> None:
    """Write ``markdown`` (a Pandoc Markdown body) as a PDF at ``out_path``, atomically."""
    if meta.lang not in LANGS:
        raise DocgenError(f"write_pdf: unknown language variant '{meta.lang}' (one of {', '.join(LANGS)})")
    pdf = compile_typst(to_typst(markdown, meta), meta, resource_dir)
    pdf = cached("khmer-text", digest(TEXTLAYER_VERSION, pdf), lambda: fix_khmer_text(pdf))
    atomic_write_bytes(Path(out_path), pdf, "PDF")
