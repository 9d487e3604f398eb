"""Input history in the user's XDG state dir, private and append-only.

Pasted logs hold host names, addresses and sometimes secrets, so the file is created
0600 (its directory 0700) and kept so. Each entry is appended with one ``write`` on
an O_APPEND descriptor: a crash can at worst cut the last entry short, and since
every record starts with a newline the next one starts clean; earlier entries are
never rewritten. ``clear`` (/forget) truncates the file in place.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from prompt_toolkit.history import FileHistory

from xenkb.dirs import xdg_dir

# A paste longer than this is not kept in the history (a whole log is not a command).
MAX_ENTRY_CHARS = 100_000


def history_path(env: dict[str, str] | None = None) -> Path:
    return xdg_dir("XDG_STATE_HOME", env) / "history"


def _open(path: str, flags: int) -> int:
    fd = os.open(path, flags | os.O_WRONLY | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)  # also for a file that existed with looser permissions
    return fd


class PrivateFileHistory(FileHistory):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(_open(str(path), os.O_APPEND))
        super().__init__(str(path))

    def store_string(self, string: str) -> None:
        if len(string) > MAX_ENTRY_CHARS:
            return
        record = f"\n# {datetime.datetime.now()}\n" + "".join(f"+{line}\n" for line in string.split("\n"))
        data = record.encode("utf-8", errors="replace")
        fd = _open(str(self.filename), os.O_APPEND)
        try:
            while data:
                data = data[os.write(fd, data):]
        finally:
            os.close(fd)

    def clear(self) -> None:
        """Forget every entry, on disk and in memory."""
        os.close(_open(str(self.filename), os.O_TRUNC))
        self._loaded_strings = []
