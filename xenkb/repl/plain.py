"""The chat without a terminal: stdin line by line, answers on stdout, no escapes.

Consecutive lines that look like log lines are gathered into one paste (ended by a
blank line, a line that does not look like a log, or EOF), so
``cat xend.log - | xenkb chat`` gets one answer for the log, then the typed lines.
Indented lines continue a paste (tracebacks, wrapped messages), and so do lines
with paths, brackets or colons (tool output between log lines).
"""

from __future__ import annotations

from typing import TextIO

from xenkb.repl.dialogue import Dialogue
from xenkb.repl.intents import looks_like_log_line


def _log_ish(line: str) -> bool:
    """Inside a paste, a line that is not a typed question: xl's "Parsing config from
    /etc/xen/web1.cfg" or "Domain 1 (web1) running" carry paths, brackets or colons,
    while follow-ups such as "why" or "how do I verify" carry none."""
    stripped = line.strip()
    return not stripped.startswith("/") and any(c in stripped for c in ":/[(=")


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
        continues = bool(paste) and bool(line.strip()) and (
            line[:1] in (" ", "\t") or _log_ish(line))
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
