"""Benchmark: build the six NAP-WPS files, beside LibreOffice converting the same DOCX to PDF.

    python bench/bench_build.py [--runs N] [--data plan_data]

Both are measured in the same run on the same machine, as whole commands (process
start-up included), best of N. The baseline is what a secretariat without docgen's PDF
path would do: ask LibreOffice headless to turn the three DOCX files into PDFs.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], runs: int, env=None) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT / "plan_data")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as tmp:
        out = Path(tmp) / "build"
        build = [sys.executable, "-m", "docgen.cli", "build", "--doc", "nap", "--data", str(args.data), "--out", str(out)]
        docgen_times = timed(build, args.runs)
        docx = sorted(out.rglob("NAP-WPS_*.docx"))
        pdfs = sorted(out.rglob("NAP-WPS_*.pdf"))
        print(f"docgen build --doc nap: {len(docx)} DOCX + {len(pdfs)} PDF")
        print(f"  best {min(docgen_times):.2f} s, median {statistics.median(docgen_times):.2f} s over {args.runs} runs")

        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if not soffice:
            print("baseline skipped: LibreOffice (soffice) is not installed")
            return 0
        profile = Path(tmp) / "lo-profile"
        lo_out = Path(tmp) / "lo"
        convert = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                   "--outdir", str(lo_out), *map(str, docx)]
        timed(convert, 1)  # first start creates the profile: not counted
        lo_times = timed(convert, args.runs)
        print(f"LibreOffice headless, the same {len(docx)} DOCX -> PDF (baseline):")
        print(f"  best {min(lo_times):.2f} s, median {statistics.median(lo_times):.2f} s over {args.runs} runs")
        print(f"docgen builds all six files {min(lo_times) / min(docgen_times):.1f}x faster than LibreOffice converts three")
    return 0


if __name__ == "__main__":
    sys.exit(main())
