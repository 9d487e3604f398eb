"""Helpers shared by the reliability and fuzz tests: running xenkb as a subprocess
under resource limits, and the line every planted-error test looks for."""

from __future__ import annotations

import json
import os
import resource
import subprocess
from pathlib import Path

from conftest import xenkb_command

SEG = b"4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870"
SEG_ID = "4gb-seg-fixup"
# Exit statuses the README documents.
DOCUMENTED_EXITS = {0, 1, 2, 130, 141, 143}
# Address space for one xenkb process: the interpreter, RE2 and rapidfuzz take
# under 150 MiB of it; what a bounded run needs on top
# is small. A reader that loads a huge line or a YAML bomb whole hits the limit.
ADDRESS_SPACE = 384 << 20


def limited(address_space: int = ADDRESS_SPACE, file_size: int | None = None):  # type: ignore[no-untyped-def]
    """A preexec_fn setting RLIMIT_AS (and RLIMIT_FSIZE, for files the process writes)."""
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    return apply


def run_limited(*args: str, input: bytes | None = None, stdin=None, timeout: float = 120,  # type: ignore[no-untyped-def]
                address_space: int = ADDRESS_SPACE, file_size: int | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """xenkb under memory limits; stdin from `input` bytes or an open file."""
    return subprocess.run([*xenkb_command(), *args], input=input, stdin=stdin, capture_output=True,
                          timeout=timeout, preexec_fn=limited(address_space, file_size),
                          env=env if env is not None else os.environ.copy())


def json_findings(stdout: bytes) -> list[dict]:
    return [obj for obj in map(json.loads, stdout.decode().splitlines()) if obj.get("type") == "finding"]


def finding_ids(stdout: bytes) -> list[str]:
    return [f["id"] for f in json_findings(stdout)]


def assert_one_line_error(stderr: bytes, *words: str) -> None:
    """stderr holds no traceback, and each error is one line starting `xenkb: `."""
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "expected an error line on stderr"
    assert all(line.startswith("xenkb: ") for line in lines), text
    for word in words:
        assert word in text, (word, text)


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


def entry_yaml(entry_id: str, signature: str = "zorblax quuxified the frobnicator badly", extra: str = "") -> str:
    """A valid user KB entry (extra: more top-level YAML lines)."""
    return f"""id: {entry_id}
title: Zorblax trouble
summary: The frobnicator was quuxified.
signatures:
  - text: "{signature}"
fix:
  - step: Unquuxify it.
references:
  - url: https://example.com/zorblax
examples:
  match: ["{signature}"]
  no_match: ["the frobnicator is fine"]
{extra}"""
