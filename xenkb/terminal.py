"""What the terminal allows: its width, and whether to colour.

One home for both, so the report, the chat and every subcommand agree: the width
comes from the terminal (``COLUMNS`` first, as ``shutil`` reads it), kept between
MIN_WIDTH and MAX_WIDTH because long lines are hard to read; colour follows
NO_COLOR, FORCE_COLOR and TERM=dumb (https://no-color.org, https://force-color.org).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

MIN_WIDTH = 40
MAX_WIDTH = 100
FALLBACK_WIDTH = 80  # no terminal: a pipe, a file, a mail


def width(env: Mapping[str, str] | None = None) -> int:
    """Columns to wrap text at."""
    env = os.environ if env is None else env
    columns = env.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        cols = int(columns)
    else:
        import shutil  # only when COLUMNS is not set: it costs start-up time

        cols = shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, cols))


def use_color(mode: str, stream: Any, env: Mapping[str, str] | None = None) -> bool:
    """`mode` is always, never or auto. Auto: NO_COLOR (any value) says no,
    FORCE_COLOR (other than 0 or empty) says yes, TERM=dumb says no, else colour
    only on a terminal."""
    env = os.environ if env is None else env
    if mode == "always":
        return True
    if mode == "never" or env.get("NO_COLOR"):
        return False
    force = env.get("FORCE_COLOR")
    if force is not None and force not in ("", "0"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return bool(hasattr(stream, "isatty") and stream.isatty())
