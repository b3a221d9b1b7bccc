"""Every bad input and every check gives a located message and exit 1, never a traceback."""
import json
import re
import textwrap
from pathlib import Path

import pytest

from docgen.cli import main

TINY = {
    "plan.yaml": """\
        metadata:
          title: {en: National Action Plan on WPS, km: ផែនការសកម្មភាពជាតិ}
          short_title: {en: NAP-WPS, km: ផ.ស.ជ}
          version: "0.1"
          date: 2026-11-21
          period: {start: 2026, end: 2030, proposed: {rationale: {en: A working assumption., km: ការសន្មត។}}}
          issuing_ministry: MoWA
          country: {en: Cambodia, km: កម្ពុជា}
        """,
    "frame.yaml": """\
        pillars:
          - id: protection
            number: 1
            name: {en: Protection, km: ការការពារ}
          - id: participation
            number: 2
            name: {en: Participation, km: ការចូលរួម}
        outcomes:
          - id: "1"
            pillar: protection
            text: {en: Outcome one, km: លទ្ធផលទី១}
          - id: "2"
            pillar: participation
            text: {en: Outcome two, km: លទ្ធផលទី២}
        outputs:
          - id: "1.1"
            outcome: "1"
            text: {en: Output one one, km: ធាតុចេញ ១.១}
          - id: "2.1"
            outcome: "2"
            text: {en: Output two one, km: ធាតុចេញ ២.១}
        """,
    "institutions.yaml": """\
        institutions:
          - id: MoWA
            acronym: {en: MoWA, km: ក.ក.ន}
            name: {en: Ministry of Women's Affairs, km: ក្រសួងកិច្ចការនារី}
            kind: government
          - id: MoI
            acronym: {en: MoI, km: ក.ម.ហ}
            name: {en: Ministry of Interior, km: ក្រសួងមហាផ្ទៃ}
            kind: government
            aliases: [Mol]
        themes:
          - id: FP1
            kind: focused_priority
            number: 1
            title: {en: Participation, km: ការចូលរួម}
        """,
    "actions.yaml": """\
        actions:
          - id: PROT_01
            pillar: protection
            outcome: "1"
            asean_outputs: ["1.1"]
            text: {en: Protect survivors., km: ការពារជនរងគ្រោះ។}
            lead: [MoWA]
            lead_provenance: {proposed: {rationale: {en: Proposed by the drafting team.}}}
            themes: [FP1]
            source: {file: seed.txt, line: 1, cited_as: ASEAN RPA-WPS Output 1.1}
          - id: PART_01
            pillar: participation
            outcome: "2"
            asean_outputs: ["2.1"]
            text: {en: Promote leadership., km: លើកកម្ពស់ភាពជាអ្នកដឹកនាំ។}
            lead: [MoI]
            lead_provenance: {decided: {round: round1}}
            source: {file: seed.txt, line: 2, cited_as: ASEAN RPA-WPS Output 2.1}
        """,
}


