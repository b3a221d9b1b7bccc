"""A version folder (``build/<version>/``) is replaced as a whole, by one command at a time.

- :func:`version_lock`: commands that write a version folder (build, release, redline)
  take ``build/.<version>.lock`` first; a second one waits, saying for whom.
- :func:`remove_stale`: temp folders left by killed builds (``.<version>.tmp-*``) go.
- :func:`unreplaceable`: files of the folder that cannot be moved away (a draft open in
  Word on a shared drive, an immutable file) are found before anything is swapped.
- :func:`swap_in`: the new folder takes the old one's place in one rename (Linux's
  ``renameat2(RENAME_EXCHANGE)``; two renames elsewhere), so readers see the old files or
  the new ones, never a mix.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Optional

from .diagnostics import Diagnostic, DocgenError, relative

TMP_INFIX = ".tmp-"
OLD_INFIX = ".old-"


def lock_path(out: Path, version: str) -> Path:
    return Path(out) / f".{version}.lock"


@contextlib.contextmanager
def version_lock(out: Path, version: str, command: str,
                 say: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> Iterator[None]:
    """Hold the lock of ``build/<version>/`` (``command`` names the holder for waiters)."""
    import fcntl

    path = lock_path(out, version)
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DocgenError([Diagnostic(str(out), None, None, "", f"cannot write the build folder: {exc.strerror}",
                                      hint="pass a writable folder with --out")]) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another docgen command"
            say(f"waiting for {holder} to finish with {relative(Path(out) / version)} ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"'docgen {command}' (process {os.getpid()})".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def remove_stale(out: Path, version: str) -> list[Path]:
    """Remove what killed commands left beside ``build/<version>/`` (call with the lock held)."""
    removed = []
    final = Path(out) / version
    olds = sorted(Path(out).glob(f".{version}{OLD_INFIX}*"))
    if olds and not final.exists():
        # killed between the two renames of a swap without renameat2: the old folder is the folder
        os.rename(olds[0], final)
    for infix in (TMP_INFIX, OLD_INFIX):
        for path in Path(out).glob(f".{version}{infix}*"):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path)
    return removed


def new_temp_folder(out: Path, version: str) -> Path:
    """A private folder beside ``build/<version>/`` (same file system: renames are atomic)."""
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{version}{TMP_INFIX}", dir=out))
    except OSError as exc:
        raise DocgenError([Diagnostic(str(out), None, None, "", f"cannot write the build folder: {exc.strerror}",
                                      hint="pass a writable folder with --out")]) from None


def unreplaceable(folder: Path) -> list[tuple[Path, str]]:
    """Files in ``folder`` that another program holds or that may not be changed, with why.

    The probe opens each file for writing without writing anything: a file Word has open
    on a shared drive refuses that (sharing violation), so does an immutable file."""
    found = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
        except PermissionError as exc:
            if exc.errno == errno.EACCES and not (path.stat().st_mode & 0o200):
                continue  # merely read-only: it can still be moved away with its folder
            found.append((path, exc.strerror or "permission denied"))
        except OSError as exc:
            found.append((path, exc.strerror or str(exc)))
    return found


def refuse_unreplaceable(folder: Path) -> None:
    stuck = unreplaceable(folder)
    if stuck:
        raise DocgenError([Diagnostic(relative(path), None, None, "",
                                      f"cannot replace this file ({why}): is it open in Word or another program?",
                                      hint="close it in Word and build again; nothing was replaced")
                           for path, why in stuck])


def link_or_copy(src: Path, dest: Path) -> None:
    """Put ``src`` (a file or a folder) at ``dest`` without copying bytes where possible."""
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dest, symlinks=True, copy_function=link_or_copy)
        return
    try:
        os.link(src, dest, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dest, follow_symlinks=False)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False when the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, final: Path) -> Optional[Path]:
    """Put the complete folder ``new`` at ``final``. Returns where the previous folder went
    (to be removed by the caller), or None when there was none."""
    if not final.exists():
        os.rename(new, final)
        return None
    if _exchange(new, final):
        return new  # ``new`` now holds the previous folder
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}{OLD_INFIX}", dir=final.parent))
    os.rmdir(old)
    os.rename(final, old)
    try:
        os.rename(new, final)
    except BaseException:
        os.rename(old, final)
        raise
    return old
