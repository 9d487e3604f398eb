"""Plain-text pieces of chat answers: candidate lists, facts, one entry's parts.

Every string that came from a log, a user KB or the user goes through
``safetext.visible`` here, so the dialogue can concatenate these lines freely.
No colour: the same text is printed on a terminal and in plain (piped) mode.
"""

from __future__ import annotations

import textwrap

from xenkb.facts import Facts
from xenkb.match import ScanResult
from xenkb.model import Entry, Finding
from xenkb.render import Style, entry_text, fix_lines
from xenkb.safetext import visible
from xenkb.terminal import width

PLAIN = Style(False)


def para(text: str, indent: str = "  ") -> list[str]:
    flat = " ".join(visible(text, None).split())
    return textwrap.wrap(flat, width(), initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False) or [indent]


def headline(n: int, entry: Entry, score: int) -> str:
    return f"{n}. [{entry.id}] {visible(entry.title, 160)}  (score {score})"


def finding_lines(n: int, f: Finding) -> list[str]:
    where = f"line {f.first_line}" if f.count == 1 else f"{f.count} lines, from line {f.first_line}"
    out = [headline(n, f.entry, f.score)]
    out += para(f"{f.entry.summary} ({where})", "   ")
    if f.evidence:
        ev = f.evidence[0]
        out.append(f"   line {ev.line}: {visible(ev.text, 160)}")
    for note in f.notes:
        out += para(f"note: {note}", "   ")
    stack = list(f.symptoms_of_this)
    while stack:  # symptoms can have symptoms of their own
        s = stack.pop(0)
        out.append(f"   also explains: [{s.entry.id}] {visible(s.entry.title, 100)}")
        stack.extend(s.symptoms_of_this)
    return out


def facts_lines(facts: Facts, heading: str) -> list[str]:
    if not facts.found:
        return []
    parts = [f"{name} {visible(fact.value, 80)}" for name, fact in sorted(facts.found.items())]
    return para(f"{heading}: " + ", ".join(parts), "")


def facts_detail(facts: Facts) -> list[str]:
    """Each remembered fact with where it came from (/facts)."""
    out = []
    for name, fact in sorted(facts.found.items()):
        origin = f"you said: {visible(fact.evidence, 80)}" if fact.source == "you" else \
            f"{visible(fact.source, 40)} line {fact.line}: {visible(fact.evidence, 100)}"
        out.append(f"  {name:<15} {visible(fact.value, 60):<20} ({origin})")
    return out


def unmatched_lines(result: ScanResult) -> list[str]:
    if not result.unmatched:
        return []
    first = result.unmatched[0]
    total = sum(u.count for u in result.unmatched) + result.unmatched_overflow
    out = [f"Not recognised: {total} error-looking line(s) no entry covers, e.g. line {first.first_line}:"]
    out.append(f"   {visible(first.text, 160)}")
    out.append(f"   (/teach drafts an entry from line {first.first_line} for your own KB; /teach N from line N)")
    return out


def cause_lines(entry: Entry) -> list[str]:
    out = [f"Why [{entry.id}]:"]
    out += para(entry.cause or entry.summary)
    return out


def fix_text_lines(entry: Entry, captured: dict[str, list[str]] | None = None) -> list[str]:
    if not entry.fix:
        return [f"[{entry.id}] has no fix steps recorded."] + para(entry.summary)
    return [f"Fix for [{entry.id}] (commands are shown, never run):"] + fix_lines(entry, PLAIN, captured=captured)


def verify_lines(entry: Entry) -> list[str]:
    if not entry.verify:
        return [f"[{entry.id}] records no way to verify the fix; re-run the failing step and "
                "paste its log again."]
    out = [f"To verify [{entry.id}]:"]
    for item in entry.verify:
        out += para(f"- {item}")
    return out


def source_lines(entry: Entry) -> list[str]:
    if not entry.references:
        return [f"[{entry.id}] lists no sources."]
    out = [f"Sources for [{entry.id}]:"]
    for r in entry.references:
        out += para(f"- {visible(str(r), 300)}", "  ")
    return out


def caveat_lines(entry: Entry, limit: int = 2) -> list[str]:
    out = []
    for item in entry.caveats[:limit]:
        out += para(f"- {item}")
    return out


def entry_lines(entry: Entry) -> list[str]:
    """One entry in full, as `xenkb show` prints it (the engine's renderer, no colour)."""
    return entry_text(entry, PLAIN, full=False).splitlines()
