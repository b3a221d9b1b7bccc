"""Benchmark: the Khmer text layer (docgen.pdf.textlayer) per page, beside Typst's compile.

    python bench/bench_textlayer.py [--runs N] [--doc nap] [--lang km] [--data plan_data]

Both are measured in the same run on the same machine, best of N, as CPU time of this
process (on a shared machine wall time mostly measures the neighbours): Typst compiling
the document's PDF (the baseline, what the PDF backend did before this stage) and
fix_khmer_text rewriting it. Prints milliseconds per page and the stage's share.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--doc", default="nap")
    parser.add_argument("--lang", default="km")
    parser.add_argument("--data", type=Path, default=ROOT / "plan_data")
    args = parser.parse_args()

    import pikepdf

    from docgen.documents import plan_jobs
    from docgen.pdf import compile_typst, to_typst
    from docgen.pdf.textlayer import fix_khmer_text
    from docgen.validate import require_plan

    plan, _ = require_plan(args.data)
    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as tmp:
        for job in plan_jobs(plan, [args.doc], [args.lang], ["pdf"], Path(tmp)):
            source = to_typst(job.markdown, job.meta)
            compile_s, pdf = best(lambda: compile_typst(source, job.meta, job.resource_dir), args.runs)
            layer_s, fixed = best(lambda: fix_khmer_text(pdf), args.runs)
            with pikepdf.open(io.BytesIO(pdf)) as doc:
                pages = len(doc.pages)
            print(f"{job.name}: {pages} pages, {len(pdf) / 1e6:.2f} MB -> {len(fixed) / 1e6:.2f} MB")
            print(f"  Typst compile (baseline): {1000 * compile_s / pages:.1f} ms/page, best of {args.runs} (CPU)")
            print(f"  Khmer text layer:         {1000 * layer_s / pages:.1f} ms/page, best of {args.runs} (CPU)"
                  f", {100 * layer_s / compile_s:.0f} % of the compile")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
