"""Checks that need the matcher: every entry against its own examples.

``kb check`` runs these after the structural validation in kb.py. The test suite
runs the same functions, one test per entry, so ``pytest -k 4gb-seg-fixup`` works.
"""

from __future__ import annotations

from dataclasses import dataclass

from xenkb.match import Matcher
from xenkb.model import Entry, Problem
from xenkb.scoring import THRESHOLD_MARGIN, LineView, best_entry_score, joined_score


def example_score(matcher: Matcher, entry: Entry, text: str) -> int:
    """The best this entry can score on any line of `text`, alone or joined to a neighbour."""
    sigs = matcher.sigs.get(entry.id)
    if not sigs:
        return 0
    views = [LineView.of(line) for line in text.splitlines() if line.strip()]
    alone = [best_entry_score(sigs, v)[0] for v in views]
    best = max(alone, default=0)
    for i in range(len(views) - 1):
        joined = joined_score(sigs, views[i], views[i + 1], alone[i], alone[i + 1])[0]  # the matcher's rule
        best = max(best, joined)
    return best


def near_miss_best(matcher: Matcher, entry: Entry) -> int:
    return max((example_score(matcher, entry, t) for t in entry.examples_no_match), default=0)


@dataclass
class ExampleResult:
    entry_id: str
    text: str
    expected: bool  # True for a `match` example
    ok: bool
    got: list[str]  # ids found, best first
    detail: str = ""


def run_examples(matcher: Matcher, entry: Entry) -> list[ExampleResult]:
    """Every example of one entry: `match` ones must rank it first, `no_match` never."""
    from xenkb.diagnose import diagnose
    from xenkb.search import search

    def findings(text: str) -> list[str]:
        # The whole pipeline a user sees: scan, then facts and root-cause ranking.
        return [f.entry.id for f in diagnose(matcher.scan_text(text), matcher.entries).findings]

    results = []
    for text in entry.examples_match:
        if entry.signatures:
            found = findings(text)
            ok = bool(found) and found[0] == entry.id
        else:
            found = [hit.entry.id for hit in search(matcher.entries.values(), text)]
            ok = bool(found) and found[0] == entry.id
        detail = "" if ok else f"expected {entry.id} first, got {found[:3] or 'nothing'}"
        results.append(ExampleResult(entry.id, text, True, ok, found, detail))
    for text in entry.examples_no_match:
        found = findings(text)
        if not entry.signatures:
            found += [h.entry.id for h in search(matcher.entries.values(), text)[:1]]
        ok = entry.id not in found
        detail = "" if ok else f"near-miss yields {entry.id}"
        results.append(ExampleResult(entry.id, text, False, ok, found, detail))
    return results


def check_entries(matcher: Matcher, entries: dict[str, Entry]) -> list[Problem]:
    """Example and threshold problems, plus references between entries."""
    problems: list[Problem] = []
    for entry in entries.values():
        for result in run_examples(matcher, entry):
            if not result.ok:
                field = "examples.match" if result.expected else "examples.no_match"
                short = " ".join(result.text.split())[:80]
                problems.append(Problem(entry.path, 0, field, f"{result.detail}: {short!r}"))
        norms = {sig.norm for sig in entry.signatures if sig.text}
        for text in entry.examples_match:
            if "\n" not in text.strip() and LineView.of(text).norm in norms:
                problems.append(Problem(entry.path, 0, "examples.match",
                                        f"identical to a signature's text, so it tests nothing: {text[:80]!r}",
                                        "warning"))
        if entry.signatures and entry.examples_match:
            lowest = min(example_score(matcher, entry, t) for t in entry.examples_match)
            if lowest >= entry.threshold and lowest - entry.threshold < THRESHOLD_MARGIN:
                problems.append(Problem(
                    entry.path, 0, "examples",
                    f"too close to call: a match example scores {lowest}, threshold is "
                    f"{entry.threshold} (near-misses score up to {near_miss_best(matcher, entry)})",
                    "warning"))
        for name in ("causes", "related"):
            for other in getattr(entry, name):
                if other not in entries:
                    problems.append(Problem(entry.path, 0, name, f"unknown entry id {other!r}"))
        if entry.superseded_by and entry.superseded_by not in entries:
            problems.append(Problem(entry.path, 0, "superseded_by", f"unknown entry id {entry.superseded_by!r}"))
    return problems + check_anchor_density(matcher, entries)


def check_anchor_density(matcher: Matcher, entries: dict[str, Entry]) -> list[Problem]:
    """A warning for each entry whose anchors select more than 0.1 % of the healthy
    corpus (``bench/corpus`` of a source checkout; none when installed): every such
    line is scored for nothing, and real hosts print them all day (issue 15)."""
    from xenkb.anchors_report import corpus_dir, density_problems, read_corpus

    directory = corpus_dir()
    return density_problems(matcher, entries, read_corpus(directory)) if directory else []
