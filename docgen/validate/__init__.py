"""Stage 2: validation. ``load_plan`` is the entry point every command uses."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from ..diagnostics import Diagnostic, DocgenError, Severity
from ..load.plan_dir import load_plan_dir
from ..model.bundle import Plan
from .khmer_text import use_plan_lexicon
from .schema import build_plan


def load_plan(data_dir: Path, strict: bool = False) -> tuple[Optional[Plan], list[Diagnostic]]:
    """Load, validate and cross-check plan data. The Plan is None when it has errors."""
    from .crossref import check_plan

    raw = load_plan_dir(Path(data_dir))
    plan, diags = build_plan(raw)
    if plan is not None:
        use_plan_lexicon(plan)  # Khmer line breaking keeps the plan's own terms whole
        diags += [d for d in check_plan(plan, strict=strict) if not _follows_on(d, raw.unvalidated_ids)]
    if strict:
        diags = [d if d.severity is Severity.ERROR else
                 Diagnostic(d.file, d.line, d.col, d.path, d.message, d.hint, Severity.ERROR, d.code) for d in diags]
    if any(d.severity is Severity.ERROR for d in diags):
        return None, diags
    return plan, diags


_UNKNOWN_REF = re.compile(r"unknown [^']*'(?P<ref>[^']+)'")


def _follows_on(d: Diagnostic, unvalidated: set[str]) -> bool:
    """A reference to an entry that failed validation is not a mistake of its own: that entry's
    error is the one to fix (otherwise: "unknown action 'PROT_01', did you mean 'PROT_08'?")."""
    if not unvalidated or d.code != "unknown-ref":
        return False
    m = _UNKNOWN_REF.search(d.message)
    return m is not None and m.group("ref") in unvalidated


def require_plan(data_dir: Path) -> tuple[Plan, list[Diagnostic]]:
    """For commands that need a valid plan: raise DocgenError listing the errors."""
    plan, diags = load_plan(data_dir)
    if plan is None:
        raise DocgenError([d for d in diags if d.severity is Severity.ERROR])
    return plan, diags