def write_plan(root: Path, overrides: dict | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in {**TINY, **(overrides or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        elif text is not None:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run_validate(capsys, data: Path, *extra) -> tuple[int, str]:
    code = main(["validate", "--data", str(data), *extra])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    return code, text


@pytest.fixture
def tiny(tmp_path):
    return write_plan(tmp_path / "plan_data")


def test_tiny_plan_is_valid(capsys, tiny):
    code, out = run_validate(capsys, tiny)
    assert code == 0, out
    assert re.search(r"^valid: 0 errors, \d+ warnings", out, re.M)


# --- bad files -----------------------------------------------------------------

BAD_FILES = [
    ("syntax error", b"actions:\n  - id: PROT_09\n    text: {en: [unclosed\n", r"actions\.yaml:\d+:\d+: YAML syntax error"),
    ("tab indentation", b"actions:\n\t- id: PROT_09\n", r"actions\.yaml:2:1: tab character in indentation"),
    ("empty", b"", r"actions\.yaml:1:1: file is empty"),
    ("only comments", b"# nothing yet\n", r"actions\.yaml:1:1: file is empty"),
    ("utf-16", "actions: []\n".encode("utf-16"), r"actions\.yaml:1:1: file is encoded as UTF-16"),
    ("latin-1", "actions:\n  - id: PROT_09\n    text: {en: Caf\u00e9}\n".encode("latin-1"),
     r"actions\.yaml:3:19: file is not valid UTF-8 .*Latin-1"),
    ("binary", bytes(range(256)) * 4, r"actions\.yaml:1: file contains NUL bytes"),
    ("alias bomb", ("a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(8))).encode(),
     r"actions\.yaml:\d+:\d+: document expands to more than"),
    ("two documents", b"actions: []\n---\nactions: []\n", r"actions\.yaml:3:1: file holds several YAML documents"),
    ("not a mapping", b"- PROT_01\n", r"actions\.yaml:1:1: expected a mapping of sections"),
]


@pytest.mark.parametrize("label,content,pattern", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_reported_with_file_and_line(capsys, tmp_path, label, content, pattern):
    data = write_plan(tmp_path / "plan_data", {"actions.yaml": content})
    code, out = run_validate(capsys, data)
    assert code == 1
    assert re.search(pattern, out), out
    assert "INVALID" in out


def test_very_large_file(capsys, tmp_path):
    data = write_plan(tmp_path / "plan_data")
    with open(data / "big.yaml", "wb") as f:
        f.write(b"glossary:\n")
        f.write(b"  - {id: T, en: x}\n" * 400_000)  # ~7 MiB
    code, out = run_validate(capsys, data)
    assert code == 1
    assert re.search(r"big\.yaml: file is \d+\.\d MiB, over the 5 MiB limit", out), out


def test_duplicate_key_names_both_lines(capsys, tmp_path):
    data = write_plan(tmp_path / "plan_data", {"extra.yaml": """\
        glossary:
          - id: GBV
            en: gender-based violence
            en: violence
        """})
    code, out = run_validate(capsys, data)
    assert code == 1
    assert "extra.yaml:4:5: glossary[0].en: duplicate key 'en' (first defined at line 3)" in out


def test_every_problem_is_reported_not_just_the_first(capsys, tmp_path):
    data = write_plan(tmp_path / "plan_data", {
        "broken.yaml": b"glossary: [\n",
        "extra.yaml": """\
        glossary:
          - id: GBV
            en: gender-based violence
            kmm: ការ
          - id: 9bad
            en: x
        """})
    code, out = run_validate(capsys, data)
    assert code == 1
    assert "broken.yaml" in out
    assert re.search(r"extra\.yaml:4:5: glossary\[0\]\.kmm: unknown key 'kmm'\n    hint: did you mean 'km'\?", out), out
    assert re.search(r"extra\.yaml:5:\d+: glossary\[1\]\.id: '9bad' is not a valid ID", out), out
    assert re.search(r"INVALID: 3 errors", out), out


def test_wrong_types_are_located(capsys, tmp_path):
    data = write_plan(tmp_path / "plan_data", {"plan.yaml": TINY["plan.yaml"].replace("date: 2026-11-21", "date: soon")
                                               .replace("start: 2026", "start: twenty")})
    code, out = run_validate(capsys, data)
    assert code == 1
    assert re.search(r"plan\.yaml:5:\d+: metadata\.date: .*\(got 'soon'\)\n    hint: write dates as YYYY-MM-DD", out), out
    assert re.search(r"plan\.yaml:6:\d+: metadata\.period\.start: .*integer", out), out


def test_unknown_section_suggests(capsys, tmp_path):
    data = write_plan(tmp_path / "plan_data", {"extra.yaml": "action:\n  - id: X\n"})
    code, out = run_validate(capsys, data)
    assert code == 1
    assert "extra.yaml:1:1: action: unknown section 'action'\n    hint: did you mean 'actions'?" in out


# --- cross-references -------------------------------------------------------------


def edit_actions(tmp_path, old, new):
    text = textwrap.dedent(TINY["actions.yaml"])
    assert old in text
    return write_plan(tmp_path / "plan_data", {"actions.yaml": text.replace(old, new, 1)})


CROSSREF = [
    ("unknown output", 'asean_outputs: ["1.1"]', 'asean_outputs: ["1.4"]',
     r"actions\.yaml:5:\d+: actions\[0\]\.asean_outputs\[0\]: unknown ASEAN RPA-WPS output '1\.4'\n    hint: valid outputs: 1\.1, 2\.1"),
    ("output of another outcome", 'asean_outputs: ["1.1"]', 'asean_outputs: ["2.1"]',
     r"actions\.yaml:5:\d+: actions\[0\]\.asean_outputs\[0\]: output 2\.1 belongs to strategic outcome 2, not 1"),
    ("outcome of another pillar", 'outcome: "1"', 'outcome: "2"',
     r"actions\.yaml:4:\d+: actions\[0\]\.outcome: strategic outcome 2 belongs to pillar 'participation', not 'protection'"),
    ("unknown institution", "lead: [MoWA]", "lead: [MoWAA]",
     r"actions\.yaml:7:\d+: actions\[0\]\.lead\[0\]: unknown institution 'MoWAA'\n    hint: did you mean 'MoWA'\?"),
    ("unknown theme", "themes: [FP1]", "themes: [FP9]", r"actions\.yaml:9:\d+: actions\[0\]\.themes\[0\]: unknown theme 'FP9'"),
    ("duplicate id", "id: PART_01", "id: PROT_01",
     r"actions\.yaml:11:\d+: actions\[1\]\.id: duplicate ID 'PROT_01' \(first defined at .*actions\.yaml:2\)"),
    ("citation disagrees", "cited_as: ASEAN RPA-WPS Output 1.1", "cited_as: ASEAN RPA-WPS Output 1.2",
     r"actions\[0\]\.asean_outputs: outputs 1\.1 differ from the source's citation"),
]


@pytest.mark.parametrize("label,old,new,pattern", CROSSREF, ids=[c[0] for c in CROSSREF])
def test_crossref_errors(capsys, tmp_path, label, old, new, pattern):
    code, out = run_validate(capsys, edit_actions(tmp_path, old, new))
    assert code == 1, out
    assert re.search(pattern, out), out


def test_alias_and_typo_citation_are_warnings(capsys, tmp_path):
    data = edit_actions(tmp_path, "lead: [MoI]", "lead: [Mol]")
    text = (data / "actions.yaml").read_text().replace("cited_as: ASEAN RPA-WPS Output 1.1", "cited_as: ASEAN RPAWPS Output 1.1")
    (data / "actions.yaml").write_text(text)
    code, out = run_validate(capsys, data)
    assert code == 0, out
    assert re.search(r"actions\[1\]\.lead\[0\]: warning: 'Mol' is another spelling of institution 'MoI'\n    hint: write 'MoI'", out)
    assert re.search(r"actions\[0\]\.source\.cited_as: warning: source citation 'ASEAN RPAWPS Output 1\.1' is mistyped", out)


def test_uncovered_output_is_a_warning(capsys, tmp_path):
    data = write_plan(tmp_path / "plan_data")
    (data / "actions.yaml").write_text(textwrap.dedent(TINY["actions.yaml"]).split("  - id: PART_01")[0])
    code, out = run_validate(capsys, data)
    assert code == 0
    assert re.search(r"frame\.yaml:\d+:\d+: outputs\[1\]\.id: warning: ASEAN RPA-WPS output 2\.1 has no action", out), out


def test_khmer_missing_warns_and_strict_fails(capsys, tmp_path):
    data = edit_actions(tmp_path, "text: {en: Protect survivors., km: ការពារជនរងគ្រោះ។}", "text: {en: Protect survivors.}")
    code, out = run_validate(capsys, data)
    assert code == 0
    assert re.search(r"actions\.yaml:6:\d+: actions\[0\]\.text: warning: Khmer text missing", out), out
    assert re.search(r"warning: \d+ Khmer text\(s\) are draft translations", out)
    code, out = run_validate(capsys, data, "--strict")
    assert code == 1
    assert re.search(r"actions\.yaml:6:\d+: actions\[0\]\.text: Khmer text missing", out)
    assert re.search(r"actions\[1\]\.text\.km: Khmer text is a draft translation", out)


def test_dates_and_periods(capsys, tmp_path):
    data = edit_actions(tmp_path, "lead: [MoI]", "lead: [MoI]\n    timeframe: {start: 2031, end: 2029}")
    code, out = run_validate(capsys, data)
    assert code == 1
    assert "actions[1].timeframe: timeframe ends (2029) before it starts (2031)" in out
    data = write_plan(tmp_path / "p2", {"plan.yaml": TINY["plan.yaml"].replace("{start: 2026, end: 2030,", "{start: 2030, end: 2026,")})
    code, out = run_validate(capsys, data)
    assert code == 1
    assert "metadata.period: plan period ends (2026) before it starts (2030)" in out


INDICATOR = """
    indicators:
      - id: PART_01_I1
        proposed: {rationale: {en: Proposed by the drafting team.}}
        text: {en: Share of women police, km: ភាគរយនគរបាលស្ត្រី}
        baseline:
          value: 21.4
          unit: percent
          year: 2024
          counts: {total: 100, female: 30, male: 60%s}
          source: {file: seed.txt, line: 3}
          alternatives:
            - {value: 21.2, unit: percent, source: {file: seed.txt, line: 4}}%s
        target: {value: 25, unit: percent, year: 2030, source: {file: seed.txt, line: 5}}"""


def test_counts_must_add_up_unless_acknowledged(capsys, tmp_path):
    data = edit_actions(tmp_path, "lead: [MoI]", "lead: [MoI]" + INDICATOR % ("", ""))
    code, out = run_validate(capsys, data)
    assert code == 1
    assert re.search(r"actions\[1\]\.indicators\[0\]\.baseline\.counts: figures do not add up: female 30 \+ male 60 = 90, but total is 100", out), out
    assert re.search(r"actions\[1\]\.indicators\[0\]\.baseline: sources disagree \(21\.4 vs 21\.2 \(seed\.txt:4\)\)", out), out
    data = edit_actions(tmp_path / "ok", "lead: [MoI]", "lead: [MoI]" + INDICATOR % (
        ", discrepancy_note: as printed in the source", "\n          retained_because: the later source"))
    code, out = run_validate(capsys, data)
    assert code == 0, out
    assert "warning: figures do not add up" in out and "warning: sources disagree" in out


# --- export -----------------------------------------------------------------------


def test_export_json(capsys, tiny):
    assert main(["export", "json", "--data", str(tiny)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in data["actions"]] == ["PROT_01", "PART_01"]
    assert data["actions"][0]["asean_outputs"] == ["1.1"]
    assert data["actions"][0]["text"]["km"] == "ការពារជនរងគ្រោះ។"
    assert {o["id"]: o["pillar"] for o in data["asean_outputs"]} == {"1.1": "protection", "2.1": "participation"}
    assert data["metadata"]["version"] == "0.1"


def test_export_refuses_invalid_data(capsys, tmp_path):
    data = edit_actions(tmp_path, "lead: [MoWA]", "lead: [Nobody]")
    assert main(["export", "json", "--data", str(data)]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert "unknown institution 'Nobody'" in out.err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--bogus"])
    assert exc.value.code == 2


def test_missing_data_folder(capsys, tmp_path):
    code, out = run_validate(capsys, tmp_path / "nowhere")
    assert code == 1
    assert "plan data folder not found" in out
