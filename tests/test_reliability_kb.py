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


def _kb(tmp_path, name="kb"):  # type: ignore[no-untyped-def]
    d = tmp_path / name
    d.mkdir()
    return d


def _seg_log(tmp_path):  # type: ignore[no-untyped-def]
    log = tmp_path / "seg.log"
    log.write_bytes(SEG + b"\n")
    return log


def _anchor_entry(entry_id: str, anchors: list[str]) -> str:
    listed = ", ".join(f'"{a}"' for a in anchors)
    return entry_yaml(entry_id).replace('  - text: "zorblax quuxified the frobnicator badly"\n',
                                        f'  - text: "zorblax quuxified the frobnicator badly"\n    anchors: [{listed}]\n')


@pytest.mark.parametrize("length", [400, 20])
def test_a_user_entry_too_big_to_compile_is_skipped_and_every_command_works(tmp_path, length):
    # 1,500 anchors: of 400 characters, RE2 could not compile the anchor set and
    # every command failed; of 20, they are still far beyond what an entry needs.
    rng = random.Random(length)
    anchors = [f"{_words(rng, length // 2)} {_words(rng, length // 2 - 1)}" for _ in range(1500)]
    kb = _kb(tmp_path)
    (kb / "huge-entry.yaml").write_text(_anchor_entry("huge-entry", anchors))
    (kb / "zorblax.yaml").write_text(entry_yaml("zorblax"))
    log = _seg_log(tmp_path)
    r = run_xenkb("match", "--json", "--kb", str(kb), str(log))
    assert r.returncode == 0, r.stderr[-3000:]
    assert finding_ids(r.stdout) == [SEG_ID]
    assert_one_line_error(r.stderr, "huge-entry.yaml")
    for command in (["list"], ["show", "zorblax"], ["search", "zorblax frobnicator"]):
        r = run_xenkb(*command, "--kb", str(kb))
        assert r.returncode == 0, (command, r.stderr[-3000:])
        assert b"Traceback" not in r.stderr
    r = run_xenkb("kb", "check", str(kb))
    assert r.returncode == 2 and b"huge-entry.yaml" in r.stdout and b"Traceback" not in r.stderr


def test_entries_that_together_overflow_the_anchor_budget_are_skipped_in_load_order(tmp_path):
    from xenkb.budget import MAX_ANCHORS, MAX_ANCHOR_CHARS, MAX_TOTAL_ANCHOR_CHARS
    from xenkb.kb import load_dirs

    kb = _kb(tmp_path)
    rng = random.Random(9)
    per_entry = 4 * MAX_ANCHORS * MAX_ANCHOR_CHARS
    n = MAX_TOTAL_ANCHOR_CHARS // per_entry + 1
    for i in range(n):
        sigs = []
        for s in range(4):
            anchors = ", ".join(f'"{_words(rng, MAX_ANCHOR_CHARS)}"' for _ in range(MAX_ANCHORS))
            sigs.append(f'  - text: "zorblax {i} quuxified frobnicator number {s}"\n    anchors: [{anchors}]\n')
        text = entry_yaml(f"wide-{i}").replace('  - text: "zorblax quuxified the frobnicator badly"\n', "".join(sigs))
        (kb / f"wide-{i}.yaml").write_text(text)
    entries, problems = load_dirs([(kb, "user")])
    total = sum(len(a) for e in entries.values() for s in e.signatures for a in s.anchors)
    assert total <= MAX_TOTAL_ANCHOR_CHARS
    assert len(entries) == n - 1
    assert any("exceed" in p.message for p in problems)


ALIAS_BOMB = """\
a0: &a0 "lollollollollollollollollollol"
a1: &a1 [*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0]
a2: &a2 [*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1]
a3: &a3 [*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2]
a4: &a4 [*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3]
a5: &a5 [*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4]
a6: &a6 [*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5]
a7: &a7 [*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6]
a8: &a8 [*a7,*a7,*a7,*a7,*a7,*a7,*a7,*a7,*a7,*a7]
"""


