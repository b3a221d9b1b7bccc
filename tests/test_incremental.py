"""Incremental builds: only the files whose inputs changed are made again (real backends)."""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest

from docgen import build as B
from docgen import buildcache, documents, validate
from docgen.cli import main

MINI = Path(__file__).resolve().parent / "fixtures" / "mini_plan"
LINE = re.compile(r"^\[\s*\d+/\d+\] (\S+)  \d+\.\d\d s$")

pytestmark = pytest.mark.slow


def _build(data: Path, out: Path, capsys, *extra: str) -> tuple[list[str], str]:
    """Run ``docgen build`` on every document; returns the files it reported built, and stdout."""
    capsys.readouterr()
    assert main(["build", "--data", str(data), "--out", str(out), *extra]) == 0
    text = capsys.readouterr().out
    return sorted(m.group(1) for line in text.splitlines() if (m := LINE.match(line))), text


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def _inodes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in folder.iterdir() if not p.name.startswith(".")}


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """The mini plan and its first `docgen build`, made once for the module: (data, out)."""
    root = tmp_path_factory.mktemp("incremental")
    data, out = root / "plan", root / "build"
    shutil.copytree(MINI, data)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
        assert main(["build", "--data", str(data), "--out", str(out)]) == 0
    names = [m.group(1) for line in printed.getvalue().splitlines() if (m := LINE.match(line))]
    assert len(names) == 18  # NAP, ToR, consultation summary: 3 languages x 2 formats
    return data, out


@pytest.fixture
def data(tmp_path, first_build):
    """A copy of the mini plan, the test's to change."""
    dest = tmp_path / "plan"
    shutil.copytree(first_build[0], dest)
    return dest


@pytest.fixture
def built(data, tmp_path, first_build):
    """A copy of the first build's folder (manifest and cache included, modification times
    kept: to the next build it is the folder a build of ``data`` left)."""
    out = tmp_path / "build"
    shutil.copytree(first_build[1], out)
    return out


def test_a_build_with_nothing_changed_rebuilds_nothing(data, built, capsys, monkeypatch):
    folder = built / "0.1"
    before, inodes = _files(folder), _inodes(folder)
    calls = []
    monkeypatch.setattr(documents, "render", lambda *a: calls.append(a) or "")
    monkeypatch.setattr(validate, "require_plan", lambda *a: calls.append(a))
    names, text = _build(data, built, capsys)
    assert names == [] and calls == []  # answered from the manifest: the plan not even loaded
    assert text.strip() == f"nothing changed: 18 files in {folder} up to date"
    assert _files(folder) == before and _inodes(folder) == inodes


def test_one_action_edited_rebuilds_exactly_the_files_whose_bytes_change(data, built, tmp_path, capsys):
    folder = built / "0.1"
    before, inodes = _files(folder), _inodes(folder)
    actions = data / "actions" / "protection.yaml"
    text = actions.read_text(encoding="utf-8")
    old = "en: Strengthen one-stop service centres"
    assert text.count(old) == 1
    edited = text.replace(old, "en: Strengthen and fund one-stop service centres")
    actions.write_text(edited, encoding="utf-8")

    rebuilt, summary = _build(data, built, capsys)
    # a full build of the edited data, for comparison
    full = tmp_path / "full"
    _build(data, full, capsys, "--force")
    expected = _files(full / "0.1")
    changed = sorted(n for n in expected if expected[n] != before[n])
    assert changed, "the edit shows in no document"
    assert rebuilt == changed
    assert _files(folder) == expected  # the incremental result is the full build, byte for byte
    kept = set(before) - set(changed)
    assert all(_inodes(folder)[n] == inodes[n] for n in kept)  # kept files were not even rewritten
    assert f"; {len(kept)} up to date, skipped" in summary.splitlines()[-1]
    # the NAP in English shows the action; the Khmer NAP (it has the Khmer text) does not change
    assert "NAP-WPS_0.1_en.docx" in changed and "NAP-WPS_0.1_km.docx" not in changed


def test_force_rebuilds_everything(data, built, capsys):
    names, _ = _build(data, built, capsys, "--force")
    assert len(names) == 18


def test_a_deleted_or_replaced_output_is_rebuilt(data, built, capsys):
    folder = built / "0.1"
    good = (folder / "ToR_0.1_en.pdf").read_bytes()
    (folder / "ToR_0.1_en.pdf").unlink()
    (folder / "NAP-WPS_0.1_km.docx").write_bytes(b"saved over in Word")
    names, _ = _build(data, built, capsys)
    assert names == ["NAP-WPS_0.1_km.docx", "ToR_0.1_en.pdf"]
    assert (folder / "ToR_0.1_en.pdf").read_bytes() == good


