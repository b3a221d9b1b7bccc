"""Consultation records: validation of the source inconsistencies, and the summaries vs the data."""
from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from docgen.khmer import strip_invisible

from conftest import needs_pdftotext
from lxml import etree

from docgen import i18n
from docgen.diagnostics import Severity
from docgen.validate import load_plan

from conftest import PLAN_DATA

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CONS = PLAN_DATA / "consultations"


def _diags(data_dir: Path):
    plan, diags = load_plan(data_dir)
    return plan, [d for d in diags if "consultations" in d.file]


@pytest.fixture(scope="module")
def bundled():
    return _diags(PLAN_DATA)


def _edit(plan_copy: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    path = plan_copy / "consultations" / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


# --- the bundled records -------------------------------------------------------------


def test_bundled_records_have_no_errors_and_cover_every_event(bundled):
    plan, diags = bundled
    assert plan is not None
    assert [d.format() for d in diags if d.severity is Severity.ERROR] == []
    assert sorted(c.id for c in plan.consultations) == [
        "C2023_10_18", "C2023_12_14", "C2024_07_30", "C2024_07_KII", "C2024_12_18"]


def test_dec_2024_three_totals_reported_with_each_source(bundled):
    _, diags = bundled
    hits = [d for d in diags if d.file.endswith("C2024_12_18.yaml") and "reported totals disagree" in d.message]
    assert len(hits) == 1
    d = hits[0]
    assert d.severity is Severity.WARNING and d.line == _line_of(CONS / "C2024_12_18.yaml", "    - total: 55")
    for part in ("55 per 002_b986c2f325d10413.txt:3", "71 (63 women) per §1.2, 003_465d7293abc2d4a4.txt:768",
                 "70 (63 women, 8 men) per §9.3, 003_465d7293abc2d4a4.txt:2102", "retained: 71"):
        assert part in d.message


def test_annex_rows_that_do_not_add_up_are_reported_with_lines(bundled):
    _, diags = bundled
    path = CONS / "C2024_12_18.yaml"
    rows = {d.line: d for d in diags if d.file.endswith("C2024_12_18.yaml") and "row '" in d.message}
    gov = _line_of(path, "total: 33")
    ngo = _line_of(path, "total: 9")
    assert set(rows) == {gov, ngo}
    assert "28 + male 4 = 32, but total is 33" in rows[gov].message
    assert "8 + male 2 = 10, but total is 9" in rows[ngo].message
    table = [d for d in diags if d.file.endswith("C2024_12_18.yaml") and "group rows add up to 71 (62 women, 9 men), "
             "but the table states 70 (63 women, 8 men)" in d.message]
    assert len(table) == 1 and table[0].line is not None


def test_kii_annex_totals_vs_section_1_2(bundled):
    plan, diags = bundled
    kii = [d for d in diags if d.file.endswith("C2024_07_KII.yaml")]
    msgs = " | ".join(d.message for d in kii)
    assert "state 70 + 107 = 177" in msgs and "reports 198 (166 women, 32 men)" in msgs
    assert "the group rows add up to 91 (69 women, 22 men), but the table states 70 (70 women, 70 men)" in msgs
    assert all(d.line for d in kii if "table" in d.message)
    # The row sums of the two annex tables give exactly the §1.2 figure that the record retains.
    c = next(c for c in plan.consultations if c.id == "C2024_07_KII")
    rows = c.participants.group_rows()
    kept = c.participants.retained_total()
    assert (sum(g.count.total for g in rows), sum(g.count.female for g in rows), sum(g.count.male for g in rows)) \
        == (kept.total, kept.female, kept.male) == (198, 166, 32)


def test_consistent_event_gives_no_participation_warning(bundled):
    _, diags = bundled
    assert not [d for d in diags if d.file.endswith("C2024_07_30.yaml") and d.code in ("counts", "conflict")]


def test_feedback_links_resolve_to_actions_or_sections(bundled):
    plan, _ = bundled
    known = set(plan.action) | set(plan.section)
    for c in plan.consultations:
        for f in c.feedback:
            assert f.links and set(f.links) <= known, f.id
            assert f.response in ("noted", "pending"), "the sources record no acceptance: never invent one"


# --- bad input -------------------------------------------------------------------------


def _errors(data_dir: Path):
    _, diags = load_plan(data_dir)
    return [d for d in diags if d.severity is Severity.ERROR]


def test_unexplained_row_discrepancy_is_an_error(plan_copy):
    path = _edit(plan_copy, "C2024_12_18.yaml", '            discrepancy_note: "printed so: 8 women + 2 men = 10, not 9"\n', "")
    errs = _errors(plan_copy)
    assert len(errs) == 1
    assert errs[0].file.endswith("C2024_12_18.yaml") and errs[0].line == _line_of(path, "total: 9")
    assert "8 + male 2 = 10, but total is 9" in errs[0].message and "discrepancy_note" in errs[0].hint


def test_disagreeing_totals_without_retained_because_is_an_error(plan_copy):
    path = plan_copy / "consultations" / "C2024_12_18.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"  retained_because:\n(?:    .*\n)+", "", text)
    path.write_text(text, encoding="utf-8")
    errs = _errors(plan_copy)
    assert any("reported totals disagree" in e.message and e.path == "participants.retained"
               and e.line == _line_of(path, "  retained: 1") for e in errs)


def test_retained_index_out_of_range(plan_copy):
    _edit(plan_copy, "C2024_12_18.yaml", "  retained: 1", "  retained: 5")
    errs = _errors(plan_copy)
    assert any("retained figure 5 does not exist" in e.message and "0 to 2" in e.hint for e in errs)


def test_unknown_link_and_institution_get_hints(plan_copy):
    _edit(plan_copy, "C2023_10_18.yaml", "links: [PROT_04, PREV_06, PREV_10]", "links: [PROT_4, PREV_06, PREV_10]")
    _edit(plan_copy, "C2023_10_18.yaml", "organisers: [UNWomen, WPM, ACT]", "organisers: [UNWomem, WPM, ACT]")
    errs = {e.message: e for e in _errors(plan_copy)}
    link = next(e for m, e in errs.items() if "'PROT_4'" in m)
    assert link.file.endswith("C2023_10_18.yaml") and link.line and "PROT_04" in link.hint
    inst = next(e for m, e in errs.items() if "UNWomem" in m)
    assert "UNWomen" in inst.hint and inst.path == "organisers[0]"


def test_end_before_start(plan_copy):
    _edit(plan_copy, "C2023_12_14.yaml", "end: 2023-12-15", "end: 2023-12-13")
    errs = _errors(plan_copy)
    assert any("ends (2023-12-13) before it starts (2023-12-14)" in e.message and e.path == "end" for e in errs)


def test_table_rows_not_matching_stated_total_is_an_error(plan_copy):
    _edit(plan_copy, "C2024_07_30.yaml", "count: {total: 6, female: 5, male: 1}", "count: {total: 7, female: 6, male: 1}")
    errs = _errors(plan_copy)
    assert any("group rows add up to 51 (40 women, 11 men), but the table states 50 (39 women, 11 men)" in e.message
               for e in errs)


def test_broken_record_is_a_diagnostic_not_a_traceback(plan_copy):
    _edit(plan_copy, "C2024_07_30.yaml", "  retained: 0", "  retained: zero")
    errs = _errors(plan_copy)
    assert any(e.file.endswith("C2024_07_30.yaml") and e.path == "participants.retained" and e.line for e in errs)


# --- documents vs data -----------------------------------------------------------------------


def _docx_text(path: Path) -> tuple[str, list[str]]:
    """Paragraph text of the body, and the text of each table row."""
    doc = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    paras = [strip_invisible("".join(t.text or "" for t in p.iter(f"{W}t"))) for p in doc.iter(f"{W}p")]
    rows = ["|".join(strip_invisible("".join(t.text or "" for t in tc.iter(f"{W}t"))) for tc in tr.iter(f"{W}tc"))
            for tr in doc.iter(f"{W}tr")]
    return "\n".join(paras), rows


@pytest.fixture(scope="module")
def built(built_all):
    """The plan and the folder of the session's build of every document (the shipped files)."""
    plan, _ = load_plan(PLAN_DATA)
    return plan, built_all[f"Consultation-Summary_{plan.metadata.version}_en.docx"].parent


def test_every_document_is_built(built):
    plan, folder = built
    v = plan.metadata.version
    names = {p.name for p in folder.iterdir()}
    for lang in ("en", "km"):
        assert f"Consultation-Summary_{v}_{lang}.docx" in names
        for c in plan.consultations:
            assert f"Consultation-{c.id}_{v}_{lang}.docx" in names


@pytest.mark.parametrize("lang", ["en", "km"])
def test_summary_matrix_and_totals_match_data(built, lang):
    plan, folder = built
    for c in plan.consultations:
        path = folder / f"Consultation-{c.id}_{plan.metadata.version}_{lang}.docx"
        text, rows = _docx_text(path)
        # Every feedback item, in one row with its action links.
        for f in c.feedback:
            short = f.id.rsplit("_", 1)[-1]
            row = next((r for r in rows if r.startswith(short + "|")), None)
            assert row is not None, (c.id, f.id)
            # Actions by their ID; sections by their title (their IDs are internal).
            shown = [ref if ref in plan.action else
                     (plan.section[ref].title.km if lang == "km" and plan.section[ref].title.km
                      else plan.section[ref].title.en)[:12] for ref in f.links]
            assert all(s in row for s in shown), (c.id, f.id, row)
            assert not any(ref in row for ref in f.links if ref in plan.section), (c.id, f.id, row)
            assert (f.text.km if lang == "km" else f.text.en)[:30] in row
        # Participant totals: every reported figure and every group row.
        num = lambda n: i18n.number(n, lang)  # noqa: E731
        for r in c.participants.reported:
            assert any(num(r.total) in row.split("|")[1:2] for row in rows), (c.id, r.total)
        for t in c.participants.tables:
            for g in t.groups:
                label = g.label.km if lang == "km" else g.label.en
                assert any(row.startswith(label + "|") and row.split("|")[1] == num(g.count.total) for row in rows), \
                    (c.id, label)
        # The chart is embedded.
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in zipfile.ZipFile(path).namelist())


