"""Stages 3-4: escaping, the template environment, and the NAP Markdown."""
from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import jinja2
import pypandoc
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from docgen import i18n
from docgen.anchors import bookmark_for
from docgen.context import nap_context
from docgen.diagnostics import DocgenError
from docgen.markdown.escape import MD, fold, md_block, md_inline, shorten
from docgen.markdown.render import make_env, render
from docgen.validate import require_plan

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini_plan"

PAYLOADS = [
    "**x**", "[a](b)", "# h", "1. x", "| a |", "<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>",
    "`x`{=openxml}", "#set page(fill: red)", "$x$", "@ref", "<lbl>", "<script>alert(1)</script>",
    "\\textbf{x}", "back\\slash \\\\ end\\", "{braces} {#id .cls}", "::: {.cover}", "- item", "> quote",
    "x^2^ H~2~O", "a -- b ... 'q' \"dq\"", "&amp; &#60;", "*[", "]*", "\\", "#strong[x]", "<!-- c -->",
]


# --- pandoc helpers --------------------------------------------------------------

def ast(markdown: str) -> dict:
    return json.loads(pypandoc.convert_text(markdown, "json", format="markdown"))


def inline_text(inlines: list) -> str:
    """Concatenate Str/Space only; any other node means the data was interpreted."""
    out = []
    for node in inlines:
        if node["t"] == "Str":
            out.append(node["c"])
        elif node["t"] in ("Space", "SoftBreak"):
            out.append(" ")
        else:
            raise AssertionError(f"unexpected {node['t']} node: {node}")
    return "".join(out)


def walk(node, found=None):
    """Every dict node with a 't' key, in document order."""
    found = [] if found is None else found
    if isinstance(node, dict):
        if "t" in node:
            found.append(node)
        for v in node.values():
            walk(v, found)
    elif isinstance(node, list):
        for v in node:
            walk(v, found)
    return found


def stringify(node) -> str:
    parts = []
    for n in walk(node):
        if n["t"] == "Str":
            parts.append(n["c"])
        elif n["t"] in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
    return "".join(parts)


def divs(doc: dict) -> list[tuple[str, list, dict, list]]:
    """(id, classes, attributes, content) of every Div."""
    return [(n["c"][0][0], n["c"][0][1], dict(n["c"][0][2]), n["c"][1]) for n in walk(doc["blocks"]) if n["t"] == "Div"]


# --- escaping ------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r1aZកើ្\u00a0\u3000\u200b")),
            max_size=40)), min_size=1, max_size=25))
def test_md_inline_round_trips_through_pandoc(texts):
    """Any string reads back from Pandoc as exactly its text (whitespace folded), as Str/Space only."""
    texts = [t for t in texts if fold(t)]
    if not texts:
        return
    doc = ast("\n\n".join(md_inline(t) for t in texts))  # one pandoc run per example, many strings
    assert len(doc["blocks"]) == len(texts)
    for block, text in zip(doc["blocks"], texts):
        assert block["t"] in ("Para", "Plain")
        assert inline_text(block["c"]) == fold(text)


def test_md_inline_escapes_every_ascii_punctuation_and_keeps_khmer():
    assert md_inline("a*b") == "a\\*b"
    assert md_inline("PROT_01 (1.1)") == "PROT\\_01 \\(1\\.1\\)"
    assert md_inline("ស្ត្រី, សន្តិភាព") == "ស្ត្រី\\, សន្តិភាព"
    assert md_inline("line one\n\n# two\tthree") == "line one \\# two three"
    assert md_inline(MD("**kept**")) == "**kept**"


def test_md_block_keeps_paragraphs_and_folds_lines():
    assert md_block("one\ntwo\n\n  \n# three") == "one two\n\n\\# three"
    doc = ast(md_block("a *b*\n\nc\nd"))
    assert [inline_text(b["c"]) for b in doc["blocks"]] == ["a *b*", "c d"]


def test_shorten_cuts_between_words_in_english_and_khmer():
    assert shorten("Increase the share of women deployed", 20) == "Increase the share…"
    km = "បង្កើនចំណែកស្ត្រីដែលត្រូវបានដាក់ពង្រាយក្នុងប្រតិបត្តិការ"
    cut = shorten(km, 25)
    assert cut.endswith("…") and len(cut) <= 25
    # a cut between words leaves no dangling coeng (subscript sign) or vowel
    assert cut[:-1] in ("បង្កើនចំណែកស្ត្រីដែល", "បង្កើនចំណែកស្ត្រី") or cut[:-1].endswith("ដែល")
    assert not cut[-2] in "\u17d2\u17b6\u17b7\u17b8\u17c1\u17c2\u17c4\u17c6"


