import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLAN_DATA = ROOT / "plan_data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(scope="session")
def plan():
    """The bundled plan, loaded and validated once per test session."""
    from docgen.validate import require_plan

    loaded, _ = require_plan(PLAN_DATA)
    return loaded


@pytest.fixture
def plan_copy(tmp_path):
    """A writable copy of plan_data/ for tests that break or change it."""
    dest = tmp_path / "plan_data"
    shutil.copytree(PLAN_DATA, dest)
    return dest


def pytest_configure(config):
    config.addinivalue_line("markers", "libreoffice: needs LibreOffice (soffice) installed")
    config.addinivalue_line("markers", "slow: builds documents")
