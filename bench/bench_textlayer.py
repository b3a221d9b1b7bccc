"""Benchmark: the Khmer text layer (docgen.pdf.textlayer) per page, beside Typst's compile.

    python bench/bench_textlayer.py [--runs N] [--doc nap] [--lang km] [--data plan_data]
                                    [--baseline REV]

Both are measured in the same run on the same machine, best of N, as CPU time of this
process (on a shared machine wall time mostly measures the neighbours): Typst compiling
the document's PDF (the baseline, what the PDF backend did before this stage) and
fix_khmer_text rewriting it. Prints milliseconds per page and the stage's share.
With --baseline, the stage as it was at a git revision is timed beside it, on the same
PDF in the same run (the comparison a shared machine allows).
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


def _textlayer_at(rev: str):
    """docgen/pdf/textlayer.py as at git revision ``rev``, imported beside the current one."""
    import importlib.util
    import subprocess

    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:docgen/pdf/textlayer.py"],
                            capture_output=True, check=True).stdout
    tmp = Path(tempfile.mkdtemp(prefix="docgen-bench-")) / "textlayer.py"
    tmp.write_bytes(source)
    spec = importlib.util.spec_from_file_location("docgen.pdf._baseline_textlayer", tmp)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)   # its relative imports resolve in docgen.pdf
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--doc", default="nap")
    parser.add_argument("--lang", default="km")
    parser.add_argument("--data", type=Path, default=ROOT / "plan_data")
    parser.add_argument("--baseline", metavar="REV", help="also time docgen/pdf/textlayer.py as at this git revision")
    args = parser.parse_args()
    baseline = _textlayer_at(args.baseline) if args.baseline else None

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
            if baseline is not None:
                base_s, _ = best(lambda: baseline.fix_khmer_text(pdf), args.runs)
                print(f"  ... as at {args.baseline}:{' ' * max(1, 14 - len(args.baseline))}{1000 * base_s / pages:.1f} ms/page"
                      f", {100 * base_s / compile_s:.0f} % of the compile (now {100 * layer_s / base_s:.0f} % of it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