# --- the template environment ----------------------------------------------------------

@pytest.fixture
def env(tmp_path):
    def make(source: str, name="t.md.j2"):
        (tmp_path / name).write_text(source, encoding="utf-8")
        return make_env([tmp_path]).get_template(name)
    return make


def test_environment_escapes_every_printed_value(env):
    t = env('{{ x }}|{{ "**lit**" }}|{{ n }}|{{ x|md }}|{{ items|join(", ") }}')
    out = t.render(lang="en", x="*a*", n=1.5, items=["[b]", "c"])
    assert out == "\\*a\\*|\\*\\*lit\\*\\*|1\\.5|\\*a\\*|\\[b\\], c"


def test_environment_macro_output_is_not_escaped_twice(env):
    t = env('{% macro b(x) %}**{{ x }}**{% endmacro %}{{ b("*y*") }} {{ b(b("z")) }}')
    assert t.render(lang="en") == "**\\*y\\*** ****z****"


def test_environment_refuses_unsafe_filters_none_and_undefined(env):
    with pytest.raises(jinja2.TemplateAssertionError):
        env("{{ x|safe }}")
    with pytest.raises(jinja2.TemplateRuntimeError):
        env("{{ x }}").render(lang="en", x=None)
    with pytest.raises(jinja2.UndefinedError):
        env("{{ nothere }}").render(lang="en")
    with pytest.raises(ValueError):
        env("{#{{ x|id }}}").render(lang="en", x="bad id")


def test_render_reports_template_errors_as_docgen_error():
    with pytest.raises(DocgenError, match="nap.md.j2"):
        render("nap.md.j2", {"lang": "en"})
    with pytest.raises(DocgenError, match="template not found"):
        render("no_such.md.j2", {"lang": "en"})


# --- i18n and anchors ------------------------------------------------------------------

def test_khmer_numbers_dates_and_labels():
    import datetime as dt
    assert i18n.format_date(dt.date(2026, 11, 21), "km") == "ថ្ងៃទី២១ ខែវិច្ឆិកា ឆ្នាំ២០២៦"
    assert i18n.format_date(dt.date(2026, 1, 5), "en") == "5 January 2026"
    assert i18n.format_date(dt.date(2026, 1, 5), "en-km") == "5 January 2026"
    assert i18n.number(1234.5, "km") == "១,២៣៤.៥"
    assert i18n.number(21.0, "en") == "21"
    assert i18n.label("contents", "km") == "មាតិកា"
    assert i18n.label("kingdom", "km") == "ព្រះរាជាណាចក្រកម្ពុជា"
    assert i18n.label("nation_religion_king", "km") == "ជាតិ សាសនា ព្រះមហាក្សត្រ"
    assert i18n.header_text("0.1", dt.date(2026, 11, 21), "en") == "DRAFT v0.1 - 21 November 2026"
    assert i18n.labels("en").keys() == i18n.labels("km").keys()
    with pytest.raises(ValueError):
        i18n.labels("fr")


def test_bookmarks_follow_the_id_table():
    assert bookmark_for("pillar", "relief_recovery") == "PIL_relief_recovery"
    assert bookmark_for("outcome", "3") == "SO_3"
    assert bookmark_for("output", "3.1") == "OUT_3_1"
    assert bookmark_for("action", "PROT_01") == "PROT_01"
    assert bookmark_for("indicator", "PROT_01_I1") == "PROT_01_I1"
    assert bookmark_for("theme", "FP2") == "TH_FP2"
    assert bookmark_for("section", "SEC_intro") == "SEC_intro"
    with pytest.raises(ValueError):
        bookmark_for("pillar", "x" * 40)  # PIL_ + 40 > 40 characters
    with pytest.raises(KeyError):
        bookmark_for("nonsense", "x")


# --- the NAP Markdown --------------------------------------------------------------------

@pytest.fixture(scope="module")
def mini():
    plan, _ = require_plan(MINI)
    return plan


@pytest.fixture(scope="module")
def nap_md(mini):
    return {lang: render("nap.md.j2", nap_context(mini, lang)) for lang in i18n.LANGS}


