"""From matched lines to a diagnosis: facts against applies_to, root cause first,
and compatibility rules that speak up without an error line.

Runs after the scan, on its result; changes ranking and grouping, never the scores.
"""

from __future__ import annotations

from xenkb.facts import Facts
from xenkb.kb import parse_version_range
from xenkb.match import ScanResult, finding_sort_key
from xenkb.model import AppliesTo, Entry, Evidence, Finding
from xenkb.normalize import line_time

# Subtracted from a finding's rank score per applies_to condition the facts contradict:
# enough to put it behind an equally good finding that fits, not enough to hide it.
CONTRADICTION_PENALTY = 10


def _version_tuple(version: str) -> tuple[int, ...]:
    head = version.split("-")[0]
    parts = []
    for p in head.split("."):
        if not p.isdigit():
            break
        parts.append(int(p))
    return tuple(parts)


def version_in_range(version: str, spec: str) -> bool:
    v = _version_tuple(version)
    if not v:
        return True
    for op, bound in parse_version_range(spec):
        n = max(len(v), len(bound))
        a, b = v[:n] + (0,) * (n - len(v)), bound + (0,) * (n - len(bound))
        if op == "==":
            # "3.2" means any 3.2.x: compare only as many parts as the bound has
            ok = v[: len(bound)] == bound
        else:
            ok = {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b, "!=": a != b}[op]
        if not ok:
            return False
    return True


def contradictions(applies: AppliesTo, facts: Facts) -> list[str]:
    """Human reasons why the facts say this entry does not apply (empty if none)."""
    reasons = []
    xen = facts.get("xen")
    if applies.xen and xen and not version_in_range(xen, applies.xen):
        reasons.append(f"it applies to Xen {applies.xen}, the log shows Xen {xen}")
    kernel = facts.get("kernel")
    if applies.kernel and kernel and not _kernel_matches(applies.kernel, kernel):
        reasons.append(f"it applies to kernels matching {applies.kernel}, the log shows {kernel}")
    for name in ("toolstack", "debian", "arch", "side", "guest"):
        wanted = getattr(applies, name)
        value = facts.get(name)
        if wanted and value and value not in wanted:
            reasons.append(f"it applies to {name} {'/'.join(wanted)}, the log shows {value}")
    return reasons


def _kernel_matches(pattern: str, release: str) -> bool:
    from xenkb.engines import compile_regex

    return compile_regex(pattern, case_sensitive=True).search(release) is not None


def _note(f: Finding, text: str) -> None:
    """Add a note once, so diagnosing the same result again (the chat re-ranks when it
    learns a fact) does not repeat it."""
    if text not in f.notes:
        f.notes.append(text)


def apply_facts(result: ScanResult) -> None:
    """Rank down findings the facts contradict. A compatibility rule the facts
    contradict is dropped: it describes a combination this system is not."""
    kept = []
    for f in result.findings:
        reasons = contradictions(f.entry.applies_to, result.facts)
        if reasons and f.entry.kind == "compat":
            continue
        if reasons:
            f.rank_penalty = CONTRADICTION_PENALTY * len(reasons)
            _note(f, "ranked down: " + "; ".join(reasons))
        kept.append(f)
    result.findings = kept


def fold_causes(result: ScanResult) -> None:
    """Put a root cause first and fold the findings it explains under it.

    Entry A declaring `causes: [B]` means: when both are in one log, B is most
    likely an echo of A. B is kept (its evidence matters) but shown under A.
    """
    by_id = {f.entry.id: f for f in result.findings}
    folded: set[str] = set()
    for f in result.findings:
        for effect_id in f.entry.causes:
            effect = by_id.get(effect_id)
            if effect is None or effect is f or effect_id in folded or f.entry.id in folded:
                continue
            effect.caused_by = f.entry.id
            _note(effect, f"probably a symptom of {f.entry.id} (also in this log)")
            f.symptoms_of_this.append(effect)
            # The cause is at least as urgent as the worst of its symptoms.
            f.rank_penalty = min(f.rank_penalty, f.score - max(f.rank_score, effect.rank_score))
            folded.add(effect_id)
    result.findings = [f for f in result.findings if f.entry.id not in folded]


# Evidence lines this close belong to one event: a generic message and the specific
# one beside it ("Device (vbd) could not be connected" and the losetup failure).
SAME_EVENT_LINES = 3
# ... and, when both lines carry a time of the same kind, this close in seconds.
SAME_EVENT_SECONDS = 5


