"""A content-addressed cache for expensive, deterministic steps (chart images, and any
later stage such as a layout pass or a PDF post-processing pass).

``cached(kind, key, compute)`` returns ``compute()``'s bytes, computing them once per
distinct ``key`` (a string or bytes that says everything the result depends on): in
memory for the process, and on disk under the folder given to :func:`use` (the build
uses ``build/.cache/``), so a rebuild after a small edit reuses the others. Entries are
written atomically; a corrupt or unreadable entry is computed again. An entry's
modification time is the last build that used it: :func:`prune` drops those no build
has used for a month, oldest first beyond a size limit.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Callable, Optional, Union

_root: Optional[Path] = None
_memory: dict[str, bytes] = {}
_MEMORY_LIMIT = 64 << 20  # bytes kept in memory per process
_memory_size = 0
_lock = threading.Lock()


def use(root: Optional[Path]) -> None:
    """Keep entries on disk under ``root`` (None: in memory only)."""
    global _root
    _root = Path(root) if root is not None else None


def root() -> Optional[Path]:
    """The folder entries are kept in on disk (None: memory only)."""
    return _root


def digest(*parts: Union[str, bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def cached(kind: str, key: Union[str, bytes], compute: Callable[[], bytes]) -> bytes:
    global _memory_size
    name = f"{kind}/{digest(key)}"
    with _lock:
        hit = _memory.get(name)
    if hit is not None:
        return hit
    path = _root / name if _root is not None else None
    data = None
    if path is not None:
        try:
            data = path.read_bytes()
            os.utime(path)  # used now: kept by prune
        except OSError:
            data = None
    if data is None:
        data = compute()
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except OSError:
                pass  # a cache that cannot be written only costs time
    with _lock:
        if _memory_size + len(data) <= _MEMORY_LIMIT:
            _memory[name] = data
            _memory_size += len(data)
    return data


MAX_AGE_DAYS = 30
MAX_BYTES = 512 << 20


def prune(max_age_days: float = MAX_AGE_DAYS, max_bytes: int = MAX_BYTES) -> int:
    """Remove the disk entries no build has used for ``max_age_days``, then the least
    recently used beyond ``max_bytes`` in all; returns how many went."""
    if _root is None or not _root.is_dir():
        return 0
    import time

    entries = []
    for path in _root.glob("*/*"):
        try:
            st = path.stat()
        except OSError:
            continue
        if path.is_file():
            entries.append((st.st_mtime, st.st_size, path))
    entries.sort(key=lambda e: (e[0], str(e[2])), reverse=True)  # most recently used first
    cutoff = time.time() - max_age_days * 86400
    kept_bytes, removed = 0, 0
    for mtime, size, path in entries:
        if mtime < cutoff or kept_bytes + size > max_bytes or path.name.startswith(".tmp-"):
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
        else:
            kept_bytes += size
    return removed
