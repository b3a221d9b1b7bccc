"""The floor of a cold build: Typst alone compiling the 24 PDFs' sources, on every core.

    python bench/typst_floor.py prepare <plan_data> <dir>   # not timed: the Typst sources
    python bench/typst_floor.py compile <dir>               # timed by bench_build.py

``prepare`` renders every document the way the PDF backend does, up to the Typst source
(Markdown, AST, pandoc's Typst writer), and keeps each source with its metadata and its
resource folder (charts); ``compile`` runs the same Typst compile the build runs, one
document per process, as many processes as cores, and nothing else (no text layer).
"""
from __future__ import annotations

import os
import pickle
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(data: Path, dest: Path) -> int:
    from docgen import pdf
    from docgen.documents import DOCUMENTS, render_job, targets
    from docgen.validate import require_plan

    plan, _ = require_plan(data)
    dest.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=dest, prefix="res-"))
    count = 0
    for target in targets(plan, list(DOCUMENTS), ["en", "km", "en-km"]):
        job = render_job(plan, target, scratch)
        source = pdf.to_typst(job.markdown, job.meta)
        (dest / f"{job.name}.pickle").write_bytes(pickle.dumps((source, job.meta, str(job.resource_dir))))
        count += 1
    return count


def _compile(path: str) -> int:
    from docgen import pdf

    source, meta, resource_dir = pickle.loads(Path(path).read_bytes())
    return len(pdf.compile_typst(source, meta, Path(resource_dir)))


def compile_all(folder: Path) -> int:
    jobs = sorted(str(p) for p in folder.glob("*.pickle"))
    # the largest first, as the build orders its work
    jobs.sort(key=lambda p: -os.path.getsize(p))
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return len([n for n in pool.map(_compile, jobs) if n])


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"] and len(sys.argv) == 4:
        print(prepare(Path(sys.argv[2]), Path(sys.argv[3])))
    elif sys.argv[1:2] == ["compile"] and len(sys.argv) == 3:
        print(compile_all(Path(sys.argv[2])))
    else:
        sys.exit(__doc__)
