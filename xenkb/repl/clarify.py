"""Clarifying questions: facts a fix depends on that a log may not show.

A table, not code per entry: each row names an entry, the fact its advice depends
on, the question to ask and the answers understood (canonical value -> words that
mean it). Whether an answer fits the entry is decided by the entry's own
``applies_to`` through ``diagnose.contradictions``, so the KB stays the one source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xenkb.diagnose import contradictions
from xenkb.facts import Facts
from xenkb.model import Entry

_ARCH = {
    "amd64": ("amd64", "x86_64", "x86-64", "x64", "64", "64-bit", "64bit", "64 bit"),
    "i386": ("i386", "i686", "686", "x86", "x86_32", "32", "32-bit", "32bit", "32 bit", "pae", "486"),
}
_RELEASE = {
    "etch": ("etch", "4.0", "debian 4"),
    "lenny": ("lenny", "5.0", "debian 5"),
}
_TOOLSTACK = {
    "xm": ("xm", "xend"),
    "xl": ("xl", "libxl"),
}


@dataclass(frozen=True)
class Clarify:
    fact: str  # a Facts name, as diagnose reads it
    question: str
    answers: dict[str, tuple[str, ...]]  # value -> words that mean it


CLARIFY: dict[str, Clarify] = {
    "xendcheckpoint-save-failed": Clarify(
        "arch", "Is the dom0 amd64 or i386? (`uname -m` on the dom0: x86_64 means amd64)", _ARCH),
    "4gb-seg-fixup": Clarify(
        "arch", "Is the guest kernel i386 (32-bit) or amd64? (`uname -m` in the guest)", _ARCH),
    "libc6-xen-i386": Clarify(
        "arch", "Is the system i386 (32-bit) or amd64? (`uname -m`)", _ARCH),
    "serial-console-lenny": Clarify(
        "debian", "Which Debian release is the dom0, etch or lenny? (`cat /etc/debian_version`)", _RELEASE),
    "serial-console-etch": Clarify(
        "debian", "Which Debian release is the dom0, etch or lenny? (`cat /etc/debian_version`)", _RELEASE),
    "create-domu-xen-tools": Clarify(
        "debian", "Which Debian release is the dom0, etch or lenny?", _RELEASE),
    "xend-not-running": Clarify(
        "toolstack", "Do you use xm (xend) or xl to manage domains?", _TOOLSTACK),
}

# Facts a question states in words ("... on lenny", "with xl", "my HVM guest"). Only
# the ones a sentence cannot attach to the wrong machine: an arch ("32 bit") may be
# the guest's or the dom0's, so it is taken only as the answer to a question.
_RELEASE_WORDS = re.compile(
    r"\b(etch|lenny|squeeze|wheezy|jessie|stretch|buster|bullseye|bookworm|trixie)\b", re.I)
_TOOLSTACK_WORDS = re.compile(r"\b(xm|xend|xl|libxl)\b", re.I)
_GUEST_WORDS = re.compile(r"\b(hvm|pvh|pv)\s+(?:guest|domu|vm|domain|mode)\b", re.I)


def facts_in_words(text: str) -> dict[str, str]:
    """Facts a plain-words question states outright: Debian release, toolstack, guest type."""
    found: dict[str, str] = {}
    releases = {m.lower() for m in _RELEASE_WORDS.findall(text)}
    if len(releases) == 1:
        found["debian"] = releases.pop()
    stacks = {{"xend": "xm", "libxl": "xl"}.get(m.lower(), m.lower()) for m in _TOOLSTACK_WORDS.findall(text)}
    if len(stacks) == 1:
        found["toolstack"] = stacks.pop()
    guests = {m.lower() for m in _GUEST_WORDS.findall(text)}
    if len(guests) == 1:
        found["guest"] = guests.pop()
    return found


_DONT_KNOW = re.compile(r"\b(don'?t know|dunno|not sure|no idea|skip|never ?mind|unknown)\b", re.I)


def question_for(entry: Entry, facts: Facts) -> Clarify | None:
    """The question to ask about this entry, or None when the facts already answer it."""
    rule = CLARIFY.get(entry.id)
    if rule is None or facts.get(rule.fact) is not None:
        return None
    return rule


_FILLER = frozenset("""a an the it it's its is i think i'm im my on in of it’s yes no
    dom0 domu guest host kernel bit bits system machine userland""".split())


def parse_answer(rule: Clarify, text: str) -> str | None:
    """The canonical value `text` names, or None when it names none or several."""
    lower = f" {text.lower().strip(' .!?')} "
    meaningful = [w for w in lower.split() if w.strip(",.") not in _FILLER]
    if len(meaningful) > 3:
        # "xm save fails on my 32 bit guest" names an arch but is a new question:
        # answers to "amd64 or i386?" are short ("amd64", "it's a 32 bit dom0").
        return None
    found = set()
    for value, words in rule.answers.items():
        for word in words:
            if re.search(rf"(?<![\w.-]){re.escape(word)}(?![\w.-])", lower):
                found.add(value)
    return found.pop() if len(found) == 1 else None


def declines(text: str) -> bool:
    return bool(_DONT_KNOW.search(text))


def verdict(entry: Entry, facts: Facts) -> list[str]:
    """Why the facts say the entry does not apply (empty: it fits as far as we know)."""
    reasons = contradictions(entry.applies_to, facts)
    for fact in facts.found.values():
        if fact.source == "you":  # the engine says "the log shows"; here it was the user
            reasons = [r.replace(f"the log shows {fact.value}", f"you said {fact.value}") for r in reasons]
    return reasons
