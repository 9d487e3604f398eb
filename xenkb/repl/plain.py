"""The chat without a terminal: stdin line by line, answers on stdout, no escapes.

Consecutive lines that look like log lines are gathered into one paste (ended by a
blank line, a line that does not look like a log, or EOF), so
``cat xend.log - | xenkb chat`` gets one answer for the log, then the typed lines.
Indented lines continue a paste (tracebacks, wrapped messages).
"""

from __future__ import annotations

from typing import TextIO

from xenkb.repl.dialogue import Dialogue
from xenkb.repl.intents import looks_like_log_line


def run_plain(dialogue: Dialogue, stdin: TextIO, stdout: TextIO) -> int:
    paste: list[str] = []

    def say(text: str) -> None:
        stdout.write(dialogue.respond(text) + "\n\n")
        stdout.flush()

    def flush() -> None:
        if paste:
            text = "\n".join(paste)
            paste.clear()
            say(text)

    for raw in stdin:
        line = raw.rstrip("\r\n")
        continues = bool(paste) and line[:1] in (" ", "\t") and bool(line.strip())
        if looks_like_log_line(line) or continues:
            paste.append(line)
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
