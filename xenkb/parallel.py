"""Scan a large regular file on two cores: each process takes one half.

The split falls on a line boundary; each half gets the line across the boundary as
context, so a message re-wrapped over the split is still seen whole. The second
half runs in a forked child, which sends its mergeable state (``Partial``) back
through a pipe; the parent shifts its line numbers and merges. Stdin redirected from
a file (``xenkb match < big.log``) is split like a named file. Small files, pipes
and compressed inputs are scanned in one process: forking would cost more than it
saves, or the input cannot be split.
"""

from __future__ import annotations

import os
import pickle
from typing import BinaryIO

from xenkb.match import Matcher, Partial, ScanResult
from xenkb.reader import ReadStats
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
    """The line that ends just before `offset` (which is a line start)."""
    if offset == 0:
        return None
    start = max(0, offset - MAX_LINE_BYTES - 1)
    f.seek(start)
    data = f.read(offset - start)
    body = data[:-1] if data.endswith(b"\n") else data
    return body[body.rfind(b"\n") + 1 :]


def _split_point(f: BinaryIO, size: int) -> int:
    f.seek(size // 2)
    f.readline()
    return f.tell()


def scan_file(matcher: Matcher, path: str, source: str, workers: int = 2) -> ScanResult:
    size = os.path.getsize(path)
    if workers < 2 or size < PARALLEL_MIN_BYTES or not hasattr(os, "fork"):
        with open(path, "rb") as f:
            return matcher.scan(f, source)
    with open(path, "rb") as f:
        split = _split_point(f, size)
        if split >= size:
            f.seek(0)
            return matcher.scan(f, source)
        before_split = _line_before(f, split)
        f.seek(split)
        at_split = f.readline(MAX_LINE_BYTES).rstrip(b"\n")
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: second half
        os.close(read_fd)
        code = 0
        try:
            part2 = matcher.scan_partial(RangeFile(path, split, size), source,  # type: ignore[arg-type]
                                         context=(before_split, None), fact_window=False)
            payload = pickle.dumps(part2, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, never lost
            payload = pickle.dumps(RuntimeError(f"second half: {exc!r}"))
            code = 1
        with os.fdopen(write_fd, "wb") as w:
            w.write(payload)
        os._exit(code)
    os.close(write_fd)
    try:
        part1 = matcher.scan_partial(RangeFile(path, 0, split), source,  # type: ignore[arg-type]
                                     context=(None, at_split))
        with os.fdopen(read_fd, "rb") as r:
            payload = r.read()
    finally:
        os.waitpid(pid, 0)
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
