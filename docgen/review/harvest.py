"""``docgen harvest FILE... --round NAME``: reviewers' comments and tracked changes -> feedback file.

Each file is checked and read on its own: a bad file gets a clear error and
contributes nothing, the other files are still harvested, and the exit status
is 1. Items go to ``plan_data/feedback/<round>.yaml`` (see :mod:`docgen.review.store`).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..diagnostics import Diagnostic, DocgenError, relative
from ..model.feedback import FeedbackItem
from .extract import extract_items
from .known import KnownIds, known_ids_from_plan
from .safedocx import UnsafeDocx, open_docx
from .store import merge_items, round_path


@dataclass
class HarvestResult:
    path: Path
    items: list[FeedbackItem] = field(default_factory=list)
    error: Optional[Diagnostic] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def counts(self) -> dict[str, int]:
        comments = sum(i.kind == "comment" for i in self.items)
        general = sum(i.anchor.kind == "general" for i in self.items)
        return {"comments": comments, "changes": len(self.items) - comments,
                "anchored": len(self.items) - general, "general": general}


def harvest_file(path: Path, known_ids: Optional[KnownIds] = None, *, keep_carried: bool = False) -> HarvestResult:
    """Read one reviewed DOCX. Never raises for a bad file: the result carries the error."""
    path = Path(path)
    known = known_ids if known_ids is not None else KnownIds()
    try:
        parts = open_docx(path)
        items = extract_items(parts, known, path.name, keep_carried=keep_carried)
    except UnsafeDocx as exc:
        return HarvestResult(path, error=Diagnostic(relative(path), None, None, "", exc.message, hint=exc.hint,
                                                    code="bad-docx"))
    except RecursionError:
        return HarvestResult(path, error=Diagnostic(relative(path), None, None, "", "the document is nested too deeply to read",
                                                    hint="this is not a normal Word document", code="bad-docx"))
    return HarvestResult(path, items=items)


def known_ids_for(data_dir: Path) -> tuple[KnownIds, Optional[str]]:
    """IDs from the plan in ``data_dir``; the ID scheme alone (and a warning) when it does not load."""
    try:
        from ..validate import load_plan

        plan, _ = load_plan(Path(data_dir))
    except DocgenError:
        plan = None
    if plan is None:
        return KnownIds(), (f"warning: the plan in {relative(data_dir)} does not load (run 'docgen validate'); "
                            "anchoring by the ID scheme of bookmark names only")
    return known_ids_from_plan(plan), None


def run(args) -> int:
    data_dir = Path(getattr(args, "data", None) or "plan_data")
    out = round_path(data_dir, args.round)
    known, warning = known_ids_for(data_dir)
    if warning:
        print(warning, file=sys.stderr)

    results = [harvest_file(Path(f), known) for f in args.files]
    good = [r for r in results if r.ok]
    items = [i for r in good for i in r.items]
    added, dup = merge_items(out, args.round, items)  # DocgenError (invalid existing file) -> exit 1

    for r in results:
        name = relative(r.path)
        if r.ok:
            c = r.counts()
            print(f"{name}: {c['comments']} comment{'s' if c['comments'] != 1 else ''}, "
                  f"{c['changes']} change{'s' if c['changes'] != 1 else ''}, "
                  f"{c['anchored']} anchored, {c['general']} general")
        else:
            print(f"{name}: skipped", file=sys.stdout)
    print(f"{relative(out)}: {added} new item{'s' if added != 1 else ''}, {dup} already recorded")
    bad = [r for r in results if not r.ok]
    for r in bad:
        print(r.error.format(), file=sys.stderr)
    if bad:
        print(f"{len(bad)} of {len(results)} file{'s' if len(results) != 1 else ''} could not be harvested",
              file=sys.stderr)
    return 1 if bad else 0
