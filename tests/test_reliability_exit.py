"""A crash is never "clean": whatever goes wrong, the exit status is 2 (or 130, 141,
143), never 1, which a script reads as "no problem in this log"; the error is one
line on stderr; the other inputs are still reported; damaged compressed inputs give
the findings of their readable part first."""

from __future__ import annotations

import gzip
import os
import subprocess
import time

import pytest
from conftest import run_xenkb, xenkb_command
from reliability_support import SEG, SEG_ID, assert_one_line_error, finding_ids

import xenkb.cli as cli


@pytest.fixture
def seg_log(tmp_path):
    path = tmp_path / "seg.log"
    path.write_bytes(SEG + b"\n")
    return path


def test_gz_with_garbage_data_is_an_error_and_the_next_file_is_still_read(tmp_path, seg_log):
    bad = tmp_path / "garbage.gz"
    # A valid gzip header, then bytes that are not deflate data.
    bad.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(7, 250)) * 8)
    r = run_xenkb("match", "--json", str(bad), str(seg_log))
    assert r.returncode == 2
    assert_one_line_error(r.stderr, "garbage.gz")
    assert finding_ids(r.stdout) == [SEG_ID]  # the file after it was read


def test_truncated_gz_reports_the_readable_part_then_the_error(tmp_path):
    data = b"boot line\n" * 50 + SEG + b"\n" + os.urandom(300_000).hex().encode() + b"\n"
    packed = gzip.compress(data)
    trunc = tmp_path / "trunc.log.gz"
    trunc.write_bytes(packed[: len(packed) * 2 // 3])
    r = run_xenkb("match", "--json", str(trunc))
    assert r.returncode == 2
    assert finding_ids(r.stdout) == [SEG_ID]
    assert_one_line_error(r.stderr, "trunc.log.gz", "truncated")


def test_gz_damaged_in_the_middle_keeps_the_findings_before_the_damage(tmp_path):
    # Incompressible filler, so the damage lands well after the planted line.
    data = SEG + b"\n" + b"\n".join(os.urandom(40).hex().encode() for _ in range(20_000)) + b"\n"
    packed = bytearray(gzip.compress(data))
    middle = len(packed) // 2
    packed[middle:middle + 64] = bytes(64)
    bad = tmp_path / "damaged.gz"
    bad.write_bytes(bytes(packed))
    r = run_xenkb("match", "--json", str(bad))
    assert r.returncode == 2
    assert finding_ids(r.stdout) == [SEG_ID]
    assert_one_line_error(r.stderr, "damaged.gz")


def test_gzip_is_recognised_on_a_pipe_whose_first_read_is_one_byte():
    packed = gzip.compress(SEG + b"\n")
    proc = subprocess.Popen([*xenkb_command(), "match", "--json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(packed[:1])
    proc.stdin.flush()
    time.sleep(0.5)  # xenkb's first read gets the one byte; no timing is asserted
    proc.stdin.write(packed[1:])
    proc.stdin.close()
    out = proc.stdout.read()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert finding_ids(out) == [SEG_ID]


def test_closed_stdout_is_a_closed_pipe_not_a_traceback(seg_log):
    proc = subprocess.run([*xenkb_command(), "match", str(seg_log)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=60,
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == 141
    assert b"Traceback" not in proc.stderr


def test_full_disk_on_stdout_is_a_closed_pipe_with_one_line(seg_log):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*xenkb_command(), "match", str(seg_log)], stdout=full,
                              stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 141
    assert_one_line_error(proc.stderr, "No space left")


@pytest.mark.parametrize("command", [["match"], ["normalize"], ["chat"], ["match", "-", "SEG"]])
def test_closed_stdin_is_an_error_for_that_input(command, seg_log):
    command = [str(seg_log) if c == "SEG" else c for c in command]
    proc = subprocess.run([*xenkb_command(), *command], stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=60, preexec_fn=lambda: os.close(0))
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "stdin")
    if str(seg_log) in command:
        assert b"4gb-seg-fixup" in proc.stdout  # the other input is still reported


def test_an_unexpected_exception_is_one_line_exit_2_and_the_other_inputs_go_on(tmp_path, seg_log, monkeypatch,
                                                                                capsys):
    # Any bug while reading one input (here: the matcher raising on it) must not
    # end the run with a traceback and exit 1.
    from xenkb.match import Matcher

    other = tmp_path / "boom.log"
    other.write_bytes(b"anything\n")
    real_scan = Matcher.scan

    def scan(self, stream, source="-", exhaustive=False):
        if source.endswith("boom.log"):
            raise TypeError("simulated bug")
        return real_scan(self, stream, source, exhaustive)

    monkeypatch.setattr(Matcher, "scan", scan)
    code = cli.main(["match", "--no-user-kb", "--brief", str(other), str(seg_log)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "4gb-seg-fixup" in out
    assert_one_line_error(err.encode(), "boom.log", "TypeError")


def test_an_unexpected_exception_outside_the_inputs_is_exit_2_not_1(monkeypatch, capsys):
    import xenkb.catalog

    def broken(*args, **kwargs):
        raise AttributeError("simulated bug")

    monkeypatch.setattr(xenkb.catalog, "load_catalog", broken)
    code = cli.main(["list"])
    _, err = capsys.readouterr()
    assert code == 2
    assert_one_line_error(err.encode(), "AttributeError")


def test_a_directory_among_the_inputs_is_one_error(tmp_path, seg_log):
    r = run_xenkb("match", "--json", str(tmp_path), str(seg_log))
    assert r.returncode == 2
    assert finding_ids(r.stdout) == [SEG_ID]
    assert_one_line_error(r.stderr, "directory")
