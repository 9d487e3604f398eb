"""The normaliser: prefixes stripped, masks applied in order, specific before generic."""

from __future__ import annotations

import pytest

from xenkb.normalize import mask, normalize, strip_prefixes


def test_issue_example_lines_are_one_signature():
    a = normalize("4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870")
    b = normalize("4gb seg fixup, process sshd (pid 911), cs:ip 73:b7f1a2c4")
    assert a == b == "4gb seg fixup, process <NAME> (pid <NUM>), cs:ip <NUM>:<HEX>"


@pytest.mark.parametrize("line,message", [
    ("[   12.345678] clocksource/0: Time went backwards", "clocksource/0: Time went backwards"),
    ("Nov 29 05:07:53 dom0 kernel: [ 1.2] eth0: link up", "eth0: link up"),
    ("2024-01-02T03:04:05.123456+01:00 host xl[42]: libxl: error: x", "libxl: error: x"),
    ("[2009-05-02 18:44:18 4321] ERROR (XendCheckpoint:144) Save failed", "ERROR (XendCheckpoint:144) Save failed"),
    ("(XEN) [2020-01-01 00:00:00.000] I/O virtualisation disabled", "I/O virtualisation disabled"),
    ("(XEN) Panic on CPU 0:", "Panic on CPU 0:"),
    ("(d3) HVM Loader", "HVM Loader"),
    ("\x1b[31mError:\x1b[0m boom", "Error: boom"),
    ("[Mon Nov 29 05:07:53 2026] xen-blkback: x", "xen-blkback: x"),
])
def test_prefixes_are_stripped(line, message):
    assert strip_prefixes(line) == message


@pytest.mark.parametrize("text,expected", [
    ("vm 6f0e2b0c-1d2e-4f3a-9b8c-7d6e5f4a3b2c up", "vm <UUID> up"),
    ("mac 00:16:3e:aa:bb:cc", "mac <MAC>"),
    ("ip 192.168.1.10:8000 and 10.0.0.1", "ip <IP> and <IP>"),  # IP before NUM
    ("Kernel image does not exist: /boot/vmlinuz-2.6.26", "kernel image does not exist: <PATH>"),
    ("cs:ip 73:b7e25870 at 0xdeadbeef", "cs:ip <NUM>:<HEX> at <HEX>"),
    ("Save failed on domain mydomu32 (3).", "save failed on domain <NAME> (<NUM>)."),
    ("Domain 'web1' already exists", "domain <NAME> already exists"),
    ("Dom12 out of PoD memory", "dom<NUM> out of pod memory"),
    ("dom0_min_mem is 196", "dom0_min_mem is <NUM>"),  # dom0 keeps its meaning
    ("port 2(vif5.0) entered", "port <NUM>(vif<NUM>.<NUM>) entered"),
    ("Boot loader didn't return any data!", "boot loader didnt return any data!"),
    ('cannot "quote"   this', "cannot quote this"),
    ("hvc0 xvc0 xenbr0 eth0 md0 amd64", "hvc0 xvc0 xenbr0 eth0 md0 amd64"),  # names are not numbers
    ("a <NUM> placeholder", "a <NUM> placeholder"),
])
def test_mask_table(text, expected):
    assert mask(text) == expected


def test_masking_is_idempotent():
    once = normalize("Error: Device 51714 (vbd) could not be connected. /dev/loop9 00:16:3e:aa:bb:cc")
    assert normalize(once) == once
