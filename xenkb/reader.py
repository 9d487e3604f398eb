"""Stream an input in large chunks and hand out only the lines worth scoring.

Memory stays flat whatever the input's size: at most one chunk plus one line is
held. A line longer than MAX_LINE_BYTES is cut to that length for matching and the
rest of it is skipped while reading, so one 50 MB line cannot be loaded whole.

The anchor scanner (RE2, over raw bytes) finds candidate positions; for each one
the whole line, its neighbours (for re-wrapped messages) and its 1-based line number
are produced. Line numbers count ``\\n`` only, as ``grep -n`` and editors do.

Lines end at ``\\n``; a ``\\r`` before it is dropped (CRLF), and lone ``\\r`` inside a
line stay (progress bars). An input whose first MAX_LINE_BYTES hold no ``\\n`` but a
``\\r`` is one with CR line ends (old Mac files, some serial consoles): there every
``\\r`` ends a line, and line numbers count them. The rule looks at the input's
first bytes only, so it does not depend on how the input is read in pieces.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from xenkb.scoring import MAX_LINE_BYTES

# 1 MiB reads: as fast as 4 MiB (measured) and less peak memory; every chunk is
# read into the same buffer, after the carried-over line (see _scan).
CHUNK_BYTES = 1024 * 1024
# The start of an input (boot banners) is also searched for facts, this far.
FACT_WINDOW_BYTES = 4 * 1024 * 1024


_CR_TO_LF = bytes.maketrans(b"\r", b"\n")


def cr_line_ends(head: bytes | bytearray) -> bool:
    """The line-end rule: `head` is the input's first MAX_LINE_BYTES (or all of it)."""
    head = head[:MAX_LINE_BYTES]
    return b"\n" not in head and b"\r" in head


