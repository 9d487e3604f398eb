"""From a stream of log text to ranked findings.

Pipeline, one way: anchor scan (reader.py, RE2 over raw chunks) -> candidate lines ->
normalise -> score against the signatures whose anchors the line holds (scoring.py)
-> fold repeats into one finding per entry, with evidence -> rank.

``Matcher.scan`` is the fast path. ``Matcher.scan_exhaustive`` scores every line
against every signature; it is the reference the fast path is checked against in the
tests and the benchmark (they must give the same findings).
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from xenkb.engines import anchor_pattern, compile_anchor_scanner, new_literal_set
from xenkb.facts import FACT_ANCHORS, Facts, read_facts
from xenkb.model import Entry, Evidence, Finding
from xenkb.reader import Candidate, ReadStats, iter_candidates, iter_lines_all
from xenkb.scoring import JOIN_FLOOR, MAX_CACHED_CHARS, CompiledSignature, LineView, NormCache, best_entry_score, joined_score

MAX_EVIDENCE = 5  # distinct evidence lines kept per finding (the rest are counted)
MAX_UNMATCHED = 200  # distinct unrecognised error lines kept per scan
CACHE_SIZE = 2048  # normalised lines whose scores are remembered (repeats are common)

# Words that make a line "look like an error" for the not-recognised list.
ERROR_ANCHORS = ("error", "fail", "panic", "bug:", "oops", "warning", "traceback", "fatal",
                 "cannot", "can't", "unable to", "exception", "segfault")
# Markers in the anchor set for the error and fact words (every _ERROR_WORDS match
# contains one of the ERROR_ANCHORS, so the set is a cheap test before the regex).
_ERROR_MARK = "error-word"
_FACT_MARK = "fact-word"
_ERROR_WORDS = re.compile(
    r"(?<![a-z])(error|errors|fail|failed|failure|failing|panic|bug:|oops|warning|traceback|fatal|"
    r"cannot|can't|unable to|exception|segfault)(?![a-z])", re.I)


@dataclass
class Unmatched:
    text: str
    norm: str
    count: int
    first_line: int
    last_line: int
    source: str


@dataclass
class ScanResult:
    findings: list[Finding]
    facts: Facts
    unmatched: list[Unmatched]
    unmatched_overflow: int = 0  # error-looking lines beyond MAX_UNMATCHED kinds
    lines: int = 0
    bytes: int = 0
    cut_lines: int = 0


@dataclass
class _Acc:
    """A finding while it is being built."""

    score: int = 0
    count: int = 0
    first: int = 0
    last: int = 0
    best_sig: int = -1
    # Evidence by normalised line: one line (or joined pair) per kind of message.
    groups: dict[str, list[Evidence]] = field(default_factory=dict)

    @property
    def evidence(self) -> list[Evidence]:
        return [ev for group in self.groups.values() for ev in group]

    def add_evidence(self, norm: str, lines: list[Evidence]) -> None:
        if norm not in self.groups and sum(map(len, self.groups.values())) < MAX_EVIDENCE:
            self.groups[norm] = lines

    def absorb(self, later: _Acc) -> None:
        """Fold in what a later part of the same input found for this entry."""
        self.count += later.count
        self.first = self.first or later.first
        self.last = later.last or self.last
        if later.score > self.score:
            self.score, self.best_sig = later.score, later.best_sig
        for norm, lines in later.groups.items():
            self.add_evidence(norm, lines)

    def shift(self, lines: int) -> None:
        self.first += lines
        self.last += lines
        self.groups = {n: [dataclasses.replace(ev, line=ev.line + lines) for ev in g]
                       for n, g in self.groups.items()}


@dataclass
class Partial:
    """What scanning one stream produced, before ranking; two can be merged."""

    accs: dict[str, _Acc] = field(default_factory=dict)
    facts: Facts = field(default_factory=Facts)
    unmatched: dict[str, Unmatched] = field(default_factory=dict)
    overflow: int = 0
    stats: ReadStats = field(default_factory=ReadStats)
    pairs: set[tuple[str, int]] = field(default_factory=set)  # joined pairs (entry, first line)

    def fold_unmatched(self, item: Unmatched) -> None:
        """Count an unrecognised line under its normalised form (bounded)."""
        mine = self.unmatched.get(item.norm)
        if mine is not None:
            mine.count += item.count
            mine.last_line = item.last_line
        elif len(self.unmatched) < MAX_UNMATCHED:
            self.unmatched[item.norm] = item
        else:
            self.overflow += item.count


def default_scan_literals(entries: Iterable[Entry]) -> list[str]:
    """What the anchor scanner looks for: every anchor of the live entries, and the
    error words (lines holding one are read for the unrecognised-errors report)."""
    anchors = dict.fromkeys(a for e in entries if not e.deprecated for s in e.signatures for a in s.anchors)
    return list(anchors) + list(ERROR_ANCHORS)


class Matcher:
    """The compiled form of a KB, ready to scan inputs."""

    def __init__(self, entries: Iterable[Entry], scan_literals: list[str] | None = None) -> None:
        """`scan_literals`: what the anchor scanner looks for, when the caller has it
        already reduced (catalog.py caches `minimal_literals(scan_literals(entries))`);
        by default every anchor and error word."""
        self.entries: dict[str, Entry] = {e.id: e for e in entries if not e.deprecated}
        self.sigs: dict[str, list[CompiledSignature]] = {}
        self._text_sigs: dict[str, list[CompiledSignature]] = {}
        self._regex_sigs: dict[str, list[CompiledSignature]] = {}
        self.anchor_index: dict[str, set[str]] = {}
        for entry in self.entries.values():
            compiled = [CompiledSignature.build(entry.id, i, s) for i, s in enumerate(entry.signatures)]
            if compiled:
                self.sigs[entry.id] = compiled
                self._text_sigs[entry.id] = [g for g in compiled if g.regex is None]
                self._regex_sigs[entry.id] = [g for g in compiled if g.regex is not None]
            for sig in entry.signatures:
                for anchor in sig.anchors:
                    self.anchor_index.setdefault(anchor, set()).add(entry.id)
        # All anchors in one RE2 set: one call tells every anchor a line holds,
        # overlapping ones included (an alternation would report only one of two
        # overlapping anchors).
        # The same set also answers "does the line hold an error word / a fact
        # word?", so a candidate costs one RE2 call, not three scans in Python.
        self._anchor_ids: list[set[str] | str] = []
        self._anchor_set = new_literal_set()
        for anchor, ids in sorted(self.anchor_index.items()):
            self._anchor_set.Add(anchor_pattern(anchor))
            self._anchor_ids.append(ids)
        for word in ERROR_ANCHORS:
            self._anchor_set.Add(anchor_pattern(word))
            self._anchor_ids.append(_ERROR_MARK)
        for word in FACT_ANCHORS:
            self._anchor_set.Add(anchor_pattern(word))
            self._anchor_ids.append(_FACT_MARK)
        self._anchor_set.Compile()
        self.scan_literals = scan_literals or default_scan_literals(self.entries.values())
        self._scanner: Any = None
        self.fact_scanner = compile_anchor_scanner(FACT_ANCHORS)
        self._cache: OrderedDict[str, dict[str, tuple[int, int]]] = OrderedDict()
        self._norms = NormCache()

    @property
    def scanner(self) -> Any:
        """The anchor scanner (KB anchors and error words), compiled on first use:
        commands that never scan (list, show, search) do not pay for it."""
        if self._scanner is None:
            self._scanner = compile_anchor_scanner(self.scan_literals)
        return self._scanner

    # --- one line -----------------------------------------------------------------

    def classify(self, text: str) -> tuple[set[str], bool, bool]:
        """(entries anchored in the line, holds an error word, holds a fact word)."""
        found: set[str] = set()
        error = fact = False
        for index in self._anchor_set.Match(text) or ():  # None when nothing matches
            ids = self._anchor_ids[index]
            if ids is _ERROR_MARK:
                error = True
            elif ids is _FACT_MARK:
                fact = True
            else:
                found |= ids  # type: ignore[operator]
        return found, error, fact

    def _single_scores(self, view: LineView, ids: set[str]) -> dict[str, tuple[int, int]]:
        """Each entry's best (score, signature) on one line, remembered per normalised
        line: logs repeat the same message with different numbers all day long."""
        cached = self._cache.get(view.norm)
        if cached is None:
            cached = {}
            if len(view.norm) <= MAX_CACHED_CHARS:
                self._cache[view.norm] = cached
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        out = {}
        for entry_id in ids:
            fuzzy = cached.get(entry_id)
            if fuzzy is None:
                # Text signatures depend on the normalised line only: remember them.
                fuzzy = cached[entry_id] = best_entry_score(self._text_sigs[entry_id], view)
            regex_sigs = self._regex_sigs[entry_id]
            if regex_sigs:
                # Regex signatures see the un-masked line, so they run every time (RE2).
                regex = best_entry_score(regex_sigs, view)
                if regex[0] > fuzzy[0] or (regex[0] == fuzzy[0] and regex[1] < fuzzy[1]):
                    fuzzy = regex
            out[entry_id] = fuzzy
        return out

    def line_hits(self, cand: Candidate, view: LineView, ids: set[str],
                  join_ids: set[str]) -> list[tuple[str, int, int, int]]:
        """Entries this line (or the pair it forms with a neighbour) reaches the
        threshold of: (entry id, score, signature index, pair offset -1/0/+1).

        A pair is only tried for entries anchored in this line, in the fast and the
        exhaustive scan alike. Only the best entry is kept: one line is evidence of
        one problem.
        """
        if not ids:
            return []
        single = self._single_scores(view, ids)
        hits: list[tuple[str, int, int, int]] = []
        for entry_id, (score, sig_index) in single.items():
            if score >= self.entries[entry_id].threshold:
                hits.append((entry_id, score, sig_index, 0))
            elif score >= JOIN_FLOOR and entry_id in join_ids:
                hit = self._join(cand, view, entry_id, score)
                if hit:
                    hits.append(hit)
        if not hits:
            return []
        top = max(h[1] for h in hits)
        tied = [h for h in hits if h[1] == top]
        if len(tied) > 1:
            # Equal scores: the more specific (longer) signature names the problem.
            longest = max(self._specificity(h[0], h[2]) for h in tied)
            tied = [h for h in tied if self._specificity(h[0], h[2]) == longest]
        return tied

    def _join(self, cand: Candidate, view: LineView, entry_id: str, alone: int) -> tuple[str, int, int, int] | None:
        sigs = self.sigs[entry_id]
        for offset, other in ((-1, cand.prev), (1, cand.next)):
            if not other:
                continue
            other_view = LineView.of(other)
            other_alone = best_entry_score(sigs, other_view)[0]
            if offset < 0:
                score, sig_index = joined_score(sigs, other_view, view, other_alone, alone)
            else:
                score, sig_index = joined_score(sigs, view, other_view, alone, other_alone)
            if sig_index >= 0 and score >= self.entries[entry_id].threshold:
                return entry_id, score, sig_index, offset
        return None

    def _specificity(self, entry_id: str, sig_index: int) -> int:
        sig = self.entries[entry_id].signatures[sig_index]
        return len(sig.norm) if sig.regex is None else len(sig.regex)

    # --- whole inputs ------------------------------------------------------------------

    def scan(self, stream: BinaryIO, source: str = "-", exhaustive: bool = False) -> ScanResult:
        return self.finish(self.scan_partial(stream, source, exhaustive))

    def scan_partial(self, stream: BinaryIO, source: str = "-", exhaustive: bool = False,
                     context: tuple[bytes | None, bytes | None] = (None, None),
                     fact_window: bool = True) -> Partial:
        """Scan one stream (a whole input, or one part of it) into mergeable state."""
        part = Partial()
        stats = part.stats
        if exhaustive:
            cands = iter_lines_all(stream, stats)
        else:
            cands = iter_candidates(stream, lambda: self.scanner, stats, self.fact_scanner, context, fact_window)
        all_ids = set(self.sigs)
        accs, facts = part.accs, part.facts
        for cand in cands:
            own, error_word, fact_word = self.classify(cand.text)
            looks_bad = error_word and _ERROR_WORDS.search(cand.text) is not None
            # Facts come from the start of the input (boot banners) and from the lines
            # that matter; elsewhere reading them would cost time on every candidate.
            if fact_word and (cand.early or own or looks_bad):
                read_facts(cand.text, cand.line_no, source, facts)
            if not own and not exhaustive and not looks_bad:
                continue  # a line read only for facts: no need to normalise it
            view = LineView.of(cand.text, self._norms)
            hits = self.line_hits(cand, view, all_ids if exhaustive else own, own)
            for entry_id, score, sig_index, offset in hits:
                # A pair of lines is one message, attributed to its first line and
                # counted once even when both of its lines hold an anchor.
                first = cand.line_no - 1 if offset < 0 else cand.line_no
                if offset:
                    if (entry_id, first) in part.pairs:
                        continue
                    part.pairs.add((entry_id, first))
                    if len(part.pairs) > 1024:  # only the latest and the first matter
                        part.pairs = {p for p in part.pairs if p[1] <= 1 or p[1] >= first - 2}
                acc = accs.setdefault(entry_id, _Acc())
                acc.absorb(_Acc(score, 1, first, first, sig_index))
                lines = [Evidence(cand.line_no, cand.text, source)]
                if offset < 0 and cand.prev is not None:
                    lines.insert(0, Evidence(cand.line_no - 1, cand.prev, source))
                if offset > 0 and cand.next is not None:
                    lines.append(Evidence(cand.line_no + 1, cand.next, source))
                acc.add_evidence(view.norm, lines)
            if not hits and looks_bad:
                part.fold_unmatched(Unmatched(cand.text, view.norm, 1, cand.line_no, cand.line_no, source))
        return part

    def finish(self, part: Partial) -> ScanResult:
        findings = [self._finding(entry_id, acc) for entry_id, acc in part.accs.items()]
        findings.sort(key=finding_sort_key)
        stats = part.stats
        return ScanResult(findings, part.facts, list(part.unmatched.values()), part.overflow,
                          stats.lines, stats.bytes, stats.cut_lines)

    def _finding(self, entry_id: str, acc: _Acc) -> Finding:
        entry = self.entries[entry_id]
        sig = entry.signatures[acc.best_sig] if acc.best_sig >= 0 else None
        return Finding(entry=entry, score=acc.score, count=acc.count, first_line=acc.first,
                       last_line=acc.last, evidence=acc.evidence,
                       best_signature=sig.label if sig else "")

    def scan_text(self, text: str, source: str = "-", exhaustive: bool = False) -> ScanResult:
        return self.scan(io.BytesIO(text.encode("utf-8")), source, exhaustive)


def finding_sort_key(f: Finding) -> tuple[int, int, int, int]:
    """Best first: score after fact penalties, then severity, then repeats, then position.

    Severity breaks ties because, of two equally certain problems, the one that stops
    a domain from running is the one to read first.
    """
    return (-f.rank_score, -f.entry.severity_rank, -f.count, f.first_line)
