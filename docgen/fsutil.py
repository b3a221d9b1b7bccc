"""Writing files so that a reader never sees half of one."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .diagnostics import DocgenError


def atomic_write_bytes(path: Path, data: bytes, what: str = "file") -> None:
    """Write to a temp file beside ``path``, then rename it over ``path`` (keeping the
    mode of the file it replaces; 0644 for a new one)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise DocgenError(f"{path}: cannot write the {what}: {exc}") from None


def user_cache_dir(name: str) -> Path:
    """A folder of this user's that outlives builds and reboots, for what is costly to make
    and depends only on installed files ($XDG_CACHE_HOME/docgen/<name>, by default
    ~/.cache/docgen/<name>); the temp folder when that cannot be written."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for root in (Path(base) / "docgen", Path(tempfile.gettempdir()) / f"docgen-cache-{os.getuid()}"):
        folder = root / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise DocgenError(f"no writable cache folder for {name} (tried {base} and the temp folder)",
                      hint="set XDG_CACHE_HOME to a folder you can write")
