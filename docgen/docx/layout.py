"""Page numbers from a real layout of a DOCX: LibreOffice's, when it is installed.

One helper process (:mod:`docgen.docx.lo_helper`, run by a Python with UNO) drives one
headless soffice for the whole build: started on the first request, closed at exit.
Answers are cached on disk by the DOCX's content hash, so an unchanged document skips
LibreOffice altogether. Without LibreOffice (or UNO) :func:`page_numbers` returns None
and the TOC keeps its entries without page numbers.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import queue
import signal
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from docgen.fsutil import atomic_write_bytes

HELPER = Path(__file__).resolve().parent / "lo_helper.py"
# Part of the cache key: a changed helper never reuses old answers.
HELPER_VERSION = hashlib.sha256(HELPER.read_bytes()).hexdigest()[:16]
# DOCGEN_LAYOUT=off skips LibreOffice (TOC entries then have no page numbers).
SWITCH_ENV = "DOCGEN_LAYOUT"
PYTHON_ENV = "DOCGEN_UNO_PYTHON"
# A document LibreOffice has not laid out in this time is given up (and soffice stopped):
# the build goes on with entries without page numbers.
TIMEOUT_S = 180


def _uno_python() -> str | None:
    """A Python that can import uno (Debian: the system python3 with python3-uno)."""
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        return None
    candidates = [os.environ.get(PYTHON_ENV), "/usr/bin/python3", shutil.which("python3")]
    for exe in dict.fromkeys(c for c in candidates if c):
        try:
            ok = subprocess.run([exe, "-c", "import uno"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                timeout=20).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return exe
    return None


def _switched_off() -> bool:
    return os.environ.get(SWITCH_ENV, "").lower() in ("off", "0", "no", "false")


class _Helper:
    """The one helper process of this build (thread-safe: requests are serialised)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.python: str | None = None
        self.checked = False
        self.broken = False
        self.documents = 0

    def available(self) -> bool:
        with self.lock:
            if not self.checked:
                self.python = _uno_python()
                self.checked = True
            return self.python is not None and not self.broken

    def _start(self) -> None:
        # Its own process group: on a timeout the helper and its soffice go together.
        self.proc = subprocess.Popen([self.python, str(HELPER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, encoding="utf-8", start_new_session=True)
        self.lines: queue.Queue = queue.Queue()
        out, lines = self.proc.stdout, self.lines

        def read() -> None:
            for line in out:
                lines.put(line)
            lines.put("")  # end of output: the helper is gone

        threading.Thread(target=read, name="docgen-layout-reader", daemon=True).start()

    def ask(self, request: dict) -> dict | None:
        with self.lock:
            if self.broken or self.python is None:
                return None
            try:
                if self.proc is None or self.proc.poll() is not None:
                    self._start()
                self.proc.stdin.write(json.dumps(request) + "\n")
                self.proc.stdin.flush()
                line = self.lines.get(timeout=TIMEOUT_S)
            except (OSError, queue.Empty):
                line = ""
            if not line:
                self.broken = True  # no LibreOffice this build: entries without page numbers
                self._stop(kill=True)
                return None
            answer = json.loads(line)
            self.documents += 1
            return None if "error" in answer else answer

    def _stop(self, kill: bool = False) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if not kill:
            try:
                proc.stdin.close()  # the helper closes soffice when its input ends
                proc.wait(timeout=30)
                return
            except (OSError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (OSError, AttributeError):
            proc.kill()
        proc.wait()

    def close(self) -> None:
        with self.lock:
            self._stop()


_helper = _Helper()
atexit.register(_helper.close)


def close() -> None:
    """Stop LibreOffice now (it is also stopped at exit)."""
    _helper.close()


def _cache_dir() -> Path:
    d = Path(tempfile.gettempdir()) / f"docgen-layout-{os.getuid() if hasattr(os, 'getuid') else 0}"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def cache_key(docx: bytes, bookmarks: list[str]) -> str:
    h = hashlib.sha256(HELPER_VERSION.encode())
    h.update(docx)
    h.update("\n".join(bookmarks).encode())
    return h.hexdigest()[:40]


def layout(docx: bytes, bookmarks: list[str]) -> dict | None:
    """``{"pages": {bookmark: page}, "page_count": n}`` from LibreOffice, or None."""
    if _switched_off():
        return None
    key = cache_key(docx, bookmarks)
    cached = _cache_dir() / f"{key}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    if not _helper.available():
        return None
    with tempfile.TemporaryDirectory(prefix="docgen-layout-") as tmp:
        path = Path(tmp) / "document.docx"
        path.write_bytes(docx)
        answer = _helper.ask({"docx": str(path), "bookmarks": bookmarks})
    if answer is None:
        return None
    result = {"pages": {k: int(v) for k, v in answer["pages"].items()},
              "page_count": int(answer["page_count"])}
    atomic_write_bytes(cached, json.dumps(result, sort_keys=True).encode("utf-8"), "layout cache")
    return result


def page_numbers(docx: bytes, bookmarks: list[str]) -> dict[str, int] | None:
    answer = layout(docx, bookmarks)
    return None if answer is None else answer["pages"]
