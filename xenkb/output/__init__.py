"""Output formats: one writer per format, chosen by name (`--format text|json|markdown`).

A writer takes the things a command prints, one at a time (`add`), between `begin`
and `end`; every command that prints results goes through `writer(...)`, so a new
format is one new class here, not an edit to each command. What is printed:

- `Report`: one input's diagnosed scan (match), with --explain rows if asked;
- `Entry` (show), `Listing` (list), `Answers` (search).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

from xenkb.model import Entry

FORMATS = ("text", "json", "markdown")


@dataclass
class Report:
    label: str  # the input's name as the user gave it
    result: Any  # a diagnosed xenkb.match.ScanResult
    brief: bool = False
    explanations: list[Any] | None = None  # xenkb.explain.Explanation rows (--explain)
    notes: list[str] = field(default_factory=list)  # said after the report (text and Markdown)


@dataclass
class Listing:
    entries: list[Entry]


@dataclass
class Answers:
    question: str
    hits: list[Any]  # xenkb.search.SearchHit, best first
    floor: int  # the score an answer needs
    related: list[Any] = field(default_factory=list)  # "maybe related" when none answers


class Writer:
    """Base: collects nothing; subclasses print as items arrive."""

    def __init__(self, out: TextIO, style: Any = None) -> None:
        self.out = out
        self.style = style
        self.count = 0
        self.several = False  # several inputs: the text writer heads each report

    def begin(self) -> None:
        pass

    def add(self, item: Any) -> None:
        raise NotImplementedError

    def end(self) -> None:
        pass


def writer(name: str, out: TextIO, style: Any = None) -> Writer:
    """The writer for a format name (one of FORMATS)."""
    if name == "json":
        from xenkb.output.jsonl import JsonWriter

        return JsonWriter(out, style)
    if name == "markdown":
        from xenkb.output.markdown import MarkdownWriter

        return MarkdownWriter(out, style)
    if name == "text":
        from xenkb.output.text import TextWriter

        return TextWriter(out, style)
    raise ValueError(f"unknown format {name!r} (one of {', '.join(FORMATS)})")
