"""How much of a healthy log an entry's anchors select: what each entry costs the scan.

Every line that holds one of an entry's anchors becomes a candidate: it is decoded,
normalised and scored, tens of microseconds in Python against a fraction of a
microsecond for a line the anchor scan skips. An anchor that also occurs in ordinary
healthy lines ("blkfront: xvda: barrier: enabled" at every guest boot) makes a real
host's log slow to scan without finding anything. The yardstick is a corpus of real
healthy lines (the bench's, ``bench/corpus/*.log`` in a source checkout); ``kb check``
names every entry whose anchors select more than ``ANCHOR_DENSITY_LIMIT`` of its lines.

    >>> from xenkb.catalog import load_catalog
    >>> matcher = load_catalog(user=False).matcher()
    >>> anchor_density(matcher, ["blkfront: xvda: barrier: enabled"])  # doctest: +SKIP
    {'blkfront-barrier-failed': 1.0}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xenkb.model import Entry, Problem

# An entry whose anchors select more than this share of the corpus's lines is named by
# `kb check`. At 0.1 % one healthy line in a thousand is scored for that entry alone;
# a few such entries make scoring, not reading, the cost of a scan (the bench prints
# what one candidate costs).
ANCHOR_DENSITY_LIMIT = 0.001


def anchor_density(matcher: Any, lines: Iterable[str]) -> dict[str, float]:
    """Per entry id, the share of `lines` its anchors select (signature anchors and
    context-rule anchors alike: both make a line a candidate). Entries that select no
    line are left out. `matcher` is a ``xenkb.match.Matcher``."""
    hits: Counter[str] = Counter()
    n = 0
    for line in lines:
        n += 1
        own, _error, _fact, rules = matcher.classify(line)
        for entry_id in set(own) | {entry_id for entry_id, _ in rules}:
            hits[entry_id] += 1
    return {entry_id: count / n for entry_id, count in hits.items()} if n else {}


def dense_entries(matcher: Any, lines: Iterable[str],
                  limit: float = ANCHOR_DENSITY_LIMIT) -> dict[str, float]:
    """The entries whose anchors select more than `limit` of `lines`, densest first."""
    density = anchor_density(matcher, lines)
    return dict(sorted(((k, v) for k, v in density.items() if v > limit), key=lambda kv: (-kv[1], kv[0])))


def corpus_dir() -> Path | None:
    """The healthy corpus of a source checkout (``bench/corpus``), if there is one: it
    is not installed with the package."""
    here = Path(__file__).resolve().parent.parent / "bench" / "corpus"
    return here if here.is_dir() else None


def read_corpus(directory: Path) -> list[str]:
    """Every non-blank line of every ``*.log`` file in `directory`, in file order."""
    lines: list[str] = []
    for path in sorted(directory.glob("*.log")):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines += [line.rstrip("\n") for line in f if line.strip()]
    return lines


def density_problems(matcher: Any, entries: Mapping[str, Entry], lines: list[str],
                     limit: float = ANCHOR_DENSITY_LIMIT) -> list[Problem]:
    """A warning for each of `entries` whose anchors select more than `limit` of the
    healthy `lines`, with an example line (the first it selects)."""
    problems = []
    dense = dense_entries(matcher, lines, limit)
    for entry_id, share in dense.items():
        if entry_id not in entries:
            continue
        example = next((line for line in lines if _selects(matcher, entry_id, line)), "")
        problems.append(Problem(
            entries[entry_id].path, 0, "signatures.anchors",
            f"anchors select {share:.2%} of the healthy corpus's lines (limit {limit:.1%}), "
            f"e.g. {' '.join(example.split())[:100]!r}: narrow or drop them", "warning"))
    return problems


def _selects(matcher: Any, entry_id: str, line: str) -> bool:
    own, _error, _fact, rules = matcher.classify(line)
    return entry_id in own or any(rule_entry == entry_id for rule_entry, _ in rules)
