"""Help, man page and shell completion, all generated from the one parser."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, run_xenkb, xenkb_command
from xenkb import __version__
from xenkb.cli import _parser
from xenkb.shelldocs import _subcommands, completion, manpage


def test_every_option_and_positional_has_help():
    parser = _parser()
    missing = []
    for path, sub, help_text in [("", parser, "top"), *_subcommands(parser)]:
        if not help_text:
            missing.append(path)
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            if not action.help:
                missing.append(f"{path} {action.option_strings or action.dest}")
    assert missing == []


def test_help_ends_with_exit_codes_and_examples():
    out = run_xenkb("--help").stdout.decode()
    assert "exit status:" in out and "130" in out and "141" in out
    examples = out.split("examples:", 1)[1].strip().splitlines()
    assert len(examples) >= 3 and all("xenkb " in e for e in examples)


def test_the_shipped_man_page_is_the_parser_s_own():
    """man/xenkb.1 is generated (`xenkb man > man/xenkb.1`); it must not drift."""
    shipped = (ROOT / "man" / "xenkb.1").read_text()
    assert shipped == manpage(_parser(), __version__), "regenerate: xenkb man > man/xenkb.1"


@pytest.mark.skipif(not shutil.which("man"), reason="man is not installed")
def test_the_man_page_renders_with_its_sections(tmp_path):
    page = tmp_path / "xenkb.1"
    page.write_text(manpage(_parser(), __version__))
    r = subprocess.run(["man", "-l", str(page)], capture_output=True, env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"},
                       timeout=60)
    text = r.stdout.decode()
    assert r.returncode == 0, r.stderr
    for section in ("NAME", "SYNOPSIS", "COMMANDS", "EXIT STATUS", "FILES", "ENVIRONMENT", "EXAMPLES"):
        assert section in text
    assert "xenkb match" in text and "NO_COLOR" in text


def test_list_ids_is_what_completion_reads():
    ids = run_xenkb("list", "--ids").stdout.decode().split()
    assert "4gb-seg-fixup" in ids and all(" " not in i for i in ids)


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_bash_completion_completes_commands_options_and_ids(tmp_path):
    script = tmp_path / "xenkb.bash"
    script.write_text(completion(_parser(), "bash"))
    bindir = Path(xenkb_command()[0]).parent if len(xenkb_command()) == 1 else None
    path = f"{bindir}:/usr/bin:/bin" if bindir else "/usr/bin:/bin"

    def complete(*words: str) -> list[str]:
        line = " ".join(words)
        code = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _xenkb; "
                'printf "%s\\n" "${COMPREPLY[@]}"')
        r = subprocess.run(["bash", "-c", code], capture_output=True, timeout=60, env={"PATH": path, "HOME": str(tmp_path)})
        assert r.returncode == 0, r.stderr
        return r.stdout.decode().split()

    assert "match" in complete("xenkb", "ma")
    assert "--explain" in complete("xenkb", "match", "--ex")
    assert "check" in complete("xenkb", "kb", "ch")
    if bindir:  # ids come from the installed xenkb
        assert "4gb-seg-fixup" in complete("xenkb", "show", "4gb")


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_parse(shell, tmp_path):
    script = tmp_path / f"xenkb.{shell}"
    script.write_text(completion(_parser(), shell))
    if not shutil.which(shell):
        # Without the shell, check what every script must hold.
        text = script.read_text()
        assert "match" in text and "xenkb list --ids" in text
        pytest.skip(f"{shell} is not installed: syntax not checked")
    flag = ["-n"] if shell == "zsh" else ["--no-execute"]
    r = subprocess.run([shell, *flag, str(script)], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_version_names_the_kb():
    out = run_xenkb("--version").stdout.decode()
    assert out.startswith(f"xenkb {__version__}") and "entries, fingerprint" in out


SEG_LINE = b"[ 1.0] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870\n"


def test_quiet_prints_nothing_and_exits_as_grep_q():
    found = run_xenkb("match", "-q", input=SEG_LINE)
    clean = run_xenkb("match", "--quiet", input=b"all is well\n")
    assert (found.returncode, found.stdout) == (0, b"")
    assert (clean.returncode, clean.stdout) == (1, b"")


def test_verbose_says_what_was_read_on_stderr():
    r = run_xenkb("match", "-v", "--json", input=SEG_LINE * 3)
    assert b"3 lines" in r.stderr and b"candidate lines scored" in r.stderr
    assert r.stdout.startswith(b"{")  # the report is unchanged


@pytest.mark.parametrize("args", [("kb", "check", "--no-user-kb"), ("kb", "draft", "x:1", "--no-user-kb"),
                                  ("kb", "draft", "x:1", "--kb", "d")])
def test_options_that_would_be_ignored_are_refused(args):
    r = run_xenkb(*args)
    assert r.returncode == 2 and b"unrecognized arguments" in r.stderr
