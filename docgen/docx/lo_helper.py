"""LibreOffice layout server: one headless soffice for every DOCX of a build.

Started by :mod:`docgen.docx.layout` with a Python that can ``import uno`` (Debian's
python3 with python3-uno), never imported by docgen itself. It listens on a Unix
socket; each connection carries one JSON request line and gets one JSON answer line:

    {"docx": "/abs/path.docx", "bookmarks": ["_Toc000001", ...]}
    -> {"pages": {"_Toc000001": 3, ...}, "page_count": 39}
    -> {"error": "what went wrong"}
    {"quit": true} -> {"ok": true}, and the server ends

Connections are served one at a time, so one soffice (private profile, started on the
first request) lays out one document at a time for all of a build's worker processes.
The server ends on "quit" (the build's end), when the build's process is gone, or after
some idle time, and closes soffice.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
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
            count = view.getPage()  # the body text's last page: the endnotes may follow it
            try:
                count = max(count, int(doc.getCurrentController().getPropertyValue("PageCount")))
            except Exception:
                pass
            return {"pages": found, "page_count": count}
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


# One document laid out in more than this means soffice hangs: the server ends (the
# waiting clients go on without page numbers).
DOCUMENT_TIMEOUT_S = 600


def _give_up(office) -> None:
    if office is not None:
        office.proc.kill()
    os._exit(3)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_line(conn) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def serve(path: str, session: int, idle: float) -> None:
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    srv.settimeout(1.0)
    office, last = None, time.monotonic()
    try:
        while True:
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                if time.monotonic() - last > idle or not _alive(session):
                    return
                continue
            with conn:
                conn.settimeout(None)
                try:
                    req = json.loads(_read_line(conn) or b"{}")
                except ValueError:
                    req = {}
                if req.get("quit"):
                    conn.sendall(b'{"ok": true}\n')
                    return
                if req.get("ping"):
                    conn.sendall(b'{"ok": true}\n')
                    continue
                # A hung soffice must not keep the build's other processes waiting.
                watchdog = threading.Timer(DOCUMENT_TIMEOUT_S, _give_up, args=(office,))
                watchdog.daemon = True
                watchdog.start()
                try:
                    if office is None:
                        office = Office()
                        watchdog.cancel()
                        watchdog = threading.Timer(DOCUMENT_TIMEOUT_S, _give_up, args=(office,))
                        watchdog.daemon = True
                        watchdog.start()
                    answer = office.pages(req["docx"], list(req.get("bookmarks", [])))
                except Exception as exc:  # reported to the client, which goes on without pages
                    answer = {"error": f"{type(exc).__name__}: {exc}"}
                    if office is not None and office.proc.poll() is not None:
                        office = None  # soffice died: a new one for the next request
                finally:
                    watchdog.cancel()
                try:
                    conn.sendall((json.dumps(answer) + "\n").encode("utf-8"))
                except OSError:
                    pass
            last = time.monotonic()
    finally:
        if office is not None:
            office.close()
        srv.close()
        try:
            os.unlink(path)
        except OSError:
            pass


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", required=True, help="Unix socket path")
    ap.add_argument("--session", type=int, required=True, help="pid of the build: end when it is gone")
    ap.add_argument("--idle", type=float, default=60.0, help="end after this many idle seconds")
    args = ap.parse_args(argv)
    serve(args.serve, args.session, args.idle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