@pytest.fixture(scope="module")
def nap_ast(nap_md):
    return {lang: ast(md) for lang, md in nap_md.items()}


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_action_is_a_div_with_its_id(mini, nap_ast, lang):
    action_divs = [(i, c) for i, c, _, _ in divs(nap_ast[lang]) if "action" in c]
    # in pillar order (Protection is pillar 1), whatever the order of the data files
    assert [i for i, _ in action_divs] == ["PROT_01", "PROT_02", "PART_01"]
    assert {i for i, _ in action_divs} == {a.id for a in mini.actions}
    ids = ([i for i, _, _, _ in divs(nap_ast[lang])]
           + [n["c"][0][0] for n in walk(nap_ast[lang]["blocks"]) if n["t"] == "Span"]
           + [n["c"][1][0] for n in walk(nap_ast[lang]["blocks"]) if n["t"] == "Header"])
    for ind in ("PROT_01_I1", "PROT_02_I1", "PART_01_I1", "OUT_2_2", "SO_1", "PIL_protection", "TH_FP1",
                "SEC_intro", "SEC_monitoring", "DOC_matrix", "DOC_annex"):
        assert ids.count(ind) == 1, ind


def test_structure_follows_the_contract(mini, nap_ast):
    en = nap_ast["en"]
    classes = [c for _, cs, _, _ in divs(en) for c in cs]
    for cls in ("cover", "toc", "pagebreak", "landscape", "action"):
        assert cls in classes
    headers = [stringify(n["c"][2]) for n in walk(en["blocks"]) if n["t"] == "Header" and n["c"][0] == 1]
    assert headers == ["How to read this draft", "Acronyms", "Introduction and context", "Vision and goal",
                       "Legal and policy basis", "Priority themes", "Pillar 1: Protection",
                       "Pillar 2: Participation", "Implementation and results matrix", "Results framework",
                       "Implementation timeline", "Indicative costing", "Risks and mitigation",
                       "Reporting and evaluation schedule", "Localisation: provinces, districts and communes",
                       "Coordination and monitoring", "Actions mapped to the ASEAN RPA-WPS outputs",
                       "Notes for reviewers", "What remains to be decided", "Sources"]
    landscape = next(content for _, c, _, content in divs(en) if "landscape" in c)
    table = next(n for n in walk(landscape) if n["t"] == "Table")
    head = [stringify(cell) for cell in table["c"][3][1][0][1]]
    assert head == ["Action", "ASEAN outputs", "Lead", "Partners", "Timeframe", "Indicators", "Baseline", "Target"]
    # one row per action, its full text after its ID; one line per indicator
    rows = [[stringify(cell) for cell in row[1]] for row in table["c"][4][0][3]]
    assert [r[0].split()[0] for r in rows] == ["PROT_01", "PROT_02", "PART_01"]
    assert rows[1][2:5] == ["MoI", "–", "2027–2028"]
    assert rows[1][6:8] == ["21.4 % (2023)", "60 % (2029); at least 60 %"]
    for row, a in zip(rows, [mini.action[i] for i in ("PROT_01", "PROT_02", "PART_01")]):
        assert row[0] == f"{a.id} {a.text.en}"
        assert all(ind.id in row[5] for ind in a.indicators)
    assert any(n["t"] == "LineBreak" for n in walk(table)) == any(len(a.indicators) > 1 for a in mini.actions)


def test_annex_shows_outputs_without_actions_and_coverage(nap_ast):
    en = nap_ast["en"]
    nodes = list(walk(en["blocks"]))
    start = next(i for i, n in enumerate(nodes) if n["t"] == "Header" and n["c"][1][0] == "DOC_annex")
    annex, summary = [n for n in nodes[start:] if n["t"] == "Table"][:2]
    rows = [[stringify(cell) for cell in row[1]] for row in annex["c"][4][0][3]]
    assert rows[-1] == ["Participation", "2.2 Women mediators are supported.", "no action yet"]
    assert rows[0][2] == "PROT_01, PROT_02"
    totals = [stringify(cell) for cell in summary["c"][4][0][3][-1][1]]
    assert totals == ["Σ", "4", "3", "3"]
    assert "3/4 outputs with at least one action (75 %)." in stringify(en["blocks"])


