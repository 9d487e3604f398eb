"""Every printed string that came from outside xenkb goes through one escaping
function (safetext.visible): log lines, file names, KB fields (superseded_by too),
YAML keys, paths. Including the direction controls that make text read differently
from what it holds (U+202E) and the marks U+200E, U+200F, U+061C."""

from __future__ import annotations

import pytest
from conftest import run_xenkb
from reliability_support import SEG, entry_yaml

from xenkb.safetext import visible

ESC_TITLE = "\x1b]0;PWNED\x07"
DIRECTION = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
             "\u2066", "\u2067", "\u2068", "\u2069"]
RAW = [ESC_TITLE, "\x9b", "\x7f", "\u2028", "\u2029", *DIRECTION]


def _clean(text: str) -> None:
    for ch in ["\x1b", "\x07", "\x9b", "\x7f", "\u2028", "\u2029", *DIRECTION]:
        assert ch not in text, (repr(ch), text)


@pytest.mark.parametrize("ch", [*DIRECTION, "\u2028", "\u2029", "\x9b", "\x85", "\x7f", "\x1b", "\x00"])
def test_visible_escapes_controls_and_direction_marks(ch):
    shown = visible(f"a{ch}b")
    assert ch not in shown and shown.startswith("a\\") and shown.endswith("b")


def test_direction_marks_in_a_log_line_are_shown_escaped():
    line = SEG.decode() + " \u202etxt.exe\u202c \u200e\u200f\u061c"
    r = run_xenkb("match", input=line.encode() + b"\n")
    assert r.returncode == 0
    out = r.stdout.decode()
    _clean(out)
    assert "\\u202etxt.exe" in out and "\\u200e\\u200f\\u061c" in out


def test_file_names_are_shown_escaped(tmp_path):
    evil = tmp_path / f"x{ESC_TITLE}\u202elog"
    evil.write_bytes(SEG + b"\n")
    other = tmp_path / "plain.log"
    other.write_bytes(b"nothing\n")
    r = run_xenkb("match", str(evil), str(other))
    assert r.returncode == 0
    out = r.stdout.decode()
    _clean(out)
    assert "== " in out and "\\e]0;PWNED\\x07" in out  # the header and the evidence's source
    r = run_xenkb("match", str(tmp_path / f"missing{ESC_TITLE}"))
    assert r.returncode == 2
    _clean(r.stderr.decode())


def _user_kb(tmp_path, name="kb"):  # type: ignore[no-untyped-def]
    d = tmp_path / name
    d.mkdir()
    return d


def test_superseded_by_is_shown_escaped_in_show_and_in_the_chat(tmp_path):
    kb = _user_kb(tmp_path)
    (kb / "old-zorblax.yaml").write_text(entry_yaml(
        "old-zorblax", extra='deprecated: true\nsuperseded_by: "new\\e]52;c;Y3VybA==\\a\u202e"\n'))
    r = run_xenkb("show", "--kb", str(kb), "old-zorblax")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    _clean(out)
    assert "\\e]52;c;Y3VybA==\\x07\\u202e" in out
    r = run_xenkb("chat", "--kb", str(kb), input=b"why not old-zorblax\n")
    out = r.stdout.decode()
    assert "deprecated" in out
    _clean(out)


def test_kb_check_shows_keys_and_paths_escaped(tmp_path):
    kb = _user_kb(tmp_path, f"kb{ESC_TITLE}\u202e")
    (kb / "zorblax.yaml").write_text(entry_yaml("zorblax", extra='"evil\\e]0;PWNED\\a\u200f": 1\n'))
    r = run_xenkb("kb", "check", str(kb))
    assert r.returncode == 2
    out = r.stdout.decode()
    _clean(out)
    assert "unknown field" in out and "evil\\e]0;PWNED\\x07\\u200f" in out


def test_kb_draft_shows_the_written_path_escaped(tmp_path):
    log = tmp_path / "err.log"
    log.write_bytes(b"frobd[311]: fatal error: widget cache corrupted\n")
    out_dir = tmp_path / f"drafts{ESC_TITLE}"
    r = run_xenkb("kb", "draft", f"{log}:1", "--out", str(out_dir))
    assert r.returncode == 0, r.stderr
    _clean(r.stdout.decode())
