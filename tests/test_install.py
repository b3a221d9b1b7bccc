"""docgen installs anywhere: the wheel carries its templates, filters, styles and labels,
and the declared versions are the ones the lock file pins."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def _normal(name: str) -> str:
    """A distribution name as the package index compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if m:
            pins.setdefault(_normal(m.group(1)), m.group(2))
    return pins


def _name(spec: str) -> str:
    return _normal(Requirement(spec).name)


def test_the_lock_file_pins_versions_the_declared_ranges_allow():
    project = _pyproject()["project"]
    pins = _lock()
    unpinned = []
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        req, name = Requirement(spec), _name(spec)
        if name not in pins:
            unpinned.append(name)  # installs unpinned until 'make lock': allowed, but said
            continue
        assert req.specifier.contains(pins[name]), f"requirements.lock pins {name}=={pins[name]}, " \
                                                   f"outside {req.specifier}: run 'make lock'"
    if unpinned:
        import warnings
        warnings.warn(f"not pinned in requirements.lock: {', '.join(unpinned)} (run 'make lock')")


def test_no_declared_dependency_is_unused():
    """Every runtime dependency installs a module that docgen imports (by name or by string)."""
    from importlib.metadata import packages_distributions

    modules: dict[str, list[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            modules.setdefault(_normal(dist), []).append(module)
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docgen").rglob("*.py"))
    for spec in _pyproject()["project"]["dependencies"]:
        name = _name(spec)
        if name not in modules:
            continue  # not installed here (a dependency added since the last 'make install')
        used = [m for m in modules[name]
                if re.search(rf"(import|from)\s+{re.escape(m)}\b|['\"]{re.escape(m)}['\"]", code)]
        assert used, f"{name} is declared but docgen never imports {' or '.join(modules[name])}"


@pytest.mark.slow
@pytest.mark.skipif(UV is None, reason="uv (a test dependency) is not installed")
def test_the_wheel_builds_every_document_from_another_folder(tmp_path, built_all):
    wheels = tmp_path / "dist"
    subprocess.run([UV, "build", "-q", "--wheel", "--out-dir", str(wheels), str(ROOT)], check=True,
                   capture_output=True)
    (wheel,) = wheels.glob("docgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").glob("*.j2"):
        assert f"docgen/templates/{template.name}" in names
    assert {"docgen/markdown/filters/docgen.lua", "docgen/style/style.yaml", "docgen/i18n_labels.yaml"} <= names

    venv = tmp_path / "venv"
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run([UV, "pip", "install", "-q", "--python", str(python), "-c", str(ROOT / "requirements.lock"),
                    str(wheel)], check=True, capture_output=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([str(python), "-c", "import docgen; print(docgen.__file__)"], cwd=elsewhere, env=env,
                           check=True, capture_output=True, text=True).stdout
    assert str(venv) in where and str(ROOT) not in where  # the installed copy, not the source tree
    version = subprocess.run([str(venv / "bin" / "docgen"), "--version"], cwd=elsewhere, env=env, check=True,
                             capture_output=True, text=True).stdout
    assert re.fullmatch(r"docgen \S+ \(pandoc 3\.\S+, typst \S+\)\n", version)

    out = tmp_path / "out"
    run = subprocess.run([str(venv / "bin" / "docgen"), "build", "--data", str(ROOT / "plan_data"), "--out", str(out)],
                         cwd=elsewhere, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    (folder,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    docx = [f for f in files if f.suffix == ".docx"]
    pdf = [f for f in files if f.suffix == ".pdf"]
    assert len(docx) == len(pdf) >= 24
    assert {f.stem for f in docx} == {f.stem for f in pdf}
    assert all(f.read_bytes().startswith(b"%PDF-") for f in pdf)
    for f in docx:
        assert "word/document.xml" in zipfile.ZipFile(f).namelist()
    assert not list(elsewhere.iterdir())  # nothing written where it ran

    # same input, same bytes: the installed copy writes what the source tree writes (the
    # session's build of every document)
    assert sorted(built_all) == [f.name for f in files]
    for name, path in built_all.items():
        assert path.read_bytes() == (folder / name).read_bytes(), name
