"""``docgen translate migrate``: rewrite the old ``km_draft`` key as ``status``.

``km_draft: true`` becomes ``status: draft`` and ``km_draft: false`` becomes
``status: reviewed``, in place; every text that has Khmer also gets the
fingerprint of the English it translates (``en_hash``), so that a later change
of the English marks it out of date. Comments, key order and layout are kept;
running it again changes nothing.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..diagnostics import Diagnostic, DocgenError
from ..model.common import english_hash
from .roundtrip import RoundTripFile, to_plain

LEGACY = "km_draft"


@dataclass
class MigrationResult:
    files: dict[str, dict[str, int]] = field(default_factory=dict)  # display -> {'status': n, 'en_hash': n}
    inexact: list[str] = field(default_factory=list)  # files whose layout ruamel could not reproduce

    @property
    def changed(self) -> int:
        return sum(1 for c in self.files.values() if any(c.values()))


def _text_maps(node) -> Iterator[CommentedMap]:
    """Every mapping that is a bilingual text (has an 'en' string), depth first."""
    if isinstance(node, CommentedMap):
        if isinstance(node.get("en"), str):
            yield node
        for value in node.values():
            yield from _text_maps(value)
    elif isinstance(node, CommentedSeq):
        for value in node:
            yield from _text_maps(value)


def migrate_file(rt: RoundTripFile) -> dict[str, int]:
    counts = {"status": 0, "en_hash": 0}
    for m in _text_maps(rt.data):
        if LEGACY in m:
            old = m[LEGACY]
            if "status" in m:
                raise DocgenError([Diagnostic(rt.display, m.lc.line + 1, m.lc.col + 1, "",
                                              "both 'km_draft' and 'status' are set",
                                              hint="delete 'km_draft' by hand ('status' replaced it), then rerun")])
            if not isinstance(old, bool):
                raise DocgenError([Diagnostic(rt.display, m.lc.line + 1, m.lc.col + 1, "",
                                              f"'km_draft' is {old!r}, not true or false",
                                              hint="write 'status: draft' (or reviewed, approved) by hand")])
            rt.rename(m, LEGACY, "status", "draft" if old else "reviewed")
            counts["status"] += 1
        km = m.get("km")
        if isinstance(km, str) and km.strip() and "en_hash" not in m:
            after = next((k for k in ("date", "translator", "status", "km") if k in m), None)
            rt.set(m, "en_hash", english_hash(str(m["en"])), after=after)
            counts["en_hash"] += 1
    return counts


def yaml_files(data_dir: Path) -> list[Path]:
    return [p for p in sorted(Path(data_dir).rglob("*"))
            if p.suffix.lower() in (".yaml", ".yml") and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(data_dir).parts)]


def migrate(data_dir: Path, *, write: bool = True) -> MigrationResult:
    """Migrate every YAML file of ``data_dir``; with ``write=False`` only count.
    All files are checked before any is written, so a bad one changes nothing."""
    result = MigrationResult()
    edited: list[RoundTripFile] = []
    for path in yaml_files(data_dir):
        rt = RoundTripFile(path)
        counts = migrate_file(rt)
        result.files[rt.display] = counts
        if rt.changed:
            edited.append(rt)
            if not rt.exact:
                result.inexact.append(rt.display)
    if write:
        for rt in edited:
            rt.save(expected=to_plain(rt.data))
    return result


def run(args) -> int:
    result = migrate(args.data, write=not args.check)
    verb = "would change" if args.check else "changed"
    for display, counts in sorted(result.files.items()):
        if any(counts.values()):
            print(f"{display}: {counts['status']} km_draft -> status, {counts['en_hash']} en_hash added")
    for display in result.inexact:
        print(f"{display}: note: its indentation is irregular; unchanged lines may be re-indented", file=sys.stderr)
    print(f"migrate: {verb} {result.changed} file(s)" if result.changed else "migrate: nothing to do (already migrated)")
    return 1 if args.check and result.changed else 0
