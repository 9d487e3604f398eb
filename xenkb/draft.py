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
from pathlib import Path

from xenkb.kb import COMMON_WORDS, ID_RE, user_kb_dir
from xenkb.normalize import mask, strip_prefixes
from xenkb.reader import decode


class DraftError(Exception):
    """A one-line reason the draft could not be written."""


def read_line(path: str, line_no: int) -> str:
    from xenkb.cli import open_input

    if line_no < 1:
        raise DraftError(f"line numbers start at 1, got {line_no}")
    try:
        with open(path, "rb") as raw:
            stream = open_input(path, raw) if path.endswith(".gz") else raw
            for n, line in enumerate(stream, 1):
                if n == line_no:
                    return decode(line.rstrip(b"\r\n")[:65536])
    except OSError as exc:
        raise DraftError(f"{path}: {exc.strerror or exc}") from None
    raise DraftError(f"{path} has fewer than {line_no} lines")


def suggest_id(message: str) -> str:
    words = [w for w in re.findall(r"[a-z][a-z0-9]+", mask(message).lower())
             if w not in COMMON_WORDS and len(w) > 2 and w not in ("num", "hex", "path", "name")]
    return "-".join(words[:5]) or "new-entry"


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


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
