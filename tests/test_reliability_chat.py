"""The chat under attack: its history file is never followed through a link, a long
pasted line is answered (log detection is linear, lines are bounded), and what is
pasted is echoed with direction controls escaped."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys

import pytest
from conftest import xenkb_command

pytest.importorskip("prompt_toolkit")


def _history(path):  # type: ignore[no-untyped-def]
    """The chat's history for `path`, by whichever API this xenkb has."""
    from xenkb.repl import history as module

    opener = getattr(module, "open_history", None)
    if opener is not None:
        return opener(path)[0]
    return module.PrivateFileHistory(path)


def test_a_history_path_that_is_a_symlink_is_not_followed(isolated_xdg):
    from xenkb.repl.history import history_path

    target = isolated_xdg / "elsewhere.txt"
    target.write_text("keep me\n")
    os.chmod(target, 0o644)
    path = history_path()
    path.parent.mkdir(parents=True, mode=0o700)
    path.symlink_to(target)
    history = _history(path)
    history.store_string("a pasted secret")
    getattr(history, "clear", lambda: None)()
    assert target.read_text() == "keep me\n"  # not appended to, not emptied by /forget
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644  # not chmodded
    assert path.is_symlink()


def test_the_chat_says_why_it_keeps_no_history_file(isolated_xdg):
    from xenkb.repl.history import history_path, open_history

    path = history_path()
    path.parent.mkdir(parents=True, mode=0o700)
    path.symlink_to(isolated_xdg / "elsewhere.txt")
    history, reason = open_history(path)
    assert reason is not None and "symbolic link" in reason
    history.store_string("kept in memory")
    assert list(history.load_history_strings()) == ["kept in memory"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_history_file_of_another_user_is_not_used(isolated_xdg):
    from xenkb.repl.history import history_path

    path = history_path()
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text("\n# theirs\n+their line\n")
    os.chown(path, 65534, 65534)
    history = _history(path)
    history.store_string("mine")
    assert "mine" not in path.read_text()


def _run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    # From the temporary directory: `python -c` puts its working directory first on
    # sys.path, and the installed xenkb is the one under test.
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=timeout,
                          cwd=os.environ["XDG_STATE_HOME"])


def test_log_detection_is_linear_on_a_400000_character_line():
    # Each shape below made one of the detection patterns quadratic (386 s for one
    # pasted line of 400,000 characters). Run apart, so a hang ends with its process.
    code = ("from xenkb.repl.intents import classify, looks_like_log_line\n"
            "for unit in ('a[', 'a:', 'a.', '(a', 'ab', 'x'):\n"
            "    line = unit * (400000 // len(unit))\n"
            "    looks_like_log_line(line); classify(line, set())\n")
    try:
        r = _run_python(code, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("log detection is not linear")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("line", [b"a[" * 200_000, b"x" * 10_000_000, b"[ 1.0] " + b"a:" * 2_000_000])
def test_the_chat_answers_a_huge_pasted_line(line):
    try:
        r = subprocess.run([*xenkb_command(), "chat"], input=line + b"\n", capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the chat never answered")
    assert r.returncode == 0, r.stderr[-2000:]
    assert b"paste" in r.stdout or b"question" in r.stdout or b"entry" in r.stdout
    assert b"Traceback" not in r.stderr


def test_a_dialogue_turn_with_a_huge_line_is_bounded(catalog):
    from xenkb.repl.dialogue import Dialogue

    code = ("from xenkb.catalog import load_catalog\n"
            "from xenkb.repl.dialogue import Dialogue\n"
            "d = Dialogue(load_catalog(user=False))\n"
            "print(d.respond('a[' * 200000)[:40])\n"
            "print(d.respond('x' * 10000000)[:40])\n")
    try:
        r = _run_python(code, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("a turn with one huge line never ended")
    assert r.returncode == 0, r.stderr
    assert Dialogue(catalog).respond("") != ""


def test_the_paste_echo_shows_direction_controls_escaped(catalog):
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from xenkb.repl.dialogue import Dialogue
    from xenkb.repl.session import chat_loop, make_session

    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=24, columns=120), term="xterm")
    dialogue = Dialogue(catalog)
    with create_pipe_input() as pipe:
        session = make_session(dialogue, None, input=pipe, output=output)
        pipe.send_text("see \u202eexe.txt\u202c and \u200e\u200f\u061c\u2066x\u2069\u2028 \x9b2J\r\x04")
        chat_loop(session, dialogue, lambda text: None)
    shown = screen.getvalue()
    for ch in "\u202e\u202c\u200e\u200f\u061c\u2066\u2069\u2028\x9b":
        assert ch not in shown, repr(ch)
    assert "\\u202e" in shown and "\\u061c" in shown
