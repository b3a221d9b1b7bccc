"""Participation charts: vector drawings with real text in the PDF, a PNG in the DOCX, labels
wrapped between words and never cut."""
from __future__ import annotations

import re
import subprocess
import zipfile

import pytest

from conftest import needs_pdftotext
from test_matrix import flat as _flat


def flat(text: str) -> str:
    """Letters only: poppler drops a hyphen that ends a line ('NAP-' + 'WPS' -> 'NAPWPS')."""
    return re.sub(r"[\s\-]", "", _flat(text))


def test_tokens_keep_khmer_words_whole_and_text_complete():
    from docgen.chart import tokens
    from docgen.khmer import split

    label = "អង្គការសង្គមស៊ីវិល និងអង្គការយុវជន។ NGOs (18 October 2023)"
    toks = tokens(label)
    assert "".join(t["text"] for t in toks).replace("\u200b", "") == label  # nothing cut or lost
    boxed = [t["text"] for t in toks if t["box"]]
    khmer_words = [w for k, w in split(label) if k and w != "។"]
    assert [b.rstrip("។") for b in boxed] == khmer_words  # every Khmer word whole, in a box
    assert "និងអង្គការយុវជន។".startswith(boxed[2]) or boxed[-1].endswith("។")  # '។' never starts a line


@pytest.mark.slow
@needs_pdftotext
def test_charts_are_vector_in_the_pdf_and_png_in_the_docx(built_all, plan):
    pdfs = [n for n in built_all if n.startswith(("Consultation-", "Review-")) and n.endswith(".pdf")]
    assert len(pdfs) == 18
    for name in pdfs:
        images = subprocess.run(["pdfimages", "-list", str(built_all[name])], capture_output=True, text=True,
                                check=True).stdout.splitlines()[2:]
        assert images == [], (name, images)  # no raster image: the chart is drawn
        docx = built_all[name[:-4] + ".docx"]
        media = [n for n in zipfile.ZipFile(docx).namelist() if n.startswith("word/media/")]
        assert media and all(n.endswith(".png") for n in media), (name, media)


@pytest.mark.slow
@needs_pdftotext
def test_chart_labels_are_real_text_and_whole(built_all, plan):
    """The summary chart's labels are the consultations' full titles (they were cut at 48
    characters), and each group's chart label is found in its event's PDF text."""
    text = subprocess.run(["pdftotext", "-q", str(built_all["Consultation-Summary_0.1_en.pdf"]), "-"],
                          capture_output=True, text=True, check=True).stdout
    start = text.index("Participants by consultation and sex")
    chart = flat(text[start:text.index("Figure 1", start)])
    for c in plan.consultations:
        if c.participants.retained_total() is not None:
            assert flat(c.title.en) in chart, c.id
    assert "…" not in chart
    for c in plan.consultations:
        event = flat(subprocess.run(["pdftotext", "-q", str(built_all[f"Consultation-{c.id}_0.1_en.pdf"]), "-"],
                                    capture_output=True, text=True, check=True).stdout)
        for t in c.participants.tables:
            for g in t.groups:
                assert flat(g.label.en) in event, (c.id, g.label.en)
