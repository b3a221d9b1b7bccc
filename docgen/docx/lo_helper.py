"""LibreOffice layout helper: one headless soffice, many DOCX files.

Run by :mod:`docgen.docx.layout` with a Python that can ``import uno`` (Debian's
python3 with python3-uno), never imported by docgen itself. It reads one JSON
request per line on stdin and answers one JSON line on stdout:

    {"docx": "/abs/path.docx", "bookmarks": ["SEC_intro", ...]}
    -> {"pages": {"SEC_intro": 3, ...}, "page_count": 39}
    -> {"error": "what went wrong"}

soffice runs with a private profile (-env:UserInstallation) and is started once, on
the first request; it is terminated when stdin closes (the build ends or dies).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # noqa: F401  (python3-uno; makes the com.sun.star imports below work)
from com.sun.star.beans import PropertyValue


def _pv(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office:
    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="docgen-lo-profile-")
        self.pipe = f"docgen_layout_{os.getpid()}"
        soffice = os.environ.get("DOCGEN_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
        if not soffice:
            raise RuntimeError("soffice not found")
        self.proc = subprocess.Popen(
            [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
             "--nolockcheck", f"-env:UserInstallation={Path(self.profile).as_uri()}",
             f"--accept=pipe,name={self.pipe};urp;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 90
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("LibreOffice did not start")
                time.sleep(0.1)
        self.desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def pages(self, docx: str, bookmarks: list[str]) -> dict:
        path = Path(docx)
        for lock in path.parent.glob(".~lock.*#"):
            lock.unlink()  # a stale lock file makes loading fail
        doc = self.desktop.loadComponentFromURL(
            path.as_uri(), "_blank", 0,
            (_pv("Hidden", True), _pv("ReadOnly", True), _pv("UpdateDocMode", 0)))
        if doc is None:
            raise RuntimeError(f"LibreOffice could not open {docx}")
        try:
            view = doc.getCurrentController().getViewCursor()
            marks = doc.getBookmarks()
            found = {}
            for name in bookmarks:
                if marks.hasByName(name):
                    view.gotoRange(marks.getByName(name).getAnchor().getStart(), False)
                    found[name] = view.getPage()
            view.jumpToLastPage()
            return {"pages": found, "page_count": view.getPage()}
        finally:
            doc.close(True)

    def close(self) -> None:
        try:
            self.desktop.terminate()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main() -> int:
    office = None
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                req = json.loads(line)
                if office is None:
                    office = Office()
                answer = office.pages(req["docx"], list(req.get("bookmarks", [])))
            except Exception as exc:  # reported to the client, which falls back
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        if office is not None:
            office.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