def test_khmer_variant_uses_khmer_labels_digits_and_cover_heading(nap_md, nap_ast):
    km = nap_ast["km"]
    kingdom = next(content for _, c, _, content in divs(km) if "kingdom" in c)
    assert [stringify(p) for p in kingdom] == ["ព្រះរាជាណាចក្រកម្ពុជា", "ជាតិ សាសនា ព្រះមហាក្សត្រ"]
    cover = next(content for _, c, _, content in divs(km) if "cover" in c)
    text = stringify(cover)
    assert "ថ្ងៃទី២១ ខែវិច្ឆិកា ឆ្នាំ២០២៦" in text and "២០២៦–២០៣០" in text
    headers = [stringify(n["c"][2]) for n in walk(km["blocks"]) if n["t"] == "Header" and n["c"][0] == 1]
    assert headers[:2] == ["របៀបអានសេចក្ដីព្រាងនេះ", "អក្សរកាត់"] and "សសរស្តម្ភ ១៖ ការការពារ" in headers
    assert "Acronyms" not in stringify(km["blocks"]) and "Pillar" not in stringify(km["blocks"])
    # Khmer texts are marked as Khmer
    assert "[ផែនការសកម្មភាពជាតិស្ដីពីស្ត្រី សន្តិភាព និងសន្តិសុខ]{lang=km}" in nap_md["km"]
    assert "២១.៤ % (២០២៣)" in stringify(km["blocks"])
    # the English cover carries the same heading in English, and no Khmer
    en_cover = stringify(next(content for _, c, _, content in divs(nap_ast["en"]) if "cover" in c))
    assert en_cover.startswith("Kingdom of CambodiaNation Religion King")
    assert not any("\u1780" <= ch <= "\u17ff" for ch in en_cover)
    # bilingual: Khmer heading first, then English
    kingdom = next(content for _, c, _, content in divs(nap_ast["en-km"]) if "kingdom" in c)
    assert [stringify(p) for p in kingdom] == ["ព្រះរាជាណាចក្រកម្ពុជា", "ជាតិ សាសនា ព្រះមហាក្សត្រ",
                                               "Kingdom of Cambodia", "Nation Religion King"]


def pending_spans(doc) -> list[str]:
    return [stringify(n["c"][1]) for n in walk(doc["blocks"]) if n["t"] == "Span" and "pending" in n["c"][0][1]]


def test_missing_khmer_shows_english_flagged_pending(nap_ast):
    km = pending_spans(nap_ast["km"])
    assert "Review laws on protection of women in emergencies. [កំពុងរង់ចាំការបកប្រែ]" in km  # PROT_02 has no km
    assert "Context [កំពុងរង់ចាំការបកប្រែ]" in km                                           # SEC_context title
    assert not any("Strengthen one-stop" in s for s in km)                                # PROT_01 has km
    assert pending_spans(nap_ast["en"]) == []
    # acronyms stay Latin in Khmer text without a flag
    assert not any(s.startswith("MoI") for s in km)


def test_bilingual_pairs_every_heading_and_action(mini, nap_ast):
    doc = nap_ast["en-km"]
    all_divs = divs(doc)
    for aid in (a.id for a in mini.actions):
        content = next(c for i, _, _, c in all_divs if i == aid)
        # every part of the action (text with its citation footnote, facts, each indicator) is an English/Khmer pair
        a = mini.action[aid]
        assert len(content) == 2 + len(a.indicators)
        assert all(part["t"] == "Div" and "bilingual" in part["c"][0][1] for part in content)
        for part in content:
            en, km = part["c"][1]
            assert dict(en["c"][0][2]) == {"lang": "en"} and dict(km["c"][0][2]) == {"lang": "km"}
        en, km = content[0]["c"][1]
        assert stringify(en).startswith(aid) and stringify(km).startswith(aid)
        for part, ind in zip(content[2:], a.indicators):
            en, km = part["c"][1]
            assert stringify(en).startswith(ind.id) and stringify(km).startswith(ind.id)
    # every heading sits in a bilingual pair: English and Khmer
    for _, cls, _, content in all_divs:
        if "bilingual" in cls:
            assert len(content) == 2
    headers = [n for n in walk(doc["blocks"]) if n["t"] == "Header"]
    top = [n for n in doc["blocks"] if n["t"] == "Header"]
    assert top == [] and len(headers) % 2 == 0
    km_pillar = [stringify(h["c"][2]) for h in headers if h["c"][1][0] == "PIL_protection_km"]
    assert km_pillar == ["សសរស្តម្ភ ១៖ ការការពារ"]
    # the Khmer column of PROT_02 (no Khmer text) shows the English text, flagged
    assert "Review laws on protection of women in emergencies. [កំពុងរង់ចាំការបកប្រែ]" in pending_spans(doc)


def test_acronyms_table_lists_only_abbreviations(nap_md):
    from docgen.context.nap import is_acronym

    for short, name in (("MoWA", "Ministry of Women's Affairs"), ("UN Women", "UN Entity"),
                        ("NGOs/CSOs", "NGOs and civil society"), ("DC-Cam", "Documentation Center"),
                        ("USA", "Embassy of the United States")):
        assert is_acronym(short, name), short
    for short, name in (("Media", "Media"), ("Development partners", "Development partners"),
                        ("Senate", "senate"), ("Canada", "Embassy of Canada"), ("Kdei Karuna", "Kdei Karuna"),
                        ("", "x")):
        assert not is_acronym(short, name), short
    table = nap_md["en"].split("{#DOC_acronyms}", 1)[1].split("\n\n", 2)[1]
    assert [line.split("|")[1].strip() for line in table.splitlines()[2:]] == ["CSOs", "MoI", "MoWA", "UN Women"]


def test_bilingual_themes_and_outputs_are_paired(nap_ast):
    doc = nap_ast["en-km"]
    pairs = [content for _, cls, _, content in divs(doc) if "bilingual" in cls]

    def pair_with(anchor):
        found = [p for p in pairs if any(n["t"] == "Span" and n["c"][0][0] == anchor for n in walk(p[0]))]
        assert len(found) == 1, anchor
        return found[0]

    for anchor, label in (("TH_FP1", "FP1"), ("OUT_2_2", "២.២")):
        en, km = pair_with(anchor)
        assert dict(en["c"][0][2]) == {"lang": "en"} and dict(km["c"][0][2]) == {"lang": "km"}
        # the anchor once (English column); the Khmer column starts with the same ID, in Khmer
        assert not any(n["t"] == "Span" and n["c"][0][0] for n in walk(km))
        assert stringify(km).startswith(label)
        assert any("\u1780" <= ch <= "\u17ff" for ch in stringify(km))
        assert not any("\u1780" <= ch <= "\u17ff" for ch in stringify(en))


# --- safety: payloads in data show literally in DOCX and Typst/PDF -------------------------------

@pytest.fixture(scope="module")
def payload_plan(tmp_path_factory):
    dest = tmp_path_factory.mktemp("payload") / "plan"
    shutil.copytree(MINI, dest)
    path = dest / "actions" / "protection.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["actions"][0]["text"] = {"en": " ZZ ".join(PAYLOADS), "km": "ខ្មែរ " + " ZZ ".join(PAYLOADS)}
    data["actions"][1]["indicators"][0]["text"] = {"en": "|".join(PAYLOADS)}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plan, _ = require_plan(dest)
    return plan


def _squash(s: str) -> str:
    return "".join(s.split())


@pytest.mark.parametrize("lang", ["en", "en-km"])
def test_payloads_show_literally_in_docx(payload_plan, lang, tmp_path):
    md = render("nap.md.j2", nap_context(payload_plan, lang))
    out = tmp_path / "p.docx"
    pypandoc.convert_text(md, "docx", format="markdown", outputfile=str(out))
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "INJECTED</w:t></w:r></w:p><w:p>" not in xml  # no raw OpenXML passed through
    plain = pypandoc.convert_file(str(out), "plain", extra_args=["--wrap=none"])
    squashed = _squash(plain)
    for p in PAYLOADS:
        assert _squash(p) in squashed, p
    assert _squash("|".join(PAYLOADS)) in squashed


def test_payloads_show_literally_in_typst_pdf(payload_plan, tmp_path):
    """Through the PDF backend when it is there, else plain pandoc -> Typst -> typst."""
    typst = pytest.importorskip("typst")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    md = render("nap.md.j2", nap_context(payload_plan, "en"))
    pdf = tmp_path / "p.pdf"
    payloads = PAYLOADS
    try:
        from docgen.pdf import write_pdf
    except ImportError:
        write_pdf = None
    if write_pdf is not None:
        from docgen.documents import DOCUMENTS, make_meta
        ctx = nap_context(payload_plan, "en")
        write_pdf(md, pdf, make_meta(payload_plan, DOCUMENTS["nap"][0], "en", ctx))
    else:
        # pandoc 3.9's Typst writer leaves "..." unescaped (Typst makes it an ellipsis);
        # the PDF backend's filter has to handle it, plain pandoc does not.
        payloads = [p.replace("...", "") for p in PAYLOADS]
        md = render("nap.md.j2", nap_context(payload_plan, "en")).replace("\\.\\.\\.", "")
        src = tmp_path / "p.typ"
        src.write_text(pypandoc.convert_text(md, "typst", format="markdown", extra_args=["--standalone"]),
                       encoding="utf-8")
        typst.compile(str(src), output=str(pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    squashed = _squash(text)
    for p in payloads:
        assert _squash(p) in squashed, p
