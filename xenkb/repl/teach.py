"""/teach: turn a log line no entry recognised into a draft entry in the user's KB.

``xenkb.draft`` owns drafting; the chat only hands it the line.
"""

from __future__ import annotations

from xenkb.safetext import visible


def teach(line: str | None, where: str) -> str:
    if not line:
        return ("Nothing to teach yet: paste a log first. /teach drafts an entry from the "
                "error-looking line no entry recognised that the answer proposes; /teach N from line N.")
    from xenkb.draft import DraftError, DraftExists, draft_entry

    try:
        path = draft_entry(where, entry_id=None, out_dir=None, line_text=line)
    except DraftExists as exc:
        return (f"That line is already drafted in {visible(str(exc.args[0]), 300)}; "
                "edit it, then run xenkb kb check on its directory.")
    except (DraftError, OSError, ValueError) as exc:
        # Refusals (bad id, unwritable dir) are the user's to read; anything else is
        # a bug and goes to the turn's one-line error report.
        return f"Could not draft an entry: {visible(str(exc), 300)}"
    return (f"Wrote a draft entry for:\n   {visible(line, 200)}\nto {visible(str(path), 300)}\n"
            f"Edit it (cause, fix, examples), then run: xenkb kb check {visible(str(path.parent), 300)}\n"
            "The chat uses the new entry from its next start.")
