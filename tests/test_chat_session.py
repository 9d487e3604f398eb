"""The prompt_toolkit session, fed through a pipe (no real terminal), as the
keyboard and a terminal's bracketed paste would feed it."""

from __future__ import annotations

import os
import stat

import pytest

pytest.importorskip("prompt_toolkit")

from prompt_toolkit.completion import CompleteEvent  # noqa: E402
from prompt_toolkit.document import Document  # noqa: E402
from prompt_toolkit.input import create_pipe_input  # noqa: E402
from prompt_toolkit.output import DummyOutput  # noqa: E402

from xenkb.repl.dialogue import Dialogue  # noqa: E402
from xenkb.repl.history import PrivateFileHistory, history_path  # noqa: E402
from xenkb.repl.session import ChatCompleter, chat_loop, make_session  # noqa: E402

# A real-looking dmesg excerpt from a 32-bit lenny domU; terminals send CR in a paste.
DMESG = "\r".join([
    "[    0.000000] Linux version 2.6.26-2-xen-686 (Debian 2.6.26-21lenny4) (dannf@debian.org) #1 SMP",
    "[    0.000000] Xen version: 3.2.1 (preserve-AD)",
    "[    1.234567] console [xvc0] enabled",
    "[   12.345678] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870",
    "[   12.400001] 4gb seg fixup, process syslogd (pid 2071), cs:ip 73:b7e25870",
    "[   14.100000] eth0: no IPv6 routers present",
])
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


def run(catalog, keys: str, history=None, dialogue=None) -> tuple[int, list[str], Dialogue]:
    """Type `keys` into a fresh session; returns (exit code, answers, dialogue)."""
    dialogue = dialogue or Dialogue(catalog, forget_history=getattr(history, "clear", None))
    answers: list[str] = []
    with create_pipe_input() as pipe:
        session = make_session(dialogue, history, input=pipe, output=DummyOutput())
        pipe.send_text(keys)
        code = chat_loop(session, dialogue, answers.append)
    return code, answers[1:], dialogue  # answers[0] is the welcome


def test_bracketed_paste_of_a_log_is_one_turn_and_why_follows(catalog):
    code, answers, _ = run(catalog, PASTE_START + DMESG + "\r" + PASTE_END + "why\r" + "\x04")
    assert code == 0
    assert len(answers) == 2  # one answer for the whole paste, one for "why"
    assert "Found 1 known problem in this paste (6 lines)" in answers[0]
    assert "1. [4gb-seg-fixup]" in answers[0] and "kernel 2.6.26-2-xen-686" in " ".join(answers[0].split())
    cause = " ".join(catalog.entries["4gb-seg-fixup"].cause.split())
    assert cause[:60] in " ".join(answers[1].split())


def test_a_one_line_paste_waits_for_enter(catalog):
    line = "4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870"
    code, answers, _ = run(catalog, PASTE_START + line + PASTE_END + "\r\x04")
    assert code == 0 and len(answers) == 1 and "[4gb-seg-fixup]" in answers[0]


def test_escape_then_enter_adds_a_line_by_hand(catalog):
    keys = "[ 1.0] Linux version 2.6.26-2-xen-amd64 (x)\x1b\r" \
           "[ 2.0] ERROR (XendCheckpoint:144) Save failed on domain d32 (5).\r\x04"
    _, answers, _ = run(catalog, keys)
    assert len(answers) == 1 and "(2 lines)" in answers[0]
    assert "[xendcheckpoint-save-failed]" in answers[0] and "arch amd64" in answers[0]


def test_ctrl_c_cancels_the_input_and_ctrl_d_leaves(catalog):
    code, answers, _ = run(catalog, "half typed question\x03" + "no login prompt\r" + "\x04")
    assert code == 0
    assert len(answers) == 1 and "login" in answers[0]


def test_quit_command_ends_the_loop(catalog):
    code, answers, dialogue = run(catalog, "/quit\r" + "why\r")
    assert code == 0 and answers == ["Bye."] and dialogue.done


