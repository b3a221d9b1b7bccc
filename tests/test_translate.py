"""Translation cycle: km_draft migration, stale Khmer, exchange files (XLSX, XLIFF) and import."""
from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from docgen.cli import main
from docgen.model.common import english_hash
from docgen.translate.migrate import migrate
from docgen.validate import load_plan
from docgen.validate.translation import (missing_terms, missing_tokens, term_base, text_sites,
                                         translation_counts)

HERE = Path(__file__).resolve().parent
LO_TRANSLATOR = HERE / "fixtures" / "translate" / "lo_translator.py"
DATE = "2026-12-01"


@pytest.fixture
def data(plan_copy):
    """A copy of plan_data/ that says 'status', not 'km_draft' (migrated if need be)."""
    if any("km_draft:" in p.read_text(encoding="utf-8") for p in plan_copy.rglob("*.yaml")):
        migrate(plan_copy)
    return plan_copy


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def _sheet(path: Path):
    wb = load_workbook(path)
    ws = wb["Translations"]
    header = [c.value for c in ws[1]]
    return wb, ws, {h: i + 1 for i, h in enumerate(header)}


def _row_of(ws, col, key: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["Key"]).value == key:
            return r
    raise AssertionError(f"no row for {key}")


def _good_edits(plan, n: int, section: str = "actions") -> list[tuple[str, str]]:
    """Keys and new Khmer texts that pass every row check (their Khmer + one more word)."""
    from docgen.validate.translation import acronym_equivalents

    terms, eq = term_base(plan), acronym_equivalents(plan)
    out = []
    for site in text_sites(plan):
        t = site.text
        if site.section != section or not t.km or t.stale:
            continue
        if section == "actions" and site.key_path != ("text",):
            continue  # the action texts themselves (not provenance rationales)
        new = t.km + " ជាបន្ទាន់"
        if not missing_tokens(t.en, new, eq) and not missing_terms(t.en, new, terms):
            out.append((site.key, new))
        if len(out) == n:
            break
    assert len(out) == n
    return out


# --- migration ---------------------------------------------------------------------


def _unmigrated(folder):
    """The data as it was written before the status field: km_draft, no English hashes."""
    for p in folder.rglob("*.yaml"):
        lines, text_indent = [], None  # the indentation of the en/km keys of the text being read
        for line in p.read_text(encoding="utf-8").splitlines(keepends=True):
            if re.fullmatch(r"\s*en_hash: '?[0-9a-f]{12}'?\n?", line):
                continue
            indent = len(line) - len(line.lstrip(" -"))
            if line.strip() and not line.lstrip().startswith("#"):
                if re.match(r"\s*(- )?(en|km):", line):
                    text_indent = indent
                elif text_indent is not None and indent < text_indent:
                    text_indent = None
                if indent == text_indent and re.match(r"\s*status: (draft|reviewed)\s*$", line):
                    line = line.replace("status: draft", "km_draft: true").replace("status: reviewed", "km_draft: false")
                # a text written in flow style: {en: ..., km: ..., status: draft, en_hash: ...}
                line = re.sub(r", en_hash: '?[0-9a-f]{12}'?", "", line)
                line = re.sub(r"(\{en: .*), status: draft", r"\1, km_draft: true", line)
                line = re.sub(r"(\{en: .*), status: reviewed", r"\1, km_draft: false", line)
            lines.append(line)
        p.write_text("".join(lines), encoding="utf-8")


def test_migration_rewrites_km_draft_keeps_comments_and_reruns_as_noop(plan_copy):
    _unmigrated(plan_copy)
    before = {p: p.read_text(encoding="utf-8") for p in plan_copy.rglob("*.yaml")}
    assert sum("km_draft: true" in t for t in before.values()) > 10
    first = migrate(plan_copy)
    after = {p: p.read_text(encoding="utf-8") for p in plan_copy.rglob("*.yaml")}
    for p, text in after.items():
        assert "km_draft:" not in "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#")), p
        assert _comments(text) == _comments(before[p]), p
        # the only changes: km_draft -> status, and en_hash added (own line, or in a flow text)
        norm_before = [l if l.lstrip().startswith("#") else
                       l.replace("km_draft: true", "status: draft").replace("km_draft: false", "status: reviewed")
                       for l in before[p].splitlines()]
        norm_after = [re.sub(r", en_hash: '?[0-9a-f]{12}'?", "", l) for l in text.splitlines()
                      if not re.fullmatch(r"\s*en_hash: '?[0-9a-f]{12}'?", l)]
        assert norm_after == norm_before, p
    second = migrate(plan_copy)
    assert second.changed == 0
    assert {p: p.read_text(encoding="utf-8") for p in plan_copy.rglob("*.yaml")} == after
    plan, diags = load_plan(plan_copy)
    assert plan is not None
    assert not [d for d in diags if d.code == "km-draft-key"]
    counts = translation_counts(plan)
    assert counts["stale"] == 0 and counts["texts"] > 700
    # before migration: texts read as before, with the old key reported
    if first.changed:
        assert sum(c["status"] for c in first.files.values()) > 400


