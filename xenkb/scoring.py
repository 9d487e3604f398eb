"""How well one line fits one signature: a 0-100 score, and the named thresholds.

This module is the single definition of "a line matches an entry". The fast scan,
the exhaustive reference scan, threshold fitting and ``--explain`` all call it, so
they cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from xenkb.engines import compile_regex
from xenkb.model import Entry, Signature
from xenkb.normalize import mask, mask_key, strip_prefixes

# Lowest threshold an entry can have: below it, unrelated lines that share a few
# words start to score. Fitting raises an entry's threshold above its near-misses.
THRESHOLD_FLOOR = 80
# Distance kept between an entry's best-scoring near-miss and its threshold.
THRESHOLD_MARGIN = 5
# A line scoring at least this (but under the threshold) is retried joined with its
# neighbour, because terminals and mail clients re-wrap long log lines.
JOIN_FLOOR = 55
# A joined pair of lines counts only if it scores this much above either line alone:
# a message cut in two gains a lot from the join, two unrelated lines gain little.
JOIN_GAIN = 10
# A template's constant segment shorter than this must appear exactly: a fuzzy
# alignment of three or four characters finds them in almost any line.
MIN_FUZZY_SEGMENT = 5
# Each constant segment of a template must fit the line as well as the segment with
# this many typos would (one, plus one per SEGMENT_TYPO_SPAN characters), or the line
# does not carry the message's constant core and scores 0, whatever the rest: "time
# went forwards" is not "time went backwards" with a typo.
SEGMENT_TYPOS = 1
SEGMENT_TYPO_SPAN = 20


def segment_floor(length: int) -> float:
    """The lowest fit (0-100) a constant segment of `length` characters may have."""
    typos = SEGMENT_TYPOS + length // SEGMENT_TYPO_SPAN
    return 100.0 * (1 - typos / length) - 1
# Scoring sees at most this much of one line: a 50 MB line is cut, not loaded whole.
MAX_LINE_BYTES = 64 * 1024
MAX_SCORED_CHARS = MAX_LINE_BYTES  # an error anywhere in the matched part of a line counts
# Lines longer than this are scored but not cached: the caches hold thousands of
# lines, and at up to 64 KiB each they would hold a hundred MiB.
MAX_CACHED_CHARS = 4096


_PLACEHOLDER = re.compile(r"<(UUID|MAC|IP|PATH|HEX|NAME|NUM)>")
_COMPACT = {"UUID": "*", "MAC": "~", "IP": "&", "PATH": "/", "HEX": "%", "NAME": "@", "NUM": "#"}


def compact(norm: str) -> str:
    """One character per placeholder for fuzzy scoring: five-letter tokens such as
    <NUM> would otherwise make any two masked lines look alike."""
    return _PLACEHOLDER.sub(lambda m: _COMPACT[m.group(1)], norm)


_FUZZ: Any = None


def _load_fuzz() -> Any:
    global _FUZZ
    from rapidfuzz import fuzz

    _FUZZ = fuzz
    return fuzz


# What an author writes for a variable span of a message: `<*>` (as in Drain3 and
# the LogPAI templates). It survives masking unchanged.
WILDCARD = "<*>"


def template_segments(key: str) -> tuple[str, ...]:
    """The constant segments of a compacted template key, in order ("" -> ())."""
    return tuple(seg for part in key.split(WILDCARD) if (seg := part.strip()))


def template_score(segments: tuple[str, ...], key: str) -> int:
    """0-100: how well a line carries a template's constant text, in order.

    Each segment is aligned in the rest of the line after the previous one (exactly
    when it can be, else by the best fuzzy alignment, which tolerates typos); the
    score is the segments' fit weighted by their length, so a tail, a head or a
    middle that varies costs nothing. A segment that fits worse than its floor
    (or a short one that is not there exactly) means the line lacks the message's
    constant core: 0.
    """
    pos = total = weight = 0
    fuzz = None
    for seg in segments:
        at = key.find(seg, pos)
        if at >= 0:
            fit, end = 100.0, at + len(seg)
        elif len(seg) < MIN_FUZZY_SEGMENT:
            return 0
        else:
            rest = key[pos:]
            fuzz = fuzz or _FUZZ or _load_fuzz()
            if len(rest) >= len(seg):
                al = fuzz.partial_ratio_alignment(seg, rest)
                fit, end = al.score, pos + al.dest_end
            else:
                fit, end = fuzz.ratio(seg, rest), len(key)
            if fit < segment_floor(len(seg)):
                return 0
        total += fit * len(seg)
        weight += len(seg)
        pos = end
    return round(total / weight) if weight else 0


def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


@dataclass(frozen=True)
class CompiledSignature:
    """A signature with its regexes compiled, tied to its entry."""

    entry_id: str
    index: int
    signature: Signature
    regex: Any  # RE2 pattern or None
    key: str  # the normalised text, compacted for scoring
    segments: tuple[str, ...] = ()  # a template's constant parts; () for a plain text
    parts: tuple[CompiledSignature, ...] = ()  # a multi-line signature's lines, in order

    # Compiled on first use: most signatures never meet a candidate line in a paste,
    # and compiling them all would cost start-up time.
    @cached_property
    def required(self) -> tuple[re.Pattern[str], ...]:
        return tuple(p for w in self.signature.require if (p := _word_pattern((w,))) is not None)

    @cached_property
    def forbidden(self) -> re.Pattern[str] | None:
        return _word_pattern(self.signature.forbid)

    @classmethod
    def build(cls, entry_id: str, index: int, sig: Signature) -> CompiledSignature:
        if sig.parts:
            # Each line of a multi-line signature is scored like a one-line signature;
            # `forbid` vetoes any of them.
            parts = tuple(cls.build(entry_id, index, Signature(text=p, norm=p, forbid=sig.forbid, template=True))
                          for p in sig.parts)
            return cls(entry_id=entry_id, index=index, signature=sig, regex=None, key="", parts=parts)
        return cls(
            entry_id=entry_id,
            index=index,
            signature=sig,
            regex=compile_regex(sig.regex) if sig.regex else None,
            key=compact(sig.norm),
            segments=template_segments(compact(sig.norm)) if sig.template else (),
        )

    @property
    def constant_chars(self) -> int:
        """How much fixed text the signature asks of a line: what makes one signature
        more specific than another that fits the same line."""
        if self.regex is not None:
            return len(self.signature.regex or "")
        if self.parts:
            return sum(p.constant_chars for p in self.parts)
        if self.segments:
            return sum(len(s) for s in self.segments)
        return len(self.key)

    def words_ok(self, norm: str) -> bool:
        if self.forbidden is not None and self.forbidden.search(norm):
            return False
        return all(p.search(norm) for p in self.required)

    def raw_score(self, view: LineView) -> int:
        """Score ignoring require/forbid: what --explain shows as "the score".
        A multi-line signature scores nothing on one line: its lines are scored
        one by one (`parts`) and joined up by the scan."""
        if self.parts:
            return 0
        if self.regex is not None:
            return 100 if self.regex.search(view.stripped) else 0
        if self.segments:
            return template_score(self.segments, view.tkey)
        target, key = self.key, view.key
        # An exact hit scores 100 under either ratio; it is the common case in a
        # pasted log, and settling it here means a paste whose errors are copied
        # verbatim never loads rapidfuzz (~18 ms of start-up).
        if target and target in key:
            return 100
        fuzz = _FUZZ or _load_fuzz()
        if len(key) >= len(target):
            return round(fuzz.partial_ratio(target, key))
        return round(fuzz.ratio(target, key))

    def score(self, view: LineView) -> int:
        if not self.words_ok(view.norm):
            return 0
        return self.raw_score(view)


class LineView:
    """One line as the scorer needs it: message (prefix-stripped), normalised, and
    (for templates, on first use) normalised with its paths left as they are."""

    __slots__ = ("stripped", "norm", "key", "_tkey", "_cache")

    def __init__(self, stripped: str, norm: str, key: str, cache: NormCache | None = None) -> None:
        self.stripped, self.norm, self.key = stripped, norm, key
        self._tkey: str | None = None
        self._cache = cache

    def __repr__(self) -> str:
        return f"LineView({self.stripped!r})"

    @property
    def tkey(self) -> str:
        """The compacted form templates are scored on (paths not masked)."""
        if self._tkey is None:
            if self._cache is not None:
                self._tkey = self._cache.template_key(self.stripped)
            else:
                self._tkey = compact(mask(self.stripped, paths=False))
        return self._tkey

    @classmethod
    def of(cls, text: str, cache: NormCache | None = None) -> LineView:
        stripped = strip_prefixes(text[:MAX_SCORED_CHARS])
        if cache is None or len(stripped) > MAX_CACHED_CHARS:
            norm = mask(stripped)
            return cls(stripped, norm, compact(norm))
        norm, key = cache.get(stripped)
        return cls(stripped, norm, key, cache)

    def joined(self, other: LineView) -> LineView:
        stripped = f"{self.stripped} {other.stripped}"
        norm = mask(stripped)
        return LineView(stripped, norm, compact(norm))


class NormCache:
    """Normalised forms by mask_key: a log says the same thing with other numbers
    all day long, and masking is the costliest step for a candidate line.

    512 forms, not more: the hit rate hardly depends on the size (200 MB bench log:
    89.0% at 512, 89.6% at 4096; most misses are one-off lines), but a full cache of
    4096 forms holds ~2 MiB that a short input never fills, so peak memory grew with
    the input's size."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: dict[str, tuple[str, str]] = {}
        self._templates: dict[str, str] = {}

    def template_key(self, stripped: str) -> str:
        k = mask_key(stripped)
        hit = self._templates.get(k)
        if hit is None:
            if len(self._templates) >= self.size:
                self._templates.clear()
            hit = self._templates[k] = compact(mask(stripped, paths=False))
        return hit

    def get(self, stripped: str) -> tuple[str, str]:
        k = mask_key(stripped)
        hit = self._items.get(k)
        if hit is None:
            if len(self._items) >= self.size:
                self._items.clear()  # simple and bounded; refills from the next lines
            norm = mask(stripped)
            hit = self._items[k] = (norm, compact(norm))
        return hit


