"""Which font files the PDF uses.

Khmer OS (Debian fonts-khmeros) is the Cambodian government convention; where it
is not installed, Noto Sans Khmer from PyPI (fontpkg-noto-sans-khmer) takes its
place, so a pip-only install still renders Khmer. Latin text uses Noto Sans from
PyPI (fontpkg-noto-sans). Typst gets only these folders (no system fonts), so the
same input gives the same PDF on every machine that has the same fonts.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..docx.reference import load_style

KHMER_OS_DIRS = (Path("/usr/share/fonts/truetype/khmeros"), Path("/usr/share/fonts/truetype/fonts-khmeros"))
# Set DOCGEN_KHMER_FONT=noto to ignore installed Khmer OS fonts (tests, or a reproducible pip-only look).
FORCE_ENV = "DOCGEN_KHMER_FONT"


@dataclass(frozen=True)
class FontSet:
    paths: tuple[Path, ...]      # folders/files handed to Typst
    latin_body: str
    latin_heading: str
    khmer_body: str
    khmer_heading: str
    mono: str

    def body(self, khmer_first: bool) -> list[str]:
        return [self.khmer_body, self.latin_body] if khmer_first else [self.latin_body, self.khmer_body]

    def heading(self, khmer_first: bool) -> list[str]:
        return [self.khmer_heading, self.latin_heading] if khmer_first else [self.latin_heading, self.khmer_heading]


def _package_dir(module: str) -> Path | None:
    try:
        mod = __import__(module)
    except ImportError:
        return None
    root = Path(getattr(mod, "ROOT", Path(mod.__file__).parent))
    files = root / "files"
    return files if files.is_dir() else root


def _khmer_os_files(families: list[str]) -> list[Path] | None:
    """The Khmer OS files of the configured families, if all are installed."""
    if os.environ.get(FORCE_ENV, "").lower() == "noto":
        return None
    for folder in KHMER_OS_DIRS:
        # Debian names the files after the family: KhmerOSsiemreap.ttf, KhmerOSmuollight.ttf
        by_stem = {p.stem.lower(): p for p in folder.glob("*.ttf")} if folder.is_dir() else {}
        files = [by_stem.get(f.replace(" ", "").lower()) for f in families]
        if all(files):
            return files
    return None


def _private_folder(files: list[Path]) -> Path:
    """A folder holding just these font files.

    Typst reads fonts by folder and names both Khmer OS Muol and Muol Light
    "Khmer OS Muol", so it must see only the one we want.
    """
    import hashlib
    import shutil
    import tempfile

    key = hashlib.sha256("\n".join(f"{f}:{f.stat().st_size}" for f in files).encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"docgen-fonts-{os.getuid()}" / key
    if not folder.is_dir():
        tmp = Path(tempfile.mkdtemp(dir=folder.parent if folder.parent.exists() else None))
        for f in files:
            shutil.copyfile(f, tmp / f.name)
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(tmp, folder)
        except OSError:  # another build made it first
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _family_of(path: Path) -> str:
    import typst

    infos = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                        font_paths=[str(path.parent)]).fonts()
    return next(i.family for i in infos if i.path and Path(i.path).name == path.name)


@lru_cache(maxsize=None)
def font_set(force_noto: bool = False) -> FontSet:
    style = load_style()
    fonts = style["fonts"]
    khmer = fonts["khmer"]
    paths = [p for p in (_package_dir("fontpkg_noto_sans"), _package_dir("fontpkg_noto_sans_khmer")) if p]
    khmer_os = None if force_noto else _khmer_os_files([khmer["body"], khmer["heading"]])
    if khmer_os is not None:
        folder = _private_folder(khmer_os)
        paths.append(folder)
        # The family names Typst knows them by (Muol Light is "Khmer OS Muol" to Typst).
        body, heading = (_family_of(folder / f.name) for f in khmer_os)
    else:
        body = heading = khmer["fallback"]
    return FontSet(tuple(paths), fonts["latin"]["body"], fonts["latin"]["heading"], body, heading,
                   fonts["latin"].get("mono", "DejaVu Sans Mono"))