def test_escape_sequences_from_a_paste_are_shown_not_sent(catalog):
    evil = "[ 1.0] evil\x1b]0;pwned\x07 error\r[ 2.0] more \x1b[2J error"
    _, answers, _ = run(catalog, PASTE_START + evil + PASTE_END + "\x04")
    assert answers and all("\x1b" not in a and "\x07" not in a for a in answers)


def test_history_is_private_and_forget_empties_it(catalog, isolated_xdg):
    path = history_path()
    assert path == isolated_xdg / "xdg_state_home" / "xenkb" / "history"
    history = PrivateFileHistory(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    run(catalog, "no login prompt\r" + PASTE_START + DMESG + PASTE_END + "\x04", history=history)
    text = path.read_text()
    assert "+no login prompt" in text and "+[   12.345678] 4gb seg fixup" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    _, answers, _ = run(catalog, "/forget\r\x04", history=PrivateFileHistory(path))
    assert "cleared" in answers[0]
    assert path.read_text() == ""
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_history_tightens_a_loose_existing_file(isolated_xdg):
    path = history_path()
    path.parent.mkdir(parents=True)
    path.write_text("\n# old\n+why\n")
    os.chmod(path, 0o644)
    history = PrivateFileHistory(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert list(history.load_history_strings()) == ["why"]


def test_a_cut_short_history_record_does_not_spoil_the_next(isolated_xdg):
    path = history_path()
    history = PrivateFileHistory(path)
    history.store_string("first")
    with open(path, "a") as f:
        f.write("\n# crashed mid-write\n+half a pas")  # no final newline, as after a crash
    history.store_string("after")
    assert list(history.load_history_strings())[:2] == ["after", "half a pas"]
    assert "first" in list(history.load_history_strings())


def test_a_turn_that_raises_is_reported_in_one_line_and_the_chat_goes_on(catalog, monkeypatch):
    dialogue = Dialogue(catalog)

    def boom(text: str) -> list[str]:
        raise ValueError("bad\nthing")

    monkeypatch.setattr(dialogue, "answer_question", boom)
    _, answers, _ = run(catalog, "zebra quantum pancake\r" + "/show 4gb-seg-fixup\r" + "\x04", dialogue=dialogue)
    assert len(answers) == 2
    assert "ValueError: bad thing" in answers[0] and "\n" not in answers[0]
    assert "[4gb-seg-fixup]" in answers[1]


def _completions(completer: ChatCompleter, text: str, tab: bool = True) -> list[str]:
    event = CompleteEvent(completion_requested=tab)
    return [c.text for c in completer.get_completions(Document(text), event)]


def test_completer_offers_commands_and_entry_ids(catalog):
    completer = ChatCompleter(catalog.entries)
    assert "/show" in _completions(completer, "/sh")
    assert set(_completions(completer, "/")) >= {"/help", "/list", "/facts", "/reset", "/quit", "/teach"}
    assert _completions(completer, "/show 4gb") == ["4gb-seg-fixup"]
    assert "xendcheckpoint-save-failed" in _completions(completer, "why not xendch")
    assert "xendcheckpoint-save-failed" in _completions(completer, "xendch", tab=True)
    # Typing a question never pops up ids.
    assert _completions(completer, "xendch", tab=False) == []
    assert _completions(completer, "no login prompt") == []


def test_long_answers_are_folded_to_the_screen(catalog):
    # As many 'more' as pages the list may need as the KB grows; each page fits.
    _, answers, _ = run(catalog, "/list\r" + "more\r" * 5 + "\x04")
    rows = DummyOutput().get_size().rows
    assert "say 'more'" in answers[0]
    end = next(i for i, a in enumerate(answers) if "entries; /show ID opens one." in a)
    assert end >= 1
    assert all(len(a.splitlines()) < rows for a in answers[:end + 1])
