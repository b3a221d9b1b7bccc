"""No Typst or Markdown markup and no internal ID shows as text in any built document.

Reads every PDF with two extractors (poppler's pdftotext and pypdf) and every DOCX's
text (body, headers, footers, footnotes) from its XML. Markup is anything our templates
or pandoc's writers produce that a reader should never see: heading marks ('= ', '## '),
Typst code ('#box', '#set'), Pandoc attributes ('{#ID}', ':::'), emphasis marks ('*', '**',
'_x_'), backslash escapes. Internal IDs are bookmark names and IDs readers do not know
(SEC_intro, OUT_3_1, DOC_matrix, C2023_10_18...); the action and indicator IDs (PROT_01,
PROT_01_I1) are the plan's printed labels and may show.
"""
from __future__ import annotations

import re
import zipfile

import pytest
from lxml import etree

from conftest import needs_pdftotext, pdftotext, pypdf_pages, read_with_pypdf

pytestmark = pytest.mark.slow

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

MARKUP = {
    "heading mark": re.compile(r"^\s*(=+|#+) +[^\W\d]", re.M),  # '= Acronyms', '## Intro' ('6 = 71' is arithmetic)
    "Typst code": re.compile(r"#[a-z(\[{]"),
    "Pandoc attribute": re.compile(r"\{[#.][A-Za-z]|:::"),
    "emphasis mark": re.compile(r"\*"),
    "backslash escape": re.compile(r"\\[^\s]"),
    "label": re.compile(r"<[A-Za-z][A-Za-z0-9_]*>"),
}
# A word with an underscore is an ID; only the visible ones (actions, indicators) may show.
ID_WORD = re.compile(r"[A-Za-z0-9]*_[A-Za-z0-9_]*")


VISIBLE_ID = re.compile(r"[A-Z][A-Za-z0-9]*_I\d+")  # indicator IDs of every level (PROT_01_I1, SO1_I1)


def visible_ids(plan) -> set[str]:
    ids = set()
    for a in plan.actions:
        ids.add(a.id)
        ids.update(ind.id for ind in a.indicators)
    return ids


def pdf_texts(path) -> dict[str, str]:
    poppler = pdftotext(path, "-q", "-layout")
    pypdf_text = "\n".join(pypdf_pages(path))
    # pypdf maps Typst's Khmer glyphs to stray ASCII ('*', '#', control characters): its Khmer
    # lines say nothing about markup, so only its Latin-only lines are checked.
    pypdf_text = "\n".join(line for line in pypdf_text.splitlines()
                           if not re.search(r"[\u1780-\u17ff\x00-\x08\x0b-\x1f]", line))
    return {"pdftotext": poppler, "pypdf": pypdf_text}


def docx_text(path) -> str:
    parts = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if re.fullmatch(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml", name):
                root = etree.fromstring(z.read(name))
                for p in root.iter(f"{W}p"):
                    # a line break or tab separates words as a space would
                    parts.append("".join(t.text or "" if t.tag == f"{W}t" else " "
                                         for t in p.iter(f"{W}t", f"{W}br", f"{W}tab", f"{W}cr")))
    return "\n".join(parts)


def problems(text: str, allowed_ids: set[str]) -> list[str]:
    found = []
    for what, rx in MARKUP.items():
        for m in rx.finditer(text):
            line = text[max(0, text.rfind("\n", 0, m.start()) + 1):text.find("\n", m.end())][:100]
            found.append(f"{what}: {line.strip()!r}")
    for m in ID_WORD.finditer(text):
        if m.group() not in allowed_ids and not VISIBLE_ID.fullmatch(m.group()):
            found.append(f"internal ID: {m.group()!r}")
    return found


def test_all_48_files_built(built_all):
    assert len([n for n in built_all if n.endswith(".pdf")]) == 24
    assert len([n for n in built_all if n.endswith(".docx")]) == 24


@needs_pdftotext
def test_no_markup_or_internal_id_in_any_pdf(built_all, plan):
    allowed = visible_ids(plan)
    bad = {}
    read_with_pypdf([p for n, p in built_all.items() if n.endswith(".pdf")])
    for name, path in sorted(built_all.items()):
        if name.endswith(".pdf"):
            for extractor, text in pdf_texts(path).items():
                found = problems(text, allowed)
                if found:
                    bad[f"{name} ({extractor})"] = found[:5] + ([f"... {len(found)} in all"] if len(found) > 5 else [])
    assert not bad, bad


def test_no_markup_or_internal_id_in_any_docx(built_all, plan):
    allowed = visible_ids(plan)
    bad = {}
    for name, path in sorted(built_all.items()):
        if name.endswith(".docx"):
            found = problems(docx_text(path), allowed)
            if found:
                bad[name] = found[:5] + ([f"... {len(found)} in all"] if len(found) > 5 else [])
    assert not bad, bad


def test_the_checks_catch_what_the_issue_reported(plan):
    """The patterns find the defects as they were printed (a check that cannot fail proves nothing)."""
    allowed = visible_ids(plan)
    assert problems("= Acronyms", allowed)
    assert problems("x\n== Introduction: background and purpose", allowed)
    assert problems("PART_04, SEC_coordination", allowed) == ["internal ID: 'SEC_coordination'"]
    assert problems("C2023_10_18 C2024_07_KII", allowed)
    assert problems("#box[word]", allowed) and problems("Title {#SEC_x}", allowed)
    assert not problems("70 + 107 = 177, but 6\n= 71; PROT_01 and PROT_01_I1", allowed)
