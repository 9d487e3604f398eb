"""`xenkb kb check` on knowledge bases written by others: every problem in one run,
each with file, line and field; YAML loaded safely; regexes that cannot blow up."""

from __future__ import annotations

import time

from conftest import run_xenkb

from xenkb.engines import compile_regex
from xenkb.kb import load_dirs

GOOD = """\
id: {id}
title: A test problem
summary: Something breaks.
signatures:
  - text: "frobnicator exploded while flanging the widget"
fix:
  - step: Replace the frobnicator.
references:
  - url: https://example.org/frob
examples:
  match:
    - "frobnicator exploded while flanging the widget"
  no_match:
    - "frobnicator started"
"""


def write(dir_, name, text):
    dir_.mkdir(exist_ok=True)
    (dir_ / name).write_text(text)


def test_good_user_entry_passes(tmp_path):
    write(tmp_path / "kb", "frob-exploded.yaml", GOOD.format(id="frob-exploded"))
    r = run_xenkb("kb", "check", str(tmp_path / "kb"))
    assert r.returncode == 0, r.stdout.decode()
    assert b"1 valid entries, 0 errors" in r.stdout


def test_every_problem_is_reported_in_one_run(tmp_path):
    kb = tmp_path / "kb"
    write(kb, "malformed.yaml", "id: malformed\ntitle: [oops\n")
    write(kb, "unknown-field.yaml", GOOD.format(id="unknown-field") + "colour: blue\n")
    write(kb, "missing.yaml", "id: missing\ntitle: t\n")
    write(kb, "wrong-type.yaml", GOOD.format(id="wrong-type").replace("summary: Something breaks.", "summary: [1, 2]"))
    write(kb, "renamed.yaml", GOOD.format(id="other-name"))
    write(kb, "bad-regex.yaml", GOOD.format(id="bad-regex").replace(
        '  - text: "frobnicator exploded while flanging the widget"',
        "  - regex: 'frobnicator (exploded'"))
    write(kb, "no-match-fails.yaml", GOOD.format(id="no-match-fails").replace(
        '    - "frobnicator exploded while flanging the widget"\n  no_match',
        '    - "completely unrelated text here"\n  no_match'))
    write(kb, "near-miss-matches.yaml", GOOD.format(id="near-miss-matches").replace(
        '    - "frobnicator started"', '    - "frobnicator exploded while flanging the widget!"'))
    write(kb, "dup-key.yaml", GOOD.format(id="dup-key") + "title: again\n")
    write(tmp_path / "kb2", "frob-exploded.yaml", GOOD.format(id="frob-exploded"))
    write(kb, "frob-exploded.yaml", GOOD.format(id="frob-exploded"))
    r = run_xenkb("kb", "check", str(kb), str(tmp_path / "kb2"))
    out = r.stdout.decode()
    assert r.returncode == 2
    expectations = [
        ("malformed.yaml:3", "malformed YAML: did not find expected ',' or ']' (in what starts at line 2)"),
        ("unknown-field.yaml", "[colour] error: unknown field"),
        ("missing.yaml", "[summary] error: missing required field"),
        ("missing.yaml", "[examples] error: missing required field"),
        ("wrong-type.yaml:3", "[summary] error: expected a string"),
        ("renamed.yaml:1", "differs from the file name"),
        ("bad-regex.yaml", "does not compile"),
        ("no-match-fails.yaml", "[examples.match] error"),
        ("near-miss-matches.yaml", "[examples.no_match] error: near-miss yields"),
        ("dup-key.yaml", "[title] error: field given twice"),
        ("kb2/frob-exploded.yaml", "duplicate id"),
    ]
    for where, what in expectations:
        assert any(where in line and what in line for line in out.splitlines()), (where, what, out)
    assert "Traceback" not in out + r.stderr.decode()


def test_yaml_is_loaded_with_the_safe_loader(tmp_path):
    marker = tmp_path / "pwned"
    evil = GOOD.format(id="evil") + f"notes: !!python/object/apply:os.system ['touch {marker}']\n"
    write(tmp_path / "kb", "evil.yaml", evil)
    entries, problems = load_dirs([(tmp_path / "kb", "user")])
    assert not marker.exists()
    assert "evil" not in entries and any("malformed YAML" in p.message for p in problems)


def test_evil_regex_runs_in_linear_time():
    """(a+)+$ backtracks exponentially in Python's re; RE2 does not backtrack."""
    pattern = compile_regex(r"(a+)+$")
    start = time.perf_counter()
    assert pattern.search("a" * 100_000 + "!") is None
    assert time.perf_counter() - start < 2.0  # exponential would never finish


def test_evil_user_regex_entry_matches_a_long_line_quickly(tmp_path):
    kb = tmp_path / "kb"
    write(kb, "evil-regex.yaml", GOOD.format(id="evil-regex").replace(
        '  - text: "frobnicator exploded while flanging the widget"',
        "  - regex: 'frobnicator (a+)+$'\n    anchors: [frobnicator]"))
    r = run_xenkb("match", "--kb", str(kb), input=b"frobnicator " + b"a" * 200_000 + b"!\n", timeout=30)
    assert r.returncode in (0, 1) and b"Traceback" not in r.stderr  # finished, within the timeout


def test_backreferences_are_refused_not_run(tmp_path):
    write(tmp_path / "kb", "backref.yaml", GOOD.format(id="backref").replace(
        '  - text: "frobnicator exploded while flanging the widget"', r"  - regex: '(frob)\1'"))
    entries, problems = load_dirs([(tmp_path / "kb", "user")])
    assert "backref" not in entries
    assert any("does not compile under RE2" in p.message for p in problems)


def test_commands_in_a_fix_are_shown_never_run(tmp_path):
    marker = tmp_path / "ran"
    kb = tmp_path / "kb"
    write(kb, "runs-nothing.yaml", GOOD.format(id="runs-nothing").replace(
        "  - step: Replace the frobnicator.",
        f"  - step: Replace the frobnicator.\n    commands: ['touch {marker}', '$(touch {marker})']"))
    line = b"frobnicator exploded while flanging the widget\n"
    for args in (("show", "runs-nothing"), ("match",), ("match", "--json"), ("chat",)):
        feed = line + b"\nfix\n" if args == ("chat",) else line
        r = run_xenkb(*args, "--kb", str(kb), input=feed)
        assert f"touch {marker}".encode() in r.stdout, args
    assert not marker.exists()


def test_clarify_values_must_be_values_of_the_fact(tmp_path):
    from xenkb.kb import load_dirs

    base = (
        "id: c1\ntitle: T\nsummary: S\nreferences: [{url: 'https://example.org'}]\n"
        "fix: [{step: Do it.}]\nsignatures: ['frobnicator exploded badly']\n"
        "examples: {match: ['frobnicator exploded badly now'], no_match: ['frobnicator fine']}\n")
    (tmp_path / "c1.yaml").write_text(base + "clarify: {fact: arch, question: 'Which?', "
                                      "answers: {amd64: [x86_64], sparc: [sun]}}\n")
    entries, problems = load_dirs([(tmp_path, "user")])
    assert any(p.field == "clarify.answers.sparc" and p.level == "error" for p in problems)
    (tmp_path / "c1.yaml").write_text(base + "clarify: {fact: arch, question: 'Which?', "
                                      "answers: {amd64: [x86_64], i386: [i686]}}\n")
    entries, problems = load_dirs([(tmp_path, "user")])
    assert entries["c1"].clarify.answers == (("amd64", ("x86_64",)), ("i386", ("i686",)))
