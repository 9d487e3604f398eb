"""How big a KB entry, and the KB as a whole, may be: checked before anything is compiled.

Compiling an entry derives anchors from its texts (cost growing faster than their
length), fits its threshold on its examples, and puts every anchor into RE2
automata that have a memory budget. One user entry with 1,500 long anchors made
every command fail ("failed to compile Set"). So an entry is measured on the YAML
as written, before its anchors are derived, and one over a limit is skipped with
an error naming the field, like any broken entry; entries that would together
overflow the automata are skipped in load order (the bundled KB first), each with
an error. The limits are far above what real entries use (the largest bundled
entry: 7 signatures, 33 anchors, a 173-character signature, a 566-character
example).
"""

from __future__ import annotations

from typing import Any

from xenkb.model import Entry, Problem

MAX_SIGNATURES = 32
MAX_SIGNATURE_CHARS = 512  # a signature's text (one log message)
MAX_REGEX_CHARS = 1024
MAX_ANCHORS = 64  # listed per signature
MAX_ANCHOR_CHARS = 200
MAX_ENTRY_ANCHORS = 256  # listed, over the entry's signatures
MAX_WORDS = 32  # require / forbid per signature
MAX_EXAMPLES = 64  # per list (match, no_match)
MAX_EXAMPLE_LINE_CHARS = 1024
MAX_EXAMPLE_CHARS = 4096
MAX_LIST_ITEMS = 256  # symptoms, fix steps, references, verify, caveats, causes
# Characters of anchors in the whole compiled KB (the bundled one has ~11,000):
# well inside what RE2 compiles in its memory budget.
MAX_TOTAL_ANCHOR_CHARS = 200_000


def _line(mapping: Any, key: str) -> int:
    lines = getattr(mapping, "lines", None)
    return lines.get(key, getattr(mapping, "line", 0)) if isinstance(lines, dict) else 0


def entry_problems(data: Any, path: str) -> list[Problem]:
    """Errors for an entry (a parsed YAML mapping) too big to compile; [] if it fits.
    Only sizes are checked here: kb.py validates the rest."""
    if not isinstance(data, dict):
        return []
    out: list[Problem] = []

    def over(field: str, line: int, what: str, limit: int) -> None:
        out.append(Problem(path, line, field, f"too big to compile: {what} (at most {limit:,})"))

    def text_len(value: Any) -> int:
        return len(value) if isinstance(value, str) else 0

    sigs = data.get("signatures")
    if isinstance(sigs, list):
        if len(sigs) > MAX_SIGNATURES:
            over("signatures", _line(data, "signatures"), f"{len(sigs):,} signatures", MAX_SIGNATURES)
        listed = 0
        for i, sig in enumerate(sigs[:MAX_SIGNATURES]):
            field = f"signatures[{i}]"
            if isinstance(sig, str):
                sig = {"text": sig}
            if not isinstance(sig, dict):
                continue
            line = _line(sig, "text") or _line(data, "signatures")
            if text_len(sig.get("text")) > MAX_SIGNATURE_CHARS:
                over(f"{field}.text", line, f"{text_len(sig['text']):,} characters", MAX_SIGNATURE_CHARS)
            if text_len(sig.get("regex")) > MAX_REGEX_CHARS:
                over(f"{field}.regex", _line(sig, "regex"), f"{text_len(sig['regex']):,} characters", MAX_REGEX_CHARS)
            anchors = sig.get("anchors")
            if isinstance(anchors, list):
                listed += len(anchors)
                if len(anchors) > MAX_ANCHORS:
                    over(f"{field}.anchors", _line(sig, "anchors"), f"{len(anchors):,} anchors", MAX_ANCHORS)
                longest = max((text_len(a) for a in anchors), default=0)
                if longest > MAX_ANCHOR_CHARS:
                    over(f"{field}.anchors", _line(sig, "anchors"), f"an anchor of {longest:,} characters",
                         MAX_ANCHOR_CHARS)
            for key in ("require", "forbid"):
                words = sig.get(key)
                if isinstance(words, list) and len(words) > MAX_WORDS:
                    over(f"{field}.{key}", _line(sig, key), f"{len(words):,} words", MAX_WORDS)
        if listed > MAX_ENTRY_ANCHORS:
            over("signatures", _line(data, "signatures"), f"{listed:,} anchors in all", MAX_ENTRY_ANCHORS)
    examples = data.get("examples")
    if isinstance(examples, dict):
        for key in ("match", "no_match"):
            items = examples.get(key)
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list):
                continue
            line = _line(examples, key)
            if len(items) > MAX_EXAMPLES:
                over(f"examples.{key}", line, f"{len(items):,} examples", MAX_EXAMPLES)
            for i, item in enumerate(items[:MAX_EXAMPLES]):
                n = text_len(item)
                widest = max((len(part) for part in item.splitlines()), default=0) if n else 0
                if n > MAX_EXAMPLE_CHARS:
                    over(f"examples.{key}[{i}]", line, f"{n:,} characters", MAX_EXAMPLE_CHARS)
                elif widest > MAX_EXAMPLE_LINE_CHARS:
                    over(f"examples.{key}[{i}]", line, f"a line of {widest:,} characters", MAX_EXAMPLE_LINE_CHARS)
    for key in ("symptoms", "fix", "references", "verify", "caveats", "causes"):
        items = data.get(key)
        if isinstance(items, list) and len(items) > MAX_LIST_ITEMS:
            over(key, _line(data, key), f"{len(items):,} items", MAX_LIST_ITEMS)
    return out


def within_total(entries: dict[str, Entry], problems: list[Problem]) -> dict[str, Entry]:
    """The entries, in load order, as long as their anchors fit the KB's budget;
    each one left out is reported in `problems`."""
    kept: dict[str, Entry] = {}
    total = 0
    for entry_id, entry in entries.items():
        size = sum(len(a) for sig in entry.signatures for a in sig.anchors)
        if total + size > MAX_TOTAL_ANCHOR_CHARS:
            problems.append(Problem(entry.path, 0, "signatures",
                                    f"skipped: the KB's anchors would exceed {MAX_TOTAL_ANCHOR_CHARS:,} "
                                    f"characters with this entry's {size:,}"))
            continue
        total += size
        kept[entry_id] = entry
    return kept
