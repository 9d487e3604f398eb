"""The compiled-KB cache: a hit skips YAML and threshold fitting, a changed KB file
is never served stale, and switching between KBs does not rebuild every time."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import xenkb.catalog as catalog_module
from xenkb.catalog import CACHE_KEEP, cache_dir, load_catalog
from xenkb.kb import bundled_kb_dir


@pytest.fixture
def builds(monkeypatch):
    """Count the full (uncached) builds."""
    calls = []
    real = catalog_module.load_dirs

    def counting(dirs):  # type: ignore[no-untyped-def]
        calls.append([str(d) for d, _ in dirs])
        return real(dirs)

    monkeypatch.setattr(catalog_module, "load_dirs", counting)
    return calls


def _one_entry_kb(tmp_path: Path, name: str) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    shutil.copy(bundled_kb_dir() / "blkback-error.yaml", directory / "blkback-error.yaml")
    return directory


def test_second_load_is_a_cache_hit_with_the_same_entries(builds):
    first = load_catalog(user=False)
    second = load_catalog(user=False)
    assert len(builds) == 1
    assert second.entries == first.entries
    assert all(e.threshold >= 80 for e in second.entries.values())


def test_a_changed_kb_file_is_rebuilt(builds, tmp_path):
    extra = _one_entry_kb(tmp_path, "mine")
    load_catalog(extra=[extra], user=False)
    path = extra / "blkback-error.yaml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join('title: "Changed here"\n' if ln.startswith("title:") else ln for ln in lines), "utf-8")
    later = os.stat(path).st_mtime_ns + 10**9
    os.utime(path, ns=(later, later))
    reloaded = load_catalog(extra=[extra], user=False)
    assert len(builds) == 2
    assert reloaded.entries["blkback-error"].title == "Changed here"


def test_switching_between_kbs_keeps_both_caches(builds, tmp_path):
    extra = _one_entry_kb(tmp_path, "mine")
    for _ in range(3):
        load_catalog(user=False)
        load_catalog(extra=[extra], user=False)
    assert len(builds) == 2  # one build per KB, then hits only


def test_old_caches_are_evicted(tmp_path):
    for i in range(CACHE_KEEP + 3):
        load_catalog(extra=[_one_entry_kb(tmp_path, f"kb{i}")], user=False)
    assert len(list(cache_dir().glob("kb-*.json"))) == CACHE_KEEP


def test_a_corrupt_cache_is_rebuilt(builds):
    load_catalog(user=False)
    for path in cache_dir().glob("kb-*.json"):
        path.write_text("{not json", "utf-8")
    again = load_catalog(user=False)
    assert len(builds) == 2
    assert "blkback-error" in again.entries


def test_the_reduced_scan_literals_find_exactly_the_same_candidate_lines(catalog):
    # The catalog's scanner drops every literal that holds another one; a line with
    # the longer literal holds the shorter one, so the candidate lines must not change.
    import io

    from xenkb.match import Matcher
    from xenkb.reader import ReadStats, iter_candidates

    from conftest import DATA

    full = Matcher(catalog.entries.values())
    reduced = catalog.matcher()
    assert len(reduced.scan_literals) < len(full.scan_literals)
    texts = [p.read_bytes() for p in sorted((DATA / "logs").glob("*.log")) + sorted((DATA / "clean").glob("*"))]
    texts.append("\n".join(ex for e in catalog.entries.values() for ex in e.examples_match + e.examples_no_match)
                 .encode())
    found = 0
    for text in texts:
        lines = [[c.line_no for c in iter_candidates(io.BytesIO(text), m.scanner, ReadStats())]
                 for m in (full, reduced)]
        assert lines[0] == lines[1]
        found += len(lines[0])
    assert found > 300  # the examples alone give hundreds


def test_minimal_literals_keep_only_those_holding_no_other():
    from xenkb.engines import minimal_literals

    assert minimal_literals(["Virtualisation disabled", "virtualisation", "error detected", "error",
                             "seg fixup"]) == ["error", "seg fixup", "virtualisation"]
    # Non-ASCII literals keep their bytes: "Ä" lower-cased would no longer match "Ä".
    assert minimal_literals(["Gerät fehlt", "Gerät"]) == ["Gerät"]
    assert minimal_literals(["GERÄT FEHLT", "gerät"]) == ["gerät", "GERÄT FEHLT"]
