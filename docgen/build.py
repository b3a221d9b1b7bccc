"""``docgen build``: plan data -> build/<version>/<Doc>_<version>_<lang>.<docx|pdf>.

Every requested document x language is rendered to Markdown (stages 3-4), then its
conversions (stages 5-6: pandoc, Typst) run concurrently while the next one renders.

Incremental: ``build/<version>/.docgen-build.json`` (:mod:`docgen.buildcache`) records
what each file was made from; a file whose inputs did not change is kept, and when no
input changed at all nothing is even rendered. ``--force`` rebuilds everything.

Whole folders (:mod:`docgen.versionfolder`): the new files, with the kept ones linked
beside them, are written to a temp folder next to ``build/<version>/``, which then takes
the old folder's place in one rename: readers see the old drafts or the new ones, never
a mix. A file that cannot be replaced (open in Word) stops the build before the swap.
A released version's folder is never written; other versions' folders are never touched.

The documents themselves are registered in :mod:`docgen.documents`. A repeated build
with nothing changed is answered from the manifests before that (or the plan) is even
imported.
"""
from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import importlib
import itertools
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional, Sequence

from . import cache, khmer
from .buildcache import (MANIFEST_NAME, Manifest, fingerprint, inputs_key, request_key, toolchain_key, tree_digest,
                         up_to_date)
from .diagnostics import Diagnostic, DocgenError, Severity, relative
from .progress import Progress
from .versionfolder import (link_or_copy, new_temp_folder, refuse_unreplaceable, remove_stale, swap_in,
                            version_lock)

if TYPE_CHECKING:
    from .documents import Job, Target
    from .model.bundle import Plan

FORMATS = ("docx", "pdf")
CACHE_DIR = ".cache"  # build/.cache/: images and other cached intermediate results (docgen.cache)
# Backends are looked up at call time (module, function), so tests can replace them.
BACKENDS = {"docx": ("docgen.docx", "write_docx"), "pdf": ("docgen.pdf", "write_pdf")}


def _backend(fmt: str) -> Callable:
    module, func = BACKENDS[fmt]
    try:
        return getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError):
        raise DocgenError([Diagnostic("docgen build", None, None, "", f"the {fmt.upper()} backend ({module}.{func}) is not available",
                                      hint=f"build other formats with --format "
                                           f"{','.join(f for f in FORMATS if f != fmt)}")]) from None


def previous_plan(plan: Plan, out: Path) -> Optional[Plan]:
    """The plan of the latest version released under ``out`` before ``plan``'s version
    (by release date, not later than the plan's date), or None."""
    from .validate import require_plan
    from .versions.snapshot import previous_release, verify_snapshot

    rel = previous_release(out, plan.metadata.version, on_or_before=plan.metadata.date)
    if rel is None:
        return None
    verify_snapshot(rel)
    try:
        old, _ = require_plan(rel.data_dir)
    except DocgenError as exc:
        raise DocgenError([Diagnostic(str(rel.data_dir), None, None, "",
                                      f"cannot write the annex 'Changes since {rel.version}': the released "
                                      f"plan data of version {rel.version} does not validate",
                                      hint="the snapshot was made by an older docgen; compare with "
                                           "'docgen diff' after fixing it, or release again with --force")]
                          + exc.diagnostics) from None
    return old


def _released(plan: Plan, data: Path, folder: Path) -> bool:
    """Whether ``folder`` is a release (frozen). A released version's drafts are never
    rebuilt; from changed data that is an error."""
    from .versions.snapshot import MANIFEST, file_hashes, read_release

    rel = read_release(folder)
    if rel is None:
        return False
    if file_hashes(data) == rel.files:
        return True
    raise DocgenError([Diagnostic(str(folder / MANIFEST), None, None, "",
                                  f"version {plan.metadata.version} is released and the plan data has changed since: "
                                  "its drafts stay as released",
                                  hint="set a new metadata.version in plan.yaml (e.g. the next draft number), "
                                       "then build again")])


def _timestamp(date: dt.date) -> int:
    return calendar.timegm(date.timetuple())


