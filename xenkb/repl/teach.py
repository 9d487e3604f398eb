"""/teach: turn the last line no entry recognised into a draft entry in the user's KB.

``xenkb.draft`` (written separately) owns drafting; the chat only hands it the line.
When that module is not installed the reply says so instead of failing.
"""

from __future__ import annotations

import importlib

from xenkb.safetext import visible


def teach(line: str | None, where: str) -> str:
    if not line:
        return ("Nothing to teach yet: paste a log first. /teach drafts an entry from the last "
                "error-looking line that no entry recognised.")
    try:
        module = importlib.import_module("xenkb.draft")
    except ImportError:
        return ("/teach needs xenkb.draft, which this xenkb does not have yet. The line was:\n"
                f"   {visible(line, 200)}")
    draft_entry = getattr(module, "draft_entry")
    # Refusals (bad id, unwritable dir) are the user's to read; anything else is a bug
    # and goes to the turn's one-line error report.
    refusals = tuple(t for t in (getattr(module, "DraftError", None), OSError, ValueError) if isinstance(t, type))
    try:
        path = draft_entry(where, entry_id=None, out_dir=None, line_text=line)
    except refusals as exc:
        return f"Could not draft an entry: {visible(str(exc), 300)}"
    return (f"Wrote a draft entry for:\n   {visible(line, 200)}\nto {visible(str(path), 300)}\n"
            f"Edit it (cause, fix, examples), then run: xenkb kb check {visible(str(path.parent), 300)}\n"
            "The chat uses the new entry from its next start.")
