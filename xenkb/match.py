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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from xenkb.engines import anchor_pattern, compile_anchor_scanner, compile_regex, new_literal_set
from xenkb.normalize import strip_prefixes
from xenkb.facts import FACT_ANCHORS, Facts, read_facts
from xenkb.model import ContextRule, Entry, Evidence, Finding, Signature
from xenkb.reader import Candidate, ReadStats, iter_candidates, iter_lines_all
from xenkb.scoring import JOIN_FLOOR, MAX_CACHED_CHARS, CompiledSignature, LineView, NormCache, best_entry_score, joined_score

MAX_EVIDENCE = 5  # distinct evidence lines kept per finding (the rest are counted)
MAX_CAPTURED = 8  # distinct values kept per capture (e.g. process names a fix lists)
MAX_UNMATCHED = 200  # distinct unrecognised error lines kept per scan
CACHE_SIZE = 2048  # normalised lines whose scores are remembered (repeats are common)
# Lines remembered per multi-line part or context rule: the first ones and the
# latest ones (a chain or a nearby line is what matters), so memory stays bounded.
MAX_MARKS = 256
# A line is context evidence when it fits the rule's template this well.
CONTEXT_FIT = 90

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
    # Findings the rest of the input rules out, with the reason (context, source).
    ruled_out: list[tuple[Finding, str]] = field(default_factory=list)
    candidates: int = 0  # lines the anchor scan handed over to scoring


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
    captured: dict[str, list[str]] = field(default_factory=dict)

    def capture(self, name: str, value: str) -> None:
        seen = self.captured.setdefault(name, [])
        if value not in seen and len(seen) < MAX_CAPTURED:
            seen.append(value)

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
        for name, values in later.captured.items():
            for value in values:
                self.capture(name, value)

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
    # Lines that fit one line of a multi-line signature, ("part", entry, signature,
    # part), or a context rule, ("ctx", entry, rule): (line, text, score) each.
    marks: dict[tuple, list[tuple[int, str, int]]] = field(default_factory=dict)
    source: str = "-"
    candidates: int = 0  # lines the anchor scan handed over (for -v and the bench)

    def mark(self, key: tuple, line: int, text: str, score: int) -> None:
        seen = self.marks.setdefault(key, [])
        seen.append((line, text[:512], score))
        if len(seen) > MAX_MARKS:
            del seen[MAX_MARKS // 4: MAX_MARKS // 2]  # keep the first and the latest

    def merge_marks(self, later: Partial, shift: int) -> None:
        """Add the marks of the input's next part, whose line numbers start at `shift`."""
        self.candidates += later.candidates
        for key, seen in later.marks.items():
            for line, text, score in seen:
                self.mark(key, line + shift, text, score)

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
    """What the anchor scanner looks for: every anchor of the live entries (their
    signatures' and their context rules'), and the error words (lines holding one are
    read for the unrecognised-errors report)."""
    anchors: dict[str, None] = {}
    for e in entries:
        if e.deprecated:
            continue
        anchors.update(dict.fromkeys(a for s in e.signatures for a in s.anchors))
        anchors.update(dict.fromkeys(a for r in e.context for a in r.anchors))
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
        self._multi_sigs: dict[str, list[CompiledSignature]] = {}
        self._templated: set[str] = set()  # entries with a one-line template signature
        self._captures: dict[str, list[tuple[str, Any]]] = {
            e.id: [(c.name, compile_regex(c.regex)) for c in e.captures] for e in self.entries.values() if e.captures}
        self.anchor_index: dict[str, set[str]] = {}
        # Context rules: compiled template and the anchors that find their lines.
        self.context_rules: dict[tuple[str, int], CompiledSignature] = {}
        context_index: dict[str, list[tuple[str, int]]] = {}
        for entry in self.entries.values():
            compiled = [CompiledSignature.build(entry.id, i, s) for i, s in enumerate(entry.signatures)]
            if compiled:
                self.sigs[entry.id] = compiled
                self._text_sigs[entry.id] = [g for g in compiled if g.regex is None and not g.parts]
                self._regex_sigs[entry.id] = [g for g in compiled if g.regex is not None]
                self._multi_sigs[entry.id] = [g for g in compiled if g.parts]
                if any(g.segments for g in compiled):
                    self._templated.add(entry.id)
            for sig in entry.signatures:
                for anchor in sig.anchors:
                    self.anchor_index.setdefault(anchor, set()).add(entry.id)
            for r, rule in enumerate(entry.context):
                self.context_rules[(entry.id, r)] = CompiledSignature.build(
                    entry.id, -1, Signature(text=rule.text, norm=rule.norm, template=True))
                for anchor in rule.anchors:
                    context_index.setdefault(anchor, []).append((entry.id, r))
        # All anchors in one RE2 set: one call tells every anchor a line holds,
        # overlapping ones included (an alternation would report only one of two
        # overlapping anchors).
        # The same set also answers "does the line hold an error word / a fact
        # word?", so a candidate costs one RE2 call, not three scans in Python.
        self._anchor_ids: list[set[str] | str | list[tuple[str, int]]] = []
        self._anchor_set = new_literal_set()
        for anchor, ids in sorted(self.anchor_index.items()):
            self._anchor_set.Add(anchor_pattern(anchor))
            self._anchor_ids.append(ids)
        for anchor, rules in sorted(context_index.items()):
            self._anchor_set.Add(anchor_pattern(anchor))
            self._anchor_ids.append(rules)
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

    def classify(self, text: str) -> tuple[set[str], bool, bool, set[tuple[str, int]]]:
        """(entries anchored in the line, holds an error word, holds a fact word,
        context rules anchored in the line)."""
        found: set[str] = set()
        rules: set[tuple[str, int]] = set()
        error = fact = False
        for index in self._anchor_set.Match(text) or ():  # None when nothing matches
            ids = self._anchor_ids[index]
            if ids is _ERROR_MARK:
                error = True
            elif ids is _FACT_MARK:
                fact = True
            elif isinstance(ids, list):
                rules.update(ids)
            else:
                found |= ids  # type: ignore[operator]
        return found, error, fact, rules

    def _scores_for(self, view: LineView) -> dict:
        """The remembered scores of one normalised line (bounded LRU)."""
        cached = self._cache.get(view.norm)
        if cached is None:
            cached = {}
            if len(view.norm) <= MAX_CACHED_CHARS:  # a huge line is not worth remembering
                self._cache[view.norm] = cached
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return cached

    def _remembered(self, view: LineView, key: tuple, score: Callable[[], int]) -> int:
        """A template score that depends on the normalised line only: computed once
        per kind of line, a lookup for every repeat of it."""
        cached = self._scores_for(view)
        hit = cached.get(key)
        if hit is None:
            hit = cached[key] = score()
        return hit

    def _single_scores(self, view: LineView, ids: set[str]) -> dict[str, tuple[int, int]]:
        """Each entry's best (score, signature) on one line, remembered per normalised
        line: logs repeat the same message with different numbers all day long."""
        cached = self._scores_for(view)
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
            elif entry_id in join_ids and (score >= JOIN_FLOOR or entry_id in self._templated):
                # A template scores 0 on half a message (a segment is missing), so a
                # line holding its anchor is tried with its neighbour whatever it
                # scored: the pair must still hold every segment, in order.
                hit = self._join(cand, view, entry_id, score)
                if hit:
                    hits.append(hit)
        if not hits:
            return []
        specific = [h for h in hits if not self.entries[h[0]].generic]
        generic = [h for h in hits if self.entries[h[0]].generic]
        # A generic message ("... could not be connected", a hotplug script failed)
        # is kept beside a specific one on the same line: diagnosis folds it under
        # the specific cause instead of letting it hide it.
        return self._best(specific) + self._best(generic)

    def _best(self, hits: list[tuple[str, int, int, int]]) -> list[tuple[str, int, int, int]]:
        """The best-scoring hits; of equal scores, the most specific signature's."""
        if not hits:
            return []
        top = max(h[1] for h in hits)
        tied = [h for h in hits if h[1] == top]
        if len(tied) > 1:
            longest = max(self._specificity(h[0], h[2]) for h in tied)
            tied = [h for h in tied if self._specificity(h[0], h[2]) == longest]
        return tied

    def _join(self, cand: Candidate, view: LineView, entry_id: str, alone: int) -> tuple[str, int, int, int] | None:
        sigs = self.sigs[entry_id]
        # A pair's score depends on the two normalised lines only (on the raw text
        # too when a regex signature reads it): repeated pairs cost a lookup.
        raw = bool(self._regex_sigs.get(entry_id))
        for offset, other in ((-1, cand.prev), (1, cand.next)):
            if not other:
                continue
            other_view = LineView.of(other, self._norms)

            def pair(other_view: LineView = other_view, offset: int = offset) -> tuple[int, int]:
                other_alone = best_entry_score(sigs, other_view)[0]
                if offset < 0:
                    return joined_score(sigs, other_view, view, other_alone, alone)
                return joined_score(sigs, view, other_view, alone, other_alone)

            cached = self._scores_for(view)
            if len(cached) > 512:  # raw-text keys could grow without bound on one line kind
                cached.clear()
            key = ("join", entry_id, offset, other_view.norm) + ((view.stripped, other_view.stripped) if raw else ())
            score, sig_index = cached[key] if key in cached else cached.setdefault(key, pair())
            if sig_index >= 0 and score >= self.entries[entry_id].threshold:
                return entry_id, score, sig_index, offset
        return None

    def _specificity(self, entry_id: str, sig_index: int) -> int:
        return next(s for s in self.sigs[entry_id] if s.index == sig_index).constant_chars

    # --- whole inputs ------------------------------------------------------------------

    def scan(self, stream: BinaryIO, source: str = "-", exhaustive: bool = False,
             on_first: Callable[[Entry, int, list[Evidence]], None] | None = None) -> ScanResult:
        return self.finish(self.scan_partial(stream, source, exhaustive, on_first=on_first))

    def scan_partial(self, stream: BinaryIO, source: str = "-", exhaustive: bool = False,
                     context: tuple[bytes | None, bytes | None] = (None, None),
                     fact_window: bool = True,
                     on_first: Callable[[Entry, int, list[Evidence]], None] | None = None) -> Partial:
        """Scan one stream (a whole input, or one part of it) into mergeable state.

        `on_first(entry, score, evidence)` is called as soon as an entry is first seen
        (`match --follow`), before the input ends; the final result still folds
        repeats, joins multi-line signatures, applies context and ranks."""
        part = Partial(source=source)
        stats = part.stats
        if exhaustive:
            cands = iter_lines_all(stream, stats)
        else:
            cands = iter_candidates(stream, lambda: self.scanner, stats, self.fact_scanner, context, fact_window)
        all_ids = set(self.sigs)
        accs, facts = part.accs, part.facts
        all_rules = set(self.context_rules)
        for cand in cands:
            part.candidates += 1
            own, error_word, fact_word, rules = self.classify(cand.text)
            looks_bad = error_word and _ERROR_WORDS.search(cand.text) is not None
            # Facts come from the start of the input (boot banners) and from the lines
            # that matter; elsewhere reading them would cost time on every candidate.
            if fact_word and (cand.early or own or looks_bad):
                read_facts(cand.text, cand.line_no, source, facts)
            if not own and not rules and not exhaustive and not looks_bad:
                continue  # a line read only for facts: no need to normalise it
            view = LineView.of(cand.text, self._norms)
            for key in (all_rules if exhaustive else rules):
                score = self._remembered(view, ("ctx", *key), lambda k=key: self.context_rules[k].raw_score(view))
                if score >= CONTEXT_FIT:
                    part.mark(("ctx", *key), cand.line_no, cand.text, score)
            for entry_id in (self._multi_sigs if exhaustive else own):
                for sig in self._multi_sigs.get(entry_id, ()):
                    for p, piece in enumerate(sig.parts):
                        key = ("part", entry_id, sig.index, p)
                        score = self._remembered(view, key, lambda pc=piece: pc.score(view))
                        if score >= self.entries[entry_id].threshold:
                            part.mark(key, cand.line_no, cand.text, score)
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
                first_time = entry_id not in accs
                acc = accs.setdefault(entry_id, _Acc())
                acc.absorb(_Acc(score, 1, first, first, sig_index))
                lines = [Evidence(cand.line_no, cand.text, source)]
                if offset < 0 and cand.prev is not None:
                    lines.insert(0, Evidence(cand.line_no - 1, cand.prev, source))
                if offset > 0 and cand.next is not None:
                    lines.append(Evidence(cand.line_no + 1, cand.next, source))
                acc.add_evidence(view.norm, lines)
                for name, regex in self._captures.get(entry_id, ()):
                    for ev in lines:
                        m = regex.search(strip_prefixes(ev.text))
                        if m and m.group(1):
                            acc.capture(name, m.group(1)[:80])
                if first_time and on_first is not None:
                    on_first(self.entries[entry_id], score, lines)
            if not hits and looks_bad:
                part.fold_unmatched(Unmatched(cand.text, view.norm, 1, cand.line_no, cand.line_no, source))
        return part

    def finish(self, part: Partial) -> ScanResult:
        self._join_chains(part)
        findings = [self._finding(entry_id, acc) for entry_id, acc in part.accs.items()]
        findings.sort(key=finding_sort_key)
        stats = part.stats
        result = ScanResult(findings, part.facts, list(part.unmatched.values()), part.overflow,
                            stats.lines, stats.bytes, stats.cut_lines)
        result.candidates = part.candidates
        self._apply_context(result, part)
        return result

    def _join_chains(self, part: Partial) -> None:
        """Multi-line signatures: each run of their lines, in order, within the window,
        is one occurrence. Done on the whole input's marks, so a chain that a
        two-core split cut in two is still whole."""
        for entry_id, sigs in self._multi_sigs.items():
            for sig in sigs:
                seen = [sorted(part.marks.get(("part", entry_id, sig.index, p), ())) for p in range(len(sig.parts))]
                if not all(seen):
                    continue
                window = sig.signature.window
                after = 0  # a line already used by a chain cannot start another
                for start in seen[0]:
                    if start[0] <= after:
                        continue
                    chain, at = [start], start[0]
                    for later in seen[1:]:
                        nxt = next((m for m in later if at < m[0] <= start[0] + window), None)
                        if nxt is None:
                            break
                        chain.append(nxt)
                        at = nxt[0]
                    if len(chain) < len(sig.parts):
                        continue
                    after = at
                    score = min(m[2] for m in chain)
                    acc = part.accs.setdefault(entry_id, _Acc())
                    acc.absorb(_Acc(score, 1, start[0], start[0], sig.index))
                    acc.add_evidence(f"lines:{sig.index}:{start[0]}",
                                     [Evidence(line, text, part.source) for line, text, _ in chain])

    def _apply_context(self, result: ScanResult, part: Partial) -> None:
        """Context rules: a finding with benign evidence near it, or without the
        evidence it requires, is ruled out (kept, with the reason, for --explain)."""
        kept = []
        for f in result.findings:
            reason = self._context_verdict(f, part)
            if reason:
                result.ruled_out.append((f, reason))
            else:
                kept.append(f)
        result.findings = kept

    def _context_verdict(self, f: Finding, part: Partial) -> str | None:
        rules = f.entry.context
        if not rules:
            return None
        lines = sorted({ev.line for ev in f.evidence} | {f.first_line, f.last_line})
        required, found_required = [], False
        for r, rule in enumerate(rules):
            near = [m for m in part.marks.get(("ctx", f.entry.id, r), ()) if _near(m[0], lines, rule)]
            if rule.kind == "benign" and near:
                return f"benign here: {rule.reason} (line {near[0][0]})"
            if rule.kind == "require":
                required.append(rule)
                found_required = found_required or bool(near)
        if required and not found_required:
            return "not a problem here: " + "; ".join(r.reason for r in required)
        return None

    def _finding(self, entry_id: str, acc: _Acc) -> Finding:
        entry = self.entries[entry_id]
        sig = entry.signatures[acc.best_sig] if acc.best_sig >= 0 else None
        compiled = next((s for s in self.sigs.get(entry_id, ()) if s.index == acc.best_sig), None)
        return Finding(entry=entry, score=acc.score, count=acc.count, first_line=acc.first,
                       last_line=acc.last, evidence=acc.evidence,
                       best_signature=sig.label if sig else "",
                       coverage=compiled.constant_chars if compiled else 0,
                       captured={k: list(v) for k, v in acc.captured.items()})

    def scan_text(self, text: str, source: str = "-", exhaustive: bool = False) -> ScanResult:
        return self.scan(io.BytesIO(text.encode("utf-8")), source, exhaustive)


def _near(line: int, lines: list[int], rule: ContextRule) -> bool:
    """Whether a context line at `line` is where `rule` looks, from the evidence lines."""
    if rule.within is None:
        return True
    if rule.direction == "after":
        return any(0 < line - x <= rule.within for x in lines)
    if rule.direction == "before":
        return any(0 < x - line <= rule.within for x in lines)
    return any(abs(line - x) <= rule.within for x in lines)


def finding_sort_key(f: Finding) -> tuple[int, int, int, int]:
    """Best first: score after fact penalties, then severity, then repeats, then position.

    Severity breaks ties because, of two equally certain problems, the one that stops
    a domain from running is the one to read first.
    """
    return (-f.rank_score, -f.entry.severity_rank, -f.count, f.first_line)
