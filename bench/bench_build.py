"""Benchmark of ``docgen build``, beside LibreOffice converting the same DOCX, in one run.

    python bench/bench_build.py [--runs N] [--data plan_data] [--scales 1,10,100] [--out build/bench]

Every figure is a whole command (process start-up included), the median of N runs, with
the peak memory of the command and all its child processes together (resident memory,
sampled). Scenarios, side by side:

- cold: every document (48 files) into an empty folder
- first build on a new machine: cold, with the Word fonts made too (once per machine)
- Typst alone compiling the 24 PDFs' sources on every core: the floor a cold build sits on
- no-op: the same build again, nothing changed
- one action edited: one action's English text changed, then build
- NAP alone: the six NAP-WPS files, cold
- LibreOffice: headless LibreOffice converting the 24 DOCX of the cold build to PDF (the
  baseline: what the secretariat would do without docgen's PDF path)
- plans with 1x, 10x, 100x the actions (33 / 330 / 3,300): the six NAP files, cold

The table goes to stdout and ``<out>/bench.md``; the chart to ``<out>/bench.png``.
The machine is shared: quote ratios against the baseline measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    name: str
    times: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)  # bytes
    files: int = 0
    note: str = ""

    @property
    def seconds(self) -> float:
        return statistics.median(self.times)

    @property
    def peak(self) -> int:
        return max(self.peaks)


def _tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants now, in bytes (Linux /proc)."""
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in tree]
        tree.update(frontier)
    return sum(rss.get(pid, 0) for pid in tree)


