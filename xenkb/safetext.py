"""Make text from outside the program safe to print on a terminal.

A log line, a file name, a KB field or a YAML key can hold escape sequences
(``\\x1b]0;title\\x07`` retitles the window, ``\\x1b]52;...`` writes the clipboard,
``\\x1b[2J`` clears the screen), backspaces that hide text, bytes that are not text
at all, or Unicode direction controls that make a line read differently from what
it holds (U+202E turns ``txt.exe`` around). Anything printed that did not come from
xenkb itself goes through ``visible`` first, so it is shown, never interpreted.
"""

from __future__ import annotations

import re

# Not printed as themselves: C0 and C1 controls (tab and newline aside: tabs become
# spaces, and callers that print one line flatten newlines themselves),
# DEL, the Unicode line and paragraph separators, and every direction control: the
# marks (U+061C ALM, U+200E LRM, U+200F RLM), the embeddings and overrides
# (U+202A-U+202E) and the isolates (U+2066-U+2069).
DIRECTION_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
LINE_SEPARATORS = "\u2028\u2029"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + LINE_SEPARATORS + DIRECTION_CONTROLS + "]")


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

