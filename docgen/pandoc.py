"""Running the pandoc binary that pypandoc-binary ships (no system pandoc needed)."""
from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from typing import Optional

from .diagnostics import DocgenError

TIMEOUT = 300


@lru_cache(maxsize=None)
def pandoc_path() -> str:
    """The binary inside pypandoc-binary's package, found without importing pypandoc (its
    import and lookup start pandoc once more: a tenth of a second); pypandoc's own lookup
    otherwise (a system pandoc)."""
    from importlib.util import find_spec

    spec = find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        shipped = os.path.join(folder, "files", "pandoc.exe" if os.name == "nt" else "pandoc")
        if os.access(shipped, os.X_OK):
            return shipped
    import pypandoc

    return pypandoc.get_pandoc_path()


def run_pandoc(args: list[str], data: bytes, what: str, *, env: Optional[dict] = None,
               cwd: Optional[str] = None) -> bytes:
    """Run pandoc with ``data`` on stdin and return its stdout; failures become DocgenError
    naming ``what`` pandoc was doing (e.g. "writing the DOCX")."""
    try:
        proc = subprocess.run([pandoc_path(), *args], input=data, capture_output=True, env=env, cwd=cwd,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise DocgenError(f"pandoc took longer than {TIMEOUT} s {what}") from None
    except OSError as exc:
        raise DocgenError(f"cannot run pandoc: {exc}") from None
    if proc.returncode != 0:
        raise DocgenError(f"pandoc failed {what}: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout
