"""``docgen build``: plan data -> build/<version>/<Doc>_<version>_<lang>.<docx|pdf>.

Every requested document x language is rendered to Markdown (stages 3-4), then
the conversions (stage 5/6, separate pandoc/typst work) run concurrently. All
files of a run are written to a temp folder beside ``build/<version>/`` and moved
into place only when every one succeeded, so a failed build leaves the previous
files intact. Other versions' folders are never touched.

Adding a document type: one context function + one template, registered in
``DOCUMENTS`` below.

Versions (issue 6): when an earlier version is released under the output root
(``docgen release``), documents registered with ``changes=True`` (the NAP) get
``changes`` in their context: the "Changes since OLD" annex data
(:func:`docgen.versions.annex_context`), compared with the released snapshot.
"""
from __future__ import annotations

import calendar
import datetime as dt
import importlib
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

from . import i18n
from .context.consultation import (consultation_assets, consultation_context, consultations_each,
                                   summary_assets, summary_context)
from .context.nap import nap_context
from .context.review import review_context, review_rounds_each
from .context.tor import tor_context
from .context.values import Tx
from .diagnostics import Diagnostic, DocgenError, Severity
from .docmeta import DocMeta
from .markdown.render import render
from .model.bundle import Plan

FORMATS = ("docx", "pdf")
# Backends are looked up at call time (module, function), so tests can replace them.
BACKENDS = {"docx": ("docgen.docx", "write_docx"), "pdf": ("docgen.pdf", "write_pdf")}


@dataclass(frozen=True)
class Document:
    """One kind of output file.

    ``stem`` names the file: ``<stem>_<version>_<lang>.<ext>``; for per-record documents
    it may use ``{item}``, e.g. ``"Consultation-{item}"``.
    ``context(plan, lang)`` (or ``context(plan, lang, record)`` with ``each``) returns the
    template's context; it should hold ``doc_title`` (and may hold ``doc_subtitle``) as Tx.
    ``each(plan)`` -> [(item name, record)] makes one file per record (none when it is empty).
    ``assets(plan, lang, folder)`` (``assets(plan, lang, folder, record)`` with ``each``) may
    write images etc. that the Markdown refers to.
    ``changes``: the context gets ``changes`` (annex "Changes since OLD") when an earlier
    version is released; templates test it with ``{% if changes is defined and changes %}``.
    """

    stem: str
    template: str
    context: Callable[..., dict]
    kind: str  # DocMeta.doc
    each: Optional[Callable[[Plan], list[tuple[str, Any]]]] = None
    assets: Optional[Callable[..., None]] = None
    changes: bool = False


# --doc key -> the documents it builds.
DOCUMENTS: dict[str, tuple[Document, ...]] = {
    "nap": (Document(stem="NAP-WPS", template="nap.md.j2", context=nap_context, kind="nap", changes=True),),
    # Issue 4: Terms of Reference, one summary per consultation, and the combined summary.
    "tor": (Document(stem="ToR", template="tor.md.j2", context=tor_context, kind="tor"),),
    "consultations": (
        Document(stem="Consultation-{item}", template="consultation.md.j2", context=consultation_context,
                 kind="consultation", each=consultations_each, assets=consultation_assets),
        Document(stem="Consultation-Summary", template="consultation_summary.md.j2", context=summary_context,
                 kind="summary", assets=summary_assets),
        # Issue 5: a harvested review round without a consultation event gets its own summary
        # (rounds naming an event appear in that event's summary instead).
        Document(stem="Review-{item}", template="review.md.j2", context=review_context, kind="review",
                 each=review_rounds_each),
    ),
}


@dataclass
class Job:
    """One Markdown body and the files to make from it."""

    name: str                 # file name without extension
    markdown: str
    meta: DocMeta
    resource_dir: Path
    formats: list[str] = field(default_factory=list)


def _plain(value: Any, lang: str) -> str:
    """A context value as plain text for document properties (no Markdown)."""
    if value is None:
        return ""
    if not isinstance(value, Tx):
        return str(value)
    if lang == "km":
        return value.km or value.en
    if lang == "en-km" and value.km and value.km != value.en and not value.numeric:
        return f"{value.en} / {value.km}"
    return value.en


