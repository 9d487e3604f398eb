"""Input history in the user's XDG state dir, private and append-only.

Pasted logs hold host names, addresses and sometimes secrets, so the file is created
0600 (its directory 0700) and kept so. Each entry is appended with one ``write`` on
an O_APPEND descriptor: a crash can at worst cut the last entry short, and since
every record starts with a newline the next one starts clean; earlier entries are
never rewritten. ``clear`` (/forget) truncates the file in place.

The file is trusted only by the rules of ``xenkb.trust``: never through a symlink (a
link would have the target chmodded, appended to and emptied by /forget), only a
regular file of the user's that no one else can write, in a directory of the user's.
Otherwise the chat keeps its history in memory and says why. Loading reads at most
the last MAX_LOAD_BYTES of the file.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from xenkb.dirs import xdg_dir
from xenkb.trust import UntrustedFile, describe, open_private, private_dir_problem

# A paste longer than this is not kept in the history (a whole log is not a command).
MAX_ENTRY_CHARS = 100_000
MAX_LOAD_BYTES = 8 << 20


def history_path(env: dict[str, str] | None = None) -> Path:
    return xdg_dir("XDG_STATE_HOME", env) / "history"


def _open(path: str, flags: int) -> int:
    fd = open_private(Path(path), flags | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)  # also for a file that existed with looser read permissions
    return fd


class PrivateFileHistory(FileHistory):
    """Raises OSError (UntrustedFile) when the file or its directory may not be used."""

    def __init__(self, path: Path) -> None:
        problem = private_dir_problem(path.parent)
        if problem is not None:
            raise UntrustedFile(f"{path.parent}: {problem}")
        os.close(_open(str(path), os.O_WRONLY | os.O_APPEND))
        super().__init__(str(path))

    def load_history_strings(self) -> Iterable[str]:
        try:
            fd = open_private(Path(str(self.filename)), os.O_RDONLY)
        except OSError:
            return []
        with os.fdopen(fd, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_LOAD_BYTES:
                f.seek(size - MAX_LOAD_BYTES)
                f.readline()  # from the next whole line on
            data = f.read(MAX_LOAD_BYTES)
        strings: list[str] = []
        lines: list[str] = []
        for raw in data.decode("utf-8", errors="replace").splitlines(keepends=True):
            if raw.startswith("+"):
                lines.append(raw[1:])
                continue
            if lines:
                strings.append("".join(lines)[:-1])
            lines = []
        if lines:
            strings.append("".join(lines)[:-1])
        return reversed(strings)

    def store_string(self, string: str) -> None:
        if len(string) > MAX_ENTRY_CHARS:
            return
        record = f"\n# {datetime.datetime.now()}\n" + "".join(f"+{line}\n" for line in string.split("\n"))
        data = record.encode("utf-8", errors="replace")
        fd = _open(str(self.filename), os.O_WRONLY | os.O_APPEND)
        try:
            while data:
                data = data[os.write(fd, data):]
        finally:
            os.close(fd)

    def clear(self) -> None:
        """Forget every entry, on disk and in memory."""
        os.close(_open(str(self.filename), os.O_WRONLY | os.O_TRUNC))
        self._loaded_strings = []


def open_history(path: Path) -> tuple[History, str | None]:
    """The chat's history: the private file, or, when it may not be used, one in
    memory and the reason (for one warning line)."""
    try:
        return PrivateFileHistory(path), None
    except OSError as exc:
        return InMemoryHistory(), f"history not kept in {path}: {describe(exc)}"


def clear_history(history: History) -> None:
    if isinstance(history, PrivateFileHistory):
        history.clear()
    else:
        history._loaded_strings = []  # noqa: SLF001 - prompt_toolkit has no public reset
