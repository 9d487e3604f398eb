"""Fuzz: any input bytes. Encodings with and without a BOM, LF/CRLF/CR line ends,
gzip (one or several members), bzip2, xz, truncated, corrupt, with trailing garbage,
lines up to the 64 KiB that is matched and far beyond it.

Asserted: the planted error is found wherever it is readable (on its line when the
input is intact or only cut short), no traceback, an exit status the README
documents, errors as single `xenkb: ` lines, memory within a hard limit."""

from __future__ import annotations

import gzip
import io
import lzma

from fuzz_support import fuzz_settings, log_cases
from hypothesis import given
from hypothesis import strategies as st
from reliability_support import DOCUMENTED_EXITS, SEG, SEG_ID, json_findings, run_limited

from xenkb.inputs import wrap


class _Trickle(io.RawIOBase):
    """A pipe that hands over a few bytes per read."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._step = data, step

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        n = min(len(b), self._step, len(self._data))
        b[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def _check(case, findings_by_id: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    readable = case.readable_text()
    if case.planted not in readable:
        return  # the damage took the planted line: nothing is promised about it
    if case.damage == "corrupt" and case.ending == "\r":
        return  # corrupt data may decode to line ends of its own, before the rule is decided
    assert SEG_ID in findings_by_id, (case.compression, case.encoding, repr(case.ending), case.damage)
    if case.damage != "corrupt":
        assert findings_by_id[SEG_ID] == case.line


@fuzz_settings(200)
@given(case=log_cases(), trickle=st.sampled_from([0, 0, 1, 3, 4096]))
def test_the_planted_error_is_found_wherever_it_is_readable(matcher, case, trickle):
    raw = io.BufferedReader(_Trickle(case.data, trickle)) if trickle else io.BytesIO(case.data)
    inp = wrap(raw)
    result = matcher.scan(inp.stream, source="fuzz")
    _check(case, {f.entry.id: f.first_line for f in result.findings})
    if case.damage is None:
        assert inp.error is None


@fuzz_settings(12)
@given(case=log_cases(), through_stdin=st.booleans())
def test_the_command_line_on_any_input(tmp_path, case, through_stdin):
    path = tmp_path / "input.log"
    path.write_bytes(case.data)
    if through_stdin:
        with open(path, "rb") as stdin:
            r = run_limited("match", "--json", stdin=stdin)
    else:
        r = run_limited("match", "--json", str(path))
    assert r.returncode in DOCUMENTED_EXITS
    err = r.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    assert all(line.startswith("xenkb: ") for line in err.splitlines() if line.strip()), err
    assert (r.returncode == 2) == bool(err.strip()), err
    _check(case, {f["id"]: f["first_line"] for f in json_findings(r.stdout)})


@fuzz_settings(6)
@given(size_mib=st.integers(1, 48), compression=st.sampled_from([None, "gzip", "xz"]),
       byte=st.sampled_from([b"\0", b"A", b"\r", b"\xff"]))
def test_huge_lines_and_decompression_bombs_stay_within_bounded_memory(tmp_path, size_mib, compression, byte):
    # One line of up to 48 MiB (as a gzip or xz "bomb": a few KB that expand to it),
    # then the error on the next line.
    data = byte * (size_mib << 20) + b"\n" + SEG + b"\n"
    if compression == "gzip":
        data = gzip.compress(data, compresslevel=9)
    elif compression == "xz":
        data = lzma.compress(data)
    path = tmp_path / "huge.log"
    path.write_bytes(data)
    r = run_limited("match", "--json", str(path), address_space=256 << 20)
    assert r.returncode == 0, r.stderr[-2000:]
    found = {f["id"]: f["first_line"] for f in json_findings(r.stdout)}
    # A run of CRs without LF starts the input: CR line ends, each CR a line (reader.py).
    expected = (size_mib << 20) + 2 if byte == b"\r" else 2
    assert found.get(SEG_ID) == expected
