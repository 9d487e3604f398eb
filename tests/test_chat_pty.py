"""End to end in a real pseudo-terminal: start `xenkb`, paste a log the way a
terminal pastes it (bracketed), ask a follow-up, leave."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import xenkb_command

pexpect = pytest.importorskip("pexpect")

LOG = "\r".join([
    "[2009-05-02 18:40:10 4012] DEBUG (XendCheckpoint:89) [xc_save]: /usr/lib/xen/bin/xc_save 4 5 0 0 0",
    "[2009-05-02 18:40:12 4012] ERROR (XendCheckpoint:144) Save failed on domain mydomu32 (5).",
])


@pytest.fixture
def child(isolated_xdg):
    env = dict(os.environ, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", NO_COLOR="1")
    cmd = xenkb_command()
    proc = pexpect.spawn(cmd[0], cmd[1:], env=env, dimensions=(40, 110), encoding="utf-8",
                         codec_errors="replace", timeout=30)
    yield proc
    if proc.isalive():
        proc.terminate(force=True)


def test_paste_ask_why_and_verify_then_leave(child, isolated_xdg):
    child.expect("xenkb>")
    child.send("\x1b[200~" + LOG + "\r\x1b[201~")
    child.expect(r"\[xendcheckpoint-save-failed\]")
    child.expect("Is the dom0 amd64 or i386")
    child.expect("xenkb>")
    child.send("amd64\r")
    child.expect("Noted: arch amd64")
    child.expect("xenkb>")
    child.send("why\r")
    child.expect("XendCheckpoint.save")  # words of the entry's cause
    child.expect("xenkb>")
    child.send("how do I verify\r")
    child.expect("completes and")
    child.expect("xenkb>")
    child.send("domU has no login prompt\r")
    child.expect(r"xm-console-no-login|xen-tools-no-console")
    child.expect("xenkb>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    history = isolated_xdg / "xdg_state_home" / "xenkb" / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert "Save failed on domain mydomu32" in history.read_text()


def test_slash_quit_leaves_with_0(child):
    child.expect("xenkb>")
    child.send("/quit\r")
    child.expect("Bye.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
