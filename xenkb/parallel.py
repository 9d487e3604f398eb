"""Scan a large regular file on two cores: each process takes one half.

The split falls on a line boundary; each half gets the line across the boundary as
context, so a message re-wrapped over the split is still seen whole. The second
half runs in a forked child, which sends its mergeable state (``Partial``) back
through a pipe; the parent shifts its line numbers and merges. Stdin redirected from
a file (``xenkb match < big.log``) is split like a named file. Small files, pipes
and compressed inputs are scanned in one process: forking would cost more than it
saves, or the input cannot be split. So are files with CR line ends (see reader.py):
the halves must read lines by the same rule.

The child never outlives the parent and never acts as it: it dies with the parent
(Linux: PR_SET_PDEATHSIG; elsewhere its one write fails when the parent is gone),
takes the default action on SIGINT and SIGTERM, and leaves only through
``os._exit``, so it cannot fall back into the caller's code and print reports of
its own. The parent kills it when it leaves early itself (Ctrl-C, SIGTERM, an
error), before waiting for it: the child may be blocked writing a result bigger
than the pipe's buffer, and waiting first would wait forever.
"""

from __future__ import annotations

import os
import pickle
import signal
from typing import BinaryIO

from xenkb.match import Matcher, Partial, ScanResult
from xenkb.reader import ReadStats, _clean, cr_line_ends
from xenkb.scoring import MAX_LINE_BYTES

# Below this a second process does not pay for itself: fork and merge cost ~10 ms,
# one core scans 8 MiB in ~60 ms.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024


class RangeFile:
    """Read-only view of bytes [start, end) of a file."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self._f = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._f.seek(start)
        self._left = end - start

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        n = self._left if n < 0 else min(n, self._left)
        data = self._f.read(n)
        self._left -= len(data)
        return data

    def readinto(self, b: memoryview) -> int:
        """Into the reader's reused buffer (see reader._scan): no new bytes per chunk."""
        if self._left <= 0:
            return 0
        n = self._f.readinto(b[: self._left] if len(b) > self._left else b)
        self._left -= n
        return n

    def close(self) -> None:
        self._f.close()


def _line_before(f: BinaryIO, offset: int) -> bytes | None:
    """The line that ends just before `offset` (which is a line start), as the
    sequential reader sees it: its first MAX_LINE_BYTES. Found by reading backwards
    in bounded pieces, however long the line is."""
    if offset == 0:
        return None
    end = offset - 1  # the newline that ends it
    start = end
    while start > 0:
        step = min(start, 1 << 16)
        f.seek(start - step)
        piece = f.read(step)
        nl = piece.rfind(b"\n")
        if nl >= 0:
            start = start - step + nl + 1
            break
        start -= step
    f.seek(start)
    return _clean(f.read(min(end - start, MAX_LINE_BYTES)))


def _split_point(f: BinaryIO, size: int) -> int:
    """The start of the first line after the middle (size when there is none),
    found in bounded pieces: a line of a gigabyte is never read whole."""
    pos = size // 2
    f.seek(pos)
    while True:
        piece = f.read(1 << 16)
        if not piece:
            return size
        nl = piece.find(b"\n")
        if nl >= 0:
            return pos + nl + 1
        pos += len(piece)


def die_with_parent(parent: int) -> None:
    """In a forked child: be killed when the parent dies, however it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError, ImportError):
        pass  # not Linux: the write to a parent that is gone fails instead
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_all(fd: int) -> bytes:
    pieces = []
    while True:
        piece = os.read(fd, 1 << 20)
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)


def scan_file(matcher: Matcher, path: str, source: str, workers: int = 2) -> ScanResult:
    size = os.path.getsize(path)
    if workers < 2 or size < PARALLEL_MIN_BYTES or not hasattr(os, "fork"):
        with open(path, "rb") as f:
            return matcher.scan(f, source)
    with open(path, "rb") as f:
        if cr_line_ends(f.read(MAX_LINE_BYTES)):
            f.seek(0)
            return matcher.scan(f, source)
        split = _split_point(f, size)
        if split >= size:
            f.seek(0)
            return matcher.scan(f, source)
        before_split = _line_before(f, split)
        f.seek(split)
        at_split = _clean(f.readline(MAX_LINE_BYTES).rstrip(b"\n"))
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: second half. It leaves only through os._exit.
        code = 1
        try:
            die_with_parent(parent)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.close(read_fd)
            try:
                part2 = matcher.scan_partial(RangeFile(path, split, size), source,  # type: ignore[arg-type]
                                             context=(before_split, None), fact_window=False)
                payload = pickle.dumps(part2, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            except Exception as exc:  # noqa: BLE001 - reported to the parent, never lost
                payload = pickle.dumps(RuntimeError(f"second half: {exc!r}"))
            _write_all(write_fd, payload)
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        part1 = matcher.scan_partial(RangeFile(path, 0, split), source,  # type: ignore[arg-type]
                                     context=(None, at_split))
        payload = _read_all(read_fd)
    except BaseException:
        # Ctrl-C, SIGTERM or an error here: the child's result is not wanted, and it
        # may be blocked writing it. End it before waiting for it.
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        raise
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if not payload:
        raise OSError("the process reading the second half ended without a result")
    part2 = pickle.loads(payload)  # noqa: S301 - written by our own child process
    if isinstance(part2, BaseException):
        raise OSError(str(part2))
    return matcher.finish(merge(part1, part2))


def merge(a: Partial, b: Partial) -> Partial:
    """`b` follows `a` in the input: shift b's line numbers by a's line count."""
    shift = a.stats.lines
    for entry_id, acc in b.accs.items():
        acc.shift(shift)
        mine = a.accs.get(entry_id)
        if mine is None:
            a.accs[entry_id] = acc
            continue
        mine.absorb(acc)
        if (entry_id, shift) in a.pairs and (entry_id, 0) in b.pairs:
            mine.count -= 1  # a pair across the split, seen from both halves
    for item in b.unmatched.values():
        item.first_line += shift
        item.last_line += shift
        a.fold_unmatched(item)
    a.overflow += b.overflow
    a.merge_marks(b, shift)
    for fact in b.facts.found.values():
        fact.line += shift
    a.facts.merge(b.facts)
    a.stats = ReadStats(a.stats.lines + b.stats.lines, a.stats.bytes + b.stats.bytes,
                        a.stats.cut_lines + b.stats.cut_lines)
    return a