# Conversions run in worker processes (see convert); "threads" keeps them in this process
# (tests that replace the backends, or debugging: DOCGEN_PARALLEL=threads).
PARALLEL = os.environ.get("DOCGEN_PARALLEL", "processes")
# What a worker process imports before the first job (it forks each worker from there).
_WORKER_PRELOAD = ["docgen.build", "docgen.documents", "docgen.docx", "docgen.pdf", "docgen.pdf.textlayer",
                   "docgen.review.carry", "lxml.etree", "pikepdf", "typst", "fontTools.ttLib"]


def _write_one(job: Job, fmt: str, out_dir: Path, writer: Callable, carry: Optional[Callable],
               plan: Optional[Plan]) -> Path:
    path = out_dir / f"{job.name}.{fmt}"
    writer(job.markdown, path, job.meta, resource_dir=job.resource_dir)
    if not path.is_file():
        raise DocgenError(f"the {fmt.upper()} backend wrote no file for {path.name}")
    if fmt == "docx" and job.comments:
        from .notes import add_note_comments  # the secretariat's notes, on their passages
        add_note_comments(path, job.comments, job.meta)
    if carry and fmt == "docx":
        carry(path, plan, job.meta)
    return path


def _diagnostics(name: str, fmt: str, exc: BaseException) -> list[Diagnostic]:
    if isinstance(exc, DocgenError):
        return [Diagnostic(name, None, None, "", d.message, d.hint) for d in exc.diagnostics]
    # a backend bug: report it with the file, not a traceback
    return [Diagnostic(name, None, None, "", f"{fmt.upper()} backend failed: {type(exc).__name__}: {exc}")]


_events = None  # in a worker process: the queue its progress goes to


def _die_with_build(build_pid: int) -> None:
    """A worker stops as soon as the build that started it is gone (killed, say): the
    worker server it was forked from outlives the build, and a worker left running would
    write into the temp folder the next build has just removed."""
    import select

    def watch() -> None:
        try:
            fd = os.pidfd_open(build_pid)  # Linux: readable once the process has ended
            select.select([fd], [], [])
        except (AttributeError, OSError):
            while True:
                time.sleep(0.5)
                try:
                    os.kill(build_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass  # alive, someone else's (cannot happen for our own build)
        os._exit(1)

    threading.Thread(target=watch, name="watch-build", daemon=True).start()


def _worker_init(events, lexicon_words: list[str], build_pid: int, cache_root: Optional[Path]) -> None:
    global _events
    _events = events
    cache.use(cache_root)  # the build's cache: text layers, layouts
    _die_with_build(build_pid)
    khmer.adopt_lexicon(lexicon_words)  # the plan's own Khmer terms, for line breaking


def _worker_job(job: Job, formats: list[str], out_dir: Path, carry_comments: bool, plan: Optional[Plan],
                environ: dict[str, str], backends: dict[str, tuple[str, str]]) -> list[tuple[str, Optional[list[Diagnostic]]]]:
    """In a worker process: every format of one job; reports each file as it is finished."""
    os.environ.clear()
    os.environ.update(environ)  # the caller's environment now, not the worker server's
    BACKENDS.update(backends)
    carry = None
    if carry_comments:
        from .review.carry import carry_comments as carry

    def one(fmt: str):
        name = f"{job.name}.{fmt}"
        _events.put(("start", name, None))
        start = time.perf_counter()
        try:
            _write_one(job, fmt, out_dir, _backend(fmt), carry, plan)
        except Exception as exc:
            _events.put(("failed", name, None))
            return name, _diagnostics(name, fmt, exc)
        _events.put(("done", name, time.perf_counter() - start))
        return name, None

    # One format after the other: the workers already keep the cores busy, and a large
    # document's DOCX (pandoc) and PDF (Typst) at once would double the peak memory.
    try:
        return [one(fmt) for fmt in formats]
    finally:
        from .markdown.reader import forget
        forget()  # the AST was shared by this job's formats; the next job has its own


def _worker_context():
    """The worker processes' context, its server started (in the background: it imports
    docgen while this process validates and renders)."""
    import multiprocessing as mp
    from multiprocessing import forkserver

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_WORKER_PRELOAD)
    forkserver.ensure_running()
    return ctx


