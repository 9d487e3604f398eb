""""why not ID": why an entry stayed silent on the last paste (or question).

``xenkb.explain`` owns the explanation (best line, normalised form, signature, score
against threshold, the word that vetoed it); this module only words it for the chat
and covers the cases without a paste (a question, a how-to entry).
"""

from __future__ import annotations

from typing import Any

from xenkb.match import Matcher
from xenkb.model import Entry
from xenkb.safetext import visible
from xenkb.explain import detail_lines, explain_entry


def _format(row: Any) -> str:
    """An ``xenkb.explain.Explanation`` as chat text."""
    return "\n".join([f"[{row.entry_id}] stayed silent: {visible(str(row.reason), 200)}.", *detail_lines(row)])


def explain_silence(matcher: Matcher, entries: dict[str, Entry], entry_id: str,
                    text: str | None, question: str | None) -> str:
    entry = entries.get(entry_id)
    if entry is None:
        return f"I have no entry {visible(entry_id, 80)!r}; /list shows them all."
    if text and entry.id in matcher.sigs:
        row = explain_entry(matcher, entry.id, text)
        if row is None:
            return f"[{entry.id}]: no line of your paste comes near any of its signatures."
        return _format(row)
    if entry.deprecated:
        return f"[{entry.id}] is deprecated" + (f"; see {visible(entry.superseded_by, 100)}." if entry.superseded_by else ".")
    if question:
        from xenkb.search import ANSWER_FLOOR, score_question

        score, phrase = score_question(question, entry, entries.values())
        verdict = ("it is an answer" if score >= ANSWER_FLOOR
                   else f"too low: an answer needs at least {ANSWER_FLOOR}")
        return (f"For your question [{entry.id}] scores {score} ({verdict}). "
                f"Its closest phrase: {visible(phrase, 160)!r}.")
    if not entry.signatures:
        return f"[{entry.id}] is a {entry.kind} entry with no log signature: it answers questions, not logs."
    return "Paste a log first; then 'why not ID' shows how close that entry came."
