"""A version folder is replaced as a whole, by one command at a time, and a released one never."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from docgen import build as B
from docgen.cli import main
from docgen.versionfolder import swap_in, unreplaceable, version_lock

MINI = Path(__file__).resolve().parent / "fixtures" / "mini_plan"
FIX = Path(__file__).resolve().parent / "fixtures" / "versions"


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _edit(data: Path) -> None:
    meta = data / "metadata.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("Mini fixture plan", "Changed plan"), encoding="utf-8")


@pytest.fixture
def data(tmp_path):
    dest = tmp_path / "plan"
    shutil.copytree(MINI, dest)
    return dest


def _chattr(flag: str, path: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


@pytest.mark.slow
def test_a_file_that_cannot_be_replaced_stops_the_build_before_the_swap(data, tmp_path, capsys):
    out = tmp_path / "build"
    assert main(["build", "--data", str(data), "--out", str(out), "--doc", "nap"]) == 0
    folder = out / "0.1"
    before = _tree(folder)
    held = folder / "NAP-WPS_0.1_km.docx"
    if not _chattr("+i", held):
        pytest.skip("needs root and chattr on a file system with the immutable flag")
    try:
        _edit(data)  # every file would change
        capsys.readouterr()
        assert main(["build", "--data", str(data), "--out", str(out), "--doc", "nap"]) == 1
        err = capsys.readouterr().err
        assert "NAP-WPS_0.1_km.docx" in err and "close it in Word and build again" in err
        assert "Traceback" not in err and "internal error" not in err
        assert _tree(folder) == before  # the previous drafts, all of them, untouched
        # no temp folder left (.cache is the build cache, kept between builds)
        assert sorted(p.name for p in out.iterdir() if p.name != ".cache") == [".0.1.lock", "0.1"]
    finally:
        _chattr("-i", held)
    assert main(["build", "--data", str(data), "--out", str(out), "--doc", "nap"]) == 0
    assert _tree(folder) != before


def test_unreplaceable_probe_does_not_change_the_file(tmp_path):
    f = tmp_path / "a.docx"
    f.write_bytes(b"draft")
    os.utime(f, (1_000_000, 1_000_000))
    assert unreplaceable(tmp_path) == []
    assert f.read_bytes() == b"draft" and f.stat().st_mtime == 1_000_000


def test_the_swap_leaves_the_old_files_or_the_new_never_a_mix(tmp_path):
    final, new = tmp_path / "0.1", tmp_path / ".0.1.tmp-x"
    final.mkdir()
    new.mkdir()
    (final / "a").write_text("old a")
    (final / "b").write_text("old b")
    (new / "a").write_text("new a")
    (new / "b").write_text("new b")
    old = swap_in(new, final)
    assert (final / "a").read_text() == "new a" and (final / "b").read_text() == "new b"
    assert (old / "a").read_text() == "old a"


def test_stale_temp_folders_of_killed_builds_are_removed(data, tmp_path, monkeypatch):
    out = tmp_path / "build"
    stale = out / ".0.1.tmp-k1ll3d"
    (stale / "files").mkdir(parents=True)
    (stale / "files" / "NAP-WPS_0.1_en.docx").write_text("half")
    (out / ".0.1.old-abc").mkdir()
    other = out / ".0.2.tmp-busy"  # another version's build: not ours to remove
    other.mkdir()
    monkeypatch.setattr(B, "PARALLEL", "threads")
    monkeypatch.setattr(B, "_backend", lambda fmt: lambda md, path, meta, resource_dir=None: Path(path).write_text(md))
    B.build(data, ["nap"], ["en"], ["docx"], out, log=lambda *_: None)
    assert sorted(p.name for p in out.iterdir()) == [".0.1.lock", ".0.2.tmp-busy", "0.1"]


@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_folder_and_the_next_build_cleans_up(data, tmp_path):
    out = tmp_path / "build"
    cmd = [sys.executable, "-m", "docgen.cli", "build", "--data", str(data), "--out", str(out)]
    subprocess.run(cmd + ["--doc", "nap"], check=True, capture_output=True)
    before = _tree(out / "0.1")
    _edit(data)
    proc = subprocess.Popen(cmd + ["--force"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline().startswith("[")  # killed once the first file is done
    proc.kill()
    proc.wait()
    assert _tree(out / "0.1") == before
    assert any(p.name.startswith(".0.1.tmp-") for p in out.iterdir())
    subprocess.run(cmd + ["--doc", "nap"], check=True, capture_output=True)
    assert not any(p.name.startswith(".0.1.tmp-") for p in out.iterdir())


def test_concurrent_commands_on_one_version_wait_for_each_other(data, tmp_path):
    out = tmp_path / "build"
    events = []
    with version_lock(out, "0.1", "release"):
        proc = subprocess.Popen([sys.executable, "-m", "docgen.cli", "build", "--data", str(data), "--out", str(out),
                                 "--doc", "tor", "--lang", "en", "--format", "docx"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        line = ""
        while time.time() < deadline and "waiting" not in line:
            line = proc.stderr.readline()
        events.append(line)
        time.sleep(0.3)
        assert proc.poll() is None and not (out / "0.1").exists()  # still waiting: nothing written
    out_text, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "waiting for 'docgen release' (process" in events[0] and "0.1" in events[0]
    assert (out / "0.1" / "ToR_0.1_en.docx").is_file()


def test_lock_is_released_after_an_error(tmp_path):
    with pytest.raises(RuntimeError):
        with version_lock(tmp_path, "0.1", "build"):
            raise RuntimeError("boom")
    done = threading.Event()

    def take():
        with version_lock(tmp_path, "0.1", "build"):
            done.set()
    t = threading.Thread(target=take)
    t.start()
    t.join(10)
    assert done.is_set()


def test_redline_never_writes_into_a_released_folder(tmp_path, capsys):
    out = tmp_path / "build"
    assert main(["release", "--data", str(FIX / "v1"), "--out", str(out)]) == 0
    assert main(["release", "--data", str(FIX / "v2"), "--out", str(out)]) == 0
    trees = {v: _tree(out / v) for v in ("0.1", "0.2")}
    capsys.readouterr()
    assert main(["redline", "0.2", "0.1", "--out", str(out)]) == 0
    assert main(["redline", "0.1", "0.2", "--out", str(out)]) == 0
    assert {v: _tree(out / v) for v in ("0.1", "0.2")} == trees
    assert sorted(p.name for p in (out / "redlines").iterdir()) == ["NAP-WPS_0.1_vs_0.2_en.docx",
                                                                    "NAP-WPS_0.2_vs_0.1_en.docx"]
    assert "redlines/NAP-WPS_0.1_vs_0.2_en.docx" in capsys.readouterr().out


def test_a_swap_killed_half_way_keeps_the_previous_folder(tmp_path):
    from docgen.versionfolder import remove_stale

    out = tmp_path / "build"
    old = out / ".0.1.old-abc"
    old.mkdir(parents=True)
    (old / "NAP-WPS_0.1_en.docx").write_text("previous")
    (out / ".0.1.tmp-def").mkdir()
    remove_stale(out, "0.1")
    assert (out / "0.1" / "NAP-WPS_0.1_en.docx").read_text() == "previous"
    assert sorted(p.name for p in out.iterdir()) == ["0.1"]