def best_entry_score(entry_sigs: list[CompiledSignature], view: LineView) -> tuple[int, int]:
    """(score, signature index) of the best signature of one entry on one line."""
    best, best_index = 0, -1
    for sig in entry_sigs:
        s = sig.score(view)
        if s > best:
            best, best_index = s, sig.index
    return best, best_index


def join_counts(joined: int, *alone: int) -> bool:
    """A joined pair is one message only if it beats each of its lines by JOIN_GAIN."""
    return joined >= max(alone) + JOIN_GAIN


def joined_score(sigs: list[CompiledSignature], first: LineView, second: LineView,
                 alone_first: int, alone_second: int) -> tuple[int, int]:
    """(score, signature index) of two neighbouring lines read as one message, or
    (0, -1) when the pair does not count as one.

    The pair must beat each line alone by JOIN_GAIN, both as the entry's best score
    there (`alone_*`) and as the same signature's raw fit, require/forbid ignored:
    otherwise a required word that only the neighbour holds ("No bootable deviqe."
    next to smartd's "Device: /dev/sda") turns two unrelated lines into a hit.
    """
    score, index = best_entry_score(sigs, first.joined(second))
    if index < 0:
        return 0, -1
    sig = next(s for s in sigs if s.index == index)
    if join_counts(score, alone_first, alone_second, sig.raw_score(first), sig.raw_score(second)):
        return score, index
    return 0, -1


def fitted_threshold(entry: Entry, near_miss_best: int) -> int:
    """An entry's threshold: above its best-scoring near-miss, never below the floor."""
    if entry.threshold_fixed:
        return entry.threshold
    return min(100, max(THRESHOLD_FLOOR, near_miss_best + THRESHOLD_MARGIN))
