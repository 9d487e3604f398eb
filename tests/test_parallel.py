"""Scanning a big file in two halves on two cores gives exactly the sequential result."""

from __future__ import annotations

import random

import pytest

import xenkb.parallel as parallel
from xenkb.parallel import scan_file


def _key(result):
    return ([(f.entry.id, f.count, f.first_line, f.last_line, [e.line for e in f.evidence])
             for f in result.findings],
            sorted((u.norm, u.count, u.first_line, u.last_line) for u in result.unmatched),
            result.facts.as_dict(), result.lines)


@pytest.mark.parametrize("seed", [1, 2, 3, 7])
def test_two_halves_equal_one_pass(tmp_path, catalog, matcher, monkeypatch, seed):
    # Several seeds: which example lands in which half decides, for instance, whether
    # a later kernel line overrides the Debian release read in the first half.
    rng = random.Random(seed)
    examples = [e.examples_match[0] for e in catalog.entries.values() if e.signatures]
    healthy = ["[ 1.0] xenbr0: port 2(vif1.0) entered forwarding state",
               "Parsing config from /etc/xen/web1.cfg", "eth0: link up", "apt: some warning here"]
    lines = ["(XEN) Xen version 4.11.4 (Debian)", "Linux version 4.19.0-16-amd64 (x) #1 SMP"]
    for _ in range(6000):
        lines.append(rng.choice(examples) if rng.random() < 0.02 else rng.choice(healthy))
    # A message wrapped exactly across the middle, where the split will fall.
    lines[len(lines) // 2 - 1] = "[ 12.0] clocksource/0: Time went"
    lines[len(lines) // 2] = "backwards: delta=-9223012651229942015 shadow=214463864019492 offset=796007077"
    path = tmp_path / "big.log"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    with open(path, "rb") as f:
        sequential = matcher.scan(f, "big.log")
    both = scan_file(matcher, str(path), "big.log")
    assert _key(both) == _key(sequential)
    assert sum(f.count for f in sequential.findings) > 50
    assert any(f.entry.id == "time-went-backwards" for f in sequential.findings)