@pytest.mark.parametrize("use", ["id: bomb\napplies_to:\n  kernel: *a8\n", "id: bomb\n? *a8\n: key\n",
                                 "id: bomb\ntitle: *a8\n"])
def test_yaml_alias_expansion_is_refused_within_bounded_memory(tmp_path, use):
    kb = _kb(tmp_path)
    (kb / "bomb.yaml").write_text(ALIAS_BOMB + use)
    r = run_limited("list", "--kb", str(kb), timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert_one_line_error(r.stderr, "bomb.yaml", "aliases")


def test_a_few_aliases_still_load():
    from xenkb.kb import parse_yaml

    assert parse_yaml("a: &x [1, 2]\nb: *x\nc: {k: *x}\n") == {"a": [1, 2], "b": [1, 2], "c": {"k": [1, 2]}}


def test_a_kb_directory_that_is_a_symlink_loop_is_a_warning(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    r = run_xenkb("list", "--kb", str(loop))
    assert r.returncode == 0
    assert_one_line_error(r.stderr, "loop")


def test_a_symlink_out_of_the_kb_directory_is_not_followed(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("SECRET_hunter2_TOKEN: x\nroot_password_hash_SECRET: y\n")
    kb = _kb(tmp_path)
    (kb / "shadow.yaml").symlink_to(secret)
    (kb / "zorblax.yaml").write_text(entry_yaml("zorblax"))
    (kb / "alias.yaml").symlink_to("zorblax.yaml")  # inside the directory: fine
    r = run_xenkb("kb", "check", str(kb))
    out = r.stdout.decode() + r.stderr.decode()
    assert "SECRET" not in out
    assert "shadow.yaml" in out and "leads out of its KB directory" in out
    r = run_xenkb("list", "--kb", str(kb))
    assert b"SECRET" not in r.stdout + r.stderr and b"zorblax" in r.stdout


@pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="needs a readable /proc/kmsg (root)")
def test_a_symlink_to_proc_kmsg_does_not_hang(tmp_path):
    kb = _kb(tmp_path)
    (kb / "kmsg.yaml").symlink_to("/proc/kmsg")
    try:
        r = run_xenkb("kb", "check", str(kb), timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a KB link to /proc/kmsg blocked")
    assert b"kmsg.yaml" in r.stdout


def test_a_kb_file_writable_by_other_users_is_not_read(tmp_path):
    kb = _kb(tmp_path)
    path = kb / "zorblax.yaml"
    path.write_text(entry_yaml("zorblax"))
    os.chmod(path, 0o666)
    r = run_xenkb("list", "--kb", str(kb))
    assert b"zorblax" not in r.stdout
    assert_one_line_error(r.stderr, "zorblax.yaml", "writable by other users")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_kb_file_owned_by_another_user_is_not_read(tmp_path):
    kb = _kb(tmp_path)
    path = kb / "zorblax.yaml"
    path.write_text(entry_yaml("zorblax"))
    os.chown(path, 65534, 65534)
    r = run_xenkb("list", "--kb", str(kb))
    assert b"zorblax" not in r.stdout
    assert_one_line_error(r.stderr, "zorblax.yaml", "owned by another user")


def test_a_draft_of_a_line_with_a_c1_byte_loads(tmp_path):
    from xenkb.kb import load_file

    log = tmp_path / "c1.log"
    log.write_bytes(b"[ 1.0] frobd[311]: fatal error: widget \x9b2J cache corrupted \x7f at 0x7f3a2c10\n")
    out = tmp_path / "drafts"
    r = run_xenkb("kb", "draft", f"{log}:1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    [draft] = list(out.glob("*.yaml"))
    _, problems = load_file(draft, "user")
    assert not [p for p in problems if "YAML" in p.message or "UTF-8" in p.message], problems
    assert any(p.field == "references" for p in problems)  # it loads, and asks for its TODOs
