"""The troubleshooting chat. Importing this package is cheap: prompt_toolkit is
imported only when an interactive chat starts (session.py, history.py), so
``xenkb match`` and the plain (piped) chat never load it."""

from __future__ import annotations

import io
import sys

from xenkb.catalog import Catalog


def run_chat(catalog: Catalog, interactive: bool, lines: bool = False) -> int:
    """Run the chat; returns the exit code (0 at EOF, Ctrl-D or /quit)."""
    if interactive:
        from xenkb.repl.session import run_interactive

        return run_interactive(catalog)
    from xenkb.repl.dialogue import Dialogue
    from xenkb.repl.plain import run_plain

    # Logs are not always valid UTF-8; a bad byte must not end the conversation.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    return run_plain(Dialogue(catalog), stdin, sys.stdout, lines=lines)
