"""What a build says while it runs: each file as it is finished, with its time.

On a terminal a status line at the bottom shows how far the build is (redrawn in
place); in a pipe, a log or under CI (``CI`` set) only plain lines are written.
Verbosity: 0 = quiet (errors only), 1 = normal, 2 = verbose (also each file kept).
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Optional, TextIO


def interactive(stream: TextIO) -> bool:
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class Progress:
    def __init__(self, verbosity: int = 1, out: Optional[TextIO] = None, err: Optional[TextIO] = None,
                 tty: Optional[bool] = None):
        self.verbosity = verbosity
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.tty = interactive(self.err) if tty is None else tty
        self.total = 0
        self.finished = 0
        self.running: list[str] = []
        self.start = time.perf_counter()
        self._lock = threading.Lock()
        self._status_shown = False

    # -- status line (terminal only) --------------------------------------------------------
    def _clear(self) -> None:
        if self._status_shown:
            self.err.write("\r\033[K")
            self.err.flush()
            self._status_shown = False

    def _draw(self) -> None:
        if not self.tty or self.verbosity == 0 or not self.total:
            return
        width = 24
        filled = width * self.finished // self.total
        bar = "#" * filled + "-" * (width - filled)
        now = ", ".join(self.running[:2]) + (" ..." if len(self.running) > 2 else "")
        line = f"[{bar}] {self.finished}/{self.total}  {time.perf_counter() - self.start:.1f} s  {now}"
        self.err.write("\r\033[K" + line[:max(20, _columns() - 1)])
        self.err.flush()
        self._status_shown = True

    # -- events ---------------------------------------------------------------------------------
    def plan(self, total: int) -> None:
        with self._lock:
            self.total = total
            self._draw()

    def started(self, name: str) -> None:
        with self._lock:
            self.running.append(name)
            self._draw()

    def done(self, name: str, seconds: float) -> None:
        with self._lock:
            if name in self.running:
                self.running.remove(name)
            self.finished += 1
            if self.verbosity >= 1:
                self._clear()
                width = len(str(self.total or 1))
                print(f"[{self.finished:>{width}}/{self.total}] {name}  {seconds:.2f} s", file=self.out, flush=True)
            self._draw()

    def failed(self, name: str) -> None:
        with self._lock:
            if name in self.running:
                self.running.remove(name)
            self._draw()

    def note(self, text: str, level: int = 1) -> None:
        """A line for stderr (notes, waiting, skipped files in verbose mode)."""
        with self._lock:
            if self.verbosity >= level:
                self._clear()
                print(text, file=self.err, flush=True)
                self._draw()

    def say(self, text: str) -> None:
        """A result line for stdout (the summary)."""
        with self._lock:
            self._clear()
            if self.verbosity >= 1:
                print(text, file=self.out, flush=True)

    def close(self) -> None:
        with self._lock:
            self._clear()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def _columns() -> int:
    import shutil

    return shutil.get_terminal_size(fallback=(100, 24)).columns or 100