def decode(raw: bytes) -> str:
    """UTF-8 when it is UTF-8, else Latin-1 (never fails, keeps every byte)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class Candidate:
    """A line worth scoring. Its neighbours are cut out and decoded only if asked
    for: only a re-wrapped message needs them, and most candidates are not one."""

    __slots__ = ("line_no", "text", "early", "_neighbours", "_where")

    def __init__(self, line_no: int, text: str, early: bool, where: tuple) -> None:
        self.line_no = line_no
        self.text = text
        self.early = early  # within the first FACT_WINDOW_BYTES of the input
        # (buffer, line start, line end, line before the region, buffer end, region
        # end, line after the input part): enough to find the neighbours later. The
        # buffer is reused for the next chunk, so they must be found before the
        # reader is asked for the next candidate (the scan does it at once); the
        # reader then drops `_where`, so a late question fails instead of reading
        # another chunk's bytes.
        self._where: tuple | None = where
        self._neighbours: tuple[str | None, str | None] | None = None

    @property
    def prev(self) -> str | None:
        return self._locate()[0]

    @property
    def next(self) -> str | None:
        return self._locate()[1]

    def _locate(self) -> tuple[str | None, str | None]:
        if self._neighbours is None:
            if self._where is None:
                raise RuntimeError("a candidate's neighbours were asked for after the reader moved on")
            buf, ls, le, prev_last, buf_end, region_end, after_end = self._where
            if ls > 0:
                ps = buf.rfind(b"\n", 0, ls - 1) + 1
                prev: bytes | None = _clean(buf[ps : ls - 1])
            else:
                prev = prev_last
            if le + 1 < region_end:  # the next line starts inside the region
                ne = buf.find(b"\n", le + 1, region_end)
                nxt: bytes | None = _clean(buf[le + 1 : ne if ne >= 0 else region_end])
            elif region_end < buf_end:
                ne = buf.find(b"\n", region_end, buf_end)
                nxt = _clean(buf[region_end : ne if ne >= 0 else buf_end])
            else:
                nxt = _clean(after_end) if after_end is not None else None
            self._neighbours = (decode(prev) if prev is not None else None,
                                decode(nxt) if nxt is not None else None)
        return self._neighbours


@dataclass
class ReadStats:
    lines: int = 0
    bytes: int = 0
    cut_lines: int = 0  # lines longer than MAX_LINE_BYTES, matched on their start only


def _clean(raw: bytes) -> bytes:
    raw = raw[:MAX_LINE_BYTES]
    return raw[:-1] if raw.endswith(b"\r") else raw


def iter_lines_all(stream: BinaryIO, stats: ReadStats) -> Iterator[Candidate]:
    """Every line, as a Candidate. The reference path: slow, used to check the fast one."""
    yield from _scan(stream, None, stats)


def iter_candidates(stream: BinaryIO, scanner: Any, stats: ReadStats,
                    fact_scanner: Any | None = None, context: tuple[bytes | None, bytes | None] = (None, None),
                    fact_window: bool = True) -> Iterator[Candidate]:
    """Only lines holding an anchor, with neighbours and line numbers.

    `fact_scanner`, if given, also picks lines on the input's first bytes: it looks
    for more (boot banners that reveal versions) where that costs little. It is a
    second, small scanner rather than a bigger copy of `scanner` because RE2 builds
    each scanner's DFA while it scans, at a cost that grows with the number of
    anchors: one big DFA per process, not two.
    `context` is the line before and the line after this stream, when the stream is
    one part of a larger input (see parallel.py).
    """
    yield from _scan(stream, scanner, stats, fact_scanner if fact_window else None, context)


def _scan(stream: BinaryIO, scanner: Any | None, stats: ReadStats,
          fact_scanner: Any | None = None,
          context: tuple[bytes | None, bytes | None] = (None, None)) -> Iterator[Candidate]:
    # One buffer for the whole input, read into in place: buf[:carry] is what the
    # last chunk kept back, the next read lands after it, buf[:end] is the text to
    # scan. New bytes objects per chunk (the read, carry + data, the region: ~1 MiB
    # each) came from glibc's heap and left holes there that small long-lived blocks
    # (RE2 DFA states, cached strings) then split, so the heap grew by a chunk now and
    # then for the whole run. Measured on one process over 900 MiB of log: heap 10 ->
    # 16 MiB while the bytes in use grew by 3 MiB; peak memory grew with the input's
    # size. Reading in place also saves two copies of every chunk.
    buf = bytearray(CHUNK_BYTES + 2 * MAX_LINE_BYTES + 2)
    view = memoryview(buf)
    readinto = getattr(stream, "readinto", None)
    carry = 0  # bytes kept back at the start of buf
    consumed = 0  # bytes of the input before the current region
    base = 1  # line number of the first line in the carry
    prev_last: bytes | None = context[0]  # the line just before the carry
    after_end = context[1]
    skipping = False  # inside an over-long line: drop bytes up to its newline
    eof = False
    # CR line ends (see the module docstring): None until the first bytes tell. A
    # part of a larger input (parallel.py splits only inputs with LF line ends)
    # does not decide for itself.
    cr_mode: bool | None = False if context != (None, None) else None
    while not eof:
        chunk = CHUNK_BYTES  # read per loop: the tests shrink it to check boundaries
        if carry + chunk > len(buf):  # a long complete line kept back: rare
            view.release()
            bigger = bytearray(carry + chunk)
            bigger[:carry] = buf[:carry]
            buf, view = bigger, memoryview(bigger)
        if readinto is not None:
            got = readinto(view[carry : carry + chunk]) or 0
        else:
            data = stream.read(chunk)
            got = len(data)
            buf[carry : carry + got] = data
        if not got:
            eof = True
        stats.bytes += got
        end = carry + got
        if cr_mode and got:
            buf[carry:end] = buf[carry:end].translate(_CR_TO_LF)
        if skipping and got:
            nl = buf.find(b"\n", carry, end)
            if nl < 0:
                continue
            # Drop the rest of the long line. buf[nl:end] is a copy: assigning a view of
            # buf to buf would be one overlapping memcpy.
            buf[carry : carry + end - nl] = buf[nl:end]
            end = carry + end - nl
            skipping = False
        if cr_mode is None:
            # Nothing was cut or handed out yet: buf[:end] is the input from its start.
            head = min(end, MAX_LINE_BYTES)
            if buf.find(b"\n", 0, head) >= 0:
                cr_mode = False
            elif end >= MAX_LINE_BYTES or eof:
                cr_mode = buf.find(b"\r", 0, head) >= 0
                if cr_mode:
                    buf[:end] = buf[:end].translate(_CR_TO_LF)
        if eof:
            region_end = end
        else:
            last_nl = buf.rfind(b"\n", 0, end)
            if last_nl < 0:
                if end > MAX_LINE_BYTES:
                    end, skipping = MAX_LINE_BYTES, True
                    stats.cut_lines += 1
                carry = end
                continue
            if end - last_nl - 1 > MAX_LINE_BYTES:
                end, skipping = last_nl + 1 + MAX_LINE_BYTES, True
                stats.cut_lines += 1
            # Keep the last complete line back so the region's last line has a successor.
            region_end = buf.rfind(b"\n", 0, last_nl) + 1
        if scanner is not None and not hasattr(scanner, "search"):
            scanner = scanner()  # built on demand (see Matcher.scanner)
        # Facts are read on the first bytes of an input (not of the second half of a
        # split file); the exhaustive path (no scanner) reads every line anyway.
        early = consumed < FACT_WINDOW_BYTES and (fact_scanner is not None or scanner is None)
        yield from _region(buf, end, region_end, base, prev_last, scanner, after_end if eof else None,
                           early=early, extra=fact_scanner if early else None)
        consumed += region_end
        n_lines = buf.count(b"\n", 0, region_end)
        if eof and region_end and buf[region_end - 1] != 0x0A:
            n_lines += 1
        base += n_lines
        stats.lines += n_lines
        if region_end:
            last_start = buf.rfind(b"\n", 0, region_end - 1) + 1
            prev_last = _clean(bytes(view[last_start:region_end]).rstrip(b"\n"))
        carry = end - region_end
        buf[:carry] = buf[region_end:end]  # a copy of the line kept back (small)


def _region(buf: bytearray, buf_end: int, region_end: int, base: int,
            prev_last: bytes | None, scanner: Any | None, after_end: bytes | None = None,
            early: bool = False, extra: Any | None = None) -> Iterator[Candidate]:
    """Candidates in buf[:region_end]; buf[region_end:buf_end] is the line kept back."""
    pos = 0
    counted_to, line_no = 0, base
    size = region_end
    extra_at = -1  # where `extra` matches next, once searched from below `pos`
    while pos < size:
        if scanner is None:
            p = pos
        else:
            m = scanner.search(buf, pos, size)
            p = m.start() if m is not None else size
            if extra is not None:
                # Remember the extra scanner's next hit: searching again from every
                # candidate would rescan the same stretch of a rare pattern's gap.
                if extra_at < pos:
                    m = extra.search(buf, pos, size)
                    extra_at = m.start() if m is not None else size
                p = min(p, extra_at)
            if p >= size:
                return
        ls = buf.rfind(b"\n", 0, p) + 1
        le = buf.find(b"\n", p, size)
        if le < 0:
            le = size
        if p - ls >= MAX_LINE_BYTES:  # the anchor lies in the part of the line we cut
            pos = le + 1
            continue
        line_no += buf.count(b"\n", counted_to, ls)
        counted_to = ls
        cand = Candidate(line_no, decode(_clean(buf[ls:le])), early,
                         (buf, ls, le, prev_last, buf_end, region_end, after_end))
        yield cand
        cand._where = None  # the consumer has moved on (see Candidate.__init__)
        pos = le + 1


def iter_lines(stream: BinaryIO) -> Iterator[bytes]:
    """Every line of a stream (its first MAX_LINE_BYTES, without the line end), by
    the same rules as the scan: the same line numbers, CR line ends alike.

    Memory stays bounded on any input: a line is handed out as soon as it ends or
    its first MAX_LINE_BYTES are read, and the rest of it is skipped while reading,
    so even ``/dev/zero`` (one endless line) gives its first line at once.
    """
    read = stream.read
    head = bytearray()
    while len(head) < MAX_LINE_BYTES:
        data = read(MAX_LINE_BYTES - len(head))
        if not data:
            break
        head += data
        if b"\n" in data:
            break
    cr = cr_line_ends(head)
    line = bytearray()
    given = False  # the current line was handed out already (cut at the limit)
    pending: bytes | bytearray = head
    while pending:
        chunk = pending.translate(_CR_TO_LF) if cr else pending
        pos = 0
        while True:
            nl = chunk.find(b"\n", pos)
            stop = nl if nl >= 0 else len(chunk)
            if not given:
                line += chunk[pos : min(stop, pos + MAX_LINE_BYTES - len(line))]
            if nl < 0:
                if not given and len(line) >= MAX_LINE_BYTES:
                    yield _clean(bytes(line))
                    given = True
                    line.clear()
                break
            if not given:
                yield _clean(bytes(line))
            line.clear()
            given = False
            pos = nl + 1
        pending = read(CHUNK_BYTES)
    if line and not given:
        yield _clean(bytes(line))
