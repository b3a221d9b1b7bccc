"""Every bad YAML value is a diagnostic at its line, one per mistake, never a crash."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from docgen.cli import main

MINI = Path(__file__).parent / "fixtures" / "mini_plan"


@pytest.fixture
def data(tmp_path) -> Path:
    dest = tmp_path / "plan_data"
    shutil.copytree(MINI, dest)
    return dest


def validate(capsys, data: Path) -> tuple[int, list[str]]:
    rc = main(["validate", "--data", str(data)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text and "internal error" not in text, text
    errors = [l for l in text.splitlines() if re.match(r"^\S.*:\d+:\d+: ", l) and ": warning: " not in l]
    return rc, errors


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BAD_VALUES = [
    # (file, old, new, expected single error: regex)
    ("metadata.yaml", "date: 2026-11-21", "date: 2026-02-30",
     r"metadata\.yaml:10:9: metadata\.date: '2026-02-30' is not a real date \(day is out of range for month\)"),
    ("metadata.yaml", "date: 2026-11-21", "date: 2026-13-45",
     r"metadata\.yaml:10:9: metadata\.date: '2026-13-45' is not a real date \(month must be in 1\.\.12\)"),
    ("actions/protection.yaml", "line: 200,", "line: " + "9" * 5000 + ",",
     r"protection\.yaml:18:44: actions\[0\]\.indicators\[0\]\.baseline\.source\.line: a number of 5000 characters "
     r"is too long to be read"),
    ("actions/protection.yaml", "line: 210,", "line: 19:13,",
     r"protection\.yaml:21:38: actions\[0\]\.source\.line: '19:13' is read as the base-60 number 1153"),
    ("actions/protection.yaml", "km: ពង្រឹង", "km: !!binary aGVsbG8= #",
     r"protection\.yaml:8:11: actions\[0\]\.text\.km: YAML tag '!!binary' is not allowed in plan data"),
    ("actions/protection.yaml", "partners: [MoI, CSO]", "partners: !!set {MoI, CSO}",
     r"protection\.yaml:10:15: actions\[0\]\.partners: YAML tag '!!set' is not allowed in plan data"),
    ("actions/protection.yaml", "lead: [MoWA]", "lead: !inst [MoWA]",
     r"protection\.yaml:9:11: actions\[0\]\.lead: YAML tag '!inst' is not allowed in plan data"),
    ("actions/protection.yaml", "en: Review laws on protection of women in emergencies.", "en: '   '",
     r"protection\.yaml:27:11: actions\[1\]\.text\.en: blank text \(only spaces\)"),
    ("actions/protection.yaml", "  - id: PROT_02\n", "  - id: PROT_02\n    <<: 12\n",
     r"protection\.yaml:23:9: actions\[1\]\.<<: a merge key '<<' must be followed by a mapping"),
]


@pytest.mark.parametrize("case", BAD_VALUES, ids=[c[2][:20] for c in BAD_VALUES])
def test_bad_value_is_one_diagnostic_at_its_line(capsys, data, case):
    file, old, new, expected = case
    edit(data / file, old, new)
    # the line the bad value is on in this copy of the fixture (the pattern's line/col are an example)
    last = new.strip().splitlines()[-1]
    marker = last.strip() if "<<" in last else last.split(": ", 1)[-1][:12]
    line = next(n for n, l in enumerate((data / file).read_text(encoding="utf-8").splitlines(), 1) if marker in l)
    expected = re.sub(r"yaml:\d+:\d+:", f"yaml:{line}:\\\\d+:", expected, count=1)
    rc, errors = validate(capsys, data)
    assert rc == 1
    assert len(errors) == 1, errors
    assert re.search(expected, errors[0]), (expected, errors[0])


def test_several_bad_values_in_one_file_are_all_reported(capsys, data):
    path = data / "actions" / "protection.yaml"
    edit(path, "line: 210,", "line: 19:13,")
    edit(path, "en: Review laws on protection of women in emergencies.", "en: '   '")
    edit(path, "year: 2023", "year: !!binary MjAyMw==")
    rc, errors = validate(capsys, data)
    assert rc == 1 and len(errors) == 3, errors
    lines = path.read_text(encoding="utf-8").splitlines()
    want = [next(n for n, l in enumerate(lines, 1) if m in l) for m in ("line: 19:13", "en: '   '", "!!binary MjAyMw==")]
    assert [int(e.split(":")[1]) for e in errors] == want


def test_merge_keys_are_supported(capsys, data):
    path = data / "actions" / "protection.yaml"
    edit(path, "  - id: PROT_01\n    pillar: protection\n    outcome: \"1\"\n",
         "  - &prot_defaults\n    id: PROT_01\n    pillar: protection\n    outcome: \"1\"\n")
    # PROT_02 takes pillar and outcome from PROT_01 and overrides the rest (no duplicate-key report)
    edit(path, "  - id: PROT_02\n    pillar: protection\n    outcome: \"1\"\n",
         "  - <<: *prot_defaults\n    id: PROT_02\n")
    text = path.read_text(encoding="utf-8")
    edit(path, text[text.index("  - <<: *prot_defaults"):], text[text.index("  - <<: *prot_defaults"):]
         .replace("    asean_outputs: [\"1.2\", \"1.1\"]\n", "    asean_outputs: [\"1.2\", \"1.1\"]\n    themes: []\n"))
    rc, errors = validate(capsys, data)
    assert rc == 0 and errors == [], errors
    from docgen.validate import load_plan

    plan, _ = load_plan(data)
    p2 = plan.action["PROT_02"]
    assert (p2.pillar, p2.outcome, p2.text.en) == ("protection", "1", "Review laws on protection of women in emergencies.")


def test_tab_inside_a_block_scalar_is_text(capsys, data):
    edit(data / "actions" / "protection.yaml", "      en: Review laws on protection of women in emergencies.\n",
         "      en: |\n        Review laws on protection of women\n        \tin emergencies.\n")
    rc, errors = validate(capsys, data)
    assert rc == 0, errors
    from docgen.validate import load_plan

    plan, _ = load_plan(data)
    assert plan.action["PROT_02"].text.en == "Review laws on protection of women\n\tin emergencies.\n"


def test_tab_as_indentation_is_still_an_error(capsys, data):
    edit(data / "actions" / "protection.yaml", "    lead: [MoI]\n", "\tlead: [MoI]\n")
    rc, errors = validate(capsys, data)
    assert rc == 1 and any("tab character in indentation" in e for e in errors), errors


def test_missing_field_gives_no_follow_on_unknown_reference(capsys, data):
    """One mistake, one message: not also "unknown action 'PROT_01', did you mean ...?" elsewhere."""
    edit(data / "actions" / "protection.yaml", "    pillar: protection\n    outcome: \"1\"\n    asean_outputs: [\"1.1\"]\n",
         "    outcome: \"1\"\n    asean_outputs: [\"1.1\"]\n")
    rc, errors = validate(capsys, data)
    assert rc == 1
    assert len(errors) == 1, errors
    assert "actions[0].pillar" in errors[0] and "PROT_01" not in errors[0].split(": ", 1)[1].replace("actions[0]", "")


def test_missing_field_in_the_real_plan_gives_one_message(capsys, plan_copy):
    """The bundled plan links PROT_01 from a consultation record: its missing pillar is the only message."""
    path = plan_copy / "actions" / "protection.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: PROT_01\n")
    edit(path, text[start:start + 200], text[start:start + 200].replace("    pillar: protection\n", "", 1))
    rc, errors = validate(capsys, plan_copy)
    assert rc == 1
    assert len(errors) == 1, errors
    assert "pillar" in errors[0] and "unknown" not in errors[0]


HOSTILE_VALUES = ["2026-02-30", "2026-13-45", "9" * 5000, "19:13", "1:2:3.5", "!!binary aGk=",
                  "!!python/object:os.system ls", "!!set {a, b}", "!!omap [a: 1]", "'   '", "*undefined", "&a [*a]",
                  ".inf", "1e999", "~", "[]", "{}", "!!timestamp 2026-02-30", "!!float abc", "!!int 12.5",
                  "2026-02-30T25:61:00", "!foo bar", "|\n        \tx", "yes", "0x1F", "!!bool maybe", "{<<: 3}",
                  "!<tag:yaml.org,2002:binary> aGk=", "'\\u0000'"]


def test_hostile_values_never_crash_and_always_point_at_a_line(capsys, data):
    spots = [("metadata.yaml", "date: 2026-11-21", "date: {}"), ("actions/protection.yaml", "line: 210,", "line: {},"),
             ("actions/protection.yaml", "      en: Review laws on protection of women in emergencies.", "      en: {}")]
    pristine = {f: (data / f).read_text(encoding="utf-8") for f, _, _ in spots}
    failures = []
    for value in HOSTILE_VALUES:
        for f, old, new in spots:
            (data / f).write_text(pristine[f].replace(old, new.format(value), 1), encoding="utf-8")
            rc, errors = validate(capsys, data)
            if rc == 1 and not errors:
                failures.append((value[:20], f))
            (data / f).write_text(pristine[f], encoding="utf-8")
    total = len(HOSTILE_VALUES) * len(spots)
    assert failures == [], f"{total - len(failures)} of {total} reported at a line: {failures}"
