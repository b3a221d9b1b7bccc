"""Versions of docgen and of the converters it runs: shown by ``docgen --version`` and
part of every output's fingerprint (a new pandoc or Typst may write different bytes)."""
from __future__ import annotations

import subprocess
from functools import lru_cache
from importlib import metadata
from typing import Callable


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@lru_cache(maxsize=None)
def pandoc_version() -> str:
    """Asked of the binary once per binary (cached by its size and time: starting it costs
    more than the rest of a build with nothing to do)."""
    import os

    from .cache import cached
    from .pandoc import pandoc_path

    path = pandoc_path()
    try:
        st = os.stat(path)
    except OSError:
        return "not found"

    def ask() -> bytes:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
        first = out.splitlines()[0] if out else ""
        if not first.startswith("pandoc"):
            raise OSError("not pandoc")
        return first.split()[-1].encode()

    try:
        return cached("pandoc-version", f"{path}\0{st.st_size}\0{st.st_mtime_ns}", ask).decode()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"  # not cached: asked again next time


@lru_cache(maxsize=None)
def typst_version() -> str:
    return _dist_version("typst")


# Stages that run other programs (e.g. LibreOffice for a layout pass) register a function
# giving that program's version, so a new version rebuilds what it made.
EXTRA_TOOLS: dict[str, Callable[[], str]] = {}


@lru_cache(maxsize=None)
def _library_versions() -> tuple[tuple[str, str], ...]:
    """The installed versions of docgen's runtime dependencies (CLDR data, the Khmer
    segmenter's model, XML serialisation... all shape the output)."""
    import re

    try:
        requires = metadata.requires("docgen") or []
    except metadata.PackageNotFoundError:
        return ()
    names = sorted({re.split(r"[\s;<>=!~\[]", r, 1)[0] for r in requires if "extra ==" not in r})
    return tuple((n, _dist_version(n)) for n in names if n)


@lru_cache(maxsize=None)
def _program_stamp(name: str) -> str:
    """Which installed program ``name`` is (its file's size and time: asking it for its
    version would start it)."""
    import os
    import shutil

    found = shutil.which(name)
    if not found:
        return "not installed"
    st = os.stat(os.path.realpath(found))
    return f"{st.st_size}-{st.st_mtime_ns}"


def versions() -> dict[str, str]:
    from . import __version__

    out = {"docgen": __version__, "pandoc": pandoc_version(), "typst": typst_version()}
    out.update(_library_versions())
    out["libreoffice"] = _program_stamp("soffice")  # lays out the DOCX for its TOC page numbers
    out.update({name: version() for name, version in sorted(EXTRA_TOOLS.items())})
    return out


def fonts_key(font_set) -> str:
    """The font files a FontSet hands to Typst, by path, size and time (not re-read)."""
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    for p in font_set.paths:
        p = Path(p)
        for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
            if f.is_file():
                st = f.stat()
                h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()
