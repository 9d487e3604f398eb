"""`xenkb chat` without a terminal: stdin line by line, plain text on stdout."""

from __future__ import annotations

import subprocess
import sys

from conftest import run_xenkb

SEG = "[ 1234.5678] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870"


def chat(text: str, *flags: str) -> tuple[int, str]:
    r = run_xenkb("chat", *flags, input=text.encode())
    assert r.stderr == b"", r.stderr
    return r.returncode, r.stdout.decode()


def test_a_plain_question_gets_its_entry():
    code, out = chat("no login prompt\n")
    assert code == 0
    assert "xm-console-no-login" in out
    assert "\x1b" not in out


def test_log_lines_are_gathered_into_one_paste_then_follow_ups():
    text = "\n".join([
        "[    0.000000] Linux version 2.6.26-2-xen-686 (Debian 2.6.26-21lenny4)",
        SEG,
        "[ 1234.6000] 4gb seg fixup, process syslogd (pid 2071), cs:ip 73:b7e25870",
        "why",
        "how do I verify",
    ]) + "\n"
    code, out = chat(text, "--lines")
    assert code == 0
    assert out.count("Found 1 known problem") == 1 and "(3 lines)" in out
    assert "Why [4gb-seg-fixup]" in out and "To verify [4gb-seg-fixup]" in out
    assert "\x1b" not in out


def test_escape_sequences_and_bad_bytes_in_a_log_stay_inert():
    r = run_xenkb("chat", input=b"[ 1.0] evil \x1b]0;pwned\x07 error \xff\xfe\n" + SEG.encode() + b"\n")
    assert r.returncode == 0, r.stderr
    assert b"\x1b" not in r.stdout and b"\x07" not in r.stdout
    assert b"[4gb-seg-fixup]" in r.stdout


def test_empty_input_exits_0_and_quit_stops_reading():
    assert chat("") == (0, "")
    code, out = chat("/quit\n\nno login prompt\n")
    assert code == 0 and out.strip() == "Bye."


def test_nothing_fits_is_said_plainly():
    code, out = chat("zebra quantum pancake\n")
    assert code == 0 and "has no entry that answers" in out and "[" not in out


def test_match_and_the_plain_chat_never_import_prompt_toolkit(tmp_path):
    log = tmp_path / "x.log"
    log.write_text(SEG + "\n")
    code = (
        "import sys, io\n"
        "from xenkb.cli import main\n"
        f"main(['match', {str(log)!r}])\n"
        "import xenkb.repl, xenkb.repl.dialogue, xenkb.repl.plain\n"
        "assert 'prompt_toolkit' not in sys.modules, 'prompt_toolkit was imported'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()


def test_tool_output_between_log_lines_stays_in_one_paste():
    from conftest import DATA

    log = (DATA / "logs" / "xl-bridge-missing.log").read_bytes()
    r = run_xenkb("chat", input=log + b"\nwhy\n")
    out = r.stdout.decode()
    assert "in this paste (8 lines)" in out
    assert "[bridge-not-found]" in out and "Why [bridge-not-found]" in out


def test_a_piped_log_is_one_paste_whatever_its_lines_look_like():
    """xl's 'Started domain db1' does not look like a log line, and once was answered
    as a question of its own (issue 12)."""
    text = "Parsing config from /etc/xen/db1.cfg\nStarted domain db1 (id=7)\n" + SEG + "\n"
    code, out = chat(text)
    assert code == 0 and out.count("Found ") == 1 and "(3 lines)" in out
    assert "[4gb-seg-fixup]" in out


def test_blank_lines_separate_the_turns_of_a_piped_conversation():
    code, out = chat(SEG + "\n\nwhy\n\nhow do I verify\n")
    assert "Why [4gb-seg-fixup]" in out and "To verify [4gb-seg-fixup]" in out


def test_a_log_with_a_blank_line_inside_stays_one_paste():
    code, out = chat("[ 1.0] first line of the log\n\n" + SEG + "\n")
    assert out.count("Found ") == 1 and "(2 lines)" in out
