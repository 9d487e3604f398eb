""""why not ID": why an entry stayed silent on the last paste (or question).

``xenkb.explain`` (written separately) owns the full explanation; it is used when
it offers ``explain_entry(matcher, entry_id, text)``. Otherwise this module answers
from the scorer itself: the best line, its normalised form, the score against the
entry's threshold, and any require/forbid word that vetoed it.
"""

from __future__ import annotations

import importlib
from typing import Any

from xenkb.match import Matcher
from xenkb.model import Entry
from xenkb.safetext import visible
from xenkb.scoring import LineView


def _format(row: Any) -> str:
    """An ``xenkb.explain.Explanation`` as chat text."""
    out = [f"[{row.entry_id}] stayed silent: {visible(str(row.reason), 200)}."]
    if row.line:
        out.append(f"Closest line {row.line}: {visible(row.text, 200)}")
        out.append(f"normalised: {visible(row.normalised, 200)}")
    out.append(f"signature:  {visible(row.signature, 200)}")
    out.append(f"score {row.score}, threshold {row.threshold}")
    return "\n".join(out)


def _engine_explain(matcher: Matcher, entry_id: str, text: str) -> str | None:
    """The engine's answer, or None when xenkb.explain is missing or cannot answer."""
    try:
        module = importlib.import_module("xenkb.explain")
    except ImportError:
        return None
    func = getattr(module, "explain_entry", None)
    if func is None:
        return None
    try:
        row = func(matcher, entry_id, text)
    except Exception:  # an engine at odds with the scorer must not lose the answer
        return None
    if row is None:
        return None
    return row if isinstance(row, str) else _format(row)


def _best_line(matcher: Matcher, entry: Entry, text: str) -> tuple[int, int, str, str, str]:
    """(score ignoring words, score with words, line, normalised line, signature label)."""
    best = (-1, 0, "", "", "")
    for line in text.splitlines():
        if not line.strip():
            continue
        view = LineView.of(line)
        for sig in matcher.sigs.get(entry.id, []):
            raw = sig.raw_score(view)
            if raw > best[0]:
                best = (raw, sig.score(view), line, view.norm, sig.signature.label)
    return best


def _word_problems(entry: Entry, norm: str) -> list[str]:
    out = []
    words = set(norm.split())
    for sig in entry.signatures:
        missing = [w for w in sig.require if w not in words and w not in norm]
        vetoed = [w for w in sig.forbid if w in words]
        if missing:
            out.append(f"the line lacks the required word(s) {', '.join(missing)}")
        if vetoed:
            out.append(f"the line holds the forbidden word(s) {', '.join(vetoed)}")
    return out


def explain_silence(matcher: Matcher, entries: dict[str, Entry], entry_id: str,
                    text: str | None, question: str | None) -> str:
    entry = entries.get(entry_id)
    if entry is None:
        return f"I have no entry {visible(entry_id, 80)!r}; /list shows them all."
    if text:
        engine = _engine_explain(matcher, entry_id, text)
        if engine:
            return engine
    if text and entry.id in matcher.sigs:
        raw, scored, line, norm, label = _best_line(matcher, entry, text)
        out = [f"[{entry.id}] needs a line scoring {entry.threshold} or more (its threshold)."]
        if raw <= 0:
            out.append("No line of your paste comes near any of its signatures.")
        else:
            out.append(f"Closest line of your paste scores {scored}" + (f" ({raw} before word checks)" if raw != scored else "") + ":")
            out.append(f"   {visible(line, 200)}")
            out.append(f"normalised: {visible(norm, 200)}")
            out.append(f"signature:  {visible(label, 200)}")
            out += [f"also: {p}" for p in _word_problems(entry, norm)]
        return "\n".join(out)
    if entry.deprecated:
        return f"[{entry.id}] is deprecated" + (f"; see {entry.superseded_by}." if entry.superseded_by else ".")
    if question:
        from xenkb.search import ANSWER_FLOOR, score_question

        score, phrase = score_question(question, entry)
        return (f"For your question [{entry.id}] scores {score}; an answer needs {ANSWER_FLOOR}. "
                f"Its closest phrase: {visible(phrase, 160)!r}.")
    if not entry.signatures:
        return f"[{entry.id}] is a {entry.kind} entry with no log signature: it answers questions, not logs."
    return "Paste a log first; then 'why not ID' shows how close that entry came."
