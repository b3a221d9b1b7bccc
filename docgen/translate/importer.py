"""``docgen translate import``: take translators' files back into the plan data.

Every row is checked before anything is written; a row is applied only when
its key exists, its English has not changed since export (else *stale*, unless
``--accept-stale``), its status is known, its Khmer is Khmer script and carries
the English's numbers, acronyms and IDs and uses the glossary's terms, and the
YAML's Khmer is still what the file was exported with (three-way: a conflict
is reported, nothing is overwritten). Files are edited round-trip: only the
changed values move, comments and layout stay.
"""
from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from ..diagnostics import Diagnostic, DocgenError, relative
from ..validate import translation as tr
from .roundtrip import RoundTripFile, to_plain
from .rows import STATUS_CHOICES, Row
from .units import Unit, fingerprint, plan_units

APPLIED, UNCHANGED, STALE, CONFLICT, REJECTED = "applied", "unchanged", "stale", "conflict", "rejected"


@dataclass
class Outcome:
    row: Row
    verdict: str
    reason: str = ""  # for rejections: the kind ('not Khmer script', ...)
    detail: str = ""


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)
    files_written: list[str] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(o.verdict == verdict for o in self.outcomes)

    @property
    def rejected_by_reason(self) -> Counter:
        return Counter(o.reason for o in self.outcomes if o.verdict == REJECTED)

    @property
    def failed(self) -> bool:
        return any(o.verdict in (REJECTED, CONFLICT, STALE) for o in self.outcomes)


def read_file(path: Path) -> list[Row]:
    """Rows of an XLSX or XLIFF file, told apart by content, not by name."""
    path = Path(path)
    display = relative(path)
    if not path.is_file():
        raise DocgenError([Diagnostic(display, None, None, "", "file not found")])
    head = path.read_bytes()[:512]
    if head.startswith(b"PK"):
        from .xlsx import read_xlsx
        return read_xlsx(path)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        from .xliff import read_xliff
        return read_xliff(path)
    raise DocgenError([Diagnostic(display, None, None, "", "neither an XLSX workbook nor an XLIFF file",
                                  hint="import the .xlsx or .xlf file made by 'docgen translate export'")])


