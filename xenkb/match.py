"""From a stream of log text to ranked findings.

Pipeline, one way: anchor scan (reader.py, RE2 over raw chunks) -> candidate lines ->
normalise -> score against the signatures whose anchors the line holds (scoring.py)
-> fold repeats into one finding per entry, with evidence -> rank.

``Matcher.scan`` is the fast path. ``Matcher.scan_exhaustive`` scores every line
against every signature; it is the reference the fast path is checked against in the
tests and the benchmark (they must give the same findings).
"""

from __future__ import annotations

import io
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from xenkb.engines import compile_anchor_scanner
from xenkb.facts import FACT_ANCHORS, Facts, read_facts
from xenkb.model import Entry, Evidence, Finding
from xenkb.reader import Candidate, ReadStats, iter_candidates, iter_lines_all
from xenkb.scoring import JOIN_FLOOR, JOIN_GAIN, CompiledSignature, LineView, best_entry_score

MAX_EVIDENCE = 5  # distinct evidence lines kept per finding (the rest are counted)
MAX_UNMATCHED = 200  # distinct unrecognised error lines kept per scan
CACHE_SIZE = 4096  # normalised lines whose scores are remembered (repeats are common)

# Words that make a line "look like an error" for the not-recognised list.
ERROR_ANCHORS = ("error", "fail", "panic", "bug:", "oops", "warning", "traceback", "fatal",
                 "cannot", "can't", "unable to", "exception", "segfault")
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
    evidence: list[Evidence] = field(default_factory=list)
    seen_norms: set[str] = field(default_factory=set)


class Matcher:
    """The compiled form of a KB, ready to scan inputs."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: dict[str, Entry] = {e.id: e for e in entries if not e.deprecated}
        self.sigs: dict[str, list[CompiledSignature]] = {}
        self.anchor_index: dict[str, set[str]] = {}
        for entry in self.entries.values():
            compiled = [CompiledSignature.build(entry.id, i, s) for i, s in enumerate(entry.signatures)]
            if compiled:
                self.sigs[entry.id] = compiled
            for sig in entry.signatures:
                for anchor in sig.anchors:
                    self.anchor_index.setdefault(anchor, set()).add(entry.id)
        self.anchor_items = sorted(self.anchor_index.items())
        base = list(self.anchor_index) + list(ERROR_ANCHORS)
        self.scanner = compile_anchor_scanner(base)
        self.first_chunk_scanner = compile_anchor_scanner(base + list(FACT_ANCHORS))
        self._cache: OrderedDict[str, list[tuple[str, int, int]]] = OrderedDict()

    # --- one line -----------------------------------------------------------------

    def entries_for(self, lower: str) -> set[str]:
        """Entries whose anchors occur in a lower-cased line."""
        found: set[str] = set()
        for anchor, ids in self.anchor_items:
            if anchor in lower:
                found |= ids
        return found

    def _scores(self, view: LineView, ids: Iterable[str]) -> list[tuple[str, int, int]]:
        out = []
        for entry_id in ids:
            score, sig_index = best_entry_score(self.sigs[entry_id], view)
            out.append((entry_id, score, sig_index))
        return out

    def line_hits(self, cand: Candidate, ids: set[str]) -> list[tuple[str, int, int, int]]:
        """Entries this line (possibly joined with a neighbour) reaches the threshold of.

        Returns (entry id, score, signature index, neighbour offset: -1, 0 or +1).
        Only the best entry is kept (ties all kept): one line is evidence of one problem.
        """
        if not ids:
            return []
        view = LineView.of(cand.text)
        key = view.norm
        cached = self._cache.get(key)
        if cached is None:
            cached = self._scores(view, sorted(ids))
            self._cache[key] = cached
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        hits: list[tuple[str, int, int, int]] = []
        retry: list[str] = []
        for entry_id, score, sig_index in cached:
            if score >= self.entries[entry_id].threshold:
                hits.append((entry_id, score, sig_index, 0))
            elif score >= JOIN_FLOOR:
                retry.append(entry_id)
        single = {entry_id: score for entry_id, score, _ in cached}
        for entry_id in retry:
            for offset, other in ((-1, cand.prev), (1, cand.next)):
                if not other:
                    continue
                other_view = LineView.of(other)
                joined = other_view.joined(view) if offset < 0 else view.joined(other_view)
                score, sig_index = best_entry_score(self.sigs[entry_id], joined)
                alone = max(single[entry_id], best_entry_score(self.sigs[entry_id], other_view)[0])
                if score >= self.entries[entry_id].threshold and score >= alone + JOIN_GAIN:
                    hits.append((entry_id, score, sig_index, offset))
                    break
        if not hits:
            return []
        top = max(h[1] for h in hits)
        tied = [h for h in hits if h[1] == top]
        if len(tied) > 1:
            # Equal scores: the more specific (longer) signature names the problem.
            longest = max(self._specificity(h[0], h[2]) for h in tied)
            tied = [h for h in tied if self._specificity(h[0], h[2]) == longest]
        return tied

    def _specificity(self, entry_id: str, sig_index: int) -> int:
        sig = self.entries[entry_id].signatures[sig_index]
        return len(sig.norm) if sig.regex is None else len(sig.regex)

    # --- whole inputs ------------------------------------------------------------------

    def scan(self, stream: BinaryIO, source: str = "-", exhaustive: bool = False) -> ScanResult:
        stats = ReadStats()
        accs: dict[str, _Acc] = {}
        facts = Facts()
        unmatched: dict[str, Unmatched] = {}
        overflow = 0
        if exhaustive:
            cands = iter_lines_all(stream, stats)
        else:
            cands = iter_candidates(stream, self.scanner, stats, self.first_chunk_scanner)
        all_ids = set(self.sigs)
        for cand in cands:
            lower = cand.text.lower()
            ids = all_ids if exhaustive else self.entries_for(lower)
            if not exhaustive and (cand.prev or cand.next):
                # A re-wrapped message may carry its anchor on the neighbour line only.
                ids = ids | self.entries_for((cand.prev or "").lower()) | self.entries_for((cand.next or "").lower())
            hits = self.line_hits(cand, ids) if ids else []
            read_facts(cand.text, cand.line_no, source, facts)
            for entry_id, score, sig_index, offset in hits:
                acc = accs.setdefault(entry_id, _Acc())
                acc.count += 1
                acc.first = acc.first or cand.line_no
                acc.last = cand.line_no
                if score > acc.score:
                    acc.score, acc.best_sig = score, sig_index
                norm = LineView.of(cand.text).norm
                if norm not in acc.seen_norms and len(acc.evidence) < MAX_EVIDENCE:
                    acc.seen_norms.add(norm)
                    if offset < 0 and cand.prev is not None:
                        acc.evidence.append(Evidence(cand.line_no - 1, cand.prev, source))
                    acc.evidence.append(Evidence(cand.line_no, cand.text, source))
                    if offset > 0 and cand.next is not None:
                        acc.evidence.append(Evidence(cand.line_no + 1, cand.next, source))
            if not hits and _ERROR_WORDS.search(cand.text):
                norm = LineView.of(cand.text).norm
                item = unmatched.get(norm)
                if item is not None:
                    item.count += 1
                    item.last_line = cand.line_no
                elif len(unmatched) < MAX_UNMATCHED:
                    unmatched[norm] = Unmatched(cand.text, norm, 1, cand.line_no, cand.line_no, source)
                else:
                    overflow += 1
        findings = [self._finding(entry_id, acc) for entry_id, acc in accs.items()]
        findings.sort(key=finding_sort_key)
        return ScanResult(findings, facts, list(unmatched.values()), overflow,
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