def test_old_key_gets_a_clear_message(data):
    f = data / "plan.yaml"
    text = f.read_text(encoding="utf-8")
    # a text's status (the first one after a km: line), not the plan's own metadata.status
    text_status = re.compile(r"(\n(\s+)km: [^\n]*\n)\2status: draft")
    assert text_status.search(text)
    f.write_text(text_status.sub(r"\1\2km_draft: true", text, count=1), encoding="utf-8")
    plan, diags = load_plan(data)
    legacy = [d for d in diags if d.code == "km-draft-key"]
    assert plan is not None and len(legacy) == 1
    assert "docgen translate migrate" in legacy[0].hint and legacy[0].file.endswith("plan.yaml")
    f.write_text(text_status.sub(r"\1\2km_draft: true\n\2status: draft", text, count=1), encoding="utf-8")
    plan, diags = load_plan(data)
    assert plan is None
    assert any("'km_draft' and 'status' are both set" in d.message for d in diags)


# --- stale translations -------------------------------------------------------------


def _change_english(data: Path, action: str = "PROT_03") -> None:
    f = data / "actions" / "protection.yaml"
    text = f.read_text(encoding="utf-8")
    start = text.index(f"id: {action}")
    en = text.index("en: >-", start)
    nl = text.index("\n", en)
    text = text[:nl + 1] + "        Urgently,\n" + text[nl + 1:].replace("        ", "        ", 1)
    f.write_text(text, encoding="utf-8")


def test_one_changed_english_makes_exactly_that_khmer_stale(data, capsys):
    _change_english(data, "PROT_03")
    plan, diags = load_plan(data)
    stale = [d for d in diags if d.code == "km-stale"]
    assert len(stale) == 1 and "translation out of date" in stale[0].message
    assert stale[0].path.startswith("actions[2].text") and stale[0].file.endswith("protection.yaml")
    assert translation_counts(plan)["stale"] == 1
    from docgen.status import readiness
    stale_item = next(i for i in readiness(plan) if i.key == "stale_translations")
    assert stale_item.counts == {"nap": 1, "tor": 0, "consultations": 0}
    assert main(["status", "--data", str(data)]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("Khmer translations out of date"))
    assert line.split()[-4:] == ["1", "0", "0", "1"]
    assert [a.id for a in plan.actions if a.text.stale] == ["PROT_03"]
    assert main(["validate", "--data", str(data), "--strict"]) == 1
    assert "translation out of date" in capsys.readouterr().out

    from docgen.context.nap import nap_context
    from docgen.markdown.render import render

    km = render("nap.md.j2", nap_context(plan, "km"))
    bi = render("nap.md.j2", nap_context(plan, "en-km"))
    label = "ការបកប្រែហួសសម័យ"
    first_words = plan.action["PROT_03"].text.km.split()[0]
    for md in (km, bi):
        # flagged wherever the action's Khmer shows (its section and the matrix), nowhere else
        assert md.count(label) >= 1
        assert md.count(label) == md.count(first_words)
        for m in re.finditer(label, md):
            assert first_words in md[max(0, m.start() - 1500):m.start()]
    assert label not in render("nap.md.j2", nap_context(plan, "en"))


# --- XLSX ----------------------------------------------------------------------------


