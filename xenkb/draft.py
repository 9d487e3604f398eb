"""Turn an unrecognised log line into the skeleton of a new KB entry.

The skeleton holds what can be known from the line itself: a signature (the line
with the masks applied), the line as the first `match` example, and TODO markers
for what a person must write (title, cause, fix, sources, a near-miss). It is
deliberately *not* valid until those are filled in: `xenkb kb check DIR` lists what
remains, so an unfinished draft can never pass as knowledge.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from xenkb.kb import COMMON_WORDS, ID_RE, user_kb_dir
from xenkb.normalize import mask, strip_prefixes
from xenkb.reader import decode


class DraftError(Exception):
    """A one-line reason the draft could not be written."""


def read_line(path: str, line_no: int) -> str:
    """Line `line_no` of a file, numbered as `xenkb match` numbers it (compressed,
    UTF-16 and CR-only files alike), cut to the part that is matched."""
    from xenkb.inputs import open_input
    from xenkb.reader import iter_lines

    if line_no < 1:
        raise DraftError(f"line numbers start at 1, got {line_no}")
    try:
        inp = open_input(path, sys.stdin.buffer if sys.stdin is not None else None)  # type: ignore[arg-type]
    except OSError as exc:
        raise DraftError(f"{path}: {exc.strerror or exc}") from None
    try:
        for n, line in enumerate(iter_lines(inp.stream), 1):
            if n == line_no:
                return decode(line)
        error = inp.error
    finally:
        inp.close()
    if error:
        raise DraftError(f"{path}: {error}")
    raise DraftError(f"{path} has fewer than {line_no} lines")


def suggest_id(message: str) -> str:
    words = [w for w in re.findall(r"[a-z][a-z0-9]+", mask(message).lower())
             if w not in COMMON_WORDS and len(w) > 2 and w not in ("num", "hex", "path", "name")]
    return "-".join(words[:5]) or "new-entry"


# Characters a YAML stream may not hold raw (YAML 1.1 "printable", which PyYAML
# enforces): C0 and C1 controls but tab, LF, CR and NEL; DEL; surrogates; U+FFFE/F.
_NOT_YAML_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _quote(text: str) -> str:
    """A double-quoted YAML scalar holding exactly `text`: JSON's string syntax is
    YAML's, and what JSON leaves raw but YAML refuses (a C1 byte such as 0x9b read
    as Latin-1, DEL) is written as a \\u escape, which both read alike."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def skeleton(line: str, entry_id: str) -> str:
    message = strip_prefixes(line)
    return f"""\
# Draft made by `xenkb kb draft`. Fill in every TODO, then: xenkb kb check <this dir>
id: {entry_id}
title: TODO one line naming the problem
summary: TODO one sentence, what is wrong in plain words
severity: medium
applies_to: {{}}  # TODO e.g. toolstack: [xl], xen: ">=4.0", side: [dom0]
signatures:
  - text: {_quote(mask(message))}
symptoms:
  - TODO how someone would describe this without a log
cause: TODO why it happens
fix:
  - step: TODO what to do
    commands: []  # exact commands, shown to users, never run
references: []  # TODO at least one: - url: https://...  (where this fix is documented)
examples:
  match:
    - {_quote(line)}
  no_match: []  # TODO a healthy line that shares words with the error
"""


class DraftExists(Exception):
    """A draft for this line is already there (its path is the argument)."""


def _drafts_line(path: Path, line_text: str) -> bool:
    try:
        existing = path.read_text("utf-8", errors="replace")
    except OSError:
        return False
    return skeleton(line_text, path.stem) == existing


def draft_entry(where: str, entry_id: str | None = None, out_dir: Path | None = None,
                line_text: str | None = None) -> Path:
    """Write a skeleton for FILE:LINE (or for `line_text`) and return its path."""
    if line_text is None:
        path, sep, number = where.rpartition(":")
        if not sep or not number.isdigit() or not path:
            raise DraftError(f"expected FILE:LINE, got {where!r}")
        line_text = read_line(path, int(number))
    if not line_text.strip():
        raise DraftError("that line is empty")
    if not any(ch.isalnum() for ch in line_text):
        raise DraftError("that line holds no text to draft an entry from")
    entry_id = entry_id or suggest_id(strip_prefixes(line_text))
    if not ID_RE.match(entry_id):
        raise DraftError(f"{entry_id!r} is not a valid id (kebab-case: a-z, 0-9, dashes)")
    directory = out_dir or user_kb_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{entry_id}.yaml"
        n = 2
        while target.exists():
            # Drafting the same line twice finds the first draft, not a copy of it.
            if _drafts_line(target, line_text):
                raise DraftExists(target)
            target = directory / f"{entry_id}-{n}.yaml"
            n += 1
        text = skeleton(line_text, target.stem)
        with open(target, "x", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise DraftError(f"cannot write to {directory}: {exc.strerror or exc}") from None
    return target