def test_dec_2024_summary_shows_retained_figure_and_why(built):
    plan, folder = built
    text, rows = _docx_text(folder / f"Consultation-C2024_12_18_{plan.metadata.version}_en.docx")
    assert "Figure retained: 71 (Women: 63; Men: not stated)" in text
    assert any(r.startswith("Situation analysis report, §1.2 (retained)|71|63|") for r in rows)
    assert any(r.startswith("UN Women news item|55|") for r in rows)
    assert any(r.startswith("Total as printed|70|63|8") for r in rows)
    assert any(r.startswith("Sum of the rows|71|62|9") for r in rows)


def test_combined_summary_lists_actions_discussed(built):
    plan, folder = built
    text, rows = _docx_text(folder / f"Consultation-Summary_{plan.metadata.version}_en.docx")
    order = sorted(plan.consultations, key=lambda c: (c.start, c.id))
    header = next(r for r in rows if r.startswith("Action / section|"))
    # Columns are the consultations, numbered as in the overview table (whose rows give the titles).
    assert header.split("|")[1:] == [str(i) for i in range(1, len(order) + 1)]
    for i, c in enumerate(order, 1):
        assert any(r.startswith(f"{i}|{c.title.en}|") for r in rows), (i, c.id)
    for c in order:
        col = 1 + order.index(c)
        for f in c.feedback:
            for link in f.links:
                start = f"{link} " if link in plan.action else plan.section[link].title.en
                row = next(r for r in rows if r.startswith(start))
                assert f.id.rsplit("_", 1)[-1] in row.split("|")[col], (c.id, f.id, link)


def test_chart_labels_are_in_the_document_language(tmp_path):
    from docgen.context.consultation import chart_for
    plan, _ = load_plan(PLAN_DATA)
    c = next(c for c in plan.consultations if c.id == "C2024_12_18")
    (tmp_path / "km").mkdir()
    (tmp_path / "en").mkdir()
    km = chart_for(plan, "km", c, tmp_path / "km").read_bytes()
    en = chart_for(plan, "en", c, tmp_path / "en").read_bytes()
    assert km.startswith(b"\x89PNG") and en.startswith(b"\x89PNG")
    assert en != km  # other labels, other image


@needs_pdftotext
def test_pdf_summary_matches_data(built_all):
    plan, _ = load_plan(PLAN_DATA)
    for c in plan.consultations:
        pdf = built_all[f"Consultation-{c.id}_{plan.metadata.version}_en.pdf"]
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        flat = " ".join(text.split())
        for f in c.feedback:
            for link in f.links:
                shown = link if link in plan.action else " ".join(plan.section[link].title.en.split()[:2])
                assert shown in flat and (link in plan.action or link not in flat), (c.id, f.id, link)
        assert str(c.participants.retained_total().total) in flat
