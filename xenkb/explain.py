""""Why not?": for entries that stayed silent, the closest line and what kept it out.

For a user the question is "is my problem really not in the KB, or did xenkb just
miss it?"; for a KB author it is "which word of my signature is wrong?". Each row
shows the best line, its normalised form, the signature, the score and the threshold,
and the reason in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from xenkb.match import Matcher, ScanResult
from xenkb.reader import ReadStats, iter_candidates
from xenkb.scoring import CompiledSignature, LineView

# Explaining costs a score per entry per line, so it looks at this many candidate lines,
# holding at most this many characters of them (lines are up to 64 KiB each).
MAX_EXPLAIN_LINES = 20000
MAX_EXPLAIN_CHARS = 16 << 20
NEAR_MISS_FLOOR = 50


@dataclass
class Explanation:
    entry_id: str
    title: str
    threshold: int
    score: int  # fuzzy score of the best line, before require/forbid
    line: int  # 0 when no line held any of the entry's anchors
    text: str
    normalised: str
    signature: str
    reason: str


def _reason(sig: CompiledSignature, view: LineView, score: int, threshold: int) -> str:
    if sig.forbidden is not None:
        m = sig.forbidden.search(view.norm)
        if m:
            return f"the line holds the forbidden word {m.group(0)!r}"
    missing = [w for w, p in zip(sig.signature.require, sig.required) if not p.search(view.norm)]
    if missing:
        return f"the line lacks the required word(s) {missing}"
    if score < threshold:
        return f"score {score} is below the entry's threshold {threshold}"
    return "it was outranked on this line by a better-fitting entry"


def explain_lines(matcher: Matcher, lines: list[tuple[int, str]], exclude: set[str],
                  limit: int = 5) -> list[Explanation]:
    """The `limit` closest silent entries over the given (line number, text) pairs."""
    best: dict[str, tuple[int, int, str, LineView, CompiledSignature]] = {}
    for line_no, text in lines:
        view = LineView.of(text)
        for entry_id, sigs in matcher.sigs.items():
            if entry_id in exclude:
                continue
            for sig in sigs:
                score = sig.raw_score(view)
                if score > best.get(entry_id, (-1,))[0]:
                    best[entry_id] = (score, line_no, text, view, sig)
    rows = []
    for entry_id, (score, line_no, text, view, sig) in best.items():
        entry = matcher.entries[entry_id]
        rows.append(Explanation(entry_id, entry.title, entry.threshold, score, line_no, text,
                                view.norm, sig.signature.label, _reason(sig, view, score, entry.threshold)))
    rows.sort(key=lambda r: (-r.score, r.entry_id))
    # Entries scoring under this are not "near misses", just unrelated.
    return [r for r in rows if r.score >= NEAR_MISS_FLOOR][:limit]


def explain(matcher: Matcher, result: ScanResult, reopen: Callable[[], BinaryIO] | None,
            limit: int = 5) -> list[Explanation]:
    """Explain the closest silent entries for an input that can be read again."""
    if reopen is None:
        return []
    lines: list[tuple[int, str]] = []
    held = 0
    stream = reopen()
    try:
        for cand in iter_candidates(stream, matcher.scanner, ReadStats(), matcher.fact_scanner):
            lines.append((cand.line_no, cand.text))
            held += len(cand.text)
            if len(lines) >= MAX_EXPLAIN_LINES or held >= MAX_EXPLAIN_CHARS:
                break
    finally:
        stream.close()
    found = {f.entry.id for f in result.findings} | {s.entry.id for f in result.findings for s in f.symptoms_of_this}
    return explain_lines(matcher, lines, found, limit)


def explain_entry(matcher: Matcher, entry_id: str, text: str) -> Explanation | None:
    """Why one named entry did (not) match `text` (the chat's "why not ID")."""
    if entry_id not in matcher.sigs:
        return None
    lines = [(i, t) for i, t in enumerate(text.splitlines(), 1) if t.strip()]
    others = set(matcher.sigs) - {entry_id}
    rows = explain_lines(matcher, lines, others, limit=1)
    return rows[0] if rows else None


def explain_text(rows: list[Explanation], style: Any) -> str:

    if not rows:
        return "\nWhy not: nothing to explain (stdin could not be re-read, or no entry came close)."
    out = ["", style.bold("Why not: the closest entries that stayed silent")]
    for r in rows:
        out.append(f"- {r.entry_id}: {r.reason}")
        out += ["    " + line for line in detail_lines(r)]
    return "\n".join(out)


def detail_lines(r: Explanation) -> list[str]:
    """The evidence of one explanation, escaped for the terminal (CLI and chat)."""
    from xenkb.safetext import visible

    out = []
    if r.line:
        out.append(f"best line {r.line}: {visible(r.text, 200)}")
        out.append(f"normalised:  {visible(r.normalised, 200)}")
    out.append(f"signature:   {visible(r.signature, 200)}")
    out.append(f"score {r.score}, threshold {r.threshold}")
    return out


def explain_json(r: Explanation) -> dict[str, Any]:
    return {"type": "why_not", "id": r.entry_id, "score": r.score, "threshold": r.threshold,
            "line": r.line, "text": r.text, "normalised": r.normalised, "signature": r.signature,
            "reason": r.reason}
