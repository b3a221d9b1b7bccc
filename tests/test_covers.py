"""Covers of every built PDF: no running header or page number, the ministry at the top left
under the kingdom heading (as in official Cambodian documents), no word alone on a title line."""
from __future__ import annotations

import subprocess

import pytest

from conftest import needs_pdftotext
from test_matrix import pages

pytestmark = [pytest.mark.slow, needs_pdftotext]


def _pdfs(built_all):
    return {n: p for n, p in built_all.items() if n.endswith(".pdf")}


def test_no_running_header_or_page_number_on_any_cover(built_all, plan):
    from docgen import i18n

    checked = 0
    for name, pdf in sorted(_pdfs(built_all).items()):
        first, second = (subprocess.run(["pdftotext", "-q", "-f", str(n), "-l", str(n), str(pdf), "-"],
                                        capture_output=True, text=True, check=True).stdout for n in (1, 2))
        lang = "km" if name.endswith("_km.pdf") else "en"
        header = f"v{plan.metadata.version} -"  # 'DRAFT v0.1 - 21 November 2026' (Latin in every language)
        page = i18n.label("page", lang)
        assert header not in first and f"{page} 1 " not in first and f"{page} ១ " not in first, name
        assert header in second and page in second, name  # the pages after the cover keep them
        checked += 1
    assert checked == 24


def test_ministry_at_the_top_left_under_the_kingdom_heading(built_all):
    for name in ("NAP-WPS_0.1_en.pdf", "ToR_0.1_en.pdf", "Consultation-Summary_0.1_en-km.pdf"):
        cover = pages(built_all[name])[0]
        words = cover["words"]
        kingdom = next(w for w in words if w[4] == "Kingdom")
        ministry = next(w for w in words if w[4] == "Ministry")
        left = min(w[0] for w in words)
        assert ministry[1] > kingdom[1], name  # under it
        assert abs(ministry[0] - left) < 1 and ministry[0] < kingdom[0] - 50, name  # at the left margin
        title = next(w for w in words if w[4] in ("National", "Terms", "Summary"))
        assert title[0] > left + 20, name  # the title stays centred


def test_no_single_word_on_the_last_title_line(built_all, plan):
    for name, title in (("ToR_0.1_en.pdf", "Terms of Reference"), ("NAP-WPS_0.1_en.pdf", "National Action Plan")):
        words = pages(built_all[name])[0]["words"]
        start = next(i for i, w in enumerate(words) if w[4] == title.split()[0])
        size = words[start][3] - words[start][1]
        # the title's words: the run of words as tall as its first one
        run = [w for w in words[start:] if abs((w[3] - w[1]) - size) < 0.5]
        lines = {}
        for w in run:
            lines.setdefault(round(w[1]), []).append(w[4])
        assert len(lines) >= 2 and all(len(ws) >= 2 for ws in lines.values()), (name, lines)