def run_measured(cmd: list[str], env=None, cwd=None) -> tuple[float, int]:
    """Wall time and peak memory: the largest sum of the resident memory of the command and
    all its descendants at once (sampled every 20 ms), or the largest single process's peak
    (from wait4), whichever is larger."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return elapsed, max(peak, usage.ru_maxrss * 1024)  # ru_maxrss: KiB on Linux


def docgen(*args: str) -> list[str]:
    return [sys.executable, "-m", "docgen.cli", "build", "-q", *args]


def scaled_plan(src: Path, dest: Path, factor: int) -> int:
    """A copy of ``src`` with every action repeated ``factor`` times (new IDs); returns the
    number of actions. Each copy of a file's actions goes in a file of its own beside it,
    as a secretariat would split a large plan (one file may hold at most 5 MiB)."""
    shutil.copytree(src, dest)
    count = 0
    for path in sorted((dest / "actions").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        actions = doc["actions"]
        count += len(actions) * factor
        for copy in range(1, factor):
            out = []
            for a in actions:
                a = json.loads(json.dumps(a))  # a deep copy
                new = f"{a['id']}_x{copy}"
                for ind in a.get("indicators", []):
                    ind["id"] = ind["id"].replace(a["id"], new, 1)
                a["id"] = new
                out.append(a)
            copy_path = path.with_name(f"{path.stem}_copy{copy:03d}.yaml")
            copy_path.write_text(yaml.safe_dump({**doc, "actions": out}, allow_unicode=True, sort_keys=False),
                                 encoding="utf-8")
    return count


def edit_one_action(data: Path) -> None:
    path = data / "actions" / "protection.yaml"
    text = path.read_text(encoding="utf-8")
    edited, n = re.subn(r"(\n      en: >-\n        )", r"\1Bench edit: ", text, count=1)
    if n != 1:
        raise SystemExit("bench: could not find an action text to edit")
    path.write_text(edited, encoding="utf-8")


def count_files(folder: Path, pattern: str = "*") -> int:
    """The documents under ``folder`` (not the build's cache, manifests or locks)."""
    return sum(1 for p in folder.rglob(pattern) if p.is_file()
               and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def measure(name: str, runs: int, prepare, cmd_for, note: str = "") -> Result:
    res = Result(name, note=note)
    for i in range(runs):
        cmd, count = prepare(i)
        t, peak = run_measured(cmd)
        res.times.append(t)
        res.peaks.append(peak)
        res.files = count() if callable(count) else count
    # each scenario as it is measured: a run stopped early still says what it found
    print(f"{name}: {res.seconds:.2f} s, {res.peak / 2**20:.0f} MiB", file=sys.stderr, flush=True)
    return res


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT / "plan_data")
    parser.add_argument("--scales", default="1,10,100", help="action multipliers (default 1,10,100)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    tmp = Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    try:
        data = tmp / "plan_data"
        shutil.copytree(args.data, data)

        def fresh_tmp(name: str) -> None:
            """A cold build starts with an empty temp folder too (the build's cache, with its
            LibreOffice layout answers, is in its output folder; the Word fonts made once per
            machine stay in the user's cache: see "first build on a new machine")."""
            folder = tmp / "tmp" / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            os.environ["TMPDIR"] = str(folder)

        def cold(i):
            out = tmp / f"cold{i}"
            shutil.rmtree(out, ignore_errors=True)
            fresh_tmp(f"cold{i}")
            return docgen("--data", str(data), "--out", str(out)), lambda: count_files(out)
        results.append(measure("cold full build", args.runs, cold, None))
        cold_out = tmp / "cold0"

        def new_machine(i):
            out = tmp / f"machine{i}"
            shutil.rmtree(out, ignore_errors=True)
            fresh_tmp(f"machine{i}")
            cache_home = tmp / f"xdg{i}"
            shutil.rmtree(cache_home, ignore_errors=True)
            os.environ["XDG_CACHE_HOME"] = str(cache_home)
            return docgen("--data", str(data), "--out", str(out)), lambda: count_files(out)
        saved_cache_home = os.environ.get("XDG_CACHE_HOME")
        results.append(measure("first build on a new machine", 1, new_machine, None,
                               "cold, and the Word fonts made (once per machine)"))
        if saved_cache_home is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved_cache_home

        floor_src = tmp / "typst-sources"
        subprocess.run([sys.executable, str(ROOT / "bench" / "typst_floor.py"), "prepare", str(data), str(floor_src)],
                       check=True, stdout=subprocess.DEVNULL)
        results.append(measure("Typst alone compiling the 24 PDFs", args.runs,
                               lambda i: ([sys.executable, str(ROOT / "bench" / "typst_floor.py"), "compile",
                                           str(floor_src)], 24), None, "the floor: no other stage"))

        def noop(i):
            os.environ["TMPDIR"] = str(tmp / "tmp" / "cold0")  # the cold build's, as a user's would be
            return docgen("--data", str(data), "--out", str(cold_out)), lambda: 0
        results.append(measure("no-op build", args.runs, noop, None, "nothing changed"))

        def one_edit(i):
            work = tmp / f"edit{i}"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(data, work / "plan_data")
            shutil.copytree(cold_out, work / "build", symlinks=True)
            edit_one_action(work / "plan_data")
            return (docgen("--data", str(work / "plan_data"), "--out", str(work / "build")),
                    lambda: 0)
        edit = measure("one action edited", args.runs, one_edit, None)
        # which files changed: the same edit on a fresh copy, verbose
        one_edit("count")  # a fresh copy of the cold build, edited once
        work = tmp / "editcount"
        out = subprocess.run([sys.executable, "-m", "docgen.cli", "build", "--data", str(work / "plan_data"),
                              "--out", str(work / "build")], capture_output=True, text=True).stdout
        rebuilt = [line for line in out.splitlines() if line.startswith("[")]
        edit.files = len(rebuilt)
        edit.note = f"{len(rebuilt)} of {count_files(cold_out)} files rebuilt"
        results.append(edit)

        def nap(i):
            out = tmp / f"nap{i}"
            shutil.rmtree(out, ignore_errors=True)
            fresh_tmp(f"nap{i}")
            return docgen("--data", str(data), "--out", str(out), "--doc", "nap"), lambda: count_files(out)
        results.append(measure("NAP files alone", args.runs, nap, None))

        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice:
            docx = sorted(str(p) for p in cold_out.rglob("*.docx"))
            profile = tmp / "lo-profile"

            def lo(i):
                lo_out = tmp / f"lo{i}"
                shutil.rmtree(lo_out, ignore_errors=True)
                return ([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                         "--outdir", str(lo_out), *docx], lambda: count_files(lo_out))
            run_measured(lo(99)[0])  # the first start creates the profile: not counted
            results.append(measure(f"LibreOffice, the {len(docx)} DOCX -> PDF", args.runs, lo, None, "baseline"))
        else:
            print("note: LibreOffice (soffice) is not installed: no baseline", file=sys.stderr)

        for factor in [int(x) for x in args.scales.split(",") if x.strip()]:
            plan = tmp / f"plan_x{factor}"
            n = scaled_plan(args.data, plan, factor)
            runs = args.runs if factor == 1 else 1  # a large plan takes minutes a run

            def scaled(i, plan=plan, factor=factor):
                out = tmp / f"x{factor}_{i}"
                shutil.rmtree(out, ignore_errors=True)
                fresh_tmp(f"x{factor}_{i}")
                return docgen("--data", str(plan), "--out", str(out), "--doc", "nap"), lambda: count_files(out)
            results.append(measure(f"{n}-action plan, NAP files", runs, scaled, None))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    table = format_table(results)
    print(table)
    (args.out / "bench.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "bench.json").write_text(json.dumps([r.__dict__ for r in results], indent=1) + "\n", encoding="utf-8")
    try:
        chart(results, args.out / "bench.png")
        print(f"\nchart: {args.out / 'bench.png'}")
    except Exception as exc:  # the table is the result; a chart failure must not hide it
        print(f"note: no chart ({type(exc).__name__}: {exc})", file=sys.stderr)
    return 0


def format_table(results: list[Result]) -> str:
    lo = next((r for r in results if r.name.startswith("LibreOffice")), None)
    cold = results[0]
    lines = [f"docgen build benchmark ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
             f"median of {len(cold.times)} runs)", "",
             "| scenario | files | wall (s) | peak memory (MiB) | LibreOffice time / this | note |",
             "|---|---:|---:|---:|---:|---|"]
    for r in results:
        ratio = f"{lo.seconds / r.seconds:.2f}" if lo and r is not lo else ""
        lines.append(f"| {r.name} | {r.files} | {r.seconds:.2f} | {r.peak / 2**20:.0f} | {ratio} | {r.note} |")
    return "\n".join(lines)


_CHART = r"""
#let d = json(bytes(sys.inputs.data))
#set page(width: 18cm, height: auto, margin: 0.5cm, fill: white)
#set text(size: 8pt)
#let mx = calc.max(..d.rows.map(r => r.seconds))
#let unit = 7.6cm / mx
#text(weight: "bold", size: 10pt)[docgen build, wall time (s) and peak memory] \
#v(2mm)
#grid(columns: (5.2cm, 9.6cm, 2.6cm), row-gutter: 2.5mm, column-gutter: 2mm,
  ..d.rows.map(r => (
    align(right, r.name),
    box(width: calc.max(0.05, r.seconds) * unit, height: 3mm,
        fill: if r.baseline { rgb("#A6A6A6") } else { rgb("#6B2D8C") }) + h(1mm) + str(r.seconds_text) + " s",
    str(r.mib) + " MiB",
  )).flatten()
)
"""


def chart(results: list[Result], path: Path) -> None:
    import typst

    rows = [{"name": r.name, "seconds": r.seconds, "seconds_text": f"{r.seconds:.2f}", "mib": round(r.peak / 2**20),
             "baseline": r.name.startswith(("LibreOffice", "Typst alone"))} for r in results]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "chart.typ"
        src.write_text(_CHART, encoding="utf-8")
        png = typst.compile(str(src), format="png", ppi=110, sys_inputs={"data": json.dumps({"rows": rows})})
    path.write_bytes(png)


if __name__ == "__main__":
    sys.exit(main())
