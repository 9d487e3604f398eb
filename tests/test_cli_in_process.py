"""The command line run in process: main(argv, env) -> exit status, no subprocess."""

from __future__ import annotations

import io
import json
import sys

import pytest

from conftest import DATA
from xenkb.cli import COMMANDS, Exit, _parser, main

LOG = str(DATA / "logs" / "lenny-dom0-problems.log")


def run(capsys, *argv, env=None) -> tuple[int, str, str]:
    code = main(list(argv), env=env)
    out, err = capsys.readouterr()
    return code, out, err


def test_match_in_process_finds_and_exits_0(capsys):
    code, out, _ = run(capsys, "match", "--json", LOG)
    assert code == Exit.FOUND
    assert any(json.loads(line)["type"] == "finding" for line in out.splitlines())


def test_env_decides_colour_not_the_real_environment(capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    _, plain, _ = run(capsys, "match", LOG, env={"NO_COLOR": "1"})
    _, forced, _ = run(capsys, "match", LOG, env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in plain and "\x1b[" in forced


def test_exit_1_when_nothing_is_found(capsys, tmp_path):
    clean = tmp_path / "clean.log"
    clean.write_text("all is well\n")
    assert run(capsys, "match", str(clean))[0] == Exit.NOT_FOUND


def test_every_subcommand_of_the_parser_has_a_handler():
    names = {a for action in _parser()._actions if hasattr(action, "choices") and isinstance(action.choices, dict)
             for a in action.choices}
    assert names <= set(COMMANDS)


def test_no_import_circles():
    """Data flows one way: no module of the package imports, at import time, one
    that imports it back (cli -> repl -> ... -> draft -> cli was the last circle)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "xenkb"
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        mod = "xenkb." + ".".join(path.relative_to(root).with_suffix("").parts)
        mod = mod.removesuffix(".__init__")
        deps = set()
        for node in ast.parse(path.read_text()).body:  # top-level imports only
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xenkb"):
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("xenkb")}
        graph[mod] = deps

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for dep in graph.get(todo.pop(), ()):
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    circles = [m for m in graph if m in reach(m)]
    assert circles == []
