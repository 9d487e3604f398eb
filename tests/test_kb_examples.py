"""Every entry's own evidence: `match` examples must rank it first, `no_match`
examples must never yield it. One test per example, the entry id in the test id,
so `pytest -k 4gb-seg-fixup` runs one entry's examples."""

from __future__ import annotations

import pytest

from xenkb.catalog import load_catalog
from xenkb.check import run_examples

_CATALOG = load_catalog(user=False, use_cache=False)
_CASES = [
    pytest.param(entry.id, i, kind, id=f"{entry.id}-{kind}-{i}")
    for entry in _CATALOG.entries.values()
    for kind, examples in (("match", entry.examples_match), ("no_match", entry.examples_no_match))
    for i in range(len(examples))
]


def test_every_entry_has_both_kinds_of_example():
    for entry in _CATALOG.entries.values():
        assert entry.examples_match, entry.id
        assert entry.examples_no_match, entry.id


@pytest.mark.parametrize("entry_id,index,kind", _CASES)
def test_example(entry_id, index, kind):
    entry = _CATALOG.entries[entry_id]
    results = [r for r in run_examples(_CATALOG.matcher(), entry) if r.expected == (kind == "match")]
    result = results[index]
    assert result.ok, f"{entry_id} {kind} example {result.text!r}: {result.detail}"


@pytest.mark.parametrize("entry_id", sorted(_CATALOG.entries))
def test_fast_path_equals_exhaustive_on_examples(entry_id):
    """The anchor pass may only skip lines that could not have matched anyway."""
    matcher = _CATALOG.matcher()
    entry = _CATALOG.entries[entry_id]
    for text in entry.examples_match + entry.examples_no_match:
        fast = matcher.scan_text(text)
        slow = matcher.scan_text(text, exhaustive=True)
        key = lambda r: [(f.entry.id, f.count, f.first_line, f.last_line) for f in r.findings]  # noqa: E731
        assert key(fast) == key(slow), text
