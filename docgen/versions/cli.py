"""``docgen release``, ``docgen diff OLD NEW`` and ``docgen redline OLD NEW``."""
from __future__ import annotations

from pathlib import Path

from ..diagnostics import Diagnostic, DocgenError, relative
from ..model.bundle import Plan
from ..validate import require_plan
from ..versionfolder import version_lock
from .changes import compare
from .snapshot import MANIFEST, Resolved, file_hashes, read_release, release as freeze, resolve


REDLINES = "redlines"  # build/redlines/: redlines whose NEW version is released


def _load(spec: str, out_root: Path) -> tuple[Resolved, Plan]:
    res = resolve(spec, out_root)
    try:
        plan, _ = require_plan(res.data_dir)
    except DocgenError as exc:
        what = f"released version {res.label}" if res.release else f"plan data in {relative(res.data_dir)}"
        raise DocgenError([Diagnostic("", None, None, "", f"cannot compare: {what} does not validate")]
                          + exc.diagnostics) from None
    if res.release is None:
        res = Resolved(plan.metadata.version, res.data_dir, None)
    return res, plan


def _force(args) -> bool:
    return bool(getattr(args, "force", False))


def release(args) -> int:
    data, out = Path(args.data), Path(args.out)
    plan, _ = require_plan(data)
    with version_lock(out, plan.metadata.version, "release"):
        rel, outcome = freeze(plan, data, out, force=_force(args))
    where = relative(rel.folder)
    if outcome == "unchanged":
        print(f"version {rel.version} is already released from the same plan data ({where}); nothing to do")
    else:
        extra = " (the previous snapshot is kept as *.replaced-N)" if outcome == "re-released" else ""
        print(f"{outcome} version {rel.version} ({plan.metadata.status}, {rel.date}): "
              f"{len(rel.files)} plan data files frozen in {where}/{rel.data_dir.name}{extra}")
    return 0


def _both(args) -> tuple[Resolved, Plan, Resolved, Plan]:
    out = Path(args.out)
    old_res, old = _load(args.old, out)
    new_res, new = _load(args.new, out)
    return old_res, old, new_res, new


def diff(args) -> int:
    _, old, _, new = _both(args)
    print(compare(old, new).format_text())
    return 0


def redline(args) -> int:
    out = Path(args.out)
    old_res, old, new_res, new = _both(args)
    version = new.metadata.version
    if old.metadata.version == version:
        raise DocgenError([Diagnostic("", None, None, "", f"OLD and NEW are both version {version}: nothing to redline",
                                      hint="compare a released version with plan data whose metadata.version is newer")])
    folder = out / version
    if new_res.release is None:
        # NEW is a plan data folder: its version must not be a release made from other data.
        rel = read_release(folder)
        if rel is not None and rel.files != file_hashes(new_res.data_dir):
            raise DocgenError([Diagnostic(relative(folder / MANIFEST), None, None, "",
                                          f"version {version} was released from different plan data; "
                                          f"the redline would not describe that release",
                                          hint="set a new metadata.version in the plan data, or pass the "
                                               f"released version '{version}' as NEW")])
    from .redline import write_redline
    name = f"NAP-WPS_{version}_vs_{old.metadata.version}_{args.lang}.docx"
    if read_release(folder) is not None:
        # A released version's folder stays as released: redlines between releases go beside them.
        path = write_redline(old, new, args.lang, out / REDLINES / name)
    else:
        with version_lock(out, version, "redline"):
            path = write_redline(old, new, args.lang, folder / name)
    log = compare(old, new)
    print(f"wrote {relative(path)}: {len(log.changes)} change(s) from {old.metadata.version} to {version} "
          f"as tracked changes")
    return 0
