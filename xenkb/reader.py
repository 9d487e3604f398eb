"""Stream an input in large chunks and hand out only the lines worth scoring.

Memory stays flat whatever the input's size: at most one chunk plus one line is
held. A line longer than MAX_LINE_BYTES is cut to that length for matching and the
rest of it is skipped while reading, so one 50 MB line cannot be loaded whole.

The anchor scanner (RE2, over raw bytes) finds candidate positions; for each one
the whole line, its neighbours (for re-wrapped messages) and its 1-based line number
are produced. Line numbers count ``\\n`` only, as ``grep -n`` and editors do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from xenkb.scoring import MAX_LINE_BYTES

# 1 MiB reads: as fast as 4 MiB (measured) and 20 MiB less peak memory, since a
# chunk is copied once when joined to the carried-over line.
CHUNK_BYTES = 1024 * 1024
# The start of an input (boot banners) is also searched for facts, this far.
FACT_WINDOW_BYTES = 4 * 1024 * 1024


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
        # (region, line start, line end, line before the region, buffer, region end,
        # line after the input part): enough to find the neighbours later.
        self._where = where
        self._neighbours: tuple[str | None, str | None] | None = None

    @property
    def prev(self) -> str | None:
        return self._locate()[0]

    @property
    def next(self) -> str | None:
        return self._locate()[1]

    def _locate(self) -> tuple[str | None, str | None]:
        if self._neighbours is None:
            region, ls, le, prev_last, buf, region_end, after_end = self._where
            if ls > 0:
                ps = region.rfind(b"\n", 0, ls - 1) + 1
                prev: bytes | None = _clean(region[ps : ls - 1])
            else:
                prev = prev_last
            if le < len(region):
                ne = region.find(b"\n", le + 1)
                nxt: bytes | None = _clean(region[le + 1 : ne if ne >= 0 else len(region)])
            elif region_end < len(buf):
                ne = buf.find(b"\n", region_end)
                nxt = _clean(buf[region_end : ne if ne >= 0 else len(buf)])
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
    anchors (measured: ~0.45 s for the ~3,900 anchors of a 10x KB): one big DFA per
    process, not two.
    `context` is the line before and the line after this stream, when the stream is
    one part of a larger input (see parallel.py).
    """
    yield from _scan(stream, scanner, stats, fact_scanner if fact_window else None, context)


def _scan(stream: BinaryIO, scanner: Any | None, stats: ReadStats,
          fact_scanner: Any | None = None,
          context: tuple[bytes | None, bytes | None] = (None, None)) -> Iterator[Candidate]:
    consumed = 0  # bytes of the input before the current region
    carry = b""
    base = 1  # line number of the first line in `carry`
    prev_last: bytes | None = context[0]  # the line just before `carry`
    after_end = context[1]
    skipping = False  # inside an over-long line: drop bytes up to its newline
    eof = False
    while not eof:
        data = stream.read(CHUNK_BYTES)
        if not data:
            eof = True
        stats.bytes += len(data)
        if skipping and data:
            nl = data.find(b"\n")
            if nl < 0:
                continue
            data = data[nl:]
            skipping = False
        buf = carry + data if carry else data
        if eof:
            region_end = len(buf)
        else:
            last_nl = buf.rfind(b"\n")
            if last_nl < 0:
                if len(buf) > MAX_LINE_BYTES:
                    buf, skipping = buf[:MAX_LINE_BYTES], True
                    stats.cut_lines += 1
                carry = buf
                continue
            if len(buf) - last_nl - 1 > MAX_LINE_BYTES:
                buf, skipping = buf[: last_nl + 1 + MAX_LINE_BYTES], True
                stats.cut_lines += 1
            # Keep the last complete line back so the region's last line has a successor.
            region_end = buf.rfind(b"\n", 0, last_nl) + 1
        region = buf[:region_end] if region_end < len(buf) else buf
        if scanner is not None and not hasattr(scanner, "search"):
            scanner = scanner()  # built on demand (see Matcher.scanner)
        # Facts are read on the first bytes of an input (not of the second half of a
        # split file); the exhaustive path (no scanner) reads every line anyway.
        early = consumed < FACT_WINDOW_BYTES and (fact_scanner is not None or scanner is None)
        yield from _region(region, buf, region_end, base, prev_last, scanner, after_end if eof else None,
                           early=early, extra=fact_scanner if early else None)
        consumed += len(region)
        n_lines = region.count(b"\n")
        if eof and region and not region.endswith(b"\n"):
            n_lines += 1
        base += n_lines
        stats.lines += n_lines
        if region:
            last_start = region.rfind(b"\n", 0, len(region) - 1) + 1
            prev_last = _clean(region[last_start:].rstrip(b"\n"))
        carry = buf[region_end:]


def _region(region: bytes, buf: bytes, region_end: int, base: int,
            prev_last: bytes | None, scanner: Any | None, after_end: bytes | None = None,
            early: bool = False, extra: Any | None = None) -> Iterator[Candidate]:
    pos = 0
    counted_to, line_no = 0, base
    size = len(region)
    extra_at = -1  # where `extra` matches next, once searched from below `pos`
    while pos < size:
        if scanner is None:
            p = pos
        else:
            m = scanner.search(region, pos)
            p = m.start() if m is not None else size
            if extra is not None:
                # Remember the extra scanner's next hit: searching again from every
                # candidate would rescan the same stretch of a rare pattern's gap.
                if extra_at < pos:
                    m = extra.search(region, pos)
                    extra_at = m.start() if m is not None else size
                p = min(p, extra_at)
            if p >= size:
                return
        ls = region.rfind(b"\n", 0, p) + 1
        le = region.find(b"\n", p)
        if le < 0:
            le = size
        if p - ls >= MAX_LINE_BYTES:  # the anchor lies in the part of the line we cut
            pos = le + 1
            continue
        line_no += region.count(b"\n", counted_to, ls)
        counted_to = ls
        yield Candidate(line_no, decode(_clean(region[ls:le])), early,
                        (region, ls, le, prev_last, buf, region_end, after_end))
        pos = le + 1
