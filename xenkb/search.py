"""Answer a question asked in plain words, without a log, from the entries' own words.

A question is compared with each entry's title, summary and symptoms (the phrasings
people use without a log). Words shared with an error's literal text count too, so
"xm save fails on my 32 bit guest" reaches the XendCheckpoint entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from xenkb.model import Entry

# Question words that carry no meaning for matching. "no" is not one of them: "no
# login prompt" is a symptom, and without it every entry that mentions a login
# prompt (the serial-console how-tos) tied with the entries about a missing one.
STOPWORDS = frozenset(
    """a an the i my me we our is are was were be been do does did how what why when where
    which who can could should would will to of in on for with at by from it its this that
    there here not get got have has had any some and or but if so then than too very
    just still after before into out up down about please help problem issue""".split()
)
_WORD = re.compile(r"[a-z0-9][a-z0-9._/-]*")
# A result below this is not shown as an answer, only as "closest" when nothing fits.
ANSWER_FLOOR = 55


@dataclass(frozen=True)
class SearchHit:
    entry: Entry
    score: int
    phrase: str  # the title or symptom that fitted best


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _phrases(entry: Entry) -> list[str]:
    phrases = [entry.title, *entry.symptoms]
    phrases += [s.text for s in entry.signatures if s.text]
    return phrases


def score_question(question: str, entry: Entry) -> tuple[int, str]:
    q = " ".join(_words(question))
    if not q:
        return 0, ""
    best, best_phrase = 0.0, ""
    for phrase in _phrases(entry):
        p = " ".join(_words(phrase))
        if not p:
            continue
        s = 0.5 * fuzz.token_set_ratio(q, p) + 0.5 * fuzz.token_sort_ratio(q, p)
        s = max(s, 0.9 * fuzz.partial_ratio(q, p) if len(q) >= 12 else 0)
        if s > best:
            best, best_phrase = s, phrase
    # Words of the question found anywhere in the entry's text lift it a little, so
    # a question naming a file or command ("inittab", "max_loop") finds its entry.
    body = " ".join([entry.summary, entry.cause, entry.id.replace("-", " ")]).lower()
    qwords = set(q.split())
    if qwords:
        shared = sum(1 for w in qwords if len(w) > 2 and w in body)
        best += 10 * shared / len(qwords)
    return min(100, round(best)), best_phrase


def search(entries: Iterable[Entry], question: str, limit: int = 10) -> list[SearchHit]:
    """Entries ranked by how well they answer `question`, best first (all scores)."""
    hits = []
    for entry in entries:
        if entry.deprecated:
            continue
        score, phrase = score_question(question, entry)
        if score > 0:
            hits.append(SearchHit(entry, score, phrase))
    hits.sort(key=lambda h: (-h.score, h.entry.id))
    return [h for h in hits[:limit]]


def answers(entries: Iterable[Entry], question: str, limit: int = 5) -> list[SearchHit]:
    """Only the hits good enough to call an answer."""
    return [h for h in search(entries, question, limit) if h.score >= ANSWER_FLOOR]
