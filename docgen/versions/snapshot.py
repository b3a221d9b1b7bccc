"""Released versions: a frozen copy of the plan data each version was built from.

``docgen release`` copies every plan data file (the files the loader reads) into
``build/<version>/plan_data.snapshot/`` and writes ``build/<version>/release.json``
(version, status, date = ``metadata.date``, SHA-256 of every file). A version
argument of ``docgen diff``/``redline`` then resolves to that snapshot, so any
later version can be compared with it, whatever happened to plan_data/ since.

Nothing is ever overwritten silently: releasing a version again with the same data
is a no-op; with different data it is refused unless forced, and a forced release
keeps the previous snapshot next to the new one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..diagnostics import Diagnostic, DocgenError, relative
from ..model.bundle import Plan

SNAPSHOT_DIR = "plan_data.snapshot"
MANIFEST = "release.json"
_DATA_SUFFIXES = (".yaml", ".yml")


def data_files(root: Path) -> list[Path]:
    """The files of a plan data folder that the loader reads (same rule as docgen.load)."""
    out = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in _DATA_SUFFIXES or not path.is_file():
            continue
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        out.append(path)
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): _sha256(p) for p in data_files(root)}


def plan_hash(hashes: dict[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(hashes):
        h.update(f"{name}\0{hashes[name]}\n".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Release:
    version: str
    status: str
    date: dt.date
    folder: Path          # build/<version>/
    files: dict[str, str]  # relative path -> sha256

    @property
    def data_dir(self) -> Path:
        return self.folder / SNAPSHOT_DIR


def read_release(folder: Path) -> Optional[Release]:
    """The release recorded in ``folder`` (build/<version>/), or None if not released."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return Release(str(data["version"]), str(data.get("status", "")),
                       dt.date.fromisoformat(data["date"]), folder, dict(data["files"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise DocgenError([Diagnostic(relative(manifest), None, None, "", f"damaged release manifest: {exc}",
                                      hint="restore it from a backup, or remove the folder and release again")])


def released_versions(out_root: Path) -> list[Release]:
    """Every released version under ``out_root``, oldest first (by release date, then name)."""
    if not out_root.is_dir():
        return []
    found = [r for d in sorted(out_root.iterdir()) if d.is_dir() and (r := read_release(d))]
    return sorted(found, key=lambda r: (r.date, r.version))


def previous_release(out_root: Path, version: str, on_or_before: Optional[dt.date] = None) -> Optional[Release]:
    """The latest release other than ``version`` (what a new draft's change annex compares with).

    With ``on_or_before`` (the draft's date), releases dated later are ignored: rebuilding
    an old version never compares it with a newer one."""
    others = [r for r in released_versions(out_root) if r.version != version
              and (on_or_before is None or r.date <= on_or_before)]
    return others[-1] if others else None


def verify_snapshot(rel: Release) -> None:
    """Refuse to compare with a snapshot whose files were edited after the release."""
    actual = file_hashes(rel.data_dir) if rel.data_dir.is_dir() else {}
    if actual != rel.files:
        changed = sorted(set(actual) ^ set(rel.files) | {k for k in actual if rel.files.get(k) not in (None, actual[k])})
        raise DocgenError([Diagnostic(relative(rel.data_dir), None, None, "",
                                      f"the snapshot of version {rel.version} no longer matches its release manifest"
                                      f" ({', '.join(changed[:5]) or 'files missing'})",
                                      hint="released snapshots are read-only; restore the files or release again with force")])


def release(plan: Plan, data_dir: Path, out_root: Path, force: bool = False) -> tuple[Release, str]:
    """Freeze ``plan`` (loaded from ``data_dir``). Returns the release and what was done:
    "released", "unchanged" or "re-released" (forced; the old snapshot is kept aside)."""
    version = plan.metadata.version
    folder = out_root / version
    hashes = file_hashes(data_dir)
    existing = read_release(folder)
    if existing is not None:
        if existing.files == hashes and existing.data_dir.is_dir() and file_hashes(existing.data_dir) == hashes:
            return existing, "unchanged"
        if not force:
            differing = sorted(k for k in set(hashes) | set(existing.files) if hashes.get(k) != existing.files.get(k))
            raise DocgenError([Diagnostic(relative(folder / MANIFEST), None, None, "",
                                          f"version {version} is already released with different plan data "
                                          f"({len(differing)} file(s) differ: {', '.join(differing[:5])}"
                                          f"{' ...' if len(differing) > 5 else ''})",
                                          hint="set a new metadata.version in the plan data (e.g. the next "
                                               "draft number); to replace the release anyway, run 'docgen release --force': "
                                               "the old snapshot is kept")])
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".release-", dir=folder))
    try:
        snap = tmp / SNAPSHOT_DIR
        for src in data_files(data_dir):
            dest = snap / src.relative_to(data_dir)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
        if file_hashes(snap) != hashes:
            raise DocgenError(f"plan data in {relative(data_dir)} changed while it was being released; release again")
        manifest = {
            "version": version,
            "status": plan.metadata.status,
            "date": plan.metadata.date.isoformat(),
            "released_from": relative(data_dir),
            "plan_sha256": plan_hash(hashes),
            "files": hashes,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        outcome = "released"
        if existing is not None:  # forced: keep what was there
            n = 1
            while (folder / f"{SNAPSHOT_DIR}.replaced-{n}").exists() or (folder / f"{MANIFEST}.replaced-{n}").exists():
                n += 1
            if (folder / SNAPSHOT_DIR).exists():
                os.replace(folder / SNAPSHOT_DIR, folder / f"{SNAPSHOT_DIR}.replaced-{n}")
            os.replace(folder / MANIFEST, folder / f"{MANIFEST}.replaced-{n}")
            outcome = "re-released"
        elif (folder / SNAPSHOT_DIR).exists():
            # A snapshot without a manifest (an interrupted release): keep it aside too.
            os.replace(folder / SNAPSHOT_DIR, folder / f"{SNAPSHOT_DIR}.incomplete")
        os.replace(snap, folder / SNAPSHOT_DIR)
        os.replace(tmp / MANIFEST, folder / MANIFEST)  # the manifest last: it marks the release done
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rel = read_release(folder)
    assert rel is not None
    return rel, outcome


@dataclass(frozen=True)
class Resolved:
    """A version argument resolved to plan data."""

    label: str             # what to call it: the version, e.g. "0.1"
    data_dir: Path
    release: Optional[Release]  # set when it is a released snapshot


def resolve(spec: str, out_root: Path) -> Resolved:
    """A released version string -> its snapshot; an existing folder -> plan data folder."""
    rel = read_release(out_root / spec) if spec and "/" not in spec and spec not in (".", "..") else None
    if rel is not None:
        if rel.version != spec:
            raise DocgenError(f"{relative(out_root / spec / MANIFEST)} records version {rel.version}, not {spec}")
        verify_snapshot(rel)
        return Resolved(rel.version, rel.data_dir, rel)
    path = Path(spec)
    if path.is_dir():
        return Resolved("", path, None)
    released = [r.version for r in released_versions(out_root)]
    listing = ", ".join(released) if released else "none yet (run 'docgen release' to freeze the current version)"
    raise DocgenError([Diagnostic(spec, None, None, "", f"'{spec}' is neither a released version nor a plan data folder",
                                  hint=f"released versions in {relative(out_root)}: {listing}")])
