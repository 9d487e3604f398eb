"""Any input: binary, broken encodings, huge lines, escape sequences, closed pipes,
Ctrl-C. Each test names the protection it proves; without it the test fails."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import run_xenkb, xenkb_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xenkb.reader import decode
from xenkb.render import report_json_lines
from xenkb.scoring import MAX_LINE_BYTES

SEG = b"4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870"


def ids_of(result):
    return [f.entry.id for f in result.findings]


def test_binary_input_gives_a_result_not_a_traceback(tmp_path):
    blob = tmp_path / "core"
    blob.write_bytes(bytes(range(256)) * 4000 + os.urandom(200_000))
    r = run_xenkb("match", str(blob))
    assert r.returncode in (0, 1)
    assert b"Traceback" not in r.stderr
    assert b"\x1b" not in r.stdout  # nothing from the input reaches the terminal raw


@pytest.mark.parametrize("raw", [
    b"\x00\x00" + SEG + b"\x00\n",                  # NUL bytes
    b"\xff\xfe\xfa " + SEG + b"\n",                 # invalid UTF-8
    "Fehler im Gerät: ".encode("latin-1") + SEG + b"\n",  # Latin-1
    b"first\r\n" + SEG + b"\r\n",                  # CRLF
    b"progress 10%\rprogress 100%\r" + SEG + b"\n",  # lone CRs inside a line
])
def test_odd_encodings_and_line_ends_still_match(matcher, raw):
    result = matcher.scan(io.BytesIO(raw))
    assert ids_of(result) == ["4gb-seg-fixup"]
    ev = result.findings[0].evidence[0]
    assert ev.line == raw.count(b"\n")
    assert not ev.text.endswith("\r")


def test_empty_input():
    r = run_xenkb("match", input=b"")
    assert r.returncode == 1 and b"No known problem" in r.stdout


# Linux carries the peak RSS of the process that exec()s into the new program's
# ru_maxrss. Spawned from pytest, xenkb would report pytest's own peak (which grows
# with the suite): a small Python process in between spawns it and measures.
_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def _peak_rss_mib(cmd: list[str], stdin_path=None) -> tuple[int, float]:
    with open(stdin_path or os.devnull, "rb") as stdin:
        out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], stdin=stdin, capture_output=True,
                             timeout=300, check=True).stdout.split()
    return int(out[0]), int(out[1]) / 1024


def test_a_50mb_single_line_is_cut_not_loaded_whole(tmp_path):
    big = tmp_path / "one-line.log"
    with open(big, "wb") as f:
        f.write(SEG + b" ")
        for _ in range(50):
            f.write(b"x" * (1 << 20))
        f.write(b"\n" + SEG + b"\n")
    # Warm the compiled-KB cache first: compiling the KB is not what is measured.
    run_xenkb("match", input=b"warm-up line\n")
    code, peak = _peak_rss_mib([*xenkb_command(), "match", "--json", str(big)])
    assert code == 0
    # Loading the line whole would cost over 100 MiB (bytes plus decoded text).
    assert peak < 90, f"peak RSS {peak:.0f} MiB"
    r = run_xenkb("match", "--json", str(big))
    finding = [json.loads(line) for line in r.stdout.decode().splitlines()][1]
    assert finding["id"] == "4gb-seg-fixup" and finding["count"] == 2
    assert [e["line"] for e in finding["evidence"]] == [1, 2] or finding["first_line"] == 1


def test_a_file_that_grows_while_read_is_read_to_its_eof(tmp_path):
    log = tmp_path / "growing.log"
    log.write_bytes(b"boot line\n" * 200_000 + SEG + b"\n")
    writer = subprocess.Popen(
        ["python3", "-c", "import sys,time\nf=open(sys.argv[1],'ab')\nfor i in range(40):\n"
         " f.write(b'later line\\n'*5000); f.flush(); time.sleep(0.05)", str(log)])
    try:
        r = run_xenkb("match", "--json", str(log), timeout=60)
    finally:
        writer.wait(timeout=30)
    assert r.returncode == 0
    finding = json.loads(r.stdout.decode().splitlines()[1])
    assert finding["first_line"] == 200_001


def test_escape_sequences_from_a_log_are_shown_escaped():
    evil = b"\x1b]0;pwned\x07" + SEG + b"\x1b[2J\x08\x08\n"
    r = run_xenkb("match", input=evil)
    out = r.stdout.decode()
    assert r.returncode == 0
    assert "\x1b" not in out and "\x07" not in out and "\x08" not in out
    assert "\\e]0;pwned\\x07" in out and "\\e[2J" in out
    r = run_xenkb("match", "--json", input=evil)
    finding = json.loads(r.stdout.decode().splitlines()[1])
    assert finding["evidence"][0]["text"].startswith("\x1b]0;pwned\x07")  # exact, as data
    assert b"\x1b" not in r.stdout  # JSON escapes it as \u001b


def test_output_to_a_closed_pipe_ends_quietly(catalog):
    text = "\n".join(e.examples_match[0] for e in catalog.entries.values() if e.signatures) + "\n"
    text = text * 3
    proc = subprocess.Popen([*xenkb_command(), "match", "--json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(text.encode())
    proc.stdin.close()
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert b"Traceback" not in stderr and b"Broken pipe" not in stderr
    assert proc.returncode in (0, 141)


def test_ctrl_c_exits_130_without_a_traceback():
    proc = subprocess.Popen([*xenkb_command(), "match"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(SEG + b"\n")
    proc.stdin.flush()
    time.sleep(1.0)  # let it start reading; stdin stays open, so it waits for more
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert b"Traceback" not in stderr


# --- property-based -------------------------------------------------------------------

_FRAGMENTS = [SEG.decode(), "clocksource/0: Time went backwards", "(XEN) ", "[  12.345] ",
              "Error: Device 0 (vif) could not be connected", "error", "\r", "\x1b[2J", "\x00",
              "Boot loader didn't return any data!", "é", "\t", " ", "xenbr0", "/dev/loop9"]


@st.composite
def log_bytes(draw):
    parts = draw(st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=30),
                                    st.just("\n")), max_size=60))
    data = "".join(parts).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=100))
    return data


def _lines(data: bytes) -> list[str]:
    if b"\n" not in data[:MAX_LINE_BYTES] and b"\r" in data[:MAX_LINE_BYTES]:
        data = data.replace(b"\r", b"\n")  # CR line ends (see reader.py)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = []
    for raw in lines:
        raw = raw[:MAX_LINE_BYTES]
        out.append(decode(raw[:-1] if raw.endswith(b"\r") else raw))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=log_bytes())
def test_any_input_gives_valid_json_and_true_evidence(matcher, data):
    result = matcher.scan(io.BytesIO(data), source="fuzz")
    for line in report_json_lines(result, source="fuzz"):
        json.loads(line)
    lines = _lines(data)
    for f in result.findings:
        assert 1 <= f.first_line <= f.last_line <= len(lines)
        for ev in f.evidence:
            assert 1 <= ev.line <= len(lines)
            assert lines[ev.line - 1] == ev.text
    for u in result.unmatched:
        assert lines[u.first_line - 1] == u.text


@settings(max_examples=60, deadline=None)
@given(data=log_bytes(), chunk=st.integers(min_value=1, max_value=64))
def test_chunk_boundaries_do_not_change_findings(matcher, data, chunk):
    """The reader keeps the last line back between chunks; tiny chunks must agree."""
    import xenkb.reader as reader

    whole = matcher.scan(io.BytesIO(data))
    old = reader.CHUNK_BYTES
    reader.CHUNK_BYTES = chunk
    try:
        pieces = matcher.scan(io.BytesIO(data))
    finally:
        reader.CHUNK_BYTES = old
    key = lambda r: [(f.entry.id, f.count, f.first_line, f.last_line) for f in r.findings]  # noqa: E731
    assert key(whole) == key(pieces)


class _ReadOnly:
    """A stream with read() and no readinto(): the reader's fallback path."""

    def __init__(self, data: bytes) -> None:
        self._f = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._f.read(n)


