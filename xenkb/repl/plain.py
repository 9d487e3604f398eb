"""The chat without a terminal: answers on stdout, no escapes.

By default a turn is a block of lines ended by a blank line (or EOF), so a log
piped in (``journalctl -k | xenkb chat``) is one paste whatever its lines look
like, and a conversation is written as blocks: ``printf 'no login prompt\n\nwhy\n'``.
Blocks that follow a paste and look like log lines join it (a log with blank lines
in it stays one paste).

``--lines`` reads one turn per line instead: consecutive lines that look like log
lines are gathered into one paste (ended by a blank line, a line that does not
look like a log, or EOF), so ``cat xend.log - | xenkb chat --lines`` gets one
answer for the log, then the typed lines. Indented lines continue a paste
(tracebacks, wrapped messages), and so do lines with paths, brackets or colons.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from xenkb.repl.dialogue import Dialogue
from xenkb.repl.intents import looks_like_log_line
from xenkb.scoring import MAX_LINE_BYTES

# A paste piped in is answered in parts of at most this many characters, so a whole
# log piped into the chat is not held in memory at once.
MAX_PASTE_CHARS = 16 << 20


def _log_ish(line: str) -> bool:
    """Inside a paste, a line that is not a typed question: xl's "Parsing config from
    /etc/xen/web1.cfg" or "Domain 1 (web1) running" carry paths, brackets or colons,
    while follow-ups such as "why" or "how do I verify" carry none."""
    stripped = line.strip()
    return not stripped.startswith("/") and any(c in stripped for c in ":/[(=")


def bounded_lines(stdin: TextIO) -> Iterator[str]:
    """stdin's lines, each cut to MAX_LINE_BYTES characters (the rest is skipped
    while reading), so a line without end cannot fill the memory."""
    while True:
        line = stdin.readline(MAX_LINE_BYTES)
        if not line:
            return
        if not line.endswith("\n"):
            while True:  # the rest of an over-long line
                rest = stdin.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith("\n"):
                    break
        yield line


def run_plain(dialogue: Dialogue, stdin: TextIO, stdout: TextIO, lines: bool = False) -> int:
    if not lines:
        return _run_blocks(dialogue, stdin, stdout)
    paste: list[str] = []
    held = 0  # characters in `paste`: a long log piped in is answered in parts

    def say(text: str) -> None:
        stdout.write(dialogue.respond(text) + "\n\n")
        stdout.flush()

    def flush() -> None:
        nonlocal held
        if paste:
            text = "\n".join(paste)
            paste.clear()
            held = 0
            say(text)

    for raw in bounded_lines(stdin):
        line = raw.rstrip("\r\n")
        continues = bool(paste) and bool(line.strip()) and (
            line[:1] in (" ", "\t") or _log_ish(line))
        if looks_like_log_line(line) or continues:
            paste.append(line)
            held += len(line) + 1
            if held >= MAX_PASTE_CHARS:
                flush()
            continue
        flush()
        if dialogue.done:
            break
        if line.strip():
            say(line)
        if dialogue.done:
            break
    flush()
    return 0


def _blocks(stdin: TextIO):  # type: ignore[no-untyped-def]
    """Blank-line separated blocks of bounded lines; a block over MAX_PASTE_CHARS is
    handed over in parts (a long log piped in is answered in parts)."""
    block: list[str] = []
    held = 0
    for raw in bounded_lines(stdin):
        line = raw.rstrip("\r\n")
        if line.strip():
            block.append(line)
            held += len(line) + 1
            if held >= MAX_PASTE_CHARS:
                yield block
                block, held = [], 0
        elif block:
            yield block
            block, held = [], 0
    if block:
        yield block


def _run_blocks(dialogue: Dialogue, stdin: TextIO, stdout: TextIO) -> int:
    paste: list[str] = []

    def say(text: str) -> None:
        stdout.write(dialogue.respond(text) + "\n\n")
        stdout.flush()

    for block in _blocks(stdin):
        if paste and looks_like_log_line(block[0]) and sum(map(len, paste)) < MAX_PASTE_CHARS:
            paste.extend(block)  # the same log, after a blank line
            continue
        if paste:
            say("\n".join(paste))
            paste = []
            if dialogue.done:
                return 0
        if len(block) > 1 or looks_like_log_line(block[0]):
            paste = block
            continue
        say(block[0])
        if dialogue.done:
            return 0
    if paste:
        say("\n".join(paste))
    return 0
