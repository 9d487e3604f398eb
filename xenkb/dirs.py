"""Where xenkb keeps the user's files, per the XDG base-directory spec.

Tests point the XDG variables at a temporary folder, so no test touches the real
config (user KB), cache (compiled KB) or state (chat history).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

_DEFAULTS = {
    "XDG_CONFIG_HOME": (".config",),
    "XDG_CACHE_HOME": (".cache",),
    "XDG_STATE_HOME": (".local", "state"),
}


def xdg_dir(variable: str, env: Mapping[str, str] | None = None) -> Path:
    """$variable, or its default under the home directory, with xenkb/ appended."""
    env = os.environ if env is None else env
    base = env.get(variable) or os.path.join(os.path.expanduser("~"), *_DEFAULTS[variable])
    return Path(base) / "xenkb"