def test_xlsx_layout(data, tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["translate", "export", "--data", str(data), "-o", str(out), "--pillar", "protection"]) == 0
    wb, ws, col = _sheet(out)
    assert ws.freeze_panes == "B2"
    assert ws.protection.sheet is True
    assert ws.cell(2, col["Key"]).protection.locked is True
    assert ws.cell(2, col["English"]).protection.locked is True
    assert ws.cell(2, col["Khmer"]).protection.locked is False
    assert ws.cell(2, col["Status"]).protection.locked is False
    assert ws.cell(2, col["English"]).alignment.wrap_text is True
    assert "Khmer" in ws.cell(2, col["Khmer"]).font.name
    assert ws.column_dimensions["E"].width == 60
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == 1 and dvs[0].formula1 == '"draft,reviewed,approved"'
    assert "G2" in str(dvs[0].sqref)
    from openpyxl.utils import get_column_letter
    assert ws.column_dimensions[get_column_letter(col["Khmer hash at export"])].hidden
    keys = [ws.cell(r, col["Key"]).value for r in range(2, ws.max_row + 1)]
    assert "actions:PROT_01:text" in keys and "actions:PROT_01:indicators.PROT_01_I1.text" in keys
    assert not [k for k in keys if k.startswith("actions:PART_")]
    r = _row_of(ws, col, "actions:PROT_01:text")
    assert "pillar protection" in ws.cell(r, col["Context"]).value
    assert "survivor → " in ws.cell(r, col["Glossary terms (required Khmer)"]).value


