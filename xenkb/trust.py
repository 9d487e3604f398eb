"""Which of the user's files xenkb may read and write: only what the user owns.

Three kinds of files come from outside the package and are read on every run:
the user KB (``~/.config/xenkb/kb`` and ``--kb DIR``), the compiled-KB cache and the
chat history. Each is opened by the rules below; a file that breaks them is left
alone with a warning (``TrustWarning``), never followed, read or written.

- **User KB files** must lie inside their KB directory once symlinks are resolved
  (a link to ``/etc/shadow`` or ``/proc/kmsg`` is refused, one to a sibling file is
  fine), be regular files owned by the user or root, not writable by other users
  (group-writable only by the user's own group), and at most MAX_KB_FILE_BYTES.
  They are opened non-blocking, so nothing can make the open or the read wait.
- **Private files** (cache, history) live in a directory owned by the user and
  closed to others (xenkb creates it 0700 and tightens its own directory if needed);
  they are opened without following a symlink, must be regular files owned by the
  user and writable by nobody else.
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

# A KB entry is a page of YAML; the largest bundled one is ~6 KiB.
MAX_KB_FILE_BYTES = 256 * 1024

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class TrustWarning(UserWarning):
    """A file or directory xenkb will not use, and why (printed as one line)."""


class UntrustedFile(OSError):
    """A file that breaks the trust rules; str() is the reason, never its content."""


def warn(message: str) -> None:
    warnings.warn(message, TrustWarning, stacklevel=3)


def _euid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else -1


def owner_problem(st: os.stat_result, allow_root: bool) -> str | None:
    if not hasattr(os, "geteuid"):
        return None  # no Unix owners to compare
    if st.st_uid == _euid() or (allow_root and st.st_uid == 0):
        return None
    return "owned by another user"


def writable_problem(st: os.stat_result, own_group_ok: bool) -> str | None:
    mode = st.st_mode
    if mode & stat.S_IWOTH and not (stat.S_ISDIR(mode) and mode & stat.S_ISVTX):
        return "writable by other users"
    if mode & stat.S_IWGRP and not (own_group_ok and hasattr(os, "getegid") and st.st_gid == os.getegid()):
        return "writable by its group"
    return None


# --- user KB files -------------------------------------------------------------------

def kb_dir_problem(directory: Path) -> str | None:
    """Why a user KB directory must not be read, or None."""
    try:
        st = os.stat(directory)
    except OSError as exc:
        return exc.strerror or str(exc)
    if not stat.S_ISDIR(st.st_mode):
        return "not a directory"
    return owner_problem(st, allow_root=True) or writable_problem(st, own_group_ok=True)


def read_kb_file(path: Path, max_bytes: int = MAX_KB_FILE_BYTES) -> bytes:
    """The bytes of one user KB file, or UntrustedFile / OSError with the reason."""
    directory = os.path.realpath(path.parent)
    real = os.path.realpath(path)
    if os.path.dirname(real) != directory and not real.startswith(directory + os.sep):
        raise UntrustedFile("a link that leads out of its KB directory; not followed")
    fd = os.open(real, os.O_RDONLY | _NONBLOCK | _CLOEXEC | _NOFOLLOW)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UntrustedFile("not a regular file")
        problem = owner_problem(st, allow_root=True) or writable_problem(st, own_group_ok=True)
        if problem:
            raise UntrustedFile(f"{problem}; not read")
        if st.st_size > max_bytes:
            raise UntrustedFile(f"larger than {max_bytes // 1024} KiB; not read")
        data = _read_at_most(fd, max_bytes + 1)
        if len(data) > max_bytes:
            raise UntrustedFile(f"larger than {max_bytes // 1024} KiB; not read")
        return data
    finally:
        os.close(fd)


def _read_at_most(fd: int, limit: int) -> bytes:
    pieces, got = [], 0
    while got < limit:
        piece = os.read(fd, min(1 << 16, limit - got))
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


# --- private files: cache, history ---------------------------------------------------

def private_dir_problem(directory: Path, create: bool = True) -> str | None:
    """None when `directory` is fit for private files (created 0700 when missing;
    tightened to 0700 when it is the user's own and open to others); else why not."""
    try:
        st = os.stat(directory)
    except FileNotFoundError:
        if not create:
            return "missing"
        try:
            directory.mkdir(parents=True, mode=0o700)
            st = os.stat(directory)
        except FileExistsError:
            st = os.stat(directory)
        except OSError as exc:
            return f"cannot create it: {exc.strerror or exc}"
    except OSError as exc:
        return exc.strerror or str(exc)
    if not stat.S_ISDIR(st.st_mode):
        return "not a directory"
    problem = owner_problem(st, allow_root=False)
    if problem:
        return problem
    if writable_problem(st, own_group_ok=False):
        try:
            os.chmod(directory, 0o700)
            st = os.stat(directory)
        except OSError:
            pass
        problem = writable_problem(st, own_group_ok=False)
        if problem:
            return problem
    return None


def open_private(path: Path, flags: int, mode: int = 0o600) -> int:
    """Open a private file without following a symlink; OSError / UntrustedFile
    when it is not a regular file of the user's that only the user can write."""
    fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK | _CLOEXEC, mode)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UntrustedFile("not a regular file")
        problem = owner_problem(st, allow_root=False) or writable_problem(st, own_group_ok=False)
        if problem:
            raise UntrustedFile(problem)
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return fd
    except BaseException:
        os.close(fd)
        raise


def describe(exc: OSError) -> str:
    """A short reason for a refused open: a symlink shows as ELOOP under O_NOFOLLOW."""
    import errno

    if isinstance(exc, UntrustedFile):
        return str(exc)
    if exc.errno == errno.ELOOP:
        return "a symbolic link; not followed"
    if exc.errno == errno.ENXIO:
        return "not a regular file"
    return exc.strerror or str(exc)