def test_a_style_change_rebuilds_everything(data, built, capsys, monkeypatch, tmp_path):
    package = tmp_path / "package"
    shutil.copytree(Path(buildcache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    style = package / "style" / "style.yaml"
    style.write_text(style.read_text(encoding="utf-8") + "\n# a new colour\n", encoding="utf-8")
    monkeypatch.setattr(buildcache, "_PACKAGE", package)
    buildcache._code_digest.cache_clear()
    try:
        names, _ = _build(data, built, capsys)
    finally:
        buildcache._code_digest.cache_clear()
    assert len(names) == 18


def test_a_released_version_stays_frozen(data, built, capsys, monkeypatch):
    assert main(["release", "--data", str(data), "--out", str(built)]) == 0
    folder = built / "0.1"
    tree = {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}
    monkeypatch.setattr(documents, "render", lambda *a: pytest.fail("a released version was rendered"))
    names, text = _build(data, built, capsys, "--force")
    assert names == [] and "version 0.1 is released: its 18 files stay as released" in text
    assert tree == {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in folder.rglob("*") if p.is_file()}


def test_quiet_and_verbose(data, built, capsys):
    capsys.readouterr()
    assert main(["build", "--data", str(data), "--out", str(built), "-q", "--force", "--doc", "tor"]) == 0
    assert capsys.readouterr().out == ""
    (built / "0.1" / "ToR_0.1_km.pdf").unlink()
    assert main(["build", "--data", str(data), "--out", str(built), "-v", "--doc", "tor"]) == 0
    cap = capsys.readouterr()
    assert "ToR_0.1_km.pdf" in cap.out and "up to date: ToR_0.1_en.pdf" in cap.err


def test_worker_processes_and_threads_write_the_same_bytes(data, built, tmp_path, monkeypatch):
    monkeypatch.setattr(B, "PARALLEL", "threads")
    B.build(data, ["nap", "tor", "consultations"], ["en", "km", "en-km"], ["docx", "pdf"], tmp_path / "threads",
            log=lambda *_: None)
    assert _files(tmp_path / "threads" / "0.1") == _files(built / "0.1")


def test_a_failing_conversion_in_a_worker_is_reported_with_its_file(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(B.BACKENDS, "pdf", ("_failing_backend", "write_pdf"))
    out = tmp_path / "b"
    assert main(["build", "--data", str(data), "--out", str(out), "--doc", "nap", "--lang", "en,km"]) == 1
    err = capsys.readouterr().err
    assert "NAP-WPS_0.1_en.pdf: the PDF could not be written (in a worker;" in err
    assert "NAP-WPS_0.1_km.pdf: PDF backend failed: ZeroDivisionError" in err
    assert "Traceback" not in err and not (out / "0.1").exists()


def test_workers_see_the_callers_environment(data, tmp_path, monkeypatch):
    monkeypatch.setitem(B.BACKENDS, "pdf", ("_failing_backend", "write_pdf"))
    monkeypatch.setenv("DOCGEN_TEST_MARK", "seen")
    monkeypatch.setattr(B, "PARALLEL", "processes")
    with pytest.raises(B.DocgenError) as exc:
        B.build(data, ["nap"], ["en"], ["pdf"], tmp_path / "b", log=lambda *_: None)
    assert "DOCGEN_TEST_MARK=seen" in str(exc.value)


def _worker_pids(data, out, monkeypatch) -> list[str]:
    """The process each PDF was written in."""
    monkeypatch.setitem(B.BACKENDS, "pdf", ("_pid_backend", "write_pdf"))
    monkeypatch.setattr(B, "PARALLEL", "processes")
    paths = B.build(data, list(documents.DOCUMENTS), ["en", "km", "en-km"], ["pdf"], out, log=lambda *_: None)
    return [p.read_text() for p in paths]


def test_workers_serve_the_build_unless_its_documents_are_large(data, tmp_path, monkeypatch):
    pids = _worker_pids(data, tmp_path / "small", monkeypatch)
    assert len(pids) >= 6 and len(set(pids)) <= min(len(pids), os.cpu_count() or 2)  # the workers serve all
    # large documents: each job in a fresh worker, whose memory (Typst's caches) goes back after it
    monkeypatch.setattr(B, "LARGE_MARKDOWN", 0)
    pids = _worker_pids(data, tmp_path / "large", monkeypatch)
    assert len(set(pids)) == len(pids) >= 6