def make_meta(plan: Plan, doc: Document, lang: str, ctx: dict) -> DocMeta:
    md = plan.metadata
    ministry = plan.institution.get(md.issuing_ministry)
    base = i18n.base_lang(lang)
    return DocMeta(
        doc=doc.kind,
        lang=lang,
        title=_plain(ctx.get("doc_title"), lang),
        subtitle=_plain(ctx.get("doc_subtitle"), lang),
        version=md.version,
        date=md.date,
        header_text=i18n.header_text(md.version, md.date, lang),
        status=i18n.label("draft", lang) if md.status != "adopted" else i18n.label("status_adopted", lang),
        author=(ministry.name.get(base) if ministry else md.issuing_ministry),
        subject=_plain(ctx.get("short_title"), lang),
        keywords=("NAP-WPS", "Women, Peace and Security", "Cambodia"),
        labels={k: i18n.label(k, lang) for k in ("contents", "page", "of", "table", "figure",
                                                  "translation_pending", "draft")},
        properties={"version": md.version, "status": md.status, "language": lang},
    )


def _backend(fmt: str) -> Callable:
    module, func = BACKENDS[fmt]
    try:
        return getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError):
        raise DocgenError([Diagnostic("docgen build", None, None, "", f"the {fmt.upper()} backend ({module}.{func}) is not available",
                                      hint=f"build other formats with --format "
                                           f"{','.join(f for f in FORMATS if f != fmt)}")]) from None


def _carry_comments_hook() -> Callable:
    # Issue 5: docgen.review.carry.carry_comments(docx_path, plan, meta) edits the DOCX in place.
    try:
        return importlib.import_module("docgen.review.carry").carry_comments
    except (ImportError, AttributeError):
        raise DocgenError([Diagnostic("docgen build", None, None, "", "--carry-comments is not available yet",
                                      hint="docgen.review.carry.carry_comments(docx_path, plan, meta) is missing")]) from None


def plan_jobs(plan: Plan, docs: Sequence[str], langs: Sequence[str], formats: Sequence[str],
              scratch: Path, skipped: Optional[list[str]] = None, previous: Optional[Plan] = None) -> Iterator[Job]:
    """Render every requested document to Markdown, one job at a time (so conversions of the
    first can start while the next renders). Unregistered --doc keys go to ``skipped``.
    ``previous``: the plan of the last released version, for the "Changes since" annex."""
    version = plan.metadata.version
    for key in docs:
        if key not in DOCUMENTS:
            if skipped is not None:
                skipped.append(key)
            continue
        for doc in DOCUMENTS[key]:
            items = doc.each(plan) if doc.each else [(None, None)]
            for item, record in items:
                stem = doc.stem.format(item=item) if item is not None else doc.stem
                for lang in langs:
                    ctx = doc.context(plan, lang, record) if doc.each else doc.context(plan, lang)
                    if doc.changes and previous is not None:
                        from .versions import annex_context
                        ctx = {**ctx, "changes": annex_context(previous, plan, lang)}
                    name = f"{stem}_{version}_{lang}"
                    res = scratch / "res" / name
                    res.mkdir(parents=True, exist_ok=True)
                    if doc.assets:
                        if doc.each:
                            doc.assets(plan, lang, res, record)
                        else:
                            doc.assets(plan, lang, res)
                    yield Job(name, render(doc.template, ctx), make_meta(plan, doc, lang, ctx), res, list(formats))


def previous_plan(plan: Plan, out: Path, log=print) -> Optional[Plan]:
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


def _refuse_changed_release(plan: Plan, data: Path, folder: Path) -> None:
    """A released version is frozen: its drafts are never rebuilt from different data."""
    from .versions.snapshot import MANIFEST, file_hashes, read_release

    rel = read_release(folder)
    if rel is None or file_hashes(data) == rel.files:
        return
    raise DocgenError([Diagnostic(str(folder / MANIFEST), None, None, "",
                                  f"version {plan.metadata.version} is released and the plan data has changed since: "
                                  "its drafts stay as released",
                                  hint="set a new metadata.version in plan.yaml (e.g. the next draft number), "
                                       "then build again")])


def _timestamp(date: dt.date) -> int:
    return calendar.timegm(date.timetuple())


