"""The installed `xenkb` command, through a subprocess, as a user or a script runs it."""

from __future__ import annotations

import gzip
import json

from conftest import DATA, run_xenkb

SEG = b"[ 1234.5678] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870\n"


def test_match_stdin_reports_title_score_evidence_and_fix():
    r = run_xenkb("match", input=SEG)
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr
    assert "[4gb-seg-fixup]" in out
    assert "score 100/100" in out
    assert "line 1" in out and "klogd" in out
    assert "hwcap 0 nosegneg" in out  # the fix, literal
    assert r.stderr == b""


def test_exit_1_when_nothing_found():
    r = run_xenkb("match", input=b"clocksource: Switched to clocksource xen\n")
    assert r.returncode == 1
    assert b"No known problem" in r.stdout


def test_json_lines_schema(tmp_path):
    log = tmp_path / "dmesg.txt.gz"
    with gzip.open(log, "wb") as f:
        f.write(b"ok line\n" * 3 + SEG + SEG)
    r = run_xenkb("match", "--json", str(log))
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert objs[0]["type"] == "facts"
    finding = next(o for o in objs if o["type"] == "finding")
    assert finding["id"] == "4gb-seg-fixup"
    assert 0 <= finding["score"] <= 100
    assert finding["evidence"][0]["line"] == 4
    assert finding["count"] == 2 and finding["first_line"] == 4 and finding["last_line"] == 5
    assert finding["fix"] and finding["references"] and finding["title"]


def test_missing_file_is_one_line_error_and_others_still_reported(tmp_path):
    good = tmp_path / "good.log"
    good.write_bytes(SEG)
    r = run_xenkb("match", str(tmp_path / "nope.log"), str(tmp_path), str(good))
    assert r.returncode == 2
    err = r.stderr.decode().strip().splitlines()
    assert len(err) == 2 and "nope.log" in err[0] and "directory" in err[1]
    assert "Traceback" not in r.stderr.decode()
    assert b"[4gb-seg-fixup]" in r.stdout


def test_corrupt_gzip_is_an_error_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(SEG * 100)[:40])
    r = run_xenkb("match", str(bad))
    assert r.returncode == 2
    assert b"Traceback" not in r.stderr and b"bad.gz" in r.stderr


def test_show_list_search():
    r = run_xenkb("show", "4gb-seg-fixup")
    assert r.returncode == 0 and b"hwcap 0 nosegneg" in r.stdout and b"Sources" in r.stdout
    r = run_xenkb("show", "4gb-seg-fixp")
    assert r.returncode == 2 and b"4gb-seg-fixup" in r.stderr  # did you mean
    r = run_xenkb("list")
    assert r.returncode == 0 and b"time-went-backwards" in r.stdout and b"bundled" in r.stdout
    r = run_xenkb("search", "no", "login", "prompt", "on", "xm", "console")
    assert r.returncode == 0
    assert b"xm-console-no-login" in r.stdout.splitlines()[0]


def test_kb_check_bundled_passes():
    r = run_xenkb("kb", "check", timeout=300)
    assert r.returncode == 0, r.stdout.decode()[-2000:]
    assert b"0 errors" in r.stdout


def test_user_entry_overrides_bundled_and_list_shows_origin(isolated_xdg):
    from xenkb.kb import bundled_kb_dir

    user_kb = isolated_xdg / "xdg_config_home" / "xenkb" / "kb"
    user_kb.mkdir(parents=True)
    text = (bundled_kb_dir() / "4gb-seg-fixup.yaml").read_text().replace("title:", "title: LOCAL", 1)
    (user_kb / "4gb-seg-fixup.yaml").write_text(text)
    r = run_xenkb("list")
    line = next(l for l in r.stdout.decode().splitlines() if l.startswith("4gb-seg-fixup "))
    assert "user" in line and "LOCAL" in line
    r = run_xenkb("match", input=SEG)
    assert b"LOCAL" in r.stdout


def test_broken_user_entry_is_skipped_with_one_line_warning(tmp_path):
    kb = tmp_path / "mykb"
    kb.mkdir()
    (kb / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    r = run_xenkb("match", "--kb", str(kb), input=SEG)
    assert r.returncode == 0
    assert b"[4gb-seg-fixup]" in r.stdout
    err = r.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "broken.yaml" in err[0] and "Traceback" not in err[0]


def test_sample_log_in_readme_works():
    r = run_xenkb("match", str(DATA / "logs" / "lenny-dom0-problems.log"))
    assert r.returncode == 0
    assert b"[xendcheckpoint-save-failed]" in r.stdout


def test_stdin_redirected_from_a_big_file_gives_the_piped_result(tmp_path):
    # `xenkb match < big.log` is split over two cores like `xenkb match big.log`;
    # the result must be the one a pipe (read in one pass) gives.
    import subprocess

    from conftest import xenkb_command

    sample = (DATA / "logs" / "lenny-dom0-problems.log").read_bytes()
    path = tmp_path / "big.log"
    path.write_bytes(sample * (9 * 1024 * 1024 // len(sample) + 1))  # over the 8 MiB split size
    with open(path, "rb") as f:
        redirected = subprocess.run([*xenkb_command(), "match", "--json"], stdin=f, capture_output=True, timeout=120)
    piped = subprocess.run([*xenkb_command(), "match", "--json"], input=path.read_bytes(),
                           capture_output=True, timeout=120)
    assert redirected.returncode == piped.returncode == 0
    assert redirected.stdout == piped.stdout
    assert b'"type": "finding"' in redirected.stdout


def test_regular_stdin_path_only_for_a_file_read_from_its_start(tmp_path):
    import os

    from xenkb.cli import _regular_stdin

    path = tmp_path / "x.log"
    path.write_bytes(b"line one\nline two\n")
    with open(path, "rb") as f:
        assert _regular_stdin(f) == f"/dev/fd/{f.fileno()}"
        f.raw.seek(5)
        assert _regular_stdin(f) is None  # someone read part of it already: a pipe's rules
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as r, os.fdopen(write_fd, "wb"):
        assert _regular_stdin(r) is None