@pytest.mark.parametrize("chunk", [5, 4096, MAX_LINE_BYTES + 3, 4 * MAX_LINE_BYTES])
def test_the_reused_read_buffer_gives_the_same_result_for_any_stream_and_chunk(matcher, chunk):
    """The reader reads every chunk into one reused buffer. Over-long lines (cut, or
    kept back whole, which grows the buffer at the largest chunk), CRLF and a last line
    without a newline must come out the same whatever the chunk size and whether
    the stream has readinto() or only read()."""
    import xenkb.reader as reader

    data = b"\n".join([
        SEG,
        b"x" * (3 * MAX_LINE_BYTES) + b" " + SEG,   # anchor past the cut: not seen
        SEG + b" " + b"y" * (2 * MAX_LINE_BYTES),   # anchor before the cut: seen
        b"[ 1.0] clocksource/0: Time went",          # a message wrapped over two lines
        b"backwards: delta=-9223012651229942015 shadow=214463864019492 offset=796007077\r",
        b"z" * (3 * MAX_LINE_BYTES + 7),             # cut, nothing to see
        SEG,                                         # no newline at the end
    ])

    def key(result):
        return ([(f.entry.id, f.count, f.first_line, f.last_line, [(e.line, e.text) for e in f.evidence])
                 for f in result.findings], result.lines, result.bytes, result.cut_lines)

    reference = key(matcher.scan(io.BytesIO(data)))
    old = reader.CHUNK_BYTES
    reader.CHUNK_BYTES = chunk
    try:
        with_readinto, read_only = key(matcher.scan(io.BytesIO(data))), key(matcher.scan(_ReadOnly(data)))
    finally:
        reader.CHUNK_BYTES = old
    assert with_readinto == read_only
    # cut_lines counts only lines cut while they were the last of a chunk, so it
    # depends on the chunk size (as it did before the buffer was reused).
    assert with_readinto[:3] == reference[:3]
    findings, lines, size, _cut = reference
    assert (lines, size) == (7, len(data))
    assert [f[:4] for f in findings if f[0] == "4gb-seg-fixup"] == [("4gb-seg-fixup", 3, 1, 7)]


