"""Clarifying questions: facts a fix depends on that a log may not show.

Each question lives in its entry's YAML (`clarify:` with the fact, the question and
the words each answer may be given in), validated by `kb check`. Whether an answer
fits the entry is decided by the entry's own ``applies_to`` through
``diagnose.contradictions``, so the KB stays the one source.
"""

from __future__ import annotations

import re

from xenkb.diagnose import contradictions
from xenkb.facts import Facts
from xenkb.model import Clarify, Entry

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
    rule = entry.clarify
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
    for value, words in rule.answers:
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
