"""Questions in plain words: answers for what the KB covers, "no answer" for the rest.

The figures come from real users' questions (tests/data/questions, see
tests/question_corpus.py); the floors asserted here are what the scorer achieved
when ANSWER_FLOOR was calibrated, so a change that makes it worse fails.
"""

from __future__ import annotations

import pytest

from question_corpus import evaluate, load_questions
from xenkb.search import ANSWER_FLOOR, search


@pytest.mark.parametrize("question", [
    "purple elephants dancing on the hypervisor",
    "how do I resize an LVM disk of a domU",
    "dom0 network is slow",
    "zebra quantum pancake",
])
def test_questions_without_an_entry_get_no_answer(catalog, question):
    hits = search(catalog.entries.values(), question, 3)
    assert not hits or hits[0].score < ANSWER_FLOOR, [(h.entry.id, h.score) for h in hits]


@pytest.mark.parametrize("question, expected", [
    ("no login prompt on xm console", "xm-console-no-login"),
    ("how do I set up a serial console on lenny", "serial-console-lenny"),
    ("VM killed with out of PoD memory error", "pod-out-of-memory"),
])
def test_questions_with_an_entry_get_it(catalog, question, expected):
    hits = search(catalog.entries.values(), question, 3)
    assert hits and hits[0].entry.id == expected and hits[0].score >= ANSWER_FLOOR


def test_the_question_corpus_figures(catalog, capsys):
    questions = load_questions()
    entries = list(catalog.entries.values())
    figures = {part: evaluate(entries, [q for q in questions if q.held_apart == held], ANSWER_FLOOR)
               for part, held in (("dev", False), ("held apart", True))}
    with capsys.disabled():
        for part, f in figures.items():
            print(f"\nquestions, {part}: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in f.items()))
    everything = evaluate(entries, questions, ANSWER_FLOOR)
    top1, n_in = everything["in-scope top-1"]
    abstained, n_out = everything["out-of-scope abstained"]
    assert abstained / n_out >= 0.80
    assert top1 / n_in >= 0.20