def convert(jobs: Iterable[Job], out_dir: Path, plan: Plan, formats: Sequence[str], carry_comments: bool = False,
            workers: Optional[int] = None) -> list[Path]:
    """Write every job's files into ``out_dir`` concurrently; report every failure."""
    writers = {fmt: _backend(fmt) for fmt in formats}  # fail before any work if a backend is missing
    carry = _carry_comments_hook() if carry_comments and "docx" in writers else None

    def one(job: Job, fmt: str) -> Path:
        path = out_dir / f"{job.name}.{fmt}"
        writers[fmt](job.markdown, path, job.meta, resource_dir=job.resource_dir)
        if not path.is_file():
            raise DocgenError(f"the {fmt.upper()} backend wrote no file for {path.name}")
        if fmt == "docx" and job.meta.doc == "nap":
            from .notes import add_secretariat_notes  # notes for reviewers as comments on their passage
            add_secretariat_notes(path, plan, job.meta)
        if carry and fmt == "docx":
            carry(path, plan, job.meta)
        return path

    # pandoc and typst work outside the GIL (subprocesses / native code), so threads suffice;
    # each job's conversions start as soon as its Markdown is rendered. PDFs (the slower) first.
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
            except DocgenError as exc:
                errors += [Diagnostic(f"{job.name}.{fmt}", None, None, "", d.message, d.hint) for d in exc.diagnostics]
            except Exception as exc:  # a backend bug: report it with the file, not a traceback
                errors.append(Diagnostic(f"{job.name}.{fmt}", None, None, "",
                                         f"{fmt.upper()} backend failed: {type(exc).__name__}: {exc}"))
    if errors:
        raise DocgenError(errors)
    return paths


def build(data: Path, docs: Sequence[str], langs: Sequence[str], formats: Sequence[str], out: Path,
          carry_comments: bool = False, log=print) -> list[Path]:
    """Build the requested files; returns their final paths (sorted)."""
    from .validate import require_plan

    # Duplicates ("--format docx,docx") would make two writers race for one file.
    docs, langs, formats = (list(dict.fromkeys(x)) for x in (docs, langs, formats))
    for lang in langs:
        i18n.base_lang(lang)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise DocgenError(f"unknown format(s) {', '.join(bad)}; expected {', '.join(FORMATS)}")
    plan, diags = require_plan(Path(data))
    warnings = [d for d in diags if d.severity is Severity.WARNING]
    if warnings:
        print(f"note: the plan data has {len(warnings)} warning(s); run 'docgen validate' to see them",
              file=sys.stderr)

    version = plan.metadata.version
    out = Path(out)
    final = out / version
    _refuse_changed_release(plan, Path(data), final)
    try:
        out.mkdir(parents=True, exist_ok=True)
        # The temp folder sits beside the version folder: same file system, so moves are atomic renames.
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=out))
    except OSError as exc:
        raise DocgenError([Diagnostic(str(out), None, None, "", f"cannot write the build folder: {exc.strerror}",
                                      hint="pass a writable folder with --out")]) from None
    try:
        previous = previous_plan(plan, out) if any(d.changes for k in docs for d in DOCUMENTS.get(k, ())) else None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        skipped = [key for key in docs if key not in DOCUMENTS]
        for key in skipped:
            print(f"note: document '{key}' is not implemented yet; skipped", file=sys.stderr)
        if len(skipped) == len(docs):
            raise DocgenError([Diagnostic("docgen build", None, None, "", "nothing to build: no implemented document "
                                          f"among {', '.join(docs)}", hint=f"implemented: {', '.join(DOCUMENTS)}")])
        files_dir = tmp / "files"
        files_dir.mkdir()
        jobs = plan_jobs(plan, docs, langs, formats, tmp, previous=previous)
        written = convert(jobs, files_dir, plan, formats, carry_comments)
        stamp = _timestamp(plan.metadata.date)
        final.mkdir(exist_ok=True)
        results = []
        for path in sorted(written):
            os.chmod(path, 0o644)  # backends' temp files are private (mkstemp); outputs are not
            os.utime(path, (stamp, stamp))  # deterministic: the plan's date, not the build time
            dest = final / path.name
            os.replace(path, dest)
            results.append(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for dest in results:
        log(f"wrote {dest}")
    return results


def run(args) -> int:
    t0 = time.perf_counter()
    files = build(args.data, args.doc, args.lang, args.format, args.out,
                  carry_comments=getattr(args, "carry_comments", False))
    print(f"{len(files)} file(s) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
