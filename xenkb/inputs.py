"""Open one input for reading: a path or stdin, plain or compressed, in any encoding.

What the reader gets is always a binary stream of (mostly) UTF-8 text, read in
bounded pieces, whatever the input is:

- **Compression** is recognised by its magic bytes, never by the file name: gzip
  (also several members, as ``cat a.gz b.gz`` makes), bzip2 and xz. The first bytes
  are read until there are enough to tell (a pipe may hand them over one at a time)
  and handed back to the stream, so nothing is lost.
- **Decompression is bounded**: each read decompresses at most what was asked for,
  so a small file that expands to gigabytes (a "zip bomb") costs time, not memory.
- **Damage is not the end**: when a compressed input turns out truncated or corrupt,
  the text before the damage is still read and matched; the stream then ends, and
  ``Input.error`` says what went wrong, so the caller reports the findings of the
  readable part first and the error after them.
- **Encodings with a byte-order mark** (UTF-16 and UTF-32 exports of Windows
  tools, UTF-8 with a BOM) are transcoded to UTF-8 on the fly.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from dataclasses import dataclass, field
from typing import Any, BinaryIO

# Compressed bytes fed to a decompressor at once. Small, because a corrupt block
# makes the decompressor raise and lose the output of the call that met it: the
# less input per call, the more of the text before the damage is kept.
FEED_BYTES = 4 * 1024
# Enough leading bytes to recognise every format below (xz's magic is 6 bytes).
SNIFF_BYTES = 6
# Read after a UTF-32-LE BOM to tell it from UTF-16-LE text that starts with U+0000.
UTF32_CHECK_BYTES = 64

_GZIP = b"\x1f\x8b"
_BZIP2 = b"BZh"
_XZ = b"\xfd7zXZ\x00"
# Byte-order marks, longest first: UTF-32-LE's starts with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class DamagedInput(Exception):
    """The input cannot be read past this point; what came before was good."""


@dataclass
class Input:
    """One opened input. `stream` is what the reader reads; `path` is set for a
    plain regular file that can be reopened (split on two cores, read again for
    --explain); `error` is set once reading stopped at damage."""

    stream: BinaryIO
    compression: str | None = None
    encoding: str | None = None
    path: str | None = None
    reopenable: bool = False  # a named regular file: it can be read again from its start
    _guards: list[_Guarded] = field(default_factory=list)
    _closers: list[Any] = field(default_factory=list)

    @property
    def plain(self) -> bool:
        return self.compression is None and self.encoding is None

    @property
    def error(self) -> str | None:
        return next((g.error for g in self._guards if g.error is not None), None)

    def close(self) -> None:
        for closer in self._closers:
            try:
                closer.close()
            except OSError:
                pass


class ClosedStdin(io.RawIOBase):
    """Stands in for a standard input that the caller closed (``xenkb match <&-``)."""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        raise OSError(9, "standard input is closed")


def open_input(name: str, stdin: BinaryIO) -> Input:
    """Open a path, or '-' for `stdin`. Raises OSError when it cannot be opened."""
    if name == "-":
        raw: BinaryIO = stdin
        closers: list[Any] = []
        path = None
    else:
        if os.path.isdir(name):
            raise IsADirectoryError(21, "is a directory", name)
        raw = open(name, "rb")  # noqa: SIM115 - closed by Input.close
        closers = [raw]
        try:
            path = name if stat.S_ISREG(os.fstat(raw.fileno()).st_mode) else None
        except OSError:
            path = None
    try:
        inp = wrap(raw, path=path, closers=closers)
        inp.reopenable = path is not None
        return inp
    except BaseException:
        for closer in closers:
            closer.close()
        raise


def wrap(raw: BinaryIO, path: str | None = None, closers: list[Any] | None = None) -> Input:
    """Recognise compression and byte-order marks on an open binary stream.

    A read error while sniffing the first bytes raises (the input cannot be
    opened); any later one ends the stream and is kept in `Input.error`."""
    guards: list[_Guarded] = []

    def guard(stream: BinaryIO) -> BinaryIO:
        guards.append(_Guarded(stream))
        return guards[-1]  # type: ignore[return-value]

    head, stream = _sniff(raw)
    compression = None
    if head.startswith(_GZIP):
        compression = "gzip"
    elif head.startswith(_BZIP2) and head[3:4] in (b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"9"):
        compression = "bz2"
    elif head.startswith(_XZ):
        compression = "xz"
    if compression is not None:
        head, stream = _sniff(guard(_Decompressing(stream, compression)))
    else:
        stream = guard(stream)
    if head.startswith(codecs.BOM_UTF32_LE):
        # FF FE 00 00 is also UTF-16-LE text starting with U+0000: look further.
        head, stream = _sniff(stream, UTF32_CHECK_BYTES)
    encoding = None
    for bom, codec in _BOMS:
        if codec == "utf-32-le" and head.startswith(bom) and not _plausible_utf32_le(head[4:]):
            continue
        if head.startswith(bom):
            encoding = codec
            stream = _skip(stream, len(bom))
            if codec != "utf-8":
                stream = _Transcoding(stream, codec)
            break
    plain_path = path if compression is None and encoding is None else None
    return Input(stream, compression, encoding, path=plain_path, _guards=guards, _closers=list(closers or []))


def _plausible_utf32_le(data: bytes) -> bool:
    """Every whole 4-byte unit is a Unicode scalar value (UTF-16 text rarely is)."""
    for i in range(0, len(data) - 3, 4):
        code = int.from_bytes(data[i:i + 4], "little")
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return False
    return True


def _sniff(raw: BinaryIO, size: int = SNIFF_BYTES) -> tuple[bytes, BinaryIO]:
    """The first `size` bytes (fewer at EOF), and a stream that still yields them."""
    seekable = False
    try:
        seekable = raw.seekable() and isinstance(raw, io.BufferedReader)
        start = raw.tell() if seekable else 0
    except (OSError, ValueError, AttributeError):
        seekable = False
    head = b""
    while len(head) < size:
        piece = raw.read(size - len(head))
        if not piece:
            break
        head += piece
    if seekable:
        try:
            raw.seek(start)
            return head, raw
        except (OSError, ValueError):
            pass
    return head, _Prefixed(head, raw)  # type: ignore[return-value]


def _skip(stream: BinaryIO, n: int) -> BinaryIO:
    left = n
    while left:
        got = stream.read(left)
        if not got:
            break
        left -= len(got)
    return stream


class _Stream(io.RawIOBase):
    """Base of the wrappers: read() in terms of readinto()."""

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = 1 << 20
        buf = bytearray(n)
        got = self.readinto(memoryview(buf))
        return bytes(buf[:got])


class _Prefixed(_Stream):
    """Bytes already read (to sniff the format), then the rest of the stream."""

    def __init__(self, prefix: bytes, inner: BinaryIO) -> None:
        self._prefix = prefix
        self._inner = inner

    def readinto(self, b: Any) -> int:
        if self._prefix:
            n = min(len(b), len(self._prefix))
            b[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        readinto = getattr(self._inner, "readinto", None)
        if readinto is not None:
            return readinto(b) or 0
        data = self._inner.read(len(b))
        b[: len(data)] = data
        return len(data)


class _Decompressing(_Stream):
    """Bounded, damage-tolerant decompression of gzip, bzip2 or xz.

    Each call decompresses at most what the caller asked for. Concatenated members
    or streams are read one after the other; zero bytes between or after them
    (tape and block-device padding) are skipped. A read error, a corrupt block or
    an input that ends mid-stream raises DamagedInput after the good text."""

    def __init__(self, inner: BinaryIO, kind: str) -> None:
        self._inner = inner
        self._kind = kind
        self._dec: Any = self._new()
        self._input = b""  # compressed bytes not yet fed
        self._inner_eof = False
        self._done = False
        self._pending = b""  # output beyond what the last caller asked for (salvage)

    def _new(self) -> Any:
        if self._kind == "gzip":
            return _GzipMember()
        if self._kind == "bz2":
            import bz2

            return bz2.BZ2Decompressor()
        import lzma

        return lzma.LZMADecompressor()

    def _fill(self) -> None:
        if not self._input and not self._inner_eof:
            self._input = self._inner.read(FEED_BYTES) or b""
            if not self._input:
                self._inner_eof = True

    def readinto(self, b: Any) -> int:
        want = len(b)
        if self._pending:
            n = min(want, len(self._pending))
            b[:n] = self._pending[:n]
            self._pending = self._pending[n:]
            return n
        while not self._done and want:
            dec = self._dec
            if getattr(dec, "pending_error", None) is not None:
                self._done = True
                raise dec.pending_error
            if dec.eof:
                # One member or stream is complete: another may follow.
                rest = dec.unused_data + self._input
                self._input = b""
                while True:
                    rest = rest.lstrip(b"\0")
                    if rest or self._inner_eof:
                        break
                    self._fill()
                    rest, self._input = self._input, b""
                if not rest:
                    self._done = True
                    return 0
                if not self._starts_member(rest):
                    self._done = True
                    raise DamagedInput(f"data after the end of the {self._kind} stream is not {self._kind}")
                self._dec = self._new()
                self._input = rest
                continue
            drained = False
            if dec.needs_input:
                self._fill()
                # At the end of the input, a decompressor may still hold text: bz2's
                # says it needs input while it has output left to give.
                drained = not self._input
                data, self._input = self._input, b""
            else:
                data = b""
            try:
                out = dec.decompress(data, want)
            except DamagedInput:
                self._done = True
                raise
            except (OSError, EOFError, ValueError, MemoryError) as exc:
                self._done = True
                raise DamagedInput(f"corrupt {self._kind} data: {exc}") from None
            except Exception as exc:  # zlib.error, lzma.LZMAError: not OSErrors
                self._done = True
                raise DamagedInput(f"corrupt {self._kind} data: {exc}") from None
            if out:
                n = min(want, len(out))
                b[:n] = out[:n]
                self._pending = out[n:]
                return n
            if drained and not dec.eof:
                self._done = True
                raise DamagedInput(f"the {self._kind} data ends early (truncated file)")
        return 0

    def _starts_member(self, data: bytes) -> bool:
        magic = {"gzip": _GZIP, "bz2": _BZIP2, "xz": _XZ}[self._kind]
        return magic.startswith(data[: len(magic)]) if len(data) < len(magic) else data.startswith(magic)


class _GzipMember:
    """One gzip member, decoded by hand around zlib's raw inflate, with the
    interface of bz2's and lzma's decompressors.

    By hand so that damage costs as little text as possible: zlib's own gzip mode
    checks the CRC inside the call that returns the last output, and a mismatch
    would throw that output away. Here the text is handed out first and the error
    raised at the next call. A corrupt block is retried from a snapshot in small
    steps, so the text decoded before the damage within the same call is kept too."""

    MAX_HEADER = 64 * 1024  # a file name or comment field longer than this is not one
    RETRY_STEP = 64  # compressed bytes per step when salvaging before a corrupt block

    def __init__(self) -> None:
        import zlib

        self._zlib = zlib
        self._state = "header"
        self._buf = b""  # header or trailer bytes gathered so far
        self._z: Any = None
        self._crc = 0
        self._size = 0
        self._deferred: DamagedInput | None = None
        self.eof = False
        self.unused_data = b""

    @property
    def pending_error(self) -> DamagedInput | None:
        """Damage found after text that was already handed out."""
        return self._deferred

    @property
    def needs_input(self) -> bool:
        if self._deferred is not None or self.eof:
            return False
        return self._state != "body" or not self._z.unconsumed_tail

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._deferred is not None:
            raise self._deferred
        if self._state == "header":
            self._buf += data
            data = b""
            if not self._header():
                return b""
            data, self._buf = self._buf, b""
        out = b""
        if self._state == "body":
            out = self._inflate(data, max_length)
            if self._z.eof:
                self._state, data = "trailer", bytes(self._z.unused_data)
            else:
                data = b""
        if self._state == "trailer":
            self._buf += data
            if len(self._buf) >= 8:
                crc = int.from_bytes(self._buf[:4], "little")
                size = int.from_bytes(self._buf[4:8], "little")
                self.unused_data, self._buf = self._buf[8:], b""
                self.eof = True
                if crc != self._crc or size != self._size & 0xFFFFFFFF:
                    self._deferred = DamagedInput("corrupt gzip data: the checksum does not match the text")
                    if not out:
                        raise self._deferred
        return out

    def _header(self) -> bool:
        buf = self._buf
        if len(buf) > self.MAX_HEADER:
            raise DamagedInput("corrupt gzip data: header too long")
        if len(buf) < 10:
            return False
        if buf[:3] != b"\x1f\x8b\x08":
            raise DamagedInput("corrupt gzip data: not a gzip header")
        flags, pos = buf[3], 10
        if flags & 4:  # FEXTRA
            if len(buf) < pos + 2:
                return False
            pos += 2 + int.from_bytes(buf[pos:pos + 2], "little")
        for bit in (8, 16):  # FNAME, FCOMMENT: zero-terminated
            if flags & bit:
                end = buf.find(b"\0", pos)
                if end < 0:
                    return False
                pos = end + 1
        if flags & 2:  # FHCRC
            pos += 2
        if len(buf) < pos:
            return False
        self._buf = buf[pos:]
        self._state = "body"
        self._z = self._zlib.decompressobj(-15)
        return True

    def _inflate(self, data: bytes, max_length: int) -> bytes:
        z = self._z
        feed = z.unconsumed_tail + data
        snapshot = z.copy()
        try:
            out = z.decompress(feed, max_length)
        except self._zlib.error as exc:
            self._z = z = snapshot
            pieces = []
            try:
                for pos in range(0, len(feed), self.RETRY_STEP):
                    # No max_length: a step's output is bounded by its size
                    # (deflate expands at most ~1,032 times).
                    pieces.append(z.decompress(feed[pos:pos + self.RETRY_STEP]))
                    if z.eof:
                        break
            except self._zlib.error:
                pass
            out = b"".join(pieces)
            self._deferred = DamagedInput(f"corrupt gzip data: {exc}")
            if not out:
                raise self._deferred from None
        self._crc = self._zlib.crc32(out, self._crc)
        self._size += len(out)
        return out


class _Transcoding(_Stream):
    """UTF-16 or UTF-32 (the BOM already skipped) as UTF-8, piece by piece."""

    def __init__(self, inner: BinaryIO, codec: str) -> None:
        self._inner = inner
        self._decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        self._pending = b""
        self._eof = False

    def readinto(self, b: Any) -> int:
        while not self._pending and not self._eof:
            # A UTF-16 unit becomes at most 3 UTF-8 bytes (4 for a pair of 2 units).
            raw = self._inner.read(max(4, len(b) // 2))
            if not raw:
                self._eof = True
            self._pending = self._decoder.decode(raw or b"", final=not raw).encode("utf-8", "replace")
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


class _Guarded(_Stream):
    """Turns a failing read into the end of the input, and remembers why.

    So a damaged input still gives the findings of its readable part: the scan sees
    an ordinary end, and the caller reports `error` after them."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.error: str | None = None

    def readinto(self, b: Any) -> int:
        if self.error is not None:
            return 0
        try:
            readinto = getattr(self._inner, "readinto", None)
            if readinto is not None:
                return readinto(b) or 0
            data = self._inner.read(len(b))
            b[: len(data)] = data
            return len(data)
        except DamagedInput as exc:
            self.error = str(exc)
        except OSError as exc:
            self.error = f"read failed: {exc.strerror or exc}"
        return 0
