"""The Markdown writer: for a ticket or a mail. Findings as headings, evidence and
commands in fenced code blocks, sources as links.

Everything from outside the program (log lines, file names, KB text of a user's
entry) is escaped twice over: control characters by `safetext.visible`, Markdown
by a backslash before each character that could start markup, and code blocks get
a fence longer than any run of backticks inside them.
"""

from __future__ import annotations

import re
from typing import Any

from xenkb.model import Entry, Finding
from xenkb.output import Answers, Listing, Report, Writer
from xenkb.safetext import visible

_MARKUP = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(text: str) -> str:
    """Prose for Markdown: control characters escaped, markup characters neutralised."""
    return _MARKUP.sub(r"\\\1", " ".join(visible(text, None).split()))


def code_block(lines: list[str], info: str = "") -> list[str]:
    """A fenced block that no content can close early."""
    body = [visible(line, 2000) for line in lines]
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *body, fence]


def link(ref: Any) -> str:
    label = md(ref.title or ref.url or f"the Debian wiki Xen page (2009-2010), section {ref.seed}")
    if ref.url and re.match(r"^https?://[^\s<>()]+$", ref.url):
        return f"[{label}](<{ref.url}>)"
    return label


def _fix(entry: Entry, captured: dict[str, list[str]] | None) -> list[str]:
    from xenkb.render import with_captures

    out: list[str] = []
    for n, step in enumerate(entry.fix, 1):
        out.append(f"{n}. {md(with_captures(step.step, entry, captured))}")
        if step.file:
            out.append(f"   File: `{visible(step.file, 300).replace('`', '')}`")
        block = ([*step.config.splitlines()] if step.config else []) + [f"$ {c}" for c in step.commands]
        if block:
            out += ["", *["   " + line for line in code_block(block, "sh" if step.commands else "")], ""]
    return out


def finding_md(n: int, f: Finding, brief: bool) -> list[str]:
    out = [f"### {n}. {md(f.entry.title)} (`{f.entry.id}`)", "",
           f"Score {f.score}/100, severity {f.entry.severity}, "
           + (f"line {f.first_line}" if f.count == 1 else f"{f.count} lines, {f.first_line}-{f.last_line}") + ".",
           "", md(f.entry.summary), ""]
    for note in f.notes:
        out += [f"*Note: {md(note)}*", ""]
    out += ["Evidence:", ""]
    out += code_block([f"{ev.source}:{ev.line}: {ev.text}" for ev in f.evidence], "text") + [""]
    if not brief and f.entry.fix:
        out += ["**Fix** (shown, never run):", ""] + _fix(f.entry, f.captured) + [""]
    if not brief and f.entry.verify:
        out += ["**Verify:**", ""] + [f"- {md(v)}" for v in f.entry.verify] + [""]
    if not brief and f.entry.caveats:
        out += ["**Caveats:**", ""] + [f"- {md(c)}" for c in f.entry.caveats] + [""]
    if f.symptoms_of_this:
        out += ["Its symptoms, also in this log:", ""]
        out += [f"- {md(s.entry.title)} (`{s.entry.id}`), line {s.first_line}" for s in f.symptoms_of_this] + [""]
    if f.entry.references:
        out += ["Sources:", ""] + [f"- {link(r)}" for r in f.entry.references] + [""]
    return out


class MarkdownWriter(Writer):
    def add(self, item: Any) -> None:
        out: list[str] = []
        if isinstance(item, Report):
            result = item.result
            out.append(f"## xenkb: {md(item.label)}")
            out.append("")
            facts = result.facts.as_dict()
            if facts:
                out += ["What the log shows: " + ", ".join(f"{md(k)} {md(v)}" for k, v in facts.items()) + ".", ""]
            if not result.findings:
                out += ["No known problem recognised.", ""]
            for n, f in enumerate(result.findings, 1):
                out += finding_md(n, f, item.brief)
            if result.unmatched:
                out += ["Not recognised (error-looking lines no entry covers):", ""]
                out += code_block([f"line {u.first_line}: {u.text}" for u in result.unmatched[:10]], "text") + [""]
            if item.explanations:
                out += ["Why not (the closest entries that stayed silent):", ""]
                out += [f"- `{r.entry_id}`: {md(r.reason)} (score {r.score}, threshold {r.threshold})"
                        for r in item.explanations] + [""]
        elif isinstance(item, Entry):
            e = item
            out += [f"## {md(e.title)} (`{e.id}`)", "", md(e.summary), ""]
            if e.cause:
                out += ["**Why:** " + md(e.cause), ""]
            if e.fix:
                out += ["**Fix** (shown, never run):", ""] + _fix(e, None) + [""]
            if e.verify:
                out += ["**Verify:**", ""] + [f"- {md(v)}" for v in e.verify] + [""]
            if e.caveats:
                out += ["**Caveats:**", ""] + [f"- {md(c)}" for c in e.caveats] + [""]
            if e.references:
                out += ["Sources:", ""] + [f"- {link(r)}" for r in e.references] + [""]
        elif isinstance(item, Listing):
            out += ["| id | kind | origin | title |", "|---|---|---|---|"]
            out += [f"| `{e.id}` | {e.kind} | {e.origin} | {md(e.title)} |" for e in item.entries] + [""]
        elif isinstance(item, Answers):
            good = [h for h in item.hits if h.score >= item.floor]
            out += [f"## xenkb: {md(item.question)}", ""]
            if not good:
                out += ["The KB has no entry that answers that."
                        + (" Maybe related:" if item.related else ""), ""]
            out += [f"- `{h.entry.id}` ({h.score}): {md(h.entry.title)}" for h in good or item.related] + [""]
        else:
            raise TypeError(f"the Markdown writer cannot print {type(item).__name__}")
        self.out.write("\n".join(out) + "\n")
        self.count += 1
