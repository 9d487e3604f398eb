"""Logs from healthy Xen hosts and guests must yield no finding at all."""

from __future__ import annotations

import pytest

from conftest import DATA

CLEAN = sorted((DATA / "clean").glob("*.log"))


def test_corpus_is_not_empty():
    assert len(CLEAN) >= 5


@pytest.mark.parametrize("path", CLEAN, ids=[p.name for p in CLEAN])
def test_clean_log_yields_nothing(path, matcher, catalog):
    from xenkb.diagnose import diagnose

    with open(path, "rb") as f:
        result = diagnose(matcher.scan(f, source=path.name), catalog.entries)
    assert [(x.entry.id, x.evidence[0].text) for x in result.findings] == []


def test_healthy_lines_from_the_issue_stay_silent(matcher):
    text = "clocksource: Switched to clocksource xen\n(XEN) Xen version 3.2-1 (Debian 3.2.1-2)\n"
    assert matcher.scan_text(text).findings == []
