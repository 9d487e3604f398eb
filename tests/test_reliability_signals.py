"""Signals and the two-core scan: the second half's process dies with its parent, and
SIGINT or SIGTERM sent to the parent alone end both, with 130 or 143.

Each test stops the child (SIGSTOP) as soon as it exists, so it cannot finish on
its own and hide a missing protection: without it, the child stays forever (an
orphan), or the parent waits for it forever. The waits are hang guards only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import xenkb_command
from reliability_support import SEG, alive, children_of

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture(scope="module")
def big_log(tmp_path_factory):
    """Big enough to be split on two cores (>= 8 MiB), dense with candidate lines."""
    path = tmp_path_factory.mktemp("signals") / "big.log"
    block = (b"[ 1.0] eth0: link up\n" * 20 + SEG + b"\n") * 2000
    with open(path, "wb") as f:
        while f.tell() < 24 << 20:
            f.write(block)
    return path


def _start_and_stop_the_child(big_log):  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([*xenkb_command(), "match", "--json", str(big_log)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    child = None
    while child is None and time.monotonic() < deadline and proc.poll() is None:
        kids = [kid for kid in children_of(proc.pid) if _set_up(kid)]
        if kids:
            child = kids[0]
            os.kill(child, signal.SIGSTOP)
        else:
            time.sleep(0.002)
    if child is None:
        proc.kill()
        pytest.fail("the two-core scan never forked (or ended before it could be caught)")
    return proc, child


def _set_up(pid: int) -> bool:
    """The child has set itself up (it asks to die with its parent first, then gives
    SIGINT and SIGTERM their default action): stopping it earlier would test nothing."""
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        return False
    caught = next((int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:")), 0)
    return not caught & (1 << (signal.SIGINT - 1) | 1 << (signal.SIGTERM - 1))


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def _cleanup(proc, child) -> None:  # type: ignore[no-untyped-def]
    for pid in (child, proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    proc.communicate(timeout=30)


def test_the_child_dies_with_its_parent(big_log):
    proc, child = _start_and_stop_the_child(big_log)
    try:
        proc.kill()  # SIGKILL: the parent can do nothing about it; the child must go too
        proc.wait(timeout=30)
        assert _gone_within(child, 20), "the second half's process outlived its parent"
    finally:
        _cleanup(proc, child)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_the_parent_alone_ends_both(big_log, sig, code):
    proc, child = _start_and_stop_the_child(big_log)
    try:
        os.kill(proc.pid, sig)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("the parent waits for a child that cannot finish")
        assert proc.returncode == code
        assert b"Traceback" not in err and b"Broken pipe" not in err
        assert _gone_within(child, 20)
    finally:
        _cleanup(proc, child)
