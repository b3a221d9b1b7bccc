"""``docgen translate export | import | migrate``."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from ..diagnostics import Diagnostic, DocgenError, relative


def _default_out(plan, fmt: str, args) -> Path:
    parts = ["translation", plan.version]
    parts += args.doc or []
    parts += args.pillar or []
    if args.all:
        parts.append("all")
    return Path("build") / "translate" / ("_".join(parts) + (".xlsx" if fmt == "xlsx" else ".xlf"))


def export(args) -> int:
    from ..validate import require_plan
    from .rows import Row
    from .units import plan_units, select

    plan, _ = require_plan(args.data)
    pillars = args.pillar or None
    if pillars:
        unknown = [p for p in pillars if p not in plan.pillar]
        if unknown:
            raise DocgenError([Diagnostic("--pillar", None, None, "", f"unknown pillar '{unknown[0]}'",
                                          hint=f"pillars: {', '.join(plan.pillar)}")])
    units = select(plan_units(plan), everything=args.all, docs=args.doc or None, pillars=pillars)
    rows = [Row.from_unit(u) for u in units]
    out = args.output or _default_out(plan, args.format, args)
    stamp = dt.datetime.combine(plan.metadata.date, dt.time())
    if args.format == "xlsx":
        from .xlsx import write_xlsx
        write_xlsx(rows, out, title=f"NAP-WPS {plan.version}: texts to translate", created=stamp)
    else:
        from .xliff import write_xliff
        write_xliff(rows, out, original=f"plan_data (version {plan.version})")
    print(f"translate: {len(rows)} text(s) written to {relative(out)}"
          + ("" if args.all else " (missing, draft or out of date; --all for every text)"))
    return 0


def date_option(text):
    """The --date of an import (YYYY-MM-DD), or None; a bad one is a diagnostic, not a usage error."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DocgenError([Diagnostic("--date", None, None, "", f"'{text}' is not a date",
                                      hint="write it as YYYY-MM-DD")]) from None


def import_(args) -> int:
    from .importer import import_files, print_report

    date = date_option(args.date)
    report = import_files(args.data, args.files, accept_stale=args.accept_stale, translator=args.translator,
                          date=date, dry_run=args.dry_run)
    print_report(report, sys.stdout)
    return 1 if report.failed else 0


def migrate(args) -> int:
    from .migrate import run
    return run(args)


def add_parser(sub, add_data) -> None:
    t = sub.add_parser("translate", help="texts out to translators (XLSX, XLIFF 2) and back into the plan data")
    tsub = t.add_subparsers(dest="translate_command", required=True, metavar="ACTION")

    p = tsub.add_parser("export", help="write the texts to translate or review")
    add_data(p)
    p.add_argument("--format", choices=["xlsx", "xliff"], default="xlsx")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="output file (default: build/translate/translation_<version>[_batch].xlsx|.xlf)")
    p.add_argument("--all", action="store_true", help="every text, not only missing, draft or out-of-date ones")
    p.add_argument("--doc", action="append", choices=["nap", "tor", "consultations", "glossary", "labels"],
                   help="only texts of this document (repeatable); 'glossary' exports the term base, "
                        "'labels' the documents' own labels")
    p.add_argument("--pillar", action="append", metavar="PILLAR", help="only texts of this pillar (repeatable)")
    p.set_defaults(func="docgen.translate.cli:export")

    p = tsub.add_parser("import", help="check translators' files and write their Khmer into the plan data")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".xlsx or .xlf files")
    add_data(p)
    p.add_argument("--accept-stale", action="store_true",
                   help="apply rows whose English changed since export (they then count as translating it)")
    p.add_argument("--translator", metavar="NAME", help="translator's name, where a row names none")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="date recorded with each change (default: today)")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(func="docgen.translate.cli:import_")

    p = tsub.add_parser("migrate", help="rewrite the old 'km_draft' key as 'status' and add the English hashes")
    add_data(p)
    p.add_argument("--check", action="store_true", help="only report what would change (exit 1 if anything)")
    p.set_defaults(func="docgen.translate.cli:migrate")