class _Applier:
    def __init__(self, plan, *, accept_stale: bool, translator: Optional[str], date: dt.date,
                 labels_file: Optional[Path] = None):
        self.plan = plan
        self.units = {u.key: u for u in plan_units(plan, labels_file=labels_file)}
        self.terms = tr.term_base(plan)
        self.equivalents = tr.acronym_equivalents(plan)
        self.accept_stale = accept_stale
        self.translator = translator
        self.date = date
        self.files: dict[Path, RoundTripFile] = {}
        # the Khmer/status as they now stand, after rows applied earlier in this run
        self.current: dict[str, tuple[str, str]] = {k: (u.text.km or "", u.text.status) for k, u in self.units.items()}

    def file(self, path: Path) -> RoundTripFile:
        if path not in self.files:
            self.files[path] = RoundTripFile(path)
        return self.files[path]

    def check(self, row: Row) -> Outcome:
        unit = self.units.get(row.key)
        if unit is None:
            return Outcome(row, REJECTED, "unknown key", f"no text has the key '{row.key}' in the plan data")
        status = row.status.lower() or "draft"
        if status not in STATUS_CHOICES:
            return Outcome(row, REJECTED, "unknown status", f"status '{row.status}' (expected draft, reviewed or approved)")
        cur_km, cur_status = self.current[row.key]
        if not row.base_status:
            if row.km == cur_km and status == cur_status:
                return Outcome(row, UNCHANGED)
            return Outcome(row, REJECTED, "no export record", "the row lacks what it was exported with (hidden "
                           "columns / docgen attributes): was it copied from another file? export a fresh one")
        base_km_hash = row.base_km_hash
        km_edited = fingerprint(row.km) != base_km_hash
        status_edited = status != (row.base_status or "draft")
        if not km_edited and not status_edited:
            return Outcome(row, UNCHANGED)
        if row.km == cur_km and status == cur_status:
            return Outcome(row, UNCHANGED, detail="the plan data already has it")
        if row.en_hash != unit.en_hash and not self.accept_stale:
            return Outcome(row, STALE, detail="the English changed since this file was exported")
        if fingerprint(cur_km) != base_km_hash or (status_edited and not km_edited and cur_status != row.base_status):
            return Outcome(row, CONFLICT, detail="the Khmer in the plan data was changed since this file was "
                           f"exported; plan data: {cur_km[:80]!r}, file: {row.km[:80]!r}")
        if unit.site.section == "labels" and not os.access(unit.path, os.W_OK):
            return Outcome(row, REJECTED, "labels are read-only", f"{unit.path} cannot be written (an installed "
                           "docgen): send the label to the developers")
        if not row.km:
            return Outcome(row, REJECTED, "empty Khmer", "the Khmer cell is empty (delete a translation in the YAML, "
                           "not through an import)")
        if not tr.is_khmer(row.km):
            return Outcome(row, REJECTED, "not Khmer script", f"the Khmer cell holds no Khmer script: {row.km[:60]!r}")
        lost = tr.missing_tokens(unit.text.en, row.km, self.equivalents)
        if lost:
            return Outcome(row, REJECTED, "numbers/acronyms/IDs not carried",
                           f"the English has {', '.join(lost)}; the Khmer does not")
        if not (unit.site.section == "glossary" and not unit.site.sub):
            misses = tr.missing_terms(unit.text.en, row.km, self.terms)
            if misses:
                return Outcome(row, REJECTED, "glossary term not used", "; ".join(
                    f"'{t.en}' should be '{t.km}'" for t in misses))
        return Outcome(row, APPLIED)

    def apply(self, row: Row, unit: Unit) -> None:
        rt = self.file(unit.path)
        mapping = rt.at(unit.loc)
        status = row.status.lower() or "draft"
        rt.set(mapping, "km", row.km, after="en")
        if "km_draft" in mapping:
            rt.rename(mapping, "km_draft", "status", status)
        else:
            rt.set(mapping, "status", status, after="km")
        who = row.translator or self.translator
        if who:
            rt.set(mapping, "translator", who, after="status")
        # a date object of its own: ruamel writes one shared by two texts as an alias
        day = dt.date(self.date.year, self.date.month, self.date.day)
        rt.set(mapping, "date", day, after="translator" if "translator" in mapping else "status")
        rt.set(mapping, "en_hash", unit.en_hash, after="date")
        # the edited text must still be a valid text of its kind
        try:
            type(unit.text).model_validate(to_plain(mapping))
        except ValidationError as exc:
            raise DocgenError([Diagnostic(rt.display, None, None, unit.key,
                                          f"internal check failed for the imported text: {exc.errors()[0]['msg']}",
                                          hint="nothing was written; report this as a docgen bug")]) from None
        self.current[row.key] = (row.km, status)


def import_files(data_dir: Path, files: list[Path], *, accept_stale: bool = False,
                 translator: Optional[str] = None, date: Optional[dt.date] = None,
                 dry_run: bool = False, labels_file: Optional[Path] = None) -> ImportReport:
    from ..validate import require_plan

    # Read every file first: a file we cannot read stops the import before any change.
    batches = [(f, read_file(f)) for f in files]
    plan, _ = require_plan(data_dir)
    ap = _Applier(plan, accept_stale=accept_stale, translator=translator, date=date or dt.date.today(),
                  labels_file=labels_file)
    report = ImportReport()
    for _f, rows in batches:
        for row in rows:
            out = ap.check(row)
            if out.verdict == APPLIED:
                ap.apply(row, ap.units[row.key])
            report.outcomes.append(out)
    if not dry_run:
        for path, rt in ap.files.items():
            if rt.save(expected=to_plain(rt.data)):
                report.files_written.append(rt.display)
    return report


def print_report(report: ImportReport, stream) -> None:
    for o in report.outcomes:
        if o.verdict in (STALE, CONFLICT, REJECTED):
            label = o.verdict if o.verdict != REJECTED else f"rejected ({o.reason})"
            print(f"{o.row.where}: {o.row.key}: {label}: {o.detail}", file=stream)
    parts = [f"{report.count(v)} {v}" for v in (APPLIED, UNCHANGED, STALE, CONFLICT)]
    rejected = report.count(REJECTED)
    reasons = ", ".join(f"{n} {r}" for r, n in sorted(report.rejected_by_reason.items()))
    parts.append(f"{rejected} rejected" + (f" ({reasons})" if reasons else ""))
    print("import: " + ", ".join(parts), file=stream)
    for o in report.outcomes:
        if o.row.note:
            print(f"  translator's note, {o.row.where}: {o.row.key}: {o.row.note}", file=stream)
    for f in report.files_written:
        print(f"  wrote {f}", file=stream)

