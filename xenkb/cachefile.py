"""The compiled-KB cache on disk: where it may live, how it is read, checked and written.

The cache decides what xenkb prints as a bundled fix, so it is trusted only as far
as the rules of ``trust.py`` allow: a directory of the user's that no one else can
write (else a private one in the temporary directory is used, with a warning), a
regular file of the user's opened without following links or blocking (a FIFO or a
link to /dev/zero is refused, not read), at most MAX_CACHE_BYTES. What it holds is
validated against the model's own types before use: valid JSON of the wrong shape
is a stale or foreign cache, rebuilt, never a crash.

Writing is atomic (a temporary file renamed over the cache), and the temporary file
is removed on every way out: an error, a full disk, Ctrl-C, SIGTERM. Ones that a
SIGKILL left behind are swept by the next write.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
import types
import typing
from pathlib import Path
from typing import Any

from xenkb.trust import describe, open_private, private_dir_problem, warn

MAX_CACHE_BYTES = 64 << 20
TEMP_PREFIX, TEMP_SUFFIX = ".kb-", ".tmp"
STALE_TEMP_SECONDS = 600  # an unfinished write older than this was abandoned


def location(preferred: Path) -> Path | None:
    """Where to keep caches: `preferred` if it is fit for private files, else a
    private directory in the system's temporary directory, else nowhere (None:
    compile the KB in memory)."""
    problem = private_dir_problem(preferred)
    if problem is None:
        return preferred
    import tempfile

    uid = os.geteuid() if hasattr(os, "geteuid") else 0
    fallback = Path(tempfile.gettempdir()) / f"xenkb-{uid}-cache"
    second = private_dir_problem(fallback)
    if second is None:
        warn(f"not using the KB cache directory {preferred}: {problem}; using {fallback}")
        return fallback
    warn(f"not using the KB cache directory {preferred}: {problem}; compiling the KB in memory")
    return None


def read_json(path: Path) -> Any | None:
    """The cache's JSON, or None when there is none or it may not or cannot be used."""
    try:
        fd = open_private(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        warn(f"ignored the KB cache file {path}: {describe(exc)}; rebuilding it")
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_CACHE_BYTES:
        warn(f"ignored the KB cache file {path}: larger than {MAX_CACHE_BYTES >> 20} MiB; rebuilding it")
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None  # a corrupt cache: rebuilt, as a missing one


def write_json(path: Path, data: Any) -> bool:
    """Write atomically; False when it could not be written (a read-only home must
    not stop matching: the KB is then rebuilt next time)."""
    import tempfile  # only when writing: a cache hit does not pay for it

    tmp: str | None = None
    try:
        _sweep_stale_temps(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)  # atomic: a reader sees the old file or the new one
        tmp = None
        return True
    except (OSError, ValueError):
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _sweep_stale_temps(directory: Path) -> None:
    now = time.time()
    for old in directory.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        try:
            if now - old.lstat().st_mtime > STALE_TEMP_SECONDS:
                old.unlink()
        except OSError:
            continue


# --- schema --------------------------------------------------------------------------

_CHECKERS: dict[Any, Any] = {}
_ONLY_STR = {str}


def conforms(value: Any, tp: Any) -> bool:
    """Does JSON `value` have the shape of type `tp` (dataclasses as objects with
    exactly their fields, tuples as lists)? Follows the type, never the data, so
    its depth is the model's."""
    return _checker(tp)(value)


def _checker(tp: Any) -> Any:
    """A function telling whether a JSON value has the shape of `tp`, built once per
    type: checking a cache on every start must cost little (~1 ms for the bundled KB)."""
    check = _CHECKERS.get(tp)
    if check is None:
        check = _CHECKERS[tp] = _build_checker(tp)
    return check


def _build_checker(tp: Any) -> Any:  # noqa: C901 - one case per kind of type
    origin = typing.get_origin(tp)
    if tp is Any:
        return lambda v: True
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        others = [a for a in args if a is not type(None)]
        if len(others) == 1 and len(args) == 2:  # X | None: the common case, made cheap
            inner = _checker(others[0])
            return lambda v: v is None or inner(v)
        options = [_checker(arg) for arg in args]

        def union(v: Any) -> bool:
            for check in options:
                if check(v):
                    return True
            return False

        return union
    if tp is type(None):
        return lambda v: v is None
    if tp is bool:
        return lambda v: v is True or v is False
    if tp is int:
        return lambda v: type(v) is int
    if tp is float:
        return lambda v: type(v) in (int, float)
    if tp is str:
        return lambda v: type(v) is str
    if origin in (tuple, list):
        args = typing.get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            fixed = [_checker(a) for a in args]
            return lambda v: type(v) is list and len(v) == len(fixed) and all(c(x) for c, x in zip(fixed, v))
        item_type = args[0] if args else Any
        if item_type is str:  # most fields: one C-level pass
            return lambda v: type(v) is list and (not v or set(map(type, v)) == _ONLY_STR)
        item = _checker(item_type)

        def sequence(v: Any) -> bool:
            if type(v) is not list:
                return False
            for x in v:
                if not item(x):
                    return False
            return True

        return sequence
    if origin is dict:
        key_type, value_type = typing.get_args(tp) or (Any, Any)
        kc, vc = _checker(key_type), _checker(value_type)
        return lambda v: type(v) is dict and all(kc(k) and vc(x) for k, x in v.items())
    if dataclasses.is_dataclass(tp):
        fields = typing.get_type_hints(tp)
        names = set(fields)
        checks = [(name, _checker(t)) for name, t in fields.items()]

        def record(v: Any) -> bool:
            if type(v) is not dict or v.keys() != names:
                return False
            for name, check in checks:
                if not check(v[name]):
                    return False
            return True

        return record
    return lambda v: False


def valid_catalog(data: Any) -> bool:
    """The compiled-KB cache's shape: {"entries": [Entry], "problems": [Problem],
    "scan_literals": [str]}, with well-formed, distinct entry ids."""
    from xenkb.kb import ID_RE
    from xenkb.model import KINDS, Entry, Problem

    if not (isinstance(data, dict) and set(data) == {"entries", "problems", "scan_literals"}):
        return False
    if not (conforms(data["entries"], list[Entry]) and conforms(data["problems"], list[Problem])
            and conforms(data["scan_literals"], list[str])):
        return False
    ids = [e["id"] for e in data["entries"]]
    if not (len(set(ids)) == len(ids) and all(ID_RE.fullmatch(i) for i in ids)
            and all(e["kind"] in KINDS for e in data["entries"])):
        return False
    # What is compiled or parsed later must compile and parse now: a bad regex or
    # version range would otherwise fail every run at its first scan.
    from xenkb.engines import compile_regex
    from xenkb.kb import parse_version_range

    try:
        for e in data["entries"]:
            if e["applies_to"]["xen"] is not None:
                parse_version_range(e["applies_to"]["xen"])
            if e["applies_to"]["kernel"] is not None:
                compile_regex(e["applies_to"]["kernel"], case_sensitive=True)
            for sig in e["signatures"]:
                if sig["regex"] is not None:
                    compile_regex(sig["regex"])
    except ValueError:
        return False
    return True
