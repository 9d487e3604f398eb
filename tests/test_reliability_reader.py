"""No lost findings, bounded memory: CR-only line ends, errors deep in a long line,
UTF-16/UTF-32 with a BOM, and readers that never hold an unbounded line (the
two-core split, `normalize`, `kb draft`)."""

from __future__ import annotations

import codecs
import io
import json
import os
import subprocess
import time

import pytest
from conftest import run_xenkb, xenkb_command
from reliability_support import SEG, SEG_ID, alive, finding_ids, json_findings, limited, run_limited

from xenkb.scoring import MAX_LINE_BYTES


def test_lone_cr_line_ends_find_an_error_after_the_first_kilobytes(tmp_path):
    lines = [b"Mar  4 04:53:41 host kernel: boot line %d of an old serial console" % i for i in range(400)]
    lines.insert(300, SEG)
    log = tmp_path / "serial.log"
    log.write_bytes(b"\r".join(lines) + b"\r")
    r = run_xenkb("match", "--json", str(log))
    assert r.returncode == 0, r.stderr
    [finding] = json_findings(r.stdout)
    assert finding["id"] == SEG_ID
    assert finding["first_line"] == 301  # each CR ends a line, as an editor shows them


@pytest.mark.parametrize("column", [3_000, 30_000, MAX_LINE_BYTES - len(SEG) - 10])
def test_an_error_anywhere_in_the_first_64_kib_of_a_line_is_found(tmp_path, column):
    line = b"x" * (column - 1) + b" " + SEG + b" " + b"y" * 10
    log = tmp_path / "long.log"
    log.write_bytes(b"first line\n" + line + b"\nlast line\n")
    r = run_xenkb("match", "--json", str(log))
    assert r.returncode == 0, r.stderr
    [finding] = json_findings(r.stdout)
    assert finding["id"] == SEG_ID and finding["first_line"] == 2


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path, codec):
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE,
           "utf-32-be": codecs.BOM_UTF32_BE, "utf-8": codecs.BOM_UTF8}[codec]
    text = "[    1.000000] Gerät bereit\r\n[   12.345678] " + SEG.decode() + "\r\n"
    log = tmp_path / f"export-{codec}.log"
    log.write_bytes(bom + text.encode(codec))
    r = run_xenkb("match", "--json", str(log))
    assert r.returncode == 0, r.stderr
    [finding] = json_findings(r.stdout)
    assert finding["id"] == SEG_ID and finding["first_line"] == 2
    assert finding["evidence"][0]["text"] == "[   12.345678] " + SEG.decode()
    r = run_xenkb("match", "--json", input=log.read_bytes())  # through a pipe too
    assert finding_ids(r.stdout) == [SEG_ID]


def test_the_two_core_split_never_reads_a_huge_line_whole(tmp_path):
    # One 200 MB line, then the error: a file big enough to be split on two cores.
    log = tmp_path / "one-huge-line.log"
    with open(log, "wb") as f:
        block = b"z" * (1 << 20)
        for _ in range(200):
            f.write(block)
        f.write(b"\n" + SEG + b"\n")
    r = run_limited("match", "--json", str(log), address_space=192 << 20)  # the line alone is 200 MiB
    assert r.returncode == 0, r.stderr[-2000:]
    [finding] = json_findings(r.stdout)
    assert finding["id"] == SEG_ID and finding["first_line"] == 2


def _bounded_while_running(args, seconds=3.0):  # type: ignore[no-untyped-def]
    """Run xenkb on /dev/zero under a memory limit for a while: it must neither
    fail nor end with a traceback while it reads."""
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.Popen([*xenkb_command(), *args], stdin=zero, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, preexec_fn=limited(512 << 20))
        try:
            time.sleep(seconds)  # a hang guard, not a timing assertion: it reads forever
            still_running = proc.poll() is None
        finally:
            proc.kill()
            _, err = proc.communicate(timeout=30)
    return still_running, err


def test_normalize_on_dev_zero_stays_within_bounded_memory():
    still_running, err = _bounded_while_running(["normalize"])
    assert still_running, err.decode(errors="replace")[-2000:]
    assert b"MemoryError" not in err and b"Traceback" not in err


def test_kb_draft_of_dev_zero_line_1_does_not_load_the_endless_line(tmp_path):
    r = run_limited("kb", "draft", "/dev/zero:1", "--out", str(tmp_path), address_space=512 << 20, timeout=60)
    assert r.returncode == 2
    assert b"Traceback" not in r.stderr and b"MemoryError" not in r.stderr
    assert b"no text" in r.stderr


def test_iter_lines_hands_out_the_start_of_an_endless_line_at_once():
    from xenkb.reader import iter_lines

    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, b):
            b[:] = b"a" * len(b)
            return len(b)

    first = next(iter_lines(Endless()))
    assert first == b"a" * MAX_LINE_BYTES


@pytest.mark.parametrize("data", [b"", b"a", b"a\n", b"a\r\nb", b"a\rb\rc", b"a\rb\nc", b"\r\r",
                                  b"x" * (MAX_LINE_BYTES + 5) + b"\r" + b"y\n"])
def test_iter_lines_numbers_lines_like_the_scan(matcher, data):
    from xenkb.reader import ReadStats, iter_lines, iter_lines_all

    stats = ReadStats()
    scanned = [c.text for c in iter_lines_all(io.BytesIO(data), stats)]
    listed = [line.decode("latin-1") for line in iter_lines(io.BytesIO(data))]
    assert listed == scanned
    assert stats.lines == len(listed)
