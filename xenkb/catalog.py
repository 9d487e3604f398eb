"""The KB in use: bundled entries, the user's, ``--kb`` directories; fitted and cached.

Loading YAML and fitting thresholds costs far more than matching a paste, so the
result is cached as JSON in the XDG cache directory, keyed by every KB file's path,
size and modification time and by xenkb's version. JSON rather than pickle: a cache
file must never be able to run code.
"""

from __future__ import annotations

import dataclasses
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xenkb import __version__, cachefile
from xenkb.dirs import xdg_dir
from xenkb.kb import bundled_kb_dir, kb_files, load_dirs, user_kb_dir
from xenkb.model import AppliesTo, Capture, Clarify, ContextRule, Entry, FixStep, Problem, Reference, Signature

CACHE_FORMAT = 8
# Compiled KBs kept side by side: `xenkb match` with and without `--kb DIR` (or two
# users' KB dirs) would otherwise rebuild each other's cache on every run (measured:
# 0.7 s per run for a 470-entry KB, 0.1 s for the bundled one).
CACHE_KEEP = 4


@dataclass
class Catalog:
    entries: dict[str, Entry]
    problems: list[Problem]
    dirs: list[tuple[Path, str]]
    scan_literals: list[str] | None = None  # minimal_literals of the matcher's, cached

    def matcher(self) -> Any:
        from xenkb.match import Matcher

        if not hasattr(self, "_matcher"):
            self._matcher = Matcher(self.entries.values(), self.scan_literals)
        return self._matcher


def kb_dirs(extra: list[Path] | None = None, env: dict[str, str] | None = None,
            bundled: bool = True, user: bool = True) -> list[tuple[Path, str]]:
    """Directories in override order: bundled, then the user's XDG dir, then --kb."""
    dirs: list[tuple[Path, str]] = []
    if bundled:
        dirs.append((bundled_kb_dir(), "bundled"))
    if user:
        path = user_kb_dir(env)
        if path.is_dir():
            dirs.append((path, "user"))
    for path in extra or []:
        dirs.append((path, "user"))
    return dirs


def cache_dir(env: dict[str, str] | None = None) -> Path:
    return xdg_dir("XDG_CACHE_HOME", env)


# Code whose change changes the compiled KB (anchors, masks, fitted thresholds).
_COMPILER_FILES = ("kb.py", "normalize.py", "scoring.py", "check.py", "match.py", "engines.py",
                   "data/healthy.log")


def _fingerprint(dirs: list[tuple[Path, str]]) -> str:
    parts = [f"{__version__}:{CACHE_FORMAT}"]
    here = Path(__file__).resolve().parent
    for name in _COMPILER_FILES:
        try:
            st = (here / name).stat()
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            pass
    for directory, origin in dirs:
        parts.append(f"{os.path.realpath(directory)}:{origin}")  # resolve() raises on a symlink loop
        if not directory.is_dir():
            continue
        for path in kb_files(directory):
            st = path.stat()
            parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    # A cache key, not a security check: crc32 and adler32 of the listing are enough
    # and avoid importing hashlib (2 ms of start-up).
    text = "\0".join(parts).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(text):x}"


def kb_fingerprint(dirs: list[tuple[Path, str]]) -> str:
    """A short fingerprint of the KB in use (its files and the compiler), as the JSON
    output and `--version` name it."""
    return _fingerprint(dirs)[:16]


def fit_thresholds(entries: dict[str, Entry]) -> dict[str, Entry]:
    """Give every entry a threshold just above its own best-scoring near-miss."""
    from xenkb.check import near_miss_best
    from xenkb.match import Matcher
    from xenkb.scoring import fitted_threshold

    matcher = Matcher(entries.values())
    fitted = {}
    for entry_id, entry in entries.items():
        best = near_miss_best(matcher, entry)
        fitted[entry_id] = dataclasses.replace(entry, threshold=fitted_threshold(entry, best))
    return fitted


def _entry_from_json(d: dict[str, Any]) -> Entry:
    d = dict(d)
    d["applies_to"] = AppliesTo(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in d["applies_to"].items()})
    d["signatures"] = tuple(Signature(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in s.items()})
                            for s in d["signatures"])
    d["fix"] = tuple(FixStep(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in s.items()}) for s in d["fix"])
    d["references"] = tuple(Reference(**r) for r in d["references"])
    d["captures"] = tuple(Capture(**c) for c in d.get("captures", ()))
    clarify = d.get("clarify")
    d["clarify"] = (Clarify(clarify["fact"], clarify["question"],
                            tuple((v, tuple(w)) for v, w in clarify["answers"]),
                            tuple(clarify.get("fits", ()))) if clarify else None)
    d["context"] = tuple(ContextRule(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in r.items()})
                         for r in d.get("context", ()))
    for key in ("symptoms", "verify", "caveats", "causes", "related", "examples_match", "example_sources", "examples_no_match"):
        d[key] = tuple(d[key])
    return Entry(**d)


def load_catalog(extra: list[Path] | None = None, env: dict[str, str] | None = None,
                 bundled: bool = True, user: bool = True, use_cache: bool = True) -> Catalog:
    dirs = kb_dirs(extra, env, bundled, user)
    directory = cachefile.location(cache_dir(env)) if use_cache else None
    path = directory / f"kb-{_fingerprint(dirs)}.json" if directory is not None else None
    data = cachefile.read_json(path) if path is not None else None
    if path is not None and data is not None and cachefile.valid_catalog(data):
        try:
            entries = {e["id"]: _entry_from_json(e) for e in data["entries"]}
            problems = [Problem(**p) for p in data["problems"]]
            scan_literals = [str(s) for s in data["scan_literals"]]
            try:
                os.utime(path)  # most recently used: the last to be evicted
            except OSError:
                pass
            return Catalog(entries, problems, dirs, scan_literals)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache yet, or one we cannot read: rebuild it
    entries, problems = load_dirs(dirs)
    entries = fit_thresholds(entries)
    scan_literals = _minimal_scan_literals(entries)
    if path is not None:
        _write_cache(path, entries, problems, scan_literals)
    return Catalog(entries, problems, dirs, scan_literals)


def _minimal_scan_literals(entries: dict[str, Entry]) -> list[str]:
    from xenkb.engines import minimal_literals
    from xenkb.match import default_scan_literals  # without compiling a second Matcher

    return minimal_literals(default_scan_literals(entries.values()))


def _evict_old(directory: Path) -> None:
    """Remove all but the CACHE_KEEP - 1 most recently used caches (a hit touches its file)."""
    caches = []
    for old in directory.glob("kb-*.json"):
        try:
            caches.append((old.stat().st_mtime_ns, old))
        except OSError:
            continue
    caches.sort(reverse=True)
    for _, old in caches[CACHE_KEEP - 1:]:
        old.unlink(missing_ok=True)


def _write_cache(path: Path, entries: dict[str, Entry], problems: list[Problem],
                 scan_literals: list[str]) -> None:
    data = {"entries": [dataclasses.asdict(e) for e in entries.values()],
            "problems": [dataclasses.asdict(p) for p in problems],
            "scan_literals": scan_literals}
    try:
        _evict_old(path.parent)
    except OSError:
        pass
    cachefile.write_json(path, data)  # atomic, no temporary file left on any way out
