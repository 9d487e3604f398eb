"""What one chat input is: a log, a follow-up about the current answer, or a question.

Kept apart from the dialogue so the rules can be read (and tested) in one place. The
rules are deliberately narrow: a follow-up is a *short* input made of a follow-up word
and filler ("how do I verify", "why?", "didn't help"), so a real question such as
"how do I get grub and the kernel on the serial console" is never mistaken for "how".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xenkb.repl.turns import FOLLOW_UP_WORDS

# A line that starts like a log line: dmesg, syslog, xend.log, the hypervisor, tools.
_LOG_PREFIX = re.compile(
    r"""^\s*(
        \[\s*\d+\.\d+\]                              # dmesg  [   12.345678]
      | \[\d{4}-\d\d-\d\d[ T]\d\d:\d\d             # xend.log [2009-05-02 18:40:12 ...
      | \d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d          # ISO / journald short-iso
      | [A-Z][a-z]{2}\s+\d{1,2}\s+\d\d:\d\d:\d\d   # syslog  May  2 18:40:12
      | \(XEN\)                                     # hypervisor console
      | (Error|ERROR|WARNING|Warning|FATAL|BUG|Traceback|Oops|kernel|libxl|xc|xl|xm|
         xend|xenconsole|xen-create-image|Using\ config\ file|Parsing\ config|
         Started\ domain|pygrub|qemu(-dm)?|hvmloader)\b\s*[:(\[]
      | \S+\[\d+\]:                                 # daemon[pid]:
      | \S+:\d+:\s                                  # file:line: message
    )""", re.X)
# Things a person rarely types but logs are full of. Linear on any line: a pattern
# that starts with an unanchored `\S+` or `\w+` retries that run from each of its
# characters (a pasted 400,000-character line took 386 s), so what must precede
# the literal part is a lookbehind instead.
_LOG_BODY = re.compile(
    r"\(pid \d+\)|\b0x[0-9a-f]{4,}\b|\b[0-9a-f]{8,}\b|\bcs:ip\b|(?<=\w)\.(py|c):\d+|"
    r"\(\w+:\d+\)|(?<=\S)\[\d+\]:\s", re.I)

# Words that carry no meaning in a follow-up ("so how do I verify it then?").
_FILLER = frozenset(
    """so ok okay then and the a an it this that these those me us i we you do does did
    how can could should would please show give tell what whats what's is are s to now
    thanks thank about of for on that's it's one""".split())

# Follow-up keyword -> intent, from the turn registry. Checked on the non-filler
# words of a short input.
_KEYWORDS: dict[str, str] = FOLLOW_UP_WORDS
_NOT_HELPED = re.compile(
    r"\b(didn'?t|did not|does ?n'?t|does not|not|no|still)\b.{0,12}\b(help|helped|work|works|"
    r"worked|fixed|fix it|broken|failing)\b|\bno luck\b|\bsame (error|problem)\b", re.I)
_WHY_NOT = re.compile(r"^\s*why\s+(?:not|no|isn'?t\s+it|wasn'?t\s+it)\s+(\S+)\s*\??\s*$", re.I)
_WORD = re.compile(r"[a-z0-9'][a-z0-9'._-]*")


@dataclass(frozen=True)
class Intent:
    kind: str  # log, slash, number, open, why_not, why, fix, verify, sources, next,
    #            more, not_helped, quit, help, empty, question
    arg: str = ""


def looks_like_log_line(line: str) -> bool:
    """True for a line that reads like a log line rather than something typed.

    Used to gather consecutive piped lines into one paste; a single typed line is
    also scanned by the dialogue, so a bare error message is recognised either way.
    """
    if not line.strip():
        return False
    return bool(_LOG_PREFIX.match(line) or _LOG_BODY.search(line))


def _followup(words: list[str]) -> str | None:
    content = [w for w in words if w not in _FILLER]
    # "how" alone (with filler) asks for the steps: "how?", "so how do I do it".
    if not content and "how" in words:
        return "fix"
    if not content or len(content) > 2:
        return None
    kinds = {_KEYWORDS[w] for w in content if w in _KEYWORDS}
    if len(kinds) != 1:
        return None
    others = [w for w in content if w not in _KEYWORDS]
    # one extra word is allowed only when it names the object ("the fix steps")
    if others and others[0] not in {"step", "steps", "entry", "answer", "candidate", "one", "problem"}:
        return None
    return kinds.pop()


def classify(text: str, entry_ids: set[str]) -> Intent:
    """The intent of one input. Log detection by content is left to the caller for
    single lines (it may ask the matcher); several lines are always a log."""
    stripped = text.strip()
    if not stripped:
        return Intent("empty")
    lines = [ln for ln in stripped.splitlines() if ln.strip()]
    if len(lines) > 1:
        return Intent("log", text)
    if stripped.startswith("/"):
        return Intent("slash", stripped)
    lower = stripped.lower()
    if re.fullmatch(r"#?\d{1,3}\.?", lower):
        return Intent("number", lower.strip("#."))
    if lower in entry_ids:
        return Intent("open", lower)
    m = _WHY_NOT.match(stripped)
    if m:
        return Intent("why_not", m.group(1).strip("?.,'\"`").lower())
    words = _WORD.findall(lower)
    if len(words) <= 6 and _NOT_HELPED.search(lower):
        return Intent("not_helped")
    if len(words) <= 6:
        kind = _followup([w.strip("'") for w in words])
        if kind is not None:
            return Intent(kind)
    if _LOG_PREFIX.match(stripped):
        return Intent("log", text)
    return Intent("question", stripped)
