"""docgen build: registry, atomic output, determinism, errors as diagnostics."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from docgen import build as B
from docgen import documents as D
from docgen.cli import main
from docgen.diagnostics import DocgenError

MINI = Path(__file__).resolve().parent / "fixtures" / "mini_plan"
SIX = sorted(f"NAP-WPS_0.1_{lang}.{ext}" for lang in ("en", "km", "en-km") for ext in ("docx", "pdf"))


class FakeBackends:
    """Backends that write the Markdown and meta they got, and can fail on demand."""

    def __init__(self, fail_on: str = ""):
        self.fail_on = fail_on
        self.calls = []

    def writer(self, fmt):
        def write(markdown, out_path, meta, resource_dir=None):
            self.calls.append((fmt, Path(out_path).name, meta))
            if self.fail_on and self.fail_on == Path(out_path).name:
                raise DocgenError(f"simulated {fmt} failure")
            Path(out_path).write_text(f"{fmt}|{meta.lang}|{meta.header_text}\n{markdown}", encoding="utf-8")
        return write


@pytest.fixture
def fake(monkeypatch):
    backends = FakeBackends()
    monkeypatch.setattr(B, "_backend", backends.writer)
    monkeypatch.setattr(B, "PARALLEL", "threads")  # the fakes live in this process
    return backends


def args(out, **kw):
    base = dict(data=MINI, doc=["nap"], lang=["en", "km", "en-km"], format=["docx", "pdf"], out=out,
                carry_comments=False, force=False, quiet=False, verbose=False)
    base.update(kw)
    return SimpleNamespace(**base)


def test_build_writes_the_six_files_with_localised_meta(fake, tmp_path, capsys):
    assert B.run(args(tmp_path / "build")) == 0
    out = tmp_path / "build" / "0.1"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == SIX
    lines = capsys.readouterr().out.splitlines()
    # one line per file as it is finished, with its time, then the summary
    assert sorted(re.sub(r"^\[\d/6\] (\S+)  \d+\.\d\d s$", r"\1", line) for line in lines[:-1]) == SIX
    assert re.fullmatch(rf"built 6 files into {re.escape(str(out))} in \d+\.\d s", lines[-1])
    km = (out / "NAP-WPS_0.1_km.pdf").read_text(encoding="utf-8")
    assert km.startswith("pdf|km|សេចក្ដីព្រាង v0.1 - ថ្ងៃទី២១ ខែវិច្ឆិកា ឆ្នាំ២០២៦\n")
    assert "::: {#PROT_01 .action}" in km
    meta = {name: m for _, name, m in fake.calls}
    assert meta["NAP-WPS_0.1_en.docx"].header_text == "DRAFT v0.1 - 21 November 2026"
    assert meta["NAP-WPS_0.1_en.docx"].title == "National Action Plan on Women, Peace and Security"
    assert meta["NAP-WPS_0.1_km.docx"].title == "ផែនការសកម្មភាពជាតិស្ដីពីស្ត្រី សន្តិភាព និងសន្តិសុខ"
    assert meta["NAP-WPS_0.1_km.docx"].labels["contents"] == "មាតិកា"
    assert meta["NAP-WPS_0.1_en-km.docx"].title.startswith("National Action Plan on Women, Peace and Security / ផែនការ")
    assert meta["NAP-WPS_0.1_en.docx"].author == "Ministry of Women's Affairs"
    # deterministic: files carry the plan's date, and a rebuild gives identical bytes
    stamp = dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc).timestamp()
    assert all((out / n).stat().st_mtime == stamp for n in SIX)
    before = {n: (out / n).read_bytes() for n in SIX}
    B.run(args(tmp_path / "build", force=True))
    assert before == {n: (out / n).read_bytes() for n in SIX}
    # no temp folder left (the lock file stays: it is only a name to lock; .cache is the build cache)
    assert sorted(p.name for p in (tmp_path / "build").iterdir() if p.name != ".cache") == [".0.1.lock", "0.1"]


def test_failed_build_leaves_previous_files_intact(fake, tmp_path, monkeypatch):
    root = tmp_path / "build"
    other = root / "0.0"
    other.mkdir(parents=True)
    (other / "NAP-WPS_0.0_en.docx").write_text("old version")
    B.run(args(root))
    previous = {p.name: p.read_bytes() for p in (root / "0.1").iterdir()}

    failing = FakeBackends(fail_on="NAP-WPS_0.1_km.pdf")
    monkeypatch.setattr(B, "_backend", failing.writer)
    # the data changed since: a successful build would change every file
    data = tmp_path / "plan"
    shutil.copytree(MINI, data)
    meta = data / "metadata.yaml"
    meta.write_text(meta.read_text().replace("Mini fixture plan", "Changed plan"))
    with pytest.raises(DocgenError) as exc:
        B.run(args(root, data=data))
    assert "NAP-WPS_0.1_km.pdf" in str(exc.value) and "simulated pdf failure" in str(exc.value)
    assert {p.name: p.read_bytes() for p in (root / "0.1").iterdir()} == previous
    assert (other / "NAP-WPS_0.0_en.docx").read_text() == "old version"
    assert sorted(p.name for p in root.iterdir()) == [".0.1.lock", "0.0", "0.1"]  # temp folder removed


def test_subset_build_replaces_only_its_files(fake, tmp_path):
    root = tmp_path / "build"
    B.run(args(root))
    B.run(args(root, lang=["km"], format=["pdf"], force=True))
    assert sorted(p.name for p in (root / "0.1").iterdir() if not p.name.startswith(".")) == SIX
    assert [name for _, name, _ in fake.calls[-1:]] == ["NAP-WPS_0.1_km.pdf"]


def test_an_unknown_document_is_a_diagnostic(fake, tmp_path, capsys):
    with pytest.raises(DocgenError, match="unknown document 'budget'") as exc:
        B.build(MINI, ["nap", "budget"], ["en"], ["docx"], tmp_path / "b", log=lambda *_: None)
    assert "nap, tor, consultations" in exc.value.diagnostics[0].hint
    assert not (tmp_path / "b" / "0.1").exists() and fake.calls == []


def test_a_new_document_type_is_one_registry_entry(fake, tmp_path, monkeypatch):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "extra.md.j2").write_text("# {{ doc_title }} {#DOC_x}\n\n{{ item }}\n", encoding="utf-8")
    from docgen.markdown import render as R
    monkeypatch.setattr(R, "_ENV", R.make_env([tpl, R.TEMPLATES]))

    def context(plan, lang, record):
        from docgen.context import common_context
        return {**common_context(plan, lang), "doc_title": "Record *" + record + "*", "item": record}

    doc = D.Document(stem="Extra-{item}", template="extra.md.j2", context=context, kind="consultation",
                     each=lambda plan: [(a.id, a.id) for a in plan.actions])
    monkeypatch.setitem(D.DOCUMENTS, "consultations", (doc,))
    files = B.build(MINI, ["consultations"], ["en"], ["docx"], tmp_path / "b", log=lambda *_: None)
    assert sorted(f.name for f in files) == ["Extra-PART_01_0.1_en.docx", "Extra-PROT_01_0.1_en.docx",
                                             "Extra-PROT_02_0.1_en.docx"]
    assert "# Record \\*PROT\\_01\\* {#DOC_x}" in (tmp_path / "b" / "0.1" / "Extra-PROT_01_0.1_en.docx").read_text()


def test_bad_plan_data_is_a_diagnostic_not_a_traceback(tmp_path, capsys):
    data = tmp_path / "plan"
    shutil.copytree(MINI, data)
    p = data / "actions" / "protection.yaml"
    p.write_text(p.read_text().replace("lead: [MoWA]", "lead: [NoSuchMinistry]"))
    rc = main(["build", "--data", str(data), "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err
    assert re.search(r"protection\.yaml:\d+:\d+: actions\[0\]\.lead\[0\]: unknown institution 'NoSuchMinistry'", err)
    assert not (tmp_path / "b" / "0.1").exists()


def test_missing_backend_is_reported(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(B.BACKENDS, "pdf", ("docgen.no_such_backend", "write_pdf"))
    rc = main(["build", "--data", str(MINI), "--out", str(tmp_path / "b"), "--format", "pdf"])
    assert rc == 1
    assert "the PDF backend (docgen.no_such_backend.write_pdf) is not available" in capsys.readouterr().err


# --- with the real backends ---------------------------------------------------------------


def _real_formats():
    formats = []
    for fmt in B.FORMATS:
        try:
            B._backend(fmt)
            formats.append(fmt)
        except DocgenError:
            pass
    return formats


@pytest.mark.slow
def test_real_build_has_a_bookmark_per_action(tmp_path):
    formats = _real_formats()
    if "docx" not in formats:
        pytest.skip("DOCX backend not available")
    files = B.build(MINI, ["nap"], ["en", "km", "en-km"], formats, tmp_path / "b", log=lambda *_: None)
    assert len(files) == 3 * len(formats)
    for f in files:
        if f.suffix == ".docx":
            xml = zipfile.ZipFile(f).read("word/document.xml").decode("utf-8")
            names = set(re.findall(r'w:bookmarkStart [^>]*w:name="([^"]+)"', xml))
            assert {"PROT_01", "PROT_02", "PART_01", "PROT_01_I1", "OUT_2_2"} <= names, f.name
        else:
            assert f.read_bytes().startswith(b"%PDF")


def test_unwritable_output_folder_is_a_clear_error(capsys, tmp_path):
    from docgen.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    rc = main(["build", "--doc", "nap", "--lang", "en", "--format", "docx", "--out", str(blocker / "build")])
    err = capsys.readouterr().err
    assert rc == 1 and "cannot write the build folder" in err and "Traceback" not in err and "internal error" not in err
