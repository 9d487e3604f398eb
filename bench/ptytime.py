"""Start-up as a user sees it on a terminal: time from exec to the chat's prompt.

The command runs on a new pseudo-terminal (stdlib ``os.openpty``: no pexpect needed)
of 40x120 cells, answering the cursor-position requests a terminal would answer. The
clock starts just before the process is created and stops when the marker has been
drawn (terminal escapes stripped), or, without a marker, when the process exits.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time

# CSI ... final byte, OSC ... BEL/ST, and two-byte escapes.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>]")
_CPR_REQUEST = b"\x1b[6n"


def pty_available() -> bool:
    try:
        master, slave = os.openpty()
    except OSError:
        return False
    os.close(master)
    os.close(slave)
    return True


def time_on_pty(argv: list[str], env: dict[str, str], marker: bytes | None,
                timeout: float = 30.0) -> tuple[float | None, bytes]:
    """(seconds until `marker` was drawn, or until exit when `marker` is None; None on
    timeout, output so far). A process still running at the end gets Ctrl-D, then is
    killed if it does not leave within a few seconds."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    out = b""
    elapsed: float | None = None
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    deadline = t0 + timeout
    try:
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the pty has gone
                data = b""
            now = time.perf_counter()
            if not data:
                if marker is None:
                    proc.wait(timeout=max(0.0, deadline - now))
                    elapsed = time.perf_counter() - t0
                break
            out += data
            if _CPR_REQUEST in data:
                os.write(master, b"\x1b[1;1R")
            if marker is not None and marker in _ESCAPES.sub(b"", out):
                elapsed = now - t0
                break
    except subprocess.TimeoutExpired:
        pass
    finally:
        if proc.poll() is None:
            try:
                os.write(master, b"\x04")
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        os.close(master)
    return elapsed, out
