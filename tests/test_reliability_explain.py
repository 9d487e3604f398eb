"""--explain reads its input twice. A pipe or a device is copied while it is matched,
but only up to a bound (it once spooled 8 GB of /dev/zero into /tmp in 4 s), and a
named FIFO is never reopened (that waited forever for a second writer)."""

from __future__ import annotations

import os
import subprocess
import threading

import pytest
from conftest import xenkb_command
from reliability_support import SEG, limited


def test_explain_on_a_huge_pipe_spools_a_bounded_copy(tmp_path):
    # 200 MB through a pipe, with the process forbidden to write files over 100 MB:
    # copying the whole input for the second read would be killed by SIGXFSZ.
    env = dict(os.environ, TMPDIR=str(tmp_path))
    feeder = subprocess.Popen(["head", "-c", str(200 << 20), "/dev/zero"], stdout=subprocess.PIPE)
    try:
        proc = subprocess.run([*xenkb_command(), "match", "--explain"], stdin=feeder.stdout, capture_output=True,
                              timeout=300, env=env, preexec_fn=limited(file_size=100 << 20))
    finally:
        feeder.stdout.close()
        feeder.wait(timeout=60)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert b"Traceback" not in proc.stderr
    assert b"looked at the first" in proc.stdout


def test_explain_on_a_named_fifo_does_not_wait_for_a_second_writer(tmp_path):
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as f:
            f.write(b"(XEN) I/O virtualisation enabled\n" + SEG + b"\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        proc = subprocess.run([*xenkb_command(), "match", "--explain", str(fifo)], capture_output=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("--explain reopened the FIFO and waited for another writer")
    writer.join(timeout=10)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "4gb-seg-fixup" in out and "Why not" in out
    assert "iommu-disabled" in out  # the re-read copy was explained
