"""Width and colour follow the terminal and the conventions admins set."""

from __future__ import annotations

import io
import re

import pytest

from conftest import run_xenkb
from xenkb.terminal import MAX_WIDTH, MIN_WIDTH, use_color, width


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env, expected", [
    ({"COLUMNS": "80"}, 80), ({"COLUMNS": "20"}, MIN_WIDTH), ({"COLUMNS": "300"}, MAX_WIDTH),
])
def test_width_comes_from_the_terminal_within_bounds(env, expected):
    assert width(env) == expected


@pytest.mark.parametrize("mode, env, tty, expected", [
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"TERM": "dumb"}, True, False),
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"FORCE_COLOR": "0"}, False, False),
    ("always", {"NO_COLOR": "1"}, False, True),
    ("never", {"FORCE_COLOR": "1"}, True, False),
])
def test_colour_follows_no_color_force_color_and_term_dumb(mode, env, tty, expected):
    assert use_color(mode, Tty() if tty else io.StringIO(), env) is expected


def test_reports_and_list_fit_80_columns(monkeypatch):
    from conftest import DATA

    monkeypatch.setenv("COLUMNS", "80")
    for args in (("list",), ("match", str(DATA / "logs" / "lenny-dom0-problems.log")),
                 ("show", "4gb-seg-fixup")):
        r = run_xenkb(*args)
        too_long = [line for line in r.stdout.decode().splitlines() if len(line) > 80]
        # Evidence lines are log text and paths in commands are exact: only prose must fit.
        prose = [line for line in too_long if not line.lstrip().startswith(("$", "/"))
                 and ".log:" not in line and not re.match(r"\s+line \d+", line)
                 and len(line.split()) > 1]  # one word longer than the width: a URL
        assert prose == [], (args, prose[:3])


def test_the_chat_toolbar_fits_80_columns():
    from xenkb.repl.session import toolbar_text

    long_status = "on: xendcheckpoint-save-failed | 3 candidate(s) | facts: arch amd64, debian lenny, xen 3.2"
    for status in ("", "on: 4gb-seg-fixup", long_status):
        assert len(toolbar_text(status, 80)) <= 79
    assert "/help" in toolbar_text("", 80)
