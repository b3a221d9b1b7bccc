"""Diagnostics located in the plan data, shared by every cross-check (plan, consultations,
ToR, feedback rounds): :class:`Reporter` places a message at a record's file and line."""
from __future__ import annotations

from typing import Iterable

from ..diagnostics import Diagnostic, Severity, did_you_mean, format_path
from ..model.bundle import Plan

WARN = Severity.WARNING


class Reporter:
    """Collects diagnostics located at (record, sub-path)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.out: list[Diagnostic] = []

    def at(self, record: object, sub: tuple, message: str, *, hint: str = "",
           severity: Severity = Severity.ERROR, code: str = "") -> None:
        origin = self.plan.origin(record)
        if origin is None:
            file, line, col, loc = str(self.plan.root), None, None, sub
        else:
            file, line, col = origin.where(*sub)
            loc = origin.loc + tuple(sub)
        self.out.append(Diagnostic(file, line, col, format_path(loc), message, hint=hint,
                                   severity=severity, code=code))


def ref_hint(value: str, known: Iterable[str], what: str) -> str:
    known = sorted(known)
    guess = did_you_mean(value, known)
    if guess:
        return guess
    listing = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
    return f"known {what}: {listing}" if known else f"no {what} are defined yet"


def institution_resolver(plan: Plan):
    aliases = {alias: inst.id for inst in plan.institutions for alias in inst.aliases}

    def check(r: Reporter, rec: object, sub: tuple, ref: str) -> None:
        if ref in plan.institution:
            return
        if ref in aliases:
            r.at(rec, sub, f"'{ref}' is another spelling of institution '{aliases[ref]}'",
                 hint=f"write '{aliases[ref]}'", severity=WARN, code="alias")
            return
        r.at(rec, sub, f"unknown institution '{ref}'", hint=ref_hint(ref, plan.institution, "institutions"),
             code="unknown-ref")
    return check