def test_xlsx_round_trip_openpyxl(data, tmp_path, capsys):
    plan, _ = load_plan(data)
    (k1, km1), (k2, km2) = _good_edits(plan, 2)
    out = tmp_path / "t.xlsx"
    assert main(["translate", "export", "--data", str(data), "-o", str(out)]) == 0
    wb, ws, col = _sheet(out)
    r1, r2 = _row_of(ws, col, k1), _row_of(ws, col, k2)
    ws.cell(r1, col["Khmer"]).value = km1
    ws.cell(r1, col["Status"]).value = "reviewed"
    ws.cell(r1, col["Translator"]).value = "Sok Dara"
    ws.cell(r2, col["Khmer"]).value = km2
    ws.cell(r2, col["Translator's note"]).value = "ពាក្យនេះត្រូវពិនិត្យ (check this term)"
    wb.save(out)
    before = {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")}
    assert main(["translate", "import", "--data", str(data), str(out), "--date", DATE]) == 0
    report = capsys.readouterr().out
    assert "2 applied" in report and "0 rejected" in report
    assert f"{k2}: ពាក្យនេះត្រូវពិនិត្យ (check this term)" in report
    after = {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")}
    changed = [p for p in after if after[p] != before[p]]
    assert all(_comments(after[p]) == _comments(before[p]) for p in changed)
    plan2, _ = load_plan(data)
    units = {s.key: s.text for s in text_sites(plan2)}
    assert units[k1].km == km1 and units[k1].status == "reviewed" and units[k1].translator == "Sok Dara"
    assert str(units[k1].date) == DATE and units[k1].en_hash == english_hash(units[k1].en)
    assert units[k2].km == km2 and units[k2].status == "draft"
    old = {s.key: s.text for s in text_sites(plan)}
    diff = [k for k in units if (units[k].km, units[k].status) != (old[k].km, old[k].status)]
    assert sorted(diff) == sorted([k1, k2])
    _only_those_lines_changed(before, after, plan, [k1, k2])
    assert not any("&id" in after[p] for p in changed)  # no YAML aliases for shared values
    # importing the same file again changes nothing
    assert main(["translate", "import", "--data", str(data), str(out), "--date", DATE]) == 0
    assert "0 applied" in capsys.readouterr().out
    assert {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")} == after


def _only_those_lines_changed(before, after, plan, keys):
    """Outside the edited texts' own lines, every file is byte for byte the same."""
    from docgen.translate.roundtrip import RoundTripFile
    from docgen.translate.units import plan_units

    spans: dict[str, list[tuple[int, int]]] = {}
    for u in plan_units(plan):
        if u.key in keys:
            rt = RoundTripFile(u.path)
            rt.source = before[u.path]
            parent = rt.at(u.loc[:-1])
            start = rt.at(u.loc).lc.line + 1
            later = list(parent)[list(parent).index(u.loc[-1]) + 1:] if hasattr(parent, "keys") else []
            end = parent.lc.key(later[0])[0] + 1 if later else 10 ** 9
            spans.setdefault(str(u.path), []).append((start, end))
    for p in before:
        if before[p] == after[p]:
            continue
        a, b = before[p].splitlines(), after[p].splitlines()
        sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for tag, i1, i2, *_ in sm.get_opcodes():
            if tag != "equal":
                assert any(s <= i1 + 1 <= e for s, e in spans[str(p)]), (p, i1, a[i1:i2])


def test_conflicting_khmer_edit_is_reported_not_overwritten(data, tmp_path, capsys):
    plan, _ = load_plan(data)
    (k1, km1), (k2, km2) = _good_edits(plan, 2)
    out = tmp_path / "t.xlsx"
    main(["translate", "export", "--data", str(data), "-o", str(out)])
    wb, ws, col = _sheet(out)
    ws.cell(_row_of(ws, col, k1), col["Khmer"]).value = km1
    ws.cell(_row_of(ws, col, k2), col["Khmer"]).value = km2
    wb.save(out)
    # meanwhile the secretariat edits k1's Khmer in the YAML
    site = next(s for s in text_sites(plan) if s.key == k1)
    f = Path(plan.origin(site.record).file.path)
    text = f.read_text(encoding="utf-8")
    first_word = site.text.km.split()[0]
    hand = text.replace(first_word, first_word + "ៗ", 1)
    f.write_text(hand, encoding="utf-8")
    assert main(["translate", "import", "--data", str(data), str(out), "--date", DATE]) == 1
    report = capsys.readouterr().out
    assert f"{k1}: conflict" in report and "1 applied" in report and "1 conflict" in report
    plan2, _ = load_plan(data)
    now = {s.key: s.text for s in text_sites(plan2)}
    assert now[k1].km.startswith(first_word + "ៗ") and now[k1].km != km1
    assert now[k2].km == km2


def test_import_of_file_exported_before_english_changed(data, tmp_path, capsys):
    plan, _ = load_plan(data)
    edits = _good_edits(plan, 3)
    out = tmp_path / "t.xlsx"
    main(["translate", "export", "--data", str(data), "-o", str(out)])
    wb, ws, col = _sheet(out)
    # translate PROT_03 (whose English will change) and the good ones
    r = _row_of(ws, col, "actions:PROT_03:text")
    ws.cell(r, col["Khmer"]).value = ws.cell(r, col["Khmer"]).value + " ជាបន្ទាន់ (CSOs, SGBV)"
    for k, km in edits:
        ws.cell(_row_of(ws, col, k), col["Khmer"]).value = km
    wb.save(out)
    _change_english(data, "PROT_03")
    assert main(["translate", "import", "--data", str(data), str(out), "--date", DATE]) == 1
    report = capsys.readouterr().out
    assert "actions:PROT_03:text: stale: the English changed since this file was exported" in report
    n_good = sum(k != "actions:PROT_03:text" for k, _ in edits)
    assert f"{n_good} applied" in report and "1 stale" in report
    plan2, _ = load_plan(data)
    assert plan2.action["PROT_03"].text.stale  # still out of date: not applied
    assert main(["translate", "import", "--data", str(data), str(out), "--date", DATE, "--accept-stale"]) == 0
    assert "1 applied" in capsys.readouterr().out
    plan3, _ = load_plan(data)
    assert not plan3.action["PROT_03"].text.stale


def test_row_checks_reject_with_reasons(data, tmp_path, capsys):
    plan, _ = load_plan(data)
    (k1, _), (k2, _), (k3, _), (k4, _) = _good_edits(plan, 4)
    out = tmp_path / "t.xlsx"
    main(["translate", "export", "--data", str(data), "-o", str(out)])
    wb, ws, col = _sheet(out)
    by_key = {site.key: site.text for site in text_sites(plan)}
    ws.cell(_row_of(ws, col, k1), col["Khmer"]).value = "Strengthen services"  # not Khmer
    ws.cell(_row_of(ws, col, k2), col["Khmer"]).value = None  # emptied
    ws.cell(_row_of(ws, col, k3), col["Status"]).value = "done"  # unknown status
    # a number lost
    gl = next(s for s in text_sites(plan) if s.section == "actions" and s.key not in (k1, k2, k3, k4)
              and re.search(r"\d", s.text.en) and s.text.km)
    r = _row_of(ws, col, gl.key)
    ws.cell(r, col["Khmer"]).value = re.sub(r"[0-9០-៩]", "", by_key[gl.key].km) + " ថ្មី"
    wb.save(out)
    before = {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")}
    assert main(["translate", "import", "--data", str(data), str(out), "--date", DATE]) == 1
    report = capsys.readouterr().out
    assert f"{k1}: rejected (not Khmer script)" in report
    assert f"{k2}: rejected (empty Khmer)" in report
    assert f"{k3}: rejected (unknown status)" in report
    assert f"{gl.key}: rejected (numbers/acronyms/IDs not carried)" in report
    assert "4 rejected" in report and ", row " in report
    assert {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")} == before


def test_bad_files_change_nothing(data, tmp_path, capsys):
    before = {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")}
    txt = tmp_path / "notes.xlsx"
    txt.write_text("just some notes", encoding="utf-8")
    assert main(["translate", "import", "--data", str(data), str(txt)]) == 1
    assert "neither an XLSX workbook nor an XLIFF file" in capsys.readouterr().err
    # a workbook whose header was edited
    out = tmp_path / "t.xlsx"
    main(["translate", "export", "--data", str(data), "-o", str(out)])
    wb, ws, col = _sheet(out)
    ws.protection.sheet = False
    ws.delete_cols(col["English hash"])
    wb.save(out)
    assert main(["translate", "import", "--data", str(data), str(out)]) == 1
    err = capsys.readouterr().err
    assert "missing column(s): English hash" in err and "Traceback" not in err
    # an XLIFF 1.2 file
    x12 = tmp_path / "old.xlf"
    x12.write_text('<?xml version="1.0"?><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
                   '<file source-language="en" datatype="plaintext" original="x"><body/></file></xliff>',
                   encoding="utf-8")
    assert main(["translate", "import", "--data", str(data), str(x12)]) == 1
    assert "not an XLIFF 2 file" in capsys.readouterr().err
    # a good file and a bad one: nothing is applied
    good = tmp_path / "good.xlsx"
    main(["translate", "export", "--data", str(data), "-o", str(good)])
    assert main(["translate", "import", "--data", str(data), str(good), str(txt)]) == 1
    assert {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")} == before


# --- XLIFF -----------------------------------------------------------------------------


def test_xliff_round_trip(data, tmp_path, capsys):
    from lxml import etree

    from docgen.translate.xliff import XLIFF_NS, validate_with_toolkit

    plan, _ = load_plan(data)
    (k1, km1), (k2, km2) = _good_edits(plan, 2, section="sections")
    out = tmp_path / "t.xlf"
    assert main(["translate", "export", "--data", str(data), "--format", "xliff", "-o", str(out), "--doc", "nap"]) == 0
    n_units = len(etree.parse(str(out)).getroot().findall(f".//{{{XLIFF_NS}}}unit"))
    assert validate_with_toolkit(out) == n_units > 100
    tree = etree.parse(str(out))
    ns = {"x": XLIFF_NS}
    for key, km, state in ((k1, km1, "final"), (k2, km2, "translated")):
        unit = tree.find(f".//x:unit[@id='{key}']", ns)
        seg = unit.find("x:segment", ns)
        seg.find("x:target", ns).text = km
        seg.set("state", state)
    tree.write(str(out), xml_declaration=True, encoding="UTF-8")
    assert validate_with_toolkit(out) == n_units  # still XLIFF 2 after the edit
    assert main(["translate", "import", "--data", str(data), str(out), "--date", DATE,
                 "--translator", "Chan Sophea"]) == 0
    assert "2 applied" in capsys.readouterr().out
    plan2, _ = load_plan(data)
    now = {s.key: s.text for s in text_sites(plan2)}
    assert now[k1].km == km1 and now[k1].status == "approved" and now[k1].translator == "Chan Sophea"
    assert now[k2].km == km2 and now[k2].status == "draft"


# --- term base --------------------------------------------------------------------------


def test_term_base_check_names_the_term(data):
    f = data / "actions" / "protection.yaml"
    text = f.read_text(encoding="utf-8")
    plan, _ = load_plan(data)
    a = plan.action["PROT_01"]
    term = next(t for t in missing_terms(a.text.en, "", term_base(plan)) if t.km and t.km in a.text.km)
    bad_km = a.text.km.replace(term.km, "ពាក្យផ្សេង")
    start = text.index("id: PROT_01")
    seg = text[start:text.index("id: PROT_02")]
    seg2 = seg.replace("      status: draft", "      status: reviewed", 1)
    seg2 = re.sub(r"(      km: >-\n)((?:        .*\n)+)", lambda m: m.group(1) + "        " + bad_km + "\n", seg2, count=1)
    f.write_text(text.replace(seg, seg2), encoding="utf-8")
    plan, diags = load_plan(data)
    hits = [d.message for d in diags if d.code == "glossary" and d.path.startswith("actions[0].text")]
    assert f"Khmer text does not use the glossary term '{term.km}' for '{term.en}'" in hits


def test_glossary_export_is_the_term_base(data, tmp_path):
    out = tmp_path / "g.xlsx"
    assert main(["translate", "export", "--data", str(data), "-o", str(out), "--doc", "glossary", "--all"]) == 0
    wb, ws, col = _sheet(out)
    keys = [ws.cell(r, col["Key"]).value for r in range(2, ws.max_row + 1)]
    assert keys and all(k.startswith("glossary:") for k in keys)
    assert "glossary:wps" in keys


# --- LibreOffice Calc as the translator's spreadsheet ----------------------------------------


def _calc_available() -> bool:
    if shutil.which("soffice") is None:
        return False
    try:
        subprocess.run(["/usr/bin/python3", "-c", "import uno"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return any(Path(p).exists() for p in ("/usr/lib/libreoffice/program/libsclo.so",
                                          "/usr/lib/libreoffice/program/libscfiltlo.so"))


@pytest.mark.libreoffice
@pytest.mark.skipif(not _calc_available() or not LO_TRANSLATOR.exists(), reason="LibreOffice Calc with python3-uno not installed")
def test_xlsx_round_trip_libreoffice_calc(data, tmp_path, capsys):
    import json

    plan, _ = load_plan(data)
    (k1, km1), (k2, km2) = _good_edits(plan, 2)
    out = tmp_path / "t.xlsx"
    main(["translate", "export", "--data", str(data), "-o", str(out)])
    edited = tmp_path / "edited.xlsx"
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps([{"key": k1, "column": "Khmer", "value": km1},
                               {"key": k1, "column": "Status", "value": "reviewed"},
                               {"key": k1, "column": "Translator", "value": "Sok Dara"},
                               {"key": k2, "column": "Khmer", "value": km2}], ensure_ascii=False), encoding="utf-8")
    subprocess.run(["/usr/bin/python3", str(LO_TRANSLATOR), str(out), str(edited), str(ops)], check=True,
                   timeout=240)
    assert zipfile.is_zipfile(edited)
    before = {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")}
    assert main(["translate", "import", "--data", str(data), str(edited), "--date", DATE]) == 0
    assert "2 applied" in capsys.readouterr().out
    after = {p: p.read_text(encoding="utf-8") for p in data.rglob("*.yaml")}
    _only_those_lines_changed(before, after, plan, [k1, k2])
    plan2, _ = load_plan(data)
    now = {s.key: s.text for s in text_sites(plan2)}
    assert now[k1].km == km1 and now[k1].status == "reviewed" and now[k1].translator == "Sok Dara"
    assert now[k2].km == km2


def test_document_labels_round_trip(data, tmp_path):
    from docgen.i18n import LABELS_FILE
    from docgen.translate.importer import import_files

    labels = tmp_path / "i18n_labels.yaml"
    shutil.copy(LABELS_FILE, labels)
    out = tmp_path / "labels.xlsx"
    assert main(["translate", "export", "--data", str(data), "-o", str(out), "--doc", "labels"]) == 0
    wb, ws, col = _sheet(out)
    keys = [ws.cell(r, col["Key"]).value for r in range(2, ws.max_row + 1)]
    assert "labels:translation_pending" in keys and all(k.startswith("labels:") for k in keys)
    r = _row_of(ws, col, "labels:lead")
    ws.cell(r, col["Khmer"]).value = "ស្ថាប័នដឹកនាំសំខាន់"
    ws.cell(r, col["Status"]).value = "approved"
    wb.save(out)
    before = labels.read_text(encoding="utf-8")
    report = import_files(data, [out], date=__import__("datetime").date(2026, 12, 1), translator="Keo Mony",
                          labels_file=labels)
    assert report.count("applied") == 1 and not report.failed
    after = labels.read_text(encoding="utf-8")
    changed = [l for l in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
               if l[:1] in "+-" and l[:3] not in ("+++", "---")]
    assert changed[0] == "-lead:                {en: Lead, km: ស្ថាប័នដឹកនាំ}"
    assert re.fullmatch(r"\+lead:                \{en: Lead, km: ស្ថាប័នដឹកនាំសំខាន់, status: approved, translator: Keo Mony, "
                        rf"date: 2026-12-01, en_hash: '?{english_hash('Lead')}'?\}}", changed[1])
    assert len(changed) == 2
    assert LABELS_FILE.read_text(encoding="utf-8") == before  # the package's own file untouched
