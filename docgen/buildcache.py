"""What an output was built from, so an unchanged one is not built again.

Each version folder keeps ``.docgen-build.json``: for every output file, two keys and
the file's size and modification time as written:

- ``inputs``: a digest of everything the whole build reads (plan data, templates,
  docgen's own files, fonts, pandoc's and Typst's versions, other versions' release
  manifests, options). When it is unchanged, nothing is rendered at all.
- ``fingerprint``: a digest of what this one file is made from (its Markdown, metadata,
  images, and the toolchain). When the inputs changed but the fingerprint did not (an
  action edited that this document does not show), the file is kept.

A file whose size or time differs from the manifest (edited, replaced, deleted) is
always rebuilt.

The manifest also remembers each request (documents x languages x formats) with the
inputs it was built from, so :func:`up_to_date` can answer a repeated ``docgen build``
from the manifests alone, before the plan is even loaded.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from .fsutil import atomic_write_bytes
from .versionfolder import OLD_INFIX, TMP_INFIX

MANIFEST_NAME = ".docgen-build.json"
FORMAT_VERSION = 2
_PACKAGE = Path(__file__).resolve().parent
_ENV_VARS = ("DOCGEN_KHMER_FONT",)


def _update_tree(h, root: Path, skip_hidden: bool = True) -> None:
    if not root.exists():
        h.update(b"<missing>\0")
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or path.suffix == ".pyc" or not path.is_file():
            continue
        if skip_hidden and any(p.startswith(".") for p in rel.parts):
            continue
        h.update(f"{rel.as_posix()}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    _update_tree(h, Path(root))
    return h.hexdigest()


@lru_cache(maxsize=None)
def _code_digest() -> str:
    """docgen's own files (code, filters, style, labels) and templates: any change to them
    may change any output."""
    from .markdown.render import TEMPLATES

    h = hashlib.sha256()
    _update_tree(h, _PACKAGE)
    h.update(b"templates\0")
    _update_tree(h, TEMPLATES)
    return h.hexdigest()


def _fonts_digest() -> str:
    from .pdf.fonts import FORCE_ENV, font_set
    from .toolchain import fonts_key

    return fonts_key(font_set(os.environ.get(FORCE_ENV, "").lower() == "noto"))


def toolchain_key() -> str:
    """Everything besides the document's own content that shapes every output."""
    from .toolchain import versions

    parts = {"format": FORMAT_VERSION, "versions": versions(), "code": _code_digest(), "fonts": _fonts_digest(),
             "env": {k: os.environ.get(k, "") for k in _ENV_VARS}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def inputs_key(toolchain: str, data: Path, out: Path, options: dict) -> str:
    """Everything a build reads: if this is unchanged, so is every output."""
    h = hashlib.sha256(toolchain.encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    h.update(b"data\0")
    _update_tree(h, Path(data))
    # Released versions feed the "Changes since" annex.
    for manifest in sorted(Path(out).glob("*/release.json")):
        h.update(f"{manifest.parent.name}\0".encode())
        h.update(hashlib.sha256(manifest.read_bytes()).digest())
    return h.hexdigest()


def fingerprint(toolchain: str, fmt: str, markdown: str, meta, resource_dir: Optional[Path], extra: str = "") -> str:
    """What one output file is made from."""
    h = hashlib.sha256(toolchain.encode())
    meta_json = json.dumps(dataclasses.asdict(meta), sort_keys=True, default=str, ensure_ascii=False)
    for part in (fmt, meta_json, extra, markdown):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    if resource_dir is not None:
        _update_tree(h, Path(resource_dir))
    return h.hexdigest()


@dataclass
class Entry:
    inputs: str
    fingerprint: str
    size: int
    mtime_ns: int


@dataclass
class Request:
    inputs: str
    names: list[str]
    warnings: int  # the plan's validation warnings, repeated when nothing is rebuilt


def request_key(docs, langs, formats) -> str:
    return json.dumps([sorted(set(docs)), sorted(set(langs)), sorted(set(formats))])


class Manifest:
    def __init__(self, entries: Optional[dict[str, Entry]] = None, requests: Optional[dict[str, Request]] = None):
        self.entries: dict[str, Entry] = entries or {}
        self.requests: dict[str, Request] = requests or {}

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        try:
            raw = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT_VERSION:
                return cls()
            return cls({name: Entry(**e) for name, e in raw["files"].items()},
                       {key: Request(**r) for key, r in raw.get("requests", {}).items()})
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls()  # no manifest, or one we cannot trust: rebuild everything once

    def _file_ok(self, folder: Path, name: str) -> Optional[Entry]:
        entry = self.entries.get(name)
        if entry is None:
            return None
        try:
            st = (Path(folder) / name).stat()
        except OSError:
            return None
        return entry if (st.st_size, st.st_mtime_ns) == (entry.size, entry.mtime_ns) else None

    def same_inputs(self, folder: Path, name: str, inputs: str) -> bool:
        entry = self._file_ok(folder, name)
        return entry is not None and entry.inputs == inputs

    def same_fingerprint(self, folder: Path, name: str, fp: str) -> bool:
        entry = self._file_ok(folder, name)
        return entry is not None and entry.fingerprint == fp

    def record(self, name: str, path: Path, inputs: str, fp: str) -> None:
        st = Path(path).stat()
        self.entries[name] = Entry(inputs, fp, st.st_size, st.st_mtime_ns)

    def keep(self, name: str, inputs: str) -> None:
        self.entries[name].inputs = inputs

    def remember(self, request: str, inputs: str, names: Iterable[str], warnings: int) -> None:
        """``request`` was built from ``inputs`` into ``names`` (older requests whose inputs
        moved on can never match again: dropped)."""
        self.requests = {k: r for k, r in self.requests.items() if r.inputs == inputs}
        self.requests[request] = Request(inputs, sorted(names), warnings)

    def only(self, names: Iterable[str]) -> None:
        keep = set(names)
        self.entries = {n: e for n, e in self.entries.items() if n in keep}

    def to_bytes(self) -> bytes:
        files = {n: dataclasses.asdict(self.entries[n]) for n in sorted(self.entries)}
        requests = {k: dataclasses.asdict(self.requests[k]) for k in sorted(self.requests)}
        return (json.dumps({"format": FORMAT_VERSION, "files": files, "requests": requests}, indent=1) + "\n").encode()

    def write(self, folder: Path) -> None:
        atomic_write_bytes(Path(folder) / MANIFEST_NAME, self.to_bytes(), "build manifest")


@dataclass
class UpToDate:
    folder: Path
    names: list[str]
    warnings: int


def up_to_date(out: Path, request: str, inputs: str) -> Optional[UpToDate]:
    """The version folder under ``out`` where ``request`` was last built from exactly
    ``inputs``, every file still as written; None when something has to be looked at."""
    for path in sorted(Path(out).glob(f"*/{MANIFEST_NAME}")):
        folder = path.parent
        if folder.name.startswith("."):
            continue
        manifest = Manifest.read(folder)
        req = manifest.requests.get(request)
        if req is None or req.inputs != inputs:
            continue
        if any(any(Path(out).glob(f".{folder.name}{infix}*")) for infix in (TMP_INFIX, OLD_INFIX)):
            return None  # an interrupted build left a temp folder: the full build cleans up
        if all(manifest.same_inputs(folder, name, inputs) for name in req.names):
            return UpToDate(folder, req.names, req.warnings)
    return None
