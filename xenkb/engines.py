"""Regular-expression engines with a linear-time guarantee (RE2).

All patterns that come from a KB, bundled or written by a user, run on RE2: no
backtracking, so no pattern such as ``(a+)+$`` can make matching super-linear. The
anchor scan also runs on RE2 because it searches whole chunks of raw bytes far
faster than Python's ``re`` can with an alternation of many literals.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import re2


def _options(case_sensitive: bool, latin1: bool) -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print parse errors to stderr itself
    options.case_sensitive = case_sensitive
    # RE2's default 8 MiB budget is too small for the DFA of an alternation of a few
    # hundred case-insensitive literals: it falls back to the NFA, ~100x slower
    # (measured: 23 s vs 0.2 s on 4 MiB). The DFA grows lazily; RSS stays ~50 MiB.
    options.max_mem = 64 << 20
    if latin1:
        # Bytes are scanned as Latin-1 so that invalid UTF-8 in a log is just bytes.
        options.encoding = re2.Options.Encoding.LATIN1
    return options


@functools.lru_cache(maxsize=4096)
def compile_regex(pattern: str, case_sensitive: bool = False) -> Any:
    """Compile a KB regex for use on str lines. Raises ValueError with RE2's reason.

    Remembered: the cache check, kb check and the matcher compile the same patterns."""
    try:
        return re2.compile(pattern, _options(case_sensitive, latin1=False))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(str(reason)) from None


def compile_anchor_scanner(literals: Iterable[str]) -> Any:
    """One case-insensitive alternation of literal fragments, for raw bytes.

    In alphabetical order: RE2 merges the common prefixes of *neighbouring*
    alternatives into a trie, so sorted literals give a small automaton whose DFA is
    cheap to build while scanning. Sorted by length, ~3,900 literals (a 10x KB) cost
    ~0.8 s of DFA building per 100 MB scanned; sorted, 0.04 s (measured). Which
    literal wins at one position does not matter: only the line is used.
    """
    escaped = []
    for literal in sorted(set(literals), key=lambda s: (s.lower(), s)):
        as_latin1 = literal.encode("utf-8").decode("latin-1")
        escaped.append(re2.escape(as_latin1))
    pattern = "(?:" + "|".join(escaped) + ")" if escaped else r"\b\B"  # never matches
    return re2.compile(pattern.encode("latin-1"), _options(case_sensitive=False, latin1=True))


def minimal_literals(literals: Iterable[str]) -> list[str]:
    """The literals without those that hold another one (ignoring ASCII case).

    A line that holds "virtualisation disabled" holds "virtualisation" too, so for
    finding candidate lines the longer literal adds nothing: the lines found are
    exactly the same. It only makes the automaton bigger (measured on a 10x KB:
    5,982 -> 3,926 literals; `xenkb match` on 200 MB 1.50 -> 1.39 s).

    Linear in the total length of the literals (Aho-Corasick): trying every
    substring length of every literal was cubic, and 800 user anchors of distinct
    lengths took 15 s per cold compile.
    """
    # Compared lower-cased only when ASCII: the scanner folds ASCII case, while
    # str.lower() of other letters can change their UTF-8 bytes ("Ä" -> "ä"), and a
    # changed literal could miss the line its original matches.
    by_key: dict[str, str] = {}
    for literal in literals:
        by_key.setdefault(literal.lower() if literal.isascii() else literal, literal)
    keys = sorted(by_key, key=len)
    holds = _holding_another(keys)
    return [by_key[key] for key, held in zip(keys, holds) if not held]


def _holding_another(keys: list[str]) -> list[bool]:
    """For each of the distinct, non-empty-or-empty `keys`: does it hold another key?

    One Aho-Corasick automaton over all keys; each key is run through it, and any
    key ending at any position (other than the key itself, ending at its last
    position) means it holds one."""
    goto: dict[tuple[int, str], int] = {}
    terminal = [False]  # node -> a key ends exactly here
    for key in keys:
        node = 0
        for ch in key:
            nxt = goto.get((node, ch))
            if nxt is None:
                nxt = len(terminal)
                terminal.append(False)
                goto[(node, ch)] = nxt
            node = nxt
        terminal[node] = True
    # Breadth-first: each node's failure link and whether a key ends at a proper
    # suffix of its path (`ends_below`), or at the path itself or below (`ends`).
    children: dict[int, list[tuple[str, int]]] = {}
    for (parent, ch), child in goto.items():
        children.setdefault(parent, []).append((ch, child))
    fail = [0] * len(terminal)
    ends_below = [False] * len(terminal)
    ends = list(terminal)
    queue = [child for _ch, child in children.get(0, [])]
    for head in queue:  # the list grows while it is walked: a BFS queue
        for ch, child in children.get(head, []):
            f = fail[head]
            while f and (f, ch) not in goto:
                f = fail[f]
            link = goto.get((f, ch), 0)
            fail[child] = link if link != child else 0
            ends_below[child] = ends[fail[child]]
            ends[child] = terminal[child] or ends_below[child]
            queue.append(child)
    result = []
    for key in keys:
        node, held = 0, False
        for i, ch in enumerate(key):
            while node and (node, ch) not in goto:
                node = fail[node]
            node = goto.get((node, ch), 0)
            last = i == len(key) - 1
            if (ends[node] if not last else ends_below[node]):
                held = True
                break
        result.append(held)
    return result


def anchor_pattern(literal: str) -> str:
    return re2.escape(literal)


def new_literal_set() -> Any:
    """An RE2 set of case-insensitive patterns for str lines: Match() lists every
    pattern found anywhere in the text, overlapping ones included."""
    return re2.Set.SearchSet(_options(case_sensitive=False, latin1=False))
