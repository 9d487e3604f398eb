"""Other people's KBs cannot hurt: a user entry too big to compile is skipped with a
warning like any broken entry; compiling anchors is near-linear; YAML aliases cannot
expand without bound; symlinks in a KB directory do not lead out of it; a loop is a
warning, not a traceback; a draft always loads."""

from __future__ import annotations

import os
import random
import string
import subprocess
import threading

import pytest
from conftest import run_xenkb
from reliability_support import SEG, SEG_ID, assert_one_line_error, entry_yaml, finding_ids, run_limited


def _words(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def test_minimal_literals_is_near_linear_on_distinct_lengths():
    from xenkb.engines import minimal_literals

    rng = random.Random(4)
    literals = [_words(rng, k) for k in range(8, 808)]  # 800 anchors, every length distinct
    done = threading.Event()
    result: list[str] = []
    worker = threading.Thread(target=lambda: (result.extend(minimal_literals(literals)), done.set()), daemon=True)
    worker.start()
    # A hang guard, generous: the cubic version took ~15 s here, the linear one < 1 s.
    assert done.wait(10), "minimal_literals is not near-linear"
    assert sorted(result) == sorted(literals)  # random words: none holds another


def test_minimal_literals_drops_exactly_the_literals_holding_another():
    from xenkb.engines import minimal_literals

    rng = random.Random(5)
    for _ in range(500):
        literals = ["".join(rng.choice("abAB ") for _ in range(rng.randint(1, 7))) for _ in range(rng.randint(0, 10))]
        keys = {}
        for lit in literals:
            keys.setdefault(lit.lower(), lit)
        expected = sorted(v for k, v in keys.items() if not any(o != k and o in k for o in keys))
        assert sorted(minimal_literals(literals)) == expected
