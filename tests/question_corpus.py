"""Real users' questions (tests/data/questions/questions.yaml): thread titles and
subjects from forums, lists and bug trackers, each with the entry ids a Xen admin
accepts as the answer, or none when the KB has no entry for it.

A quarter (by a hash of the question) is held apart from calibration: the answer
threshold is chosen on the rest, and both parts' figures are printed.

    python tests/question_corpus.py            # figures at the current threshold
    python tests/question_corpus.py --sweep    # figures per threshold (dev part)
"""

from __future__ import annotations

import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import yaml

QUESTIONS = Path(__file__).resolve().parent / "data" / "questions" / "questions.yaml"


@dataclass
class Question:
    q: str
    expect: list[str]
    source: str

    @property
    def held_apart(self) -> bool:
        return zlib.crc32(self.q.encode()) % 4 == 0


def load_questions() -> list[Question]:
    return [Question(i["q"], list(i.get("expect") or []), i.get("source", ""))
            for i in yaml.safe_load(QUESTIONS.read_text("utf-8"))]


def evaluate(entries, questions: list[Question], floor: int) -> dict[str, tuple[int, int]]:
    from xenkb.search import search

    top1 = top3 = n_in = abstain = n_out = 0
    for q in questions:
        hits = search(entries, q.q, limit=3)
        answered = [h for h in hits if h.score >= floor]
        if q.expect:
            n_in += 1
            top1 += bool(answered) and answered[0].entry.id in q.expect
            top3 += any(h.entry.id in q.expect for h in answered[:3])
        else:
            n_out += 1
            abstain += not answered
    return {"in-scope top-1": (top1, n_in), "in-scope top-3": (top3, n_in), "out-of-scope abstained": (abstain, n_out)}


def line(label: str, figures: dict[str, tuple[int, int]]) -> str:
    return f"{label:>10}: " + ", ".join(f"{k} {a}/{b} ({100 * a / max(b, 1):.0f}%)" for k, (a, b) in figures.items())


def main(argv: list[str]) -> int:
    from xenkb.catalog import load_catalog
    from xenkb.search import ANSWER_FLOOR

    entries = list(load_catalog(user=False, use_cache=False).entries.values())
    questions = load_questions()
    dev = [q for q in questions if not q.held_apart]
    held = [q for q in questions if q.held_apart]
    if "--sweep" in argv:
        for floor in range(20, 90, 5):
            print(line(str(floor), evaluate(entries, dev, floor)))
        return 0
    if "--misses" in argv:
        from xenkb.search import search
        for q in dev:
            hits = search(entries, q.q, limit=3)
            got = [(h.entry.id, h.score) for h in hits]
            ok = (bool(hits) and hits[0].score >= ANSWER_FLOOR and hits[0].entry.id in q.expect) if q.expect \
                else not (hits and hits[0].score >= ANSWER_FLOOR)
            if not ok:
                print(f"MISS {q.q[:80]!r}: expect {q.expect}, got {got}")
    if "--readme" in argv:
        from real_corpus import _pct, replace_block

        rows = ["| part | in-scope questions: right entry first | out-of-scope questions declined |",
                "|---|---|---|"]
        for label, part in (("all", questions), ("dev (calibrated on)", dev), ("held apart", held)):
            f = evaluate(entries, part, ANSWER_FLOOR)
            rows.append(f"| {label} | {_pct(f['in-scope top-1'])} | {_pct(f['out-of-scope abstained'])} |")
        replace_block("questions", "\n".join(rows) + "\n")
        return 0
    print(line("all", evaluate(entries, questions, ANSWER_FLOOR)))
    print(line("dev", evaluate(entries, dev, ANSWER_FLOOR)))
    print(line("held apart", evaluate(entries, held, ANSWER_FLOOR)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
