"""Turn a raw log line into the canonical form that signatures are written against.

Two steps, both pure functions of one line:

1. ``strip_prefixes``: remove what the logger added (ANSI codes, dmesg ``[ 12.345678]``,
   syslog/journald ``Mon DD HH:MM:SS host prog[pid]:``, xend.log ``[date time pid]``,
   the hypervisor's ``(XEN)`` and guest ``(dN)`` tags), so only the message remains.
2. ``mask``: lower-case the message and replace variable parts with placeholders from
   an ordered table (specific before generic, as Drain3 does: an IP address must be
   masked before its numbers are), then drop quotes and collapse whitespace.

So ``4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870`` and
``4gb seg fixup, process sshd (pid 911), cs:ip 73:b7f1a2c4`` both become
``4gb seg fixup, process <NAME> (pid <NUM>), cs:ip <NUM>:<HEX>``.
"""

from __future__ import annotations

import re

# ESC [ ... final byte (CSI), ESC ] ... BEL/ST (OSC), and lone two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Each prefix is tried in turn, repeatedly, because loggers nest: a syslog line
# can carry "kernel:" and then a dmesg timestamp, a serial log "(XEN) [ts]".
PREFIXES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("syslog", re.compile(
        r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ [^\s:\[]+(?:\[\d+\])?: ")),
    ("iso-syslog", re.compile(
        r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? \S+ "
        r"[^\s:\[]+(?:\[\d+\])?: ")),
    ("xend", re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)? \d+\] ")),
    ("iso-timestamp", re.compile(
        r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?:?\s+")),
    ("dmesg", re.compile(r"^\[\s*\d+\.\d+\]\s?")),
    ("dmesg-T", re.compile(r"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\]\s?")),
    ("xen", re.compile(r"^\(XEN\)\s?(?:\[[^\]]{1,40}\]\s?)?")),
    ("guest", re.compile(r"^\(d\d+\)\s?")),
    ("kernel", re.compile(r"^kernel: ")),
    # A mail quoting the log: "> " (and "> > ", ">> ") before each line.
    ("mail-quote", re.compile(r"^>[> ]*")),
)

PLACEHOLDERS = ("UUID", "MAC", "IP", "PATH", "HEX", "NAME", "DOMID", "NUM")

# The mask table, applied in order to a lower-cased message. Placeholders are upper
# case so no later mask (all written for lower case) can touch them.
MASKS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("UUID", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
     "<UUID>"),
    ("MAC", re.compile(r"\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b"), "<MAC>"),
    ("IP", re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<IP>"),
    # Two or more components, so "/dev/loop9" is a path but "1/2" or "and/or" is not.
    ("PATH", re.compile(r"(?<![\w<>/])(?:/[\w.+@%~-]+){2,}/?"), "<PATH>"),
    # 0x-prefixed, or a hex run with both a digit and a letter (b7e25870), so plain
    # words (dead, added) and plain numbers stay what they are.
    ("HEX", re.compile(r"\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{4,}\b"),
     "<HEX>"),
    # Domain and process names only where the message structure says it is a name.
    ("NAME", re.compile(r"(?<=\bdomain )(?!<)[\w.+-]+(?= \()"), "<NAME>"),
    ("NAME", re.compile(r"(?<=\bprocess )(?!<)[\w.+-]+(?= \()"), "<NAME>"),
    ("NAME", re.compile(r"(?<=\bdomain )(['\"`])[^'\"`]{1,64}\1"), "<NAME>"),
    ("NAME", re.compile(r"(?<=\bname )(['\"`])[^'\"`]{1,64}\1"), "<NAME>"),
    # Domain ids inside tokens: dom5, d5v0, vif5.0, tap5.0 (dom0 stays: it means dom0).
    ("DOMID", re.compile(r"\bdom[1-9]\d*\b"), "dom<NUM>"),
    ("DOMID", re.compile(r"\bd[1-9]\d*v\d+\b"), "d<NUM>v<NUM>"),
    ("DOMID", re.compile(r"\b(vif|tap|vbd|vfb|vkbd)\d+\.\d+\b"), r"\1<NUM>.<NUM>"),
    ("NUM", re.compile(r"(?<![\w<])\d+(?![\w>])"), "<NUM>"),
)

_NEEDS_DIGIT = frozenset({"UUID", "MAC", "IP", "HEX", "DOMID", "NUM"})
_WRITTEN_PLACEHOLDER = re.compile(r"<(uuid|mac|ip|path|hex|name|num)>")
_QUOTES = re.compile(r"[\"'`\u2018\u2019\u201c\u201d]")
_SPACE = re.compile(r"\s+")


def strip_ansi(text: str) -> str:
    """Remove terminal escape sequences and other control characters (not tabs)."""
    if text.isprintable():  # the common case, checked in C
        return text
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    return _CONTROL.sub(" ", text)


_ESCAPED_BREAK = re.compile(r"(?:\\[nrt])+")

# All prefixes as one alternation: one regex call per nesting level, not nine.
_ANY_PREFIX = re.compile("|".join(f"(?:{p.pattern[1:]})" for _name, p in PREFIXES))


def strip_prefixes(line: str) -> str:
    """Return the message part of a log line, without logger prefixes.

    A literal backslash-n or backslash-t inside the line (XAPI error objects, a
    JSON or Go-quoted error carrying a whole xl output) separates words like the
    newline or tab it stands for."""
    text = strip_ansi(line).strip()
    if "\\" in text:
        text = _ESCAPED_BREAK.sub(" ", text)
    for _ in range(6):  # nesting seen in practice: syslog, kernel:, [ts], (XEN)
        m = _ANY_PREFIX.match(text)
        if m is None or m.end() == 0:
            break
        text = text[m.end():].lstrip()
    return text


def mask(message: str, paths: bool = True) -> str:
    """Lower-case, mask variable parts, drop quotes and collapse whitespace.

    `paths=False` leaves paths as they are: the form templates are matched in, where
    a path the author wrote ("/usr/bin/pygrub") is constant text and a path that
    varies is written `<*>`."""
    text = message.lower()
    text = _WRITTEN_PLACEHOLDER.sub(lambda m: f"<{m.group(1).upper()}>", text)
    has_digit = any(ch.isdigit() for ch in text)
    for name, pattern, placeholder in MASKS:
        # Most masks need a digit (or a / or a name keyword) to apply at all;
        # skipping them saves most of the time on ordinary lines.
        if name in _NEEDS_DIGIT and not has_digit:
            continue
        if name == "PATH" and (not paths or "/" not in text):
            continue
        if name == "NAME" and not ("domain " in text or "process " in text or "name " in text):
            continue
        text = pattern.sub(placeholder, text)
    text = _QUOTES.sub("", text)
    return _SPACE.sub(" ", text).strip()


_TIMES = (
    # (kind, pattern, how to turn the match into seconds); kinds are never compared
    # with each other (seconds since boot are not a wall clock).
    ("boot", re.compile(r"^\s*(?:\(XEN\)\s*)?\[\s*(\d+)\.(\d+)\]")),
    ("wall", re.compile(r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)")),
    ("wall-syslog", re.compile(r"^[A-Z][a-z]{2} +(\d{1,2}) (\d\d):(\d\d):(\d\d)")),
)


def line_time(line: str) -> tuple[str, float] | None:
    """When the line says it was written: (kind, seconds), or None. Two lines'
    times compare only when their kinds are equal."""
    head = line[:64]
    for kind, pattern in _TIMES:
        m = pattern.search(head) if kind == "wall" else pattern.match(head)
        if m is None:
            continue
        g = [int(x) for x in m.groups()]
        if kind == "boot":
            return kind, g[0] + g[1] / 10 ** len(m.group(2))
        if kind == "wall":
            y, mo, d, h, mi, sec = g
            return kind, ((((y * 12 + mo) * 31 + d) * 24 + h) * 60 + mi) * 60 + sec
        d, h, mi, sec = g
        return kind, ((d * 24 + h) * 60 + mi) * 60 + sec
    return None


def normalize(line: str) -> str:
    """The canonical form of a raw log line: prefixes stripped, then masked."""
    return mask(strip_prefixes(line))


# The digit runs the NUM mask treats as numbers (standalone, not inside a word).
_STANDALONE_DIGITS = re.compile(r"(?<![\w<])\d+(?![\w>])")


def mask_key(message: str) -> str:
    """A cheap key with the property mask(a) == mask(b) whenever mask_key(a) ==
    mask_key(b): every standalone digit becomes '#', keeping run lengths.

    Every mask depends only on where digits are and how long their runs are, never on
    their values (IP wants 1-3 digits, HEX 4 or more with a letter, DOMID looks at
    digits inside words, which the key keeps), so lines that differ only in such
    numbers share one normalised form and it is computed once. Tested as a property.
    """
    return _STANDALONE_DIGITS.sub(lambda m: "#" * len(m.group()), message)
