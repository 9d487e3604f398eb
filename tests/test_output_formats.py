"""One seam for output formats: the same things through text, JSON and Markdown."""

from __future__ import annotations

import io
import json

import pytest
from markdown_it import MarkdownIt

from xenkb.diagnose import diagnose
from xenkb.output import FORMATS, Answers, Listing, Report, writer
from xenkb.search import ANSWER_FLOOR, search

LOG = ("[2010-03-01 11:40:22 3012] ERROR (XendCheckpoint:144) Save failed on domain web (5).\n"
       "[ 1.0] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870\n"
       "[ 1.1] evil ```\x1b]0;pwned\x07 error <script>alert(1)</script> [x](javascript:y)\n")


@pytest.fixture
def report(matcher, catalog):
    return Report("x.log", diagnose(matcher.scan_text(LOG, "x.log"), catalog.entries))


def render(fmt: str, *items) -> str:
    out = io.StringIO()
    w = writer(fmt, out)
    w.begin()
    for item in items:
        w.add(item)
    w.end()
    return out.getvalue()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_prints_every_kind_of_result(fmt, report, catalog):
    hits = search(catalog.entries.values(), "no login prompt on xm console", 3)
    text = render(fmt, report, catalog.entries["4gb-seg-fixup"], Listing(list(catalog.entries.values())[:3]),
                  Answers("no login prompt", hits, ANSWER_FLOOR))
    assert "xendcheckpoint-save-failed" in text and "4gb-seg-fixup" in text
    assert "\x1b" not in text and "\x07" not in text


def test_json_lines_are_each_valid_json(report):
    for line in render("json", report).splitlines():
        json.loads(line)


def test_markdown_parses_with_findings_as_headings_evidence_in_code_and_sources_as_links(report):
    text = render("markdown", report)
    tokens = MarkdownIt("commonmark").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert any("xendcheckpoint-save-failed" in h for h in headings)
    fences = [t.content for t in tokens if t.type == "fence"]
    assert any("Save failed on domain web" in f for f in fences)
    # the hostile line stays inside its code block: no raw HTML, no link, no escape
    html = MarkdownIt("commonmark").render(text)
    assert "<script>" not in html and 'href="javascript' not in html
    assert any("pwned" in f for f in fences)
    links = [t for t in tokens if t.type == "inline" for c in (t.children or []) if c.type == "link_open"]
    assert links  # sources as links


def test_markdown_names_the_captured_processes_in_the_fix(report):
    assert "Restart klogd" in render("markdown", report)


def test_every_printing_subcommand_takes_format_and_json_is_its_alias(tmp_path):
    from conftest import DATA, run_xenkb

    log = str(DATA / "logs" / "lenny-dom0-problems.log")
    for args in (("match", log), ("show", "4gb-seg-fixup"), ("list",), ("search", "no", "login", "prompt")):
        as_json = run_xenkb(*args, "--json").stdout
        assert as_json == run_xenkb(*args, "--format", "json").stdout
        markdown = run_xenkb(*args, "--format", "markdown").stdout.decode()
        MarkdownIt("commonmark").parse(markdown)
        assert markdown.strip() and "\x1b" not in markdown
    md = run_xenkb("match", "--format", "markdown", log).stdout.decode()
    assert md.startswith("## xenkb: ") and "```" in md