def fold_generic(result: ScanResult) -> None:
    """Specific before generic: when two findings' evidence lies in one place, the
    one that names a cause leads and the other is folded under it as its symptom.

    A generic entry (`generic: true`: the message says that something failed, not
    why) folds under any specific finding within SAME_EVENT_LINES of it. Two findings
    of the same kind that share an evidence line fold the one whose signature covers
    less constant text under the other.
    """
    findings = [f for f in result.findings if f.caused_by is None]

    def close(a: Finding, b: Finding, distance: int) -> bool:
        if not a.evidence or not b.evidence or a.evidence[0].source != b.evidence[0].source:
            return False
        for x in a.evidence:
            for y in b.evidence:
                if abs(x.line - y.line) > distance:
                    continue
                tx, ty = line_time(x.text), line_time(y.text)
                if tx and ty and (tx[0] != ty[0] or abs(tx[1] - ty[1]) > SAME_EVENT_SECONDS):
                    continue  # neighbours in the paste, but apart in time or from two logs
                return True
        return False

    folded: set[str] = set()
    for symptom in sorted(findings, key=lambda f: (f.entry.generic, -f.coverage), reverse=True):
        if symptom.entry.id in folded:
            continue
        for lead in findings:
            if lead is symptom or lead.entry.id in folded or lead.caused_by is not None:
                continue
            if symptom.entry.generic and not lead.entry.generic and close(lead, symptom, SAME_EVENT_LINES):
                pass
            elif (symptom.entry.generic == lead.entry.generic and lead.coverage > symptom.coverage
                  and close(lead, symptom, 0)):
                pass
            else:
                continue
            symptom.caused_by = lead.entry.id
            _note(symptom, f"the same event as {lead.entry.id}, which names its cause")
            lead.symptoms_of_this.append(symptom)
            lead.rank_penalty = min(lead.rank_penalty, lead.score - max(lead.rank_score, symptom.rank_score))
            folded.add(symptom.entry.id)
            break
    result.findings = [f for f in result.findings if f.entry.id not in folded]


def compat_checks(result: ScanResult, entries: dict[str, Entry]) -> None:
    """Compatibility entries whose conditions the facts fully meet speak up alone.

    A `compat` entry states an unsupported combination in its applies_to; when the
    facts show every one of its conditions (and at least one), it is reported even
    though no error line was seen, with the fact lines as evidence.
    """
    present = {f.entry.id for f in result.findings}
    for entry in entries.values():
        if entry.kind != "compat" or entry.id in present or entry.deprecated:
            continue
        evidence = _facts_meeting(entry.applies_to, result.facts)
        if not evidence:
            continue
        result.findings.append(Finding(
            entry=entry, score=70, count=len(evidence), first_line=min(e.line for e in evidence),
            last_line=max(e.line for e in evidence), evidence=evidence,
            notes=["no error line: the facts read from this log match this unsupported combination"]))


def _facts_meeting(applies: AppliesTo, facts: Facts) -> list[Evidence]:
    used: list[str] = []
    if applies.xen:
        xen = facts.get("xen")
        if not xen or not version_in_range(xen, applies.xen):
            return []
        used.append("xen")
    if applies.kernel:
        kernel = facts.get("kernel")
        if not kernel or not _kernel_matches(applies.kernel, kernel):
            return []
        used.append("kernel")
    for name in ("debian", "arch", "side", "guest", "toolstack"):
        wanted = getattr(applies, name)
        if not wanted:
            continue
        value = facts.get(name)
        if value is None or value not in wanted:
            return []
        used.append(name)
    # A rule about one fact alone (e.g. "any lenny system") is too broad to fire.
    if len(used) < 2:
        return []
    evidence, lines = [], set()
    for name in used:
        fact = facts.found[name]
        if fact.line not in lines:
            lines.add(fact.line)
            evidence.append(Evidence(fact.line, fact.evidence, fact.source))
    return evidence


def diagnose(result: ScanResult, entries: dict[str, Entry]) -> ScanResult:
    compat_checks(result, entries)
    apply_facts(result)
    result.findings.sort(key=finding_sort_key)
    fold_causes(result)
    fold_generic(result)
    result.findings.sort(key=finding_sort_key)
    return result
