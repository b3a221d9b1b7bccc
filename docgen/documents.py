"""The documents docgen makes (the registry ``DOCUMENTS``), and how one document in one
language becomes a job: its context, assets and Markdown (stages 3-4).

Adding a document type: one context function + one template, registered in
``DOCUMENTS`` below. Documents registered with ``changes=True`` (the NAP) get
``changes`` in their context when an earlier version is released under the output
root: the "Changes since OLD" annex data (:func:`docgen.versions.annex_context`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from . import i18n, khmer
from .context.consultation import (consultation_assets, consultation_context, consultations_each,
                                   summary_assets, summary_context)
from .context.nap import nap_context
from .context.review import review_context, review_rounds_each
from .context.tor import tor_context
from .context.values import Tx
from .diagnostics import Diagnostic, DocgenError
from .docmeta import DocMeta
from .markdown.render import render
from .model.bundle import Plan
from .notes import note_comments


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
    ``comments(plan, lang)`` -> Word comments to add to the DOCX (docgen.review.carry's
    ``CarriedComment``), e.g. the secretariat's notes for reviewers on the NAP.
    """

    stem: str
    template: str
    context: Callable[..., dict]
    kind: str  # DocMeta.doc
    each: Optional[Callable[[Plan], list[tuple[str, Any]]]] = None
    assets: Optional[Callable[..., None]] = None
    changes: bool = False
    comments: Optional[Callable[[Plan, str], list]] = None


# --doc key -> the documents it builds.
DOCUMENTS: dict[str, tuple[Document, ...]] = {
    "nap": (Document(stem="NAP-WPS", template="nap.md.j2", context=nap_context, kind="nap", changes=True,
                     comments=note_comments),),
    "tor": (Document(stem="ToR", template="tor.md.j2", context=tor_context, kind="tor"),),
    "consultations": (
        Document(stem="Consultation-{item}", template="consultation.md.j2", context=consultation_context,
                 kind="consultation", each=consultations_each, assets=consultation_assets),
        Document(stem="Consultation-Summary", template="consultation_summary.md.j2", context=summary_context,
                 kind="summary", assets=summary_assets),
        # A harvested review round without a consultation event gets its own summary
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
    comments: list = field(default_factory=list)  # Word comments for the DOCX (Document.comments)


def _plain(value: Any, lang: str) -> str:
    """A context value as plain text for document properties (no Markdown), Khmer in its
    preferred spelling (as in the documents)."""
    return khmer.normalise(_plain_text(value, lang))


def _plain_text(value: Any, lang: str) -> str:
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


@dataclass(frozen=True, eq=False)
class Target:
    """One document in one language: the files ``<name>.<format>``."""

    doc: Document
    name: str
    lang: str
    record: Any = None


def targets(plan: Plan, docs: Sequence[str], langs: Sequence[str]) -> list[Target]:
    """Every document x language requested, without rendering anything."""
    unknown = [key for key in docs if key not in DOCUMENTS]
    if unknown:
        raise DocgenError([Diagnostic("docgen build", None, None, "", f"unknown document {', '.join(map(repr, unknown))}",
                                      hint=f"documents: {', '.join(DOCUMENTS)}")])
    version = plan.metadata.version
    out = []
    for key in docs:
        for doc in DOCUMENTS[key]:
            for item, record in (doc.each(plan) if doc.each else [(None, None)]):
                stem = doc.stem.format(item=item) if item is not None else doc.stem
                out += [Target(doc, f"{stem}_{version}_{lang}", lang, record) for lang in langs]
    return out


def render_job(plan: Plan, target: Target, scratch: Path, previous: Optional[Plan] = None) -> Job:
    """Stages 3-4 for one target: its context, assets and Markdown (no formats chosen yet)."""
    doc, lang, record = target.doc, target.lang, target.record
    ctx = doc.context(plan, lang, record) if doc.each else doc.context(plan, lang)
    if doc.changes and previous is not None:
        from .versions import annex_context
        ctx = {**ctx, "changes": annex_context(previous, plan, lang)}
    res = scratch / "res" / target.name
    res.mkdir(parents=True, exist_ok=True)
    if doc.assets:
        if doc.each:
            doc.assets(plan, lang, res, record)
        else:
            doc.assets(plan, lang, res)
    job = Job(target.name, render(doc.template, ctx), make_meta(plan, doc, lang, ctx), res)
    if doc.comments:
        job.comments = doc.comments(plan, lang)
    return job


def plan_jobs(plan: Plan, docs: Sequence[str], langs: Sequence[str], formats: Sequence[str],
              scratch: Path, previous: Optional[Plan] = None) -> Iterator[Job]:
    """Render every requested document to Markdown, one job at a time (so conversions of the
    first can start while the next renders). ``previous``: the plan of the last released
    version, for the "Changes since" annex."""
    for target in targets(plan, docs, langs):
        job = render_job(plan, target, scratch, previous)
        job.formats = list(formats)
        yield job
