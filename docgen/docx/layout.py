"""Page numbers from a real layout of a DOCX: LibreOffice's, when it is installed.

One server (:mod:`docgen.docx.lo_helper`, run by a Python with UNO) drives one headless
soffice for the whole build, whichever process asks: the build's worker processes
connect to it over a Unix socket named after the build's session (the process that
imported this module first, passed to the workers in DOCGEN_LAYOUT_SESSION). It is
started on the first request and closed when the build ends (or its process is gone).
Answers are kept in the build's cache by the DOCX's content hash, so an unchanged
document skips LibreOffice altogether. Without LibreOffice (or UNO) :func:`layout` returns None and the
TOC keeps its entries without page numbers.
"""
from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from docgen.cache import cached

HELPER = Path(__file__).resolve().parent / "lo_helper.py"
# Part of the cache key and the socket's name: a changed helper never reuses old answers.
HELPER_VERSION = hashlib.sha256(HELPER.read_bytes()).hexdigest()[:16]
# DOCGEN_LAYOUT=off skips LibreOffice (TOC entries then have no page numbers).
SWITCH_ENV = "DOCGEN_LAYOUT"
PYTHON_ENV = "DOCGEN_UNO_PYTHON"
SESSION_ENV = "DOCGEN_LAYOUT_SESSION"
# How long a process waits for its answer, queueing behind the build's other documents
# included; then it goes on without page numbers (the server guards against a hung
# soffice itself).
TIMEOUT_S = 900
# The server ends by itself after this long without a request.
IDLE_S = 60

# The build's session: this process, unless a parent build passed its own.
os.environ.setdefault(SESSION_ENV, str(os.getpid()))


def _switched_off() -> bool:
    return os.environ.get(SWITCH_ENV, "").lower() in ("off", "0", "no", "false")


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


class _Client:
    """This process's way to the build's layout server."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.python: str | None = None
        self.checked = False
        self.broken = False
        self.server: subprocess.Popen | None = None

    def available(self) -> bool:
        with self.lock:
            if not self.checked:
                self.python = _uno_python()
                self.checked = True
            return self.python is not None and not self.broken

    @staticmethod
    def socket_path() -> Path:
        session = os.environ.get(SESSION_ENV) or str(os.getpid())
        return _runtime_dir() / f"lo-{HELPER_VERSION}-{session}.sock"

    @staticmethod
    def _exchange(path: Path, request: dict, timeout: float) -> dict:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(path))
            conn.sendall((json.dumps(request) + "\n").encode("utf-8"))
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    raise ConnectionError("the layout server closed the connection")
                data += chunk
        return json.loads(data)

    def _start_server(self, path: Path) -> None:
        """Start the server unless another process of the build just did (file lock)."""
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._exchange(path, {"ping": True}, 5)
                return
            except (OSError, ValueError):
                pass
            path.unlink(missing_ok=True)
            session = os.environ.get(SESSION_ENV) or str(os.getpid())
            proc = subprocess.Popen([self.python, str(HELPER), "--serve", str(path), "--session", session,
                                     "--idle", str(IDLE_S)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            path.with_suffix(".pid").write_text(str(proc.pid))
            self.server = proc  # reaped by close() when it is this process's child
            deadline = time.monotonic() + 30
            while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)

    def ask(self, request: dict) -> dict | None:
        if not self.available():
            return None
        path = self.socket_path()
        for attempt in range(2):
            try:
                answer = self._exchange(path, request, TIMEOUT_S)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if attempt:
                    self.broken = True
                    return None
                self._start_server(path)
            except (OSError, ValueError):  # timed out or died: go on without pages
                self.broken = True
                return None
        return None if "error" in answer or "pages" not in answer else answer


def _kill_server(path: Path) -> None:
    try:
        os.killpg(int(path.with_suffix(".pid").read_text()), signal.SIGKILL)
    except (OSError, ValueError):
        pass


_client = _Client()


def close() -> None:
    """End the build's layout server (and its soffice), if this process started the build."""
    if os.environ.get(SESSION_ENV) != str(os.getpid()):
        return
    path = _Client.socket_path()
    if path.exists():
        try:
            _Client._exchange(path, {"quit": True}, 30)
            deadline = time.monotonic() + 15  # it closes soffice, then its socket
            while path.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        except (OSError, ValueError):
            _kill_server(path)
        path.unlink(missing_ok=True)
    if _client.server is not None:
        try:
            _client.server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _kill_server(path)
        _client.server = None
    for suffix in (".pid", ".lock"):
        path.with_suffix(suffix).unlink(missing_ok=True)


atexit.register(close)


def _runtime_dir() -> Path:
    """Where the build's layout server has its socket (and its pid and lock files)."""
    d = Path(tempfile.gettempdir()) / f"docgen-layout-{os.getuid() if hasattr(os, 'getuid') else 0}"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def cache_key(docx: bytes, bookmarks: list[str]) -> str:
    h = hashlib.sha256(HELPER_VERSION.encode())
    h.update(docx)
    h.update("\n".join(bookmarks).encode())
    return h.hexdigest()[:40]


class _NoLayout(Exception):
    """LibreOffice gave no answer: nothing to cache."""


def layout(docx: bytes, bookmarks: list[str]) -> dict | None:
    """``{"pages": {bookmark: page}, "page_count": n}`` from LibreOffice, or None."""
    if _switched_off():
        return None

    def ask() -> bytes:
        with tempfile.TemporaryDirectory(prefix="docgen-layout-") as tmp:
            path = Path(tmp) / "document.docx"
            path.write_bytes(docx)
            answer = _client.ask({"docx": str(path), "bookmarks": bookmarks})
        if answer is None:
            raise _NoLayout
        result = {"pages": {k: int(v) for k, v in answer["pages"].items()},
                  "page_count": int(answer["page_count"])}
        return json.dumps(result, sort_keys=True).encode("utf-8")

    try:
        return json.loads(cached("docx-layout", cache_key(docx, bookmarks), ask))
    except _NoLayout:
        return None


def page_numbers(docx: bytes, bookmarks: list[str]) -> dict[str, int] | None:
    answer = layout(docx, bookmarks)
    return None if answer is None else answer["pages"]
