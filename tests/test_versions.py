"""docgen release / diff / redline, on two versions of a small plan.

tests/fixtures/versions/v1 (0.1) -> v2 (0.2): PREV_02 added, PROT_02 removed, PART_02
reworded in English and Khmer, PROT_01 remapped from output 2.1 to 2.2, the target
of PREV_01_I1 raised from 30 % to 40 %; consultation feedback links to three of them.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypandoc
import pytest

from docgen.khmer import strip_invisible

from docgen.cli import main
from docgen.diagnostics import DocgenError
from docgen.validate import require_plan
from docgen.versions import changelog_context, changelog_markdown, compare
from docgen.versions.redline import document_markdown, redline_markdown, write_redline
from docgen.versions.snapshot import release, resolve
from docgen.versions.textdiff import diff_tokens, side, tokenize

FIX = Path(__file__).resolve().parent / "fixtures" / "versions"
AUTHOR = "NAP-WPS Secretariat (MoWA)"
DATE = "2026-05-15T00:00:00Z"


@pytest.fixture(scope="module")
def plans():
    old, _ = require_plan(FIX / "v1")
    new, _ = require_plan(FIX / "v2")
    return old, new


@pytest.fixture(scope="module")
def redlines(plans, tmp_path_factory):
    out = tmp_path_factory.mktemp("redline")
    return {lang: write_redline(*plans, lang, out / f"NAP-WPS_0.2_vs_0.1_{lang}.docx") for lang in ("en", "km")}


# --- change log ------------------------------------------------------------------

def test_changelog_lists_exactly_the_changes(plans):
    log = compare(*plans)
    got = sorted((c.kind, c.id, c.field) for c in log.changes)
    assert got == [("added", "PREV_02", "action"), ("moved", "PROT_01", "asean_outputs"),
                   ("removed", "PROT_02", "action"), ("target", "PREV_01_I1", "target"),
                   ("text_en", "PART_02", "text.en"), ("text_km", "PART_02", "text.km")]
    moved = next(c for c in log.changes if c.kind == "moved")
    assert (moved.old, moved.new) == ({"asean_outputs": ["2.1"]}, {"asean_outputs": ["2.2"]})
    target = next(c for c in log.changes if c.kind == "target")
    assert (target.action, target.old, target.new) == ("PREV_01", "30 % (2030)", "40 % (2030)")


def test_no_changes_between_a_version_and_itself(plans):
    assert compare(plans[1], plans[1]).changes == []


def test_feedback_that_led_to_each_change(plans):
    log = compare(*plans)
    fb = {(c.kind, c.id): sorted(f.id for f in c.feedback) for c in log.changes}
    assert fb[("text_en", "PART_02")] == ["FB_youth"] == fb[("text_km", "PART_02")]
    assert fb[("added", "PREV_02")] == ["FB_data"]
    assert fb[("target", "PREV_01_I1")] == ["FB_target"]  # linked to the indicator and its action, listed once
    assert fb[("removed", "PROT_02")] == [] and fb[("moved", "PROT_01")] == []
    # feedback the old version already acted on is not credited again
    assert all(c.feedback == [] for c in compare(plans[1], plans[1]).changes)


def test_terminal_output_is_grouped_and_readable(plans):
    text = compare(*plans).format_text()
    assert text.startswith("Changes from 0.1 (2026-03-02) to 0.2 (2026-05-15): 6 changes")
    assert "Actions added (1)\n  PREV_02" in text
    assert "PROT_01      output 2.1 -> 2.2" in text
    assert "Train women{+ and youth+} leaders" in text
    assert "{+ និងយុវជន+}" in text  # Khmer diffed by word
    assert "feedback CONS_2026_04/FB_target (partly accepted)" in text


def test_annex_context_and_markdown(plans):
    ctx = changelog_context(*plans, "en")
    assert ctx["title"] == "Changes since version 0.1" and ctx["count"] == 6
    assert [g["kind"] for g in ctx["groups"]] == ["added", "removed", "moved", "text_en", "text_km", "target"]
    md = changelog_markdown(*plans, "en")
    assert "Train women [and youth]{.underline} leaders" in md
    assert "2\\.1 → 2\\.2" in md
    km = changelog_context(*plans, "km")
    assert km["groups"][0]["title"] == "សកម្មភាពដែលបានបន្ថែម"
    assert km["groups"][0]["items"][0]["new"].startswith("ផ្សព្វផ្សាយ")


# --- word-level diff ---------------------------------------------------------------

def test_khmer_is_diffed_by_word_not_by_character():
    old = "បណ្តុះបណ្តាលអ្នកដឹកនាំស្ត្រីលើការសន្ទនា"
    new = "បណ្តុះបណ្តាលអ្នកដឹកនាំយុវជនលើការសន្ទនា"
    assert tokenize(old) == ["បណ្តុះបណ្តាល", "អ្នកដឹកនាំ", "ស្ត្រី", "លើ", "ការសន្ទនា"]
    ops = diff_tokens(old, new)
    assert [x for x in ops if x[0] != "equal"] == [("delete", "ស្ត្រី"), ("insert", "យុវជន")]
    assert side(ops, "old") == old and side(ops, "new") == new


# --- release and version arguments --------------------------------------------------

def test_release_freezes_and_refuses_to_refreeze_different_data(plans, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIX / "v1", data)
    out = tmp_path / "build"
    rel, what = release(plans[0], data, out)
    assert what == "released" and rel.version == "0.1"
    manifest = json.loads((out / "0.1" / "release.json").read_text())
    assert manifest["date"] == "2026-03-02" and "actions/protection.yaml" in manifest["files"]
    assert (out / "0.1" / "plan_data.snapshot" / "actions" / "protection.yaml").read_text() == \
        (data / "actions" / "protection.yaml").read_text()
    assert release(plans[0], data, out)[1] == "unchanged"
    # the working data moves on, but keeps the version number: refused, nothing touched
    (data / "plan.yaml").write_text((data / "plan.yaml").read_text().replace("drafts", "writes"))
    before = (out / "0.1" / "plan_data.snapshot" / "plan.yaml").read_bytes()
    with pytest.raises(DocgenError, match="already released with different plan data.*plan.yaml"):
        release(plans[0], data, out)
    assert (out / "0.1" / "plan_data.snapshot" / "plan.yaml").read_bytes() == before
    # forced: the new snapshot replaces it, the old one is kept aside
    assert release(plans[0], data, out, force=True)[1] == "re-released"
    assert b"writes" in (out / "0.1" / "plan_data.snapshot" / "plan.yaml").read_bytes()
    assert (out / "0.1" / "plan_data.snapshot.replaced-1" / "plan.yaml").read_bytes() == before


def test_version_arguments_resolve(tmp_path, plans):
    out = tmp_path / "build"
    release(plans[0], FIX / "v1", out)
    assert resolve("0.1", out).data_dir == out / "0.1" / "plan_data.snapshot"
    assert resolve(str(FIX / "v2"), out).release is None
    with pytest.raises(DocgenError) as exc:
        resolve("0.9", out)
    assert "released versions in" in exc.value.diagnostics[0].hint and "0.1" in exc.value.diagnostics[0].hint
    # an edited snapshot is not silently compared
    snap = out / "0.1" / "plan_data.snapshot" / "plan.yaml"
    snap.write_text(snap.read_text() + "\n# edited\n")
    with pytest.raises(DocgenError, match="no longer matches its release manifest"):
        resolve("0.1", out)


def test_cli_release_diff_and_errors(tmp_path, capsys):
    out = tmp_path / "build"
    assert main(["release", "--data", str(FIX / "v1"), "--out", str(out)]) == 0
    assert main(["diff", "0.1", str(FIX / "v2"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Actions removed (1)\n  PROT_02" in printed
    assert main(["diff", "0.7", str(FIX / "v2"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "'0.7' is neither a released version nor a plan data folder" in err and "0.1" in err
    assert "Traceback" not in err


def test_cli_redline_writes_into_new_version_folder(tmp_path, capsys):
    out = tmp_path / "build"
    assert main(["release", "--data", str(FIX / "v1"), "--out", str(out)]) == 0
    assert main(["redline", "0.1", str(FIX / "v2"), "--lang", "km", "--out", str(out)]) == 0
    assert (out / "0.2" / "NAP-WPS_0.2_vs_0.1_km.docx").is_file()
    assert sorted(p.name for p in (out / "0.1").iterdir()) == ["plan_data.snapshot", "release.json"]


# --- redline ------------------------------------------------------------------------

def _plain(docx: Path, mode: str) -> str:
    # without the word joins the DOCX writer adds to Khmer text for line breaking
    return strip_invisible(pypandoc.convert_file(str(docx), "plain",
                                                 extra_args=[f"--track-changes={mode}", "--wrap=none"]))


def _md_plain(markdown: str) -> str:
    return pypandoc.convert_text(markdown, "plain", format="markdown", extra_args=["--wrap=none"])


def _norm(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip() not in ("", "-")]


@pytest.mark.parametrize("lang", ["en", "km"])
def test_accept_all_gives_new_reject_all_gives_old(plans, redlines, lang):
    old, new = plans
    header = _norm(_md_plain(redline_markdown(old, new, lang)))[:3]  # title, versions, how to use
    accepted, rejected = _norm(_plain(redlines[lang], "accept")), _norm(_plain(redlines[lang], "reject"))
    assert accepted == header + _norm(_md_plain(document_markdown(new, lang)))
    assert rejected == header + _norm(_md_plain(document_markdown(old, lang)))
    if lang == "en":
        assert any("Train women and youth leaders in community dialogue, mediation and conflict resolution." in l
                   for l in accepted)
        assert any("Train women leaders in community dialogue and mediation." in l for l in rejected)
        assert not any("PROT_02" in l for l in accepted) and any("PROT_02" in l for l in rejected)
        assert any("Target: 40 % (2030)" in l for l in accepted) and any("Target: 30 % (2030)" in l for l in rejected)
    else:
        assert any("បណ្តុះបណ្តាលអ្នកដឹកនាំស្ត្រី និងយុវជនលើការសន្ទនា" in l for l in accepted)
        assert any("បណ្តុះបណ្តាលអ្នកដឹកនាំស្ត្រីលើការសន្ទនា និងការសម្រុះសម្រួលនៅសហគមន៍។" in l for l in rejected)
        assert any("៤០ % (២០៣០)" in l for l in accepted)


def _document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


@pytest.mark.parametrize("lang", ["en", "km"])
def test_redline_has_native_word_revisions_by_the_secretariat(redlines, lang):
    xml = strip_invisible(_document_xml(redlines[lang]))
    ins = re.findall(r"<w:ins [^>]*>", xml)
    dels = re.findall(r"<w:del [^>]*>", xml)
    assert ins and dels
    for tag in ins + dels:
        assert f'w:author="{AUTHOR}"' in tag and f'w:date="{DATE}"' in tag
    ids = re.findall(r'<w:(?:ins|del) w:id="(\d+)"', xml)
    assert len(ids) == len(set(ids))  # one id per revision
    if lang == "en":
        # word level: only the changed words are revisions, with their spaces
        assert re.search(r"<w:ins [^>]*><w:r>(?:<w:rPr>.*?</w:rPr>)?<w:t[^>]*> and youth</w:t>", xml)
        assert re.search(r"<w:del [^>]*><w:r>(?:<w:rPr>.*?</w:rPr>)?<w:delText[^>]*>30</w:delText>", xml)
    else:
        assert re.search(r"<w:ins [^>]*><w:r>(?:<w:rPr>.*?</w:rPr>)?<w:t[^>]*> និងយុវជន</w:t>", xml)
    assert "\ue000" not in xml
    # paragraphs that only exist in one version carry a tracked paragraph mark
    assert re.search(r"<w:pPr>.*?<w:rPr><w:del [^>]*/>", xml) and re.search(r"<w:pPr>.*?<w:rPr><w:ins [^>]*/>", xml)
    # a moved action keeps its bookmark at its new place only
    assert xml.count('w:name="PROT_01"') == 1


@pytest.mark.libreoffice
def test_redline_opens_in_libreoffice(redlines, tmp_path):
    soffice = shutil.which("soffice")
    if not soffice:
        pytest.skip("soffice (LibreOffice) not installed")
    src = redlines["en"]
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo_profile", "--headless",
                           "--convert-to", "odt", "--outdir", str(tmp_path), str(src)],
                          capture_output=True, timeout=180)
    odt = tmp_path / (src.stem + ".odt")
    assert proc.returncode == 0 and odt.is_file(), proc.stderr.decode(errors="replace")
    with zipfile.ZipFile(odt) as z:
        content = z.read("content.xml").decode("utf-8")
    # LibreOffice read them as tracked changes, by the secretariat
    assert "<text:tracked-changes" in content
    assert "<text:insertion>" in content and "<text:deletion>" in content
    assert AUTHOR in content


def test_bundled_plan_changes_round_trip(tmp_path):
    """On the bundled plan: reword one action (en+km) and drop another; redline accepts/rejects exactly."""
    from conftest import PLAN_DATA
    from docgen.validate import load_plan

    old, _ = load_plan(PLAN_DATA)
    new, _ = load_plan(PLAN_DATA)
    if old is None or len(old.actions) < 2:
        pytest.skip("bundled plan data does not validate yet")
    new.metadata.version, new.metadata.date = "9.9", old.metadata.date.replace(year=old.metadata.date.year + 1)
    a = new.actions[0]
    a.text.en = a.text.en.rstrip(".") + ", with women's organisations."
    a.text.km = (a.text.km or "") + " ជាមួយអង្គការស្ត្រី"
    dropped = new.actions.pop(1).id
    for cached in ("action", "pillar", "output", "institution"):
        new.__dict__.pop(cached, None)
    log = compare(old, new)
    assert sorted((c.kind, c.id) for c in log.changes) == sorted(
        [("removed", dropped), ("text_en", a.id), ("text_km", a.id)])
    for lang in ("en", "km"):
        docx = write_redline(old, new, lang, tmp_path / f"r_{lang}.docx")
        header = _norm(_md_plain(redline_markdown(old, new, lang)))[:3]
        assert _norm(_plain(docx, "accept")) == header + _norm(_md_plain(document_markdown(new, lang)))
        assert _norm(_plain(docx, "reject")) == header + _norm(_md_plain(document_markdown(old, lang)))


# --- the "Changes since OLD" annex in the built draft ---------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _tree_hashes(folder: Path) -> dict[str, tuple[str, int]]:
    import hashlib
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _annex(docx: Path) -> tuple[list[str], set[str], dict[str, str]]:
    """Paragraph texts from the annex heading on, the bookmarks, and hyperlinks (text -> anchor) there."""
    from lxml import etree
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(f"{W}body")
    paras, marks, links, on = [], set(), {}, False
    for el in body.iter(f"{W}p", f"{W}bookmarkStart"):  # document order (bookmarks may sit between paragraphs)
        if el.tag == f"{W}bookmarkStart":
            on = on or el.get(f"{W}name") == "SEC_changes"
            if on:
                marks.add(el.get(f"{W}name"))
        elif on:
            paras.append(strip_invisible("".join(t.text or "" for t in el.iter(f"{W}t"))))
            links.update({"".join(t.text or "" for t in h.iter(f"{W}t")): h.get(f"{W}anchor")
                          for h in el.iter(f"{W}hyperlink")})
    return paras, marks, links


def test_build_after_release_has_the_changes_annex_and_leaves_the_release_alone(tmp_path, capsys):
    out, data = tmp_path / "build", tmp_path / "plan_data"
    shutil.copytree(FIX / "v1", data)
    # 0.1 built and released
    assert main(["build", "--data", str(data), "--out", str(out), "--doc", "nap", "--format", "docx",
                 "--lang", "en"]) == 0
    assert _annex(out / "0.1" / "NAP-WPS_0.1_en.docx")[0] == []  # nothing released before: no annex
    assert main(["release", "--data", str(data), "--out", str(out)]) == 0
    before = _tree_hashes(out / "0.1")
    assert "NAP-WPS_0.1_en.docx" in before and "release.json" in before
    # the data moves on to 0.2 (the realistic second version)
    shutil.rmtree(data)
    shutil.copytree(FIX / "v2", data)
    assert main(["build", "--data", str(data), "--out", str(out), "--doc", "nap", "--format", "docx",
                 "--lang", "en,km"]) == 0
    capsys.readouterr()
    assert _tree_hashes(out / "0.1") == before  # another version's files: untouched
    paras, marks, links = _annex(out / "0.2" / "NAP-WPS_0.2_en.docx")
    assert paras[0] == "Changes since version 0.1"
    assert {"SEC_changes", "SEC_changes_added", "SEC_changes_removed", "SEC_changes_moved",
            "SEC_changes_text_en", "SEC_changes_text_km", "SEC_changes_target"} <= marks
    listed = {m.group(1) for p in paras if (m := re.match(r"^([A-Z]{4}_\d\d(?:_I\d)?)", p))}
    assert listed == {"PREV_02", "PROT_02", "PROT_01", "PART_02", "PREV_01_I1"}
    # IDs still in the draft link to their bookmarks; the removed action has none
    assert links["PREV_02"] == "PREV_02" and links["PREV_01_I1"] == "PREV_01_I1" and "PROT_02" not in links
    assert any(p.startswith("PREV_01_I1 (PREV_01) Target: 30 % (2030) → 40 % (2030)") for p in paras)
    km_paras, _, _ = _annex(out / "0.2" / "NAP-WPS_0.2_km.docx")
    assert km_paras[0] == "ការកែប្រែតាំងពីកំណែ 0.1"
    assert "សកម្មភាពដែលបានបន្ថែម" in km_paras and any("និងយុវជន" in p for p in km_paras)
    # rebuilding 0.1 later does not compare it with the newer release
    assert main(["release", "--data", str(data), "--out", str(out)]) == 0
    shutil.rmtree(data)
    shutil.copytree(FIX / "v1", data)
    assert main(["build", "--data", str(data), "--out", str(out), "--doc", "nap", "--format", "docx",
                 "--lang", "en"]) == 0
    assert _annex(out / "0.1" / "NAP-WPS_0.1_en.docx")[0] == []


def test_a_tampered_release_stops_the_build_with_a_diagnostic(tmp_path, capsys):
    out = tmp_path / "build"
    assert main(["release", "--data", str(FIX / "v1"), "--out", str(out)]) == 0
    snap = out / "0.1" / "plan_data.snapshot" / "plan.yaml"
    snap.write_text(snap.read_text() + "\n# edited\n")
    rc = main(["build", "--data", str(FIX / "v2"), "--out", str(out), "--doc", "nap", "--format", "docx",
               "--lang", "en"])
    err = capsys.readouterr().err
    assert rc == 1 and "no longer matches its release manifest" in err and "Traceback" not in err
    assert not (out / "0.2").exists()


def test_a_released_version_is_not_rebuilt_from_changed_data(plan_copy, tmp_path, capsys):
    from docgen.cli import main

    out = tmp_path / "build"
    assert main(["build", "--data", str(plan_copy), "--out", str(out), "--doc", "nap", "--lang", "en",
                 "--format", "docx"]) == 0
    assert main(["release", "--data", str(plan_copy), "--out", str(out)]) == 0
    released = (out / "0.1" / "NAP-WPS_0.1_en.docx").read_bytes()
    # Same data: rebuilding is allowed (and gives the same bytes).
    assert main(["build", "--data", str(plan_copy), "--out", str(out), "--doc", "nap", "--lang", "en",
                 "--format", "docx"]) == 0
    actions = plan_copy / "actions" / "protection.yaml"
    actions.write_text(actions.read_text(encoding="utf-8").replace("Ensure that survivors", "Ensure that all survivors", 1),
                       encoding="utf-8")
    capsys.readouterr()
    assert main(["build", "--data", str(plan_copy), "--out", str(out), "--doc", "nap", "--lang", "en",
                 "--format", "docx"]) == 1
    err = capsys.readouterr().err
    assert "version 0.1 is released and the plan data has changed" in err and "Traceback" not in err
    assert (out / "0.1" / "NAP-WPS_0.1_en.docx").read_bytes() == released
