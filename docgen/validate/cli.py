"""``docgen validate``: report every problem in the plan data, then a summary line."""
from __future__ import annotations

import sys

from ..diagnostics import summary_line
from . import load_plan


def run(args) -> int:
    from ..cli import print_diagnostics

    plan, diags = load_plan(args.data, strict=args.strict)
    print_diagnostics(diags, stream=sys.stdout)
    print(summary_line(diags) + (f" in {args.data}" if args.data else ""))
    return 0 if plan is not None else 1
