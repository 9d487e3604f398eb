"""Fuzz: any compiled-KB cache file. A real cache with any part replaced, removed or
added, cut short, or not JSON at all.

Asserted: what the schema check accepts can be built, scanned and diagnosed without
an exception (what it rejects is rebuilt); loading never raises; through the command
line, no traceback, documented exit codes, memory within a limit."""

from __future__ import annotations

import copy
import json

import pytest
from fuzz_support import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from reliability_support import DOCUMENTED_EXITS, SEG, run_limited

from xenkb import cachefile
from xenkb.catalog import Catalog, _entry_from_json, cache_dir, load_catalog
from xenkb.diagnose import diagnose
from xenkb.model import Problem

_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 10**12), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=12), st.sampled_from(["(", "x-1", "4gb-seg-fixup", ">=3.0", "\x1b]52;c;eA==\x07"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


_string = st.one_of(st.text(max_size=20), st.sampled_from([
    "", "(", "[a-", "x{99999}", r"\p{Greek}", ">=3.0, <4.0", ">= 9", "4.x", "nonsense", "4gb-seg-fixup", "X",
    "\x1b]52;c;eA==\x07", "\u202e", "seg fixup", "a" * 300]))


@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    """A real cache's JSON, made once."""
    import os

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    try:
        load_catalog(user=False)
        [path] = list(cache_dir().glob("kb-*.json"))
        return json.loads(path.read_text())
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old


def _paths(value, prefix=()):  # type: ignore[no-untyped-def]
    """Every path into a JSON value, shallow ones first."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:3]):  # the first few items stand for all
            yield from _paths(item, (*prefix, i))


@st.composite
def mutated(draw, genuine):  # type: ignore[no-untyped-def]
    data = copy.deepcopy(genuine)
    data["entries"] = data["entries"][:draw(st.integers(1, 8))]
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["same", "same", "same", "same", "replace", "delete", "add", "retype"]))
        last = path[-1]
        value = parent[last]
        if action == "same":  # a value of the same type: mostly still valid, so it is used
            if isinstance(value, bool):
                parent[last] = not value
            elif isinstance(value, int):
                parent[last] = draw(st.integers(-(2**40), 2**40))
            elif isinstance(value, str) or value is None:
                parent[last] = draw(_string)
            elif isinstance(value, list):
                parent[last] = value[1:] if value and draw(st.booleans()) else value + value[:1]
            continue
        if action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(_json)
        elif action == "retype":
            parent[last] = [value] if not isinstance(value, list) else (value[0] if value else None)
        else:
            parent[last] = draw(_json)
    return data


@fuzz_settings(250)
@given(data=st.data())
def test_what_the_schema_check_accepts_can_be_used(genuine, data):
    cache = data.draw(mutated(genuine))
    if not cachefile.valid_catalog(cache):
        return
    entries = {e["id"]: _entry_from_json(e) for e in cache["entries"]}
    problems = [Problem(**p) for p in cache["problems"]]
    catalog = Catalog(entries, problems, [], [str(s) for s in cache["scan_literals"]] or None)
    result = catalog.matcher().scan_text("(XEN) Xen version 3.2-1\n[ 0.0] Linux version 2.6.26-2-686\n"
                                         + SEG.decode() + "\n" + "\n".join(e.examples_match[0] for e in entries.values()
                                                                           if e.examples_match))
    diagnose(result, catalog.entries)


@fuzz_settings(12)
@given(data=st.data(), form=st.sampled_from(["mutated", "cut", "bytes"]))
def test_loading_any_cache_file_never_raises(genuine, data, form, catalog):
    load_catalog(user=False)  # makes the cache file of this test's XDG directory
    [path] = list(cache_dir().glob("kb-*.json"))
    text = json.dumps(data.draw(mutated(genuine))).encode()
    if form == "cut":
        text = json.dumps(genuine).encode()[: data.draw(st.integers(0, 4000))]
    elif form == "bytes":
        text = data.draw(st.binary(max_size=200))
    path.write_bytes(text)
    again = load_catalog(user=False)
    assert all(cachefile.conforms(i, str) for i in again.entries)


@fuzz_settings(5)
@given(data=st.data())
def test_the_command_line_with_any_cache_file(tmp_path, genuine, data):
    load_catalog(user=False)
    [path] = list(cache_dir().glob("kb-*.json"))
    path.write_text(json.dumps(data.draw(mutated(genuine))))
    log = tmp_path / "seg.log"
    log.write_bytes(SEG + b"\n")
    r = run_limited("match", "--no-user-kb", str(log))
    assert r.returncode in DOCUMENTED_EXITS - {2}, r.stderr[-2000:]
    assert b"Traceback" not in r.stderr
