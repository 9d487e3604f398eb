"""Make text from a log safe to print on a terminal.

A log line can hold escape sequences (``\\x1b]0;title\\x07`` retitles the window,
``\\x1b[2J`` clears the screen), backspaces that hide text, or bytes that are not
text at all. Anything printed from a log goes through ``visible`` first, so it is
shown, never interpreted.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    if ch == "\x1b":
        return "\\e"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def visible(text: str, limit: int | None = 500) -> str:
    """Escape control characters (tabs become spaces) and cut very long text."""
    text = text.replace("\t", "    ")
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"... [{len(text) - limit} more characters]"
    return _UNSAFE.sub(_escape, text)