def test_a_candidates_neighbours_are_read_at_once_or_refused_later(matcher):
    # The reader reuses its buffer: neighbours asked for while the candidate is
    # current are right; asked for later, they are refused, never read from other bytes.
    from xenkb.reader import ReadStats, iter_candidates

    data = b"before one\n" + SEG + b"\nafter one\nbefore two\n" + SEG + b"\nafter two\n"
    seen = []
    for cand in iter_candidates(io.BytesIO(data), matcher.scanner, ReadStats()):
        seen.append((cand, cand.prev, cand.next))
    assert [(p, n) for _, p, n in seen] == [("before one", "after one"), ("before two", "after two")]
    late = list(iter_candidates(io.BytesIO(data), matcher.scanner, ReadStats()))
    with pytest.raises(RuntimeError):
        _ = late[0].prev


def test_a_neighbour_supplying_a_required_word_does_not_make_a_pair(matcher):
    # "No bootable device." requires the word "device". With a typo the line lacks it,
    # and the next, unrelated line happens to hold "Device:": the pair must not count
    # as one message (the join has to improve the fuzzy fit, not just the word list).
    text = ("(d3) No bootable deviqe.  Retrying in 60 seconds.\n"
            "Mar  4 04:53:41 xenhost07 smartd[58607]: Device: /dev/sda [SAT], SMART Usage Attribute: "
            "194 Temperature_Celsius changed from 34 to 39\n")
    assert "hvm-no-bootable-device" not in [f.entry.id for f in matcher.scan_text(text).findings]
    # A message really cut in two is still joined.
    wrapped = ("[ 12.0] clocksource/0: Time went\n"
               "backwards: delta=-9223012651229942015 shadow=214463864019492 offset=796007077\n")
    assert "time-went-backwards" in [f.entry.id for f in matcher.scan_text(wrapped).findings]
