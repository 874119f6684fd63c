"""Replace a build directory in one step, and remove what a killed run left beside it.

The new build is written into a sibling ``.<out>.new-<pid>-<random>`` and swapped in by ``renameat2(2)`` with
``RENAME_EXCHANGE`` (Linux 3.15+, through ctypes): the two directory entries trade places atomically, so at every
instant ``out`` is the complete old build or the complete new one, and the old build ends in the sibling, which is
then removed. Where the exchange is not available (another OS, a file system without it) the fallback is two
renames, old aside then new in, with the old put back if the second fails: correct, but with a moment between
them when ``out`` does not exist.

A sibling whose pid is no longer running (or that has no pid: an older hearth's) is what a killed render left:
``remove_stale`` deletes it on the next run.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

_AT_FDCWD = -100  # fcntl.h
_RENAME_EXCHANGE = 2  # linux/fs.h
# ``.new-<pid>-<random>``; ``.new-<random>`` (no pid) is what renders before this module left.
_SIBLING = re.compile(r"\.(?P<kind>new|old)-(?:(?P<pid>[0-9]+)-)?[A-Za-z0-9_]+$")
_libc: ctypes.CDLL | None = None


def _renameat2() -> ctypes.CDLL | None:
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            return None
    return _libc if _libc is not None and hasattr(_libc, "renameat2") else None


def exchange(a: Path, b: Path) -> bool:
    """Swap the directory entries ``a`` and ``b`` atomically; False when this system cannot (OSError otherwise)."""
    libc = _renameat2()
    if libc is None:
        return False
    result = libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _prefix(out: Path, kind: str) -> str:
    return f".{out.name}.{kind}-{os.getpid()}-"


def new_sibling(out: Path) -> Path:
    """A fresh, empty directory beside ``out`` to write the next build into (its name carries this pid)."""
    try:
        return Path(tempfile.mkdtemp(prefix=_prefix(out, "new"), dir=out.parent))
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write beside the build: {exc.strerror or exc}", str(out.parent)) from exc


def exchange_into(new: Path, out: Path) -> Path | None:
    """Put ``new`` in place of ``out``; returns where the old build now is (to remove), None when there was none."""
    if not out.exists():
        os.rename(new, out)
        return None
    if exchange(new, out):
        return new
    old = Path(tempfile.mkdtemp(prefix=_prefix(out, "old"), dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old, out)
        raise
    return old


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(out: Path) -> list[Path]:
    """Remove the ``.<out>.new-*``/``.old-*`` directories a killed render left beside ``out``; returns them.

    A sibling whose pid still runs belongs to a render in progress and is kept; links are never followed."""
    removed: list[Path] = []
    stem = f".{out.name}."
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(stem):
            continue
        match = _SIBLING.match(entry.name[len(stem) - 1 :])
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        pid = int(match["pid"] or 0)
        if pid and pid != os.getpid() and _alive(pid):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed
