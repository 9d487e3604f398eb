"""Reports as text for people and JSON for programs. Never imports prompt_toolkit.

Every string that came from a log goes through ``safetext.visible``; strings from
the KB are ours, but a user KB is someone else's, so they are escaped too.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Any

from xenkb.match import ScanResult, Unmatched
from xenkb.model import Entry, Finding
from xenkb.safetext import visible
from xenkb.terminal import width



class Style:
    """ANSI styling, or none when the output is not a terminal (or NO_COLOR is set)."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def bold(self, t: str) -> str:
        return self._wrap("1", t)

    def dim(self, t: str) -> str:
        return self._wrap("2", t)

    def red(self, t: str) -> str:
        return self._wrap("31", t)

    def yellow(self, t: str) -> str:
        return self._wrap("33", t)

    def green(self, t: str) -> str:
        return self._wrap("32", t)

    def cyan(self, t: str) -> str:
        return self._wrap("36", t)


PLAIN_STYLE = Style(False)


def _para(text: str, indent: str = "  ", hang: int = 0) -> list[str]:
    """Wrap to the terminal's width; `hang` extra spaces on continuation lines (for "1. " and "- ")."""
    return textwrap.wrap(" ".join(visible(text, None).split()), width(), initial_indent=indent,
                         subsequent_indent=indent + " " * hang, break_on_hyphens=False,
                         break_long_words=False) or [indent]


def said_list(values: list[str]) -> str:
    """klogd, sshd and cron"""
    values = [visible(v, 80) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def with_captures(text: str, entry: Entry, captured: dict[str, list[str]] | None) -> str:
    """A fix step with each `{name}` replaced by the values this log showed (escaped
    like all log text), or by the capture's fallback words when it showed none."""
    for capture in entry.captures:
        values = (captured or {}).get(capture.name)
        text = text.replace("{" + capture.name + "}", said_list(values) if values else capture.fallback)
    return text


def fix_lines(entry: Entry, style: Style, indent: str = "  ",
              captured: dict[str, list[str]] | None = None) -> list[str]:
    """The fix steps, prose wrapped; commands, files and config lines exact (never cut).
    `captured`: values read from the log, named in the steps that ask for them."""
    out = []
    more = indent + "   "
    for n, step in enumerate(entry.fix, 1):
        out += _para(f"{n}. {with_captures(step.step, entry, captured)}", indent, hang=len(f"{n}. "))
        if step.file:
            out.append(f"{more}in {style.cyan(visible(step.file))}:" if step.config
                       else f"{more}file: {style.cyan(visible(step.file))}")
        if step.config:
            out += [f"{more}  {style.green(visible(line, None))}" for line in step.config.splitlines()]
        for cmd in step.commands:
            out.append(f"{more}$ {style.green(visible(cmd, None))}")
    return out


def entry_text(entry: Entry, style: Style, full: bool = True) -> str:
    """One entry in full, as ``xenkb show`` prints it."""
    out = [style.bold(line) for line in _para(f"{entry.title}  [{entry.id}]", "", hang=2)]
    meta = f"{entry.kind}, severity {entry.severity}, {entry.origin} entry"
    applies = _applies_text(entry)
    if applies:
        meta += f"; applies to {applies}"
    out += [style.dim(line) for line in _para(meta)]
    if entry.deprecated:
        out.append(style.yellow(f"  deprecated; see {visible(entry.superseded_by or 'its successor', 100)}"))
    out += _para(entry.summary)
    if entry.cause:
        out += ["", style.bold("Why")] + _para(entry.cause)
    if entry.fix:
        out += ["", style.bold("Fix") + style.dim("  (commands are shown, never run)")] + fix_lines(entry, style)
    if entry.verify:
        out += ["", style.bold("Verify")]
        for item in entry.verify:
            out += _para(f"- {item}", hang=2)
    if full and entry.caveats:
        out += ["", style.bold("Caveats")]
        for item in entry.caveats:
            out += _para(f"- {item}", hang=2)
    if full and entry.signatures:
        out += ["", style.bold("Recognised by")]
        out += [f"  {visible(s.text or '/' + (s.regex or '') + '/')}" for s in entry.signatures]
    if entry.references:
        out += ["", style.bold("Sources")]
        for r in entry.references:
            out += _para(f"- {r}", hang=2)
    return "\n".join(out)


def _applies_text(entry: Entry) -> str:
    a = entry.applies_to
    parts = []
    if a.toolstack:
        parts.append("/".join(a.toolstack))
    if a.xen:
        parts.append(f"Xen {a.xen}")
    if a.kernel:
        parts.append(f"kernel {a.kernel}")
    for values in (a.debian, a.arch, a.side, a.guest):
        if values:
            parts.append("/".join(values))
    return ", ".join(parts)


def finding_text(n: int, f: Finding, style: Style, with_fix: bool = True) -> list[str]:
    sev = f.entry.severity
    colour = style.red if sev in ("high", "critical") else style.yellow
    lines_info = f"line {f.first_line}" if f.count == 1 else f"{f.count} lines, {f.first_line}-{f.last_line}"
    head = _para(f"{n}. {f.entry.title}  [{f.entry.id}]", "", hang=len(f"{n}. "))
    out = [style.bold(colour(line)) for line in head]
    out.append(style.dim(f"   score {f.score}/100, {sev}, {lines_info}"))
    out += _para(f.entry.summary, "   ")
    for note in f.notes:
        out += _para(f"note: {note}", "   ")
    for ev in f.evidence:
        where = f"{visible(ev.source, 200)}:{ev.line}" if ev.source != "-" else f"line {ev.line}"
        out.append(style.dim(f"   {where}: ") + visible(ev.text, 300))
    if with_fix and f.entry.fix:
        out.append(style.bold("   Fix") + style.dim(" (shown, never run)"))
        out += fix_lines(f.entry, style, "    ", f.captured)
    if with_fix and f.entry.verify:
        out.append(style.bold("   Verify"))
        for item in f.entry.verify:
            out += _para(f"- {item}", "     ", hang=2)
    if with_fix and f.entry.caveats:
        # Fix steps refer to them ("see caveats"), so they come with the fix.
        out.append(style.bold("   Caveats"))
        for item in f.entry.caveats:
            out += _para(f"- {item}", "     ", hang=2)
    if f.symptoms_of_this:
        out.append(style.bold("   Its symptoms, also in this log:"))
        for s in list(_with_symptoms(f))[1:]:
            where = f"line {s.first_line}" if s.count == 1 else f"{s.count} lines, {s.first_line}-{s.last_line}"
            out.append(f"     - {visible(s.entry.title)} [{s.entry.id}], score {s.score}, {where}")
    if f.entry.references:
        out.append(style.dim("   Sources:"))
        for r in f.entry.references[:3]:
            out += [style.dim(line) for line in _para(f"- {r}", "     ", hang=2)]
    return out


def report_text(result: ScanResult, style: Style, source_label: str = "", unmatched_limit: int = 10,
                brief: bool = False) -> str:
    out: list[str] = []
    facts = result.facts.as_dict()
    if facts:
        shows = "What the log shows: " + ", ".join(f"{k} {v}" for k, v in facts.items())
        out += [style.dim(line) for line in _para(shows, "", hang=2)]
    if not result.findings:
        out.append(f"No known problem recognised{source_label}.")
    else:
        n_words = "problem" if len(result.findings) == 1 else "problems"
        out.append(style.bold(f"{len(result.findings)} known {n_words} found{source_label}, best first:"))
        for n, f in enumerate(result.findings, 1):
            out.append("")
            out += finding_text(n, f, style, with_fix=not brief)
    if result.unmatched:
        out.append("")
        total = sum(u.count for u in result.unmatched) + result.unmatched_overflow
        out.append(style.bold(f"Not recognised: {total} error-looking line(s) that no entry covers"))
        shown = sorted(result.unmatched, key=lambda u: (-u.count, u.first_line))[:unmatched_limit]
        for u in shown:
            times = f" (x{u.count}, last line {u.last_line})" if u.count > 1 else ""
            out.append(f"  line {u.first_line}{times}: {visible(u.text, 200)}")
        hidden = len(result.unmatched) - len(shown)
        if hidden > 0 or result.unmatched_overflow:
            out.append(style.dim(f"  ... and {hidden} more kinds; use --json for all"))
        out.append(style.dim("  Teach xenkb one: xenkb kb draft FILE:LINE"))
    if result.cut_lines:
        out.append(style.dim(f"note: {result.cut_lines} over-long line(s) were matched on their first 64 KiB only"))
    return "\n".join(out)


# --- JSON --------------------------------------------------------------------------

def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title,
        "summary": entry.summary,
        "kind": entry.kind,
        "severity": entry.severity,
        "origin": entry.origin,
        "cause": entry.cause,
        "fix": [{"step": s.step, "commands": list(s.commands), "file": s.file, "config": s.config} for s in entry.fix],
        "verify": list(entry.verify),
        "caveats": list(entry.caveats),
        "references": [{"url": r.url, "title": r.title, "seed": r.seed} for r in entry.references],
    }


def finding_json(f: Finding) -> dict[str, Any]:
    data = entry_json(f.entry)
    data.update({
        "score": f.score,
        "rank_score": f.rank_score,
        "count": f.count,
        "first_line": f.first_line,
        "last_line": f.last_line,
        "evidence": [{"source": e.source, "line": e.line, "text": e.text} for e in f.evidence],
        "notes": list(f.notes),
        "caused_by": f.caused_by,
        "symptoms": [s.entry.id for s in f.symptoms_of_this],
        "captured": {k: list(v) for k, v in f.captured.items()},
    })
    # The steps as this log's reader should do them: `{process}` named.
    data["fix"] = [{**step, "step": with_captures(step["step"], f.entry, f.captured)} for step in data["fix"]]
    return data


def unmatched_json(u: Unmatched) -> dict[str, Any]:
    return {"text": u.text, "normalised": u.norm, "count": u.count,
            "first_line": u.first_line, "last_line": u.last_line, "source": u.source}


def _with_symptoms(f: Finding) -> Iterable[Finding]:
    yield f
    for s in f.symptoms_of_this:
        yield from _with_symptoms(s)


def report_json_lines(result: ScanResult, source: str = "-") -> Iterable[str]:
    """JSON Lines, each object with a "type": first "facts" (one per input), then one
    "finding" per line (best first; a folded symptom follows its cause), then
    "unrecognised" error-looking lines. ensure_ascii keeps any byte of a log valid JSON."""
    yield json.dumps({"type": "facts", "source": source, "facts": result.facts.as_dict(),
                      "lines": result.lines, "bytes": result.bytes})
    for f in result.findings:
        for item in _with_symptoms(f):  # symptoms can have symptoms of their own
            yield json.dumps({"type": "finding", **finding_json(item)})
    for u in result.unmatched:
        yield json.dumps({"type": "unrecognised", **unmatched_json(u)})
