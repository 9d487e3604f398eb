"""What share of a healthy corpus each entry's anchors select (xenkb.anchors_report),
on a small KB of its own and on the bench's corpus of real healthy lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

from xenkb.anchors_report import (ANCHOR_DENSITY_LIMIT, anchor_density, corpus_dir, density_problems,
                                  read_corpus)
from xenkb.catalog import fit_thresholds
from xenkb.kb import load_dirs
from xenkb.match import Matcher

ENTRY = """\
id: barrier-test
title: A test entry
summary: For a test.
references: [{url: "https://example.org/test"}]
fix: [{step: Do the thing.}]
signatures:
  - text: "blkfront: <NAME>: barrier: empty write xvda op failed"
    anchors: ["xvda: barrier"]
examples:
  match: ["blkfront: xvda: barrier: empty write xvda op failed"]
  no_match: ["blkfront: xvda: barrier: enabled"]
"""


def small_kb(tmp_path: Path) -> Matcher:
    (tmp_path / "barrier-test.yaml").write_text(textwrap.dedent(ENTRY))
    loaded, problems = load_dirs([(tmp_path, "user")])
    assert not [p for p in problems if p.level == "error"], problems
    return Matcher(fit_thresholds(loaded).values())


def test_density_is_the_share_of_lines_an_entry_anchors(tmp_path):
    """The anchors of a barrier failure also pick the barrier line every guest prints at
    boot: that cost is what the report is for (issue 15)."""
    m = small_kb(tmp_path)
    lines = ["blkfront: xvda: barrier: enabled", "EXT4-fs (xvda1): mounted filesystem", "eth0: link up",
             "Freeing unused kernel memory: 536k freed"]
    assert anchor_density(m, lines) == {"barrier-test": 0.25}
    assert anchor_density(m, []) == {}


def test_density_problems_name_the_entry_and_an_example_line(tmp_path):
    """Above ANCHOR_DENSITY_LIMIT (0.1 %) the entry is named, as a warning (it still
    works: it costs time), with a line that shows which anchor to narrow."""
    m = small_kb(tmp_path)
    lines = ["blkfront: xvda: barrier: enabled"] * 2 + ["eth0: link up"] * 998
    problems = density_problems(m, m.entries, lines)
    assert [(p.level, p.field) for p in problems] == [("warning", "signatures.anchors")]
    assert "barrier: enabled" in problems[0].message and "0.20%" in problems[0].message
    # 1 line in 1,000 is at the limit, not above it
    assert density_problems(m, m.entries, lines[1:] + ["eth0: link up"]) == []
    assert ANCHOR_DENSITY_LIMIT == 0.001


def test_the_bench_corpus_is_read_when_in_a_checkout():
    directory = corpus_dir()
    if directory is None:  # an installed package has no bench/
        return
    lines = read_corpus(directory)
    assert len(lines) > 2000 and all(line.strip() for line in lines)