def _in_fresh_worker(pool_args: dict, args: tuple):
    """One job in a worker process of its own, ended when the job is done."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, **pool_args) as pool:
        return pool.submit(_worker_job, *args).result()


def _convert_in_processes(jobs: Iterable[Job], out_dir: Path, plan: Plan, carry_comments: bool,
                          workers: int, progress: Progress) -> list[Path]:
    """Each job in a worker process: Python work (AST transforms, DOCX post-processing,
    Khmer segmentation) runs on every core instead of taking turns on one, and a large
    document's memory goes back when its worker is done. Workers fork from a server that
    has docgen imported, not from this process (which may hold threads and Typst state)."""
    from concurrent.futures import ProcessPoolExecutor

    ctx = _worker_context()
    events = ctx.SimpleQueue()

    def relay():
        while True:
            kind, name, value = events.get()
            if kind == "stop":
                return
            if kind == "start":
                progress.started(name)
            elif kind == "done":
                progress.done(name, value)
            else:
                progress.failed(name)

    jobs = iter(jobs)
    first = next(jobs, None)  # judged by the first document (the NAP, in a full build)
    if first is None:
        return []
    pool_args = dict(mp_context=ctx, initializer=_worker_init,
                     initargs=(events, sorted(khmer.lexicon().words), os.getpid(), cache.root()))
    listener = threading.Thread(target=relay, daemon=True)
    listener.start()
    errors, paths, tasks = [], [], []
    try:
        with contextlib.ExitStack() as stack:
            if len(first.markdown) > LARGE_MARKDOWN:
                # a pool of one per job: max_tasks_per_child=1 can deadlock (CPython gh-115634)
                threads = stack.enter_context(ThreadPoolExecutor(max_workers=workers))

                def submit(*args):
                    return threads.submit(_in_fresh_worker, pool_args, args)
            else:
                pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers, **pool_args))

                def submit(*args):
                    return pool.submit(_worker_job, *args)
            for job in itertools.chain([first], jobs):
                order = sorted(job.formats, key=lambda f: f != "pdf")  # PDFs (the slower) first
                tasks.append((job, submit(job, order, out_dir, carry_comments, plan if carry_comments else None,
                                          dict(os.environ), dict(BACKENDS))))
            for job, fut in tasks:
                try:
                    results = fut.result()
                except Exception as exc:  # the worker died (killed, out of memory)
                    errors += _diagnostics(f"{job.name}.*", "the", exc)
                    continue
                for name, diags in results:
                    if diags:
                        errors += diags
                    else:
                        paths.append(out_dir / name)
    finally:
        events.put(("stop", "", None))
        listener.join(10)
    if errors:
        raise DocgenError(errors)
    return paths


# A worker serves the whole build (a fresh one costs ~150 ms: Khmer model, fonts), unless
# a document is large: Typst keeps what it memoised in a compile until its process ends
# (typst-py never evicts its cache), about 1 GB after a 330-action NAP, so with large
# documents each job gets a fresh worker and its memory goes back when it is done.
LARGE_MARKDOWN = 400_000  # characters; the 33-action NAP has about 100,000


def convert(jobs: Iterable[Job], out_dir: Path, plan: Plan, formats: Sequence[str], carry_comments: bool = False,
            workers: Optional[int] = None, progress: Optional[Progress] = None) -> list[Path]:
    """Write every job's files into ``out_dir`` concurrently; report every failure."""
    writers = {fmt: _backend(fmt) for fmt in formats}  # fail before any work if a backend is missing
    progress = progress or Progress(verbosity=0)
    if PARALLEL == "processes":
        return _convert_in_processes(jobs, out_dir, plan, carry_comments, workers or os.cpu_count() or 2, progress)
    carry = None
    if carry_comments and "docx" in writers:
        from .review.carry import carry_comments as carry

    def one(job: Job, fmt: str) -> Path:
        name = f"{job.name}.{fmt}"
        progress.started(name)
        start = time.perf_counter()
        try:
            path = _write_one(job, fmt, out_dir, writers[fmt], carry, plan)
        except BaseException:
            progress.failed(name)
            raise
        progress.done(name, time.perf_counter() - start)
        return path

    # pandoc and typst work outside the GIL (subprocesses / native code); PDFs (the slower) first.
    # Twice the cores: the threads mostly wait, and a DOCX can run beside two Typst compiles.
    order = sorted(formats, key=lambda f: f != "pdf")
    tasks = []
    with ThreadPoolExecutor(max_workers=workers or 2 * (os.cpu_count() or 2)) as pool:
        for job in jobs:
            for fmt in order:
                if fmt in job.formats:
                    tasks.append((job, fmt, pool.submit(one, job, fmt)))
        errors, paths = [], []
        for job, fmt, fut in tasks:
            try:
                paths.append(fut.result())
            except Exception as exc:
                errors += _diagnostics(f"{job.name}.{fmt}", fmt, exc)
    if errors:
        raise DocgenError(errors)
    return paths


