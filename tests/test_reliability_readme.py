"""The README's Reliability section cannot drift from the code: every bound it states
is the constant the code uses, and its exit-status table is the Exit enum."""

from __future__ import annotations

import re

from conftest import ROOT

from xenkb import budget, cachefile, explain, safeyaml, trust
from xenkb.cli import EXPLAIN_SPOOL_BYTES, Exit
from xenkb.reader import CHUNK_BYTES
from xenkb.repl import dialogue, history, plain
from xenkb.safetext import DIRECTION_CONTROLS, LINE_SEPARATORS
from xenkb.scoring import MAX_LINE_BYTES


def _section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Reliability")
    return " ".join(text[start:text.index("\n## ", start + 5)].split())


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def test_every_stated_bound_is_the_code_s():
    section = _section()
    stated = [
        _size(MAX_LINE_BYTES), _size(CHUNK_BYTES), _size(EXPLAIN_SPOOL_BYTES), f"{explain.MAX_EXPLAIN_LINES:,} candidate",
        _size(explain.MAX_EXPLAIN_CHARS), f"{_size(dialogue.MAX_INPUT_CHARS)} per turn",
        f"parts of at most {_size(plain.MAX_PASTE_CHARS)}", f"last {_size(history.MAX_LOAD_BYTES)}",
        f"{safeyaml.MAX_EXPANDED_NODES:,} values", f"{safeyaml.MAX_EXPANDED_CHARS:,} characters",
        f"{safeyaml.MAX_ALIASES} aliases", f"{safeyaml.MAX_DEPTH} levels",
        f"entry file is at most {_size(trust.MAX_KB_FILE_BYTES)}", f"{budget.MAX_SIGNATURES} signatures",
        f"text {budget.MAX_SIGNATURE_CHARS} characters", f"a regex {budget.MAX_REGEX_CHARS:,}",
        f"{budget.MAX_ANCHORS} listed anchors per signature", f"{budget.MAX_ENTRY_ANCHORS} per entry",
        f"at most {budget.MAX_ANCHOR_CHARS} characters", f"at most {budget.MAX_EXAMPLES} per list",
        f"{budget.MAX_EXAMPLE_CHARS:,} characters each", f"lines of {budget.MAX_EXAMPLE_LINE_CHARS:,}",
        f"{budget.MAX_TOTAL_ANCHOR_CHARS:,} characters of anchors", f"at most {_size(cachefile.MAX_CACHE_BYTES)}",
    ]
    missing = [phrase for phrase in stated if phrase not in section]
    assert not missing, missing


def test_the_exit_table_is_the_exit_enum():
    rows = set(re.findall(r"\| `(\d+)` +\|", _section()))
    assert rows == {str(code.value) for code in Exit}


def test_every_escaped_character_is_listed():
    section = _section()
    listed = set()
    for m in re.finditer(r"U\+([0-9A-F]{4})(?:-U\+([0-9A-F]{4}))?", section):
        first = int(m.group(1), 16)
        last = int(m.group(2), 16) if m.group(2) else first
        listed |= {chr(c) for c in range(first, last + 1)}
    assert listed == set(DIRECTION_CONTROLS + LINE_SEPARATORS)
