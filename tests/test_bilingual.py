"""Bilingual PDFs: one outline (bookmark) and contents entry per heading pair, reading
"English / Khmer", and no heading mark printed; the columns realign after every part."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

KHMER = re.compile(r"[\u1780-\u17ff]")


def outline_titles(pdf) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))

    def walk(items):
        for it in items:
            if isinstance(it, list):
                yield from walk(it)
            else:
                yield it.title

    return list(walk(reader.outline))


@pytest.mark.parametrize("name", ["NAP-WPS_0.1_en-km.pdf", "ToR_0.1_en-km.pdf", "Consultation-Summary_0.1_en-km.pdf"])
def test_each_heading_pair_is_one_bookmark_english_then_khmer(built_all, name):
    titles = outline_titles(built_all[name])
    assert len(titles) >= 5, titles
    paired = [t for t in titles if " / " in t]
    # every entry is a pair: English, " / ", Khmer (a few titles are the same in both languages)
    assert len(paired) >= 0.9 * len(titles), [t for t in titles if " / " not in t]
    for t in paired:
        en, km = t.split(" / ", 1)
        assert not KHMER.search(en) and KHMER.search(km), t
    # no heading twice: neither the Khmer nor the English half has an entry of its own
    halves = {h for t in paired for h in t.split(" / ", 1)}
    assert not halves & set(titles), halves & set(titles)


def test_nap_pair_bookmarks_match_the_english_headings(built_all, plan):
    titles = outline_titles(built_all["NAP-WPS_0.1_en-km.pdf"])
    english = outline_titles(built_all["NAP-WPS_0.1_en.pdf"])
    assert [t.split(" / ", 1)[0] for t in titles] == english
