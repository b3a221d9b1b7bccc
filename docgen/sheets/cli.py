"""``docgen sheets export | import``."""
from __future__ import annotations

import sys
from pathlib import Path

from ..diagnostics import Diagnostic, DocgenError, relative
from ..translate.cli import date_option
from . import GROUPINGS, KINDS


def export(args) -> int:
    from ..validate import require_plan
    from .worksheets import plan_rows, write_workbook

    plan, _ = require_plan(args.data)
    rows = plan_rows(plan, args.kind, args.by)
    if args.only:
        rows = [r for r in rows if set(args.only) & set(r.group)]
        if not rows:
            raise DocgenError([Diagnostic("--only", None, None, "", f"no {args.kind} rows for {', '.join(args.only)}",
                                          hint=f"give a {'pillar' if args.by == 'pillar' else 'lead institution'} ID")])
        for r in rows:
            r.group = [g for g in r.group if g in args.only]
    out = args.output or Path("build") / "sheets" / f"{args.kind}_{plan.version}_by-{args.by}.xlsx"
    sheets = write_workbook(plan, args.kind, args.by, out, rows)
    print(f"sheets: {len(rows)} row(s) in {sheets} sheet(s) written to {relative(out)}")
    return 0


def import_(args) -> int:
    from .importer import import_sheets, print_report

    date = date_option(args.date)
    report = import_sheets(args.data, args.files, args.kind, by=args.by, date=date, dry_run=args.dry_run)
    print_report(report, sys.stdout)
    return 1 if report.failed else 0


def add_parser(sub, add_data) -> None:
    s = sub.add_parser("sheets", help="worksheets for line ministries: results, costing, timeline (XLSX) and back")
    ssub = s.add_subparsers(dest="sheets_command", required=True, metavar="ACTION")

    p = ssub.add_parser("export", help="write a worksheet, one sheet per pillar or per lead institution")
    add_data(p)
    p.add_argument("--kind", choices=KINDS, required=True,
                   help="results (targets, means of verification...), costing (amounts, funding) or timeline")
    p.add_argument("--by", choices=GROUPINGS, default="pillar", help="one sheet per pillar (default) or lead institution")
    p.add_argument("--only", action="append", metavar="ID", help="only this pillar or lead institution (repeatable)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="output file (default: build/sheets/<kind>_<version>_by-<pillar|lead>.xlsx)")
    p.set_defaults(func="docgen.sheets.cli:export")

    p = ssub.add_parser("import", help="check a ministry's worksheet and write its values into the plan data")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_data(p)
    p.add_argument("--kind", choices=KINDS, required=True)
    p.add_argument("--by", dest="by", metavar="WHO", default=None,
                   help="who supplied the values, recorded as their decision (default: the lead institution)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="date of the decision (default: today)")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(func="docgen.sheets.cli:import_")
