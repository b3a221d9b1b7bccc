"""Stage 2b: checks across records (IDs, references, coverage, counts, dates)."""
from __future__ import annotations

from ..diagnostics import Diagnostic
from ..model.bundle import Plan


def check_plan(plan: Plan, strict: bool = False) -> list[Diagnostic]:
    return []  # filled in by the cross-reference work in progress