_JOB_BASICS = {"name", "markdown", "meta", "resource_dir", "formats"}


def _job_extras(job: Job) -> str:
    """Every other field of a job (e.g. Word comments a document adds) as stable text."""
    import dataclasses
    import json

    extras = {f.name: getattr(job, f.name) for f in dataclasses.fields(job) if f.name not in _JOB_BASICS}
    return json.dumps(extras, sort_keys=True, default=repr, ensure_ascii=False) if extras else ""


def _count(n: int, what: str = "file") -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def build(data: Path, docs: Sequence[str], langs: Sequence[str], formats: Sequence[str], out: Path,
          carry_comments: bool = False, log=print, force: bool = False,
          progress: Optional[Progress] = None, lock_tracking: bool = False) -> list[Path]:
    """Build the requested files that are out of date (all with ``force``); returns the final
    paths of every requested file (sorted). ``log`` other than print silences the report."""
    progress = progress or Progress(verbosity=1 if log is print else 0)
    # Duplicates ("--format docx,docx") would make two writers race for one file.
    docs, langs, formats = (list(dict.fromkeys(x)) for x in (docs, langs, formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise DocgenError(f"unknown format(s) {', '.join(bad)}; expected {', '.join(FORMATS)}")
    out = Path(out)
    cache.use(out / CACHE_DIR)
    tool = toolchain_key()
    inputs = inputs_key(tool, Path(data), out, {"carry_comments": carry_comments, "lock_tracking": lock_tracking})
    request = request_key(docs, langs, formats)
    if not force:
        done = up_to_date(out, request, inputs)
        if done is not None:  # answered from the manifest: the plan is not even loaded
            _say_warnings(done.warnings, progress)
            return _nothing_changed(done.folder, done.names, progress)
    from . import i18n
    from .documents import targets
    from .validate import require_plan

    for lang in langs:
        i18n.base_lang(lang)  # an unknown language is an error before any work
    plan, diags = require_plan(Path(data))
    warnings = sum(1 for d in diags if d.severity is Severity.WARNING)
    _say_warnings(warnings, progress)

    version = plan.metadata.version
    final = out / version
    wanted = [(t, fmt, f"{t.name}.{fmt}") for t in targets(plan, docs, langs) for fmt in formats]
    names = [name for _, _, name in wanted]
    frozen = _released(plan, Path(data), final)
    with version_lock(out, version, "build", say=progress.note):
        for path in remove_stale(out, version):
            progress.note(f"removed {relative(path)}, left by an interrupted build", level=2)
        if frozen:
            return _frozen(final, version, names, progress)
        manifest = Manifest() if force else Manifest.read(final)
        manifest.remember(request, inputs, names, warnings)
        todo: dict[Target, list[str]] = {}
        fresh = []
        for t, fmt, name in wanted:
            if manifest.same_inputs(final, name, inputs):
                fresh.append(name)
            else:
                todo.setdefault(t, []).append(fmt)
        if not todo:
            manifest.write(final)  # remembers this request
            return _nothing_changed(final, names, progress)
        _build_into(final, plan, Path(data), out, todo, manifest, tool, inputs, formats, carry_comments,
                    progress, fresh, total=len(wanted), lock_tracking=lock_tracking)
    return sorted(final / name for name in names)


def _say_warnings(count: int, progress: Progress) -> None:
    if count:
        progress.note(f"note: the plan data has {count} warning(s); run 'docgen validate' to see them")


def _nothing_changed(final: Path, names: list[str], progress: Progress) -> list[Path]:
    for name in names:
        progress.note(f"up to date: {name}", level=2)
    progress.say(f"nothing changed: {_count(len(names))} in {relative(final)} up to date")
    return sorted(final / name for name in names)


def _frozen(final: Path, version: str, names: list[str], progress: Progress) -> list[Path]:
    missing = [n for n in names if not (final / n).is_file()]
    if missing:
        raise DocgenError([Diagnostic(relative(final / n), None, None, "",
                                      f"version {version} is released and this file was not built before the release",
                                      hint="released folders stay as released; set a new metadata.version in "
                                           "plan.yaml to build it") for n in missing])
    progress.say(f"version {version} is released: its {_count(len(names))} stay as released in {relative(final)}")
    return sorted(final / n for n in names)


def _build_into(final: Path, plan: Plan, data: Path, out: Path, todo: dict, manifest: Manifest, tool: str,
                inputs: str, formats: Sequence[str], carry_comments: bool, progress: Progress, fresh: list[str],
                total: int, lock_tracking: bool = False) -> None:
    from .documents import render_job

    refuse_unreplaceable(final)  # before any work: close the file, then build
    if PARALLEL == "processes":
        _worker_context()
    tmp = new_temp_folder(out, plan.metadata.version)
    try:
        files_dir = tmp / "files"
        files_dir.mkdir()
        needs_previous = any(t.doc.changes for t in todo)
        previous = previous_plan(plan, out) if needs_previous else None
        carried = tree_digest(data) if carry_comments else ""  # carried comments come from the feedback files
        # What a file is made from besides its Markdown and metadata: the plan's Khmer terms
        # (line breaking, joining) and anything else a document adds to its job.
        shared = cache.digest("lexicon", *sorted(khmer.lexicon().words))
        fingerprints: dict[str, str] = {}
        kept: list[str] = []

        def jobs() -> Iterator[Job]:
            for target, fmts in todo.items():
                job = render_job(plan, target, tmp, previous)
                if lock_tracking:  # reviewers cannot switch Track Changes off in Word
                    job = replace(job, meta=replace(job.meta, lock_tracking=True))
                for fmt in fmts:
                    name = f"{target.name}.{fmt}"
                    fp = fingerprint(tool, fmt, job.markdown, job.meta, job.resource_dir,
                                     shared + _job_extras(job) + (carried if fmt == "docx" else ""))
                    if manifest.same_fingerprint(final, name, fp):
                        manifest.keep(name, inputs)  # inputs changed, but not this file's
                        kept.append(name)
                    else:
                        fingerprints[name] = fp
                        job.formats.append(fmt)
                if job.formats:
                    yield job

        progress.plan(sum(len(f) for f in todo.values()))
        written = convert(jobs(), files_dir, plan, formats, carry_comments, progress=progress)
        progress.plan(len(written))
        for name in sorted(fresh + kept):
            progress.note(f"up to date: {name}", level=2)
        up_to_date = total - len(written)
        if not written:
            manifest.write(final)  # only the inputs moved on
            progress.say(f"nothing to rebuild: {_count(total)} in {relative(final)} up to date")
            return
        stamp = _timestamp(plan.metadata.date)
        for path in written:
            os.chmod(path, 0o644)  # backends' temp files are private (mkstemp); outputs are not
            os.utime(path, (stamp, stamp))  # deterministic: the plan's date, not the build time
            manifest.record(path.name, path, inputs, fingerprints[path.name])
        # Everything else the folder holds (files kept, other documents, a redline) moves along.
        if final.is_dir():
            for entry in final.iterdir():
                if entry.name != MANIFEST_NAME and not (files_dir / entry.name).exists():
                    link_or_copy(entry, files_dir / entry.name)
        manifest.only(p.name for p in files_dir.iterdir())
        manifest.write(files_dir)
        refuse_unreplaceable(final)
        old = swap_in(files_dir, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
            if old.exists():
                progress.note(f"note: could not remove the previous files in {relative(old)}; "
                              "the next build removes them")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cache.prune()  # entries no build has used for a month
    progress.say(f"built {_count(len(written))} into {relative(final)} in {progress.elapsed():.1f} s"
                 + (f"; {up_to_date} up to date, skipped" if up_to_date else ""))


def run(args) -> int:
    verbosity = 0 if getattr(args, "quiet", False) else 2 if getattr(args, "verbose", False) else 1
    progress = Progress(verbosity=verbosity)
    try:
        build(args.data, args.doc, args.lang, args.format, args.out,
              carry_comments=getattr(args, "carry_comments", False), force=getattr(args, "force", False),
              progress=progress, lock_tracking=getattr(args, "lock_tracking", False))
    finally:
        progress.close()
    return 0
