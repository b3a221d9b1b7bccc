"""Versions of docgen and of the converters it runs: shown by ``docgen --version`` and
part of every output's fingerprint (a new pandoc or Typst may write different bytes)."""
from __future__ import annotations

import subprocess
from functools import lru_cache
from importlib import metadata


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@lru_cache(maxsize=None)
def pandoc_version() -> str:
    from .pandoc import pandoc_path

    try:
        out = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    first = out.splitlines()[0] if out else ""
    return first.split()[-1] if first.startswith("pandoc") else "unknown"


@lru_cache(maxsize=None)
def typst_version() -> str:
    return _dist_version("typst")


def versions() -> dict[str, str]:
    from . import __version__

    return {"docgen": __version__, "pandoc": pandoc_version(), "typst": typst_version()}


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
