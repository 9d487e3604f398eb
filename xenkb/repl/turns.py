"""Slash commands: one table (name, arguments, help) that /help, the completer and
the dispatcher all read, so the three cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from xenkb.repl import views
from xenkb.safetext import visible

if TYPE_CHECKING:
    from xenkb.repl.dialogue import Dialogue

Handler = Callable[["Dialogue", str], list[str]]


def _help(d: Dialogue, arg: str) -> list[str]:
    return help_lines()


def _list(d: Dialogue, arg: str) -> list[str]:
    entries = sorted(d.entries.values(), key=lambda e: (e.kind, e.id))
    width = max((len(e.id) for e in entries), default=10)
    out = [f"{e.id:<{width}}  {e.kind:<7}  {visible(e.title, 90)}" for e in entries]
    return out + [f"{len(entries)} entries; /show ID opens one."]


def _show(d: Dialogue, arg: str) -> list[str]:
    entry_id = arg.strip().lower()
    if not entry_id:
        return ["Usage: /show ID   (Tab completes ids; /list shows them)"]
    entry = d.all_entries.get(entry_id)
    if entry is None:
        from rapidfuzz import process

        close = [c[0] for c in process.extract(entry_id, list(d.entries), limit=3) if c[1] > 60]
        hint = f" Did you mean: {', '.join(close)}?" if close else " /list shows every id."
        return [f"No entry {visible(entry_id, 80)!r}.{hint}"]
    return d.open_entry(entry)


def _search(d: Dialogue, arg: str) -> list[str]:
    if not arg.strip():
        return ["Usage: /search WORDS   e.g. /search no login prompt"]
    return d.answer_question(arg.strip())


def _facts(d: Dialogue, arg: str) -> list[str]:
    if not d.facts.found:
        return ["I know nothing about your system yet: paste a log (boot messages tell the most)."]
    return ["What I know about your system:"] + views.facts_detail(d.facts)


def _reset(d: Dialogue, arg: str) -> list[str]:
    d.reset()
    return ["Started afresh: findings, facts and questions forgotten (/forget clears the input history)."]


def _forget(d: Dialogue, arg: str) -> list[str]:
    if d.forget_history is None:
        return ["No input history is kept in this mode; nothing to forget."]
    d.forget_history()
    return ["Input history cleared (the file is emptied, not just hidden)."]


def _teach(d: Dialogue, arg: str) -> list[str]:
    """/teach drafts the line the last answer proposed; /teach N line N of the last paste."""
    from xenkb.repl.teach import teach

    arg = arg.strip()
    if arg:
        if not arg.isdigit():
            return ["/teach takes a line number of the last paste, e.g. /teach 3."]
        lines = (d.last_log or "").splitlines()
        n = int(arg)
        if not 1 <= n <= len(lines):
            return [f"The last paste has {len(lines)} line(s); /teach N takes one of them."
                    if lines else "Paste a log first; /teach N drafts an entry from its line N."]
        if not lines[n - 1].strip():
            return [f"Line {n} of the last paste is empty."]
        return teach(lines[n - 1], f"chat:{n}").splitlines()
    line = d.last_unmatched
    return teach(line[0] if line else None, f"chat:{line[1] if line else 0}").splitlines()


def _more(d: Dialogue, arg: str) -> list[str]:
    return d.read_more()


def _quit(d: Dialogue, arg: str) -> list[str]:
    d.done = True
    return ["Bye."]


# name -> (argument hint, one-line help, handler)
COMMANDS: dict[str, tuple[str, str, Handler]] = {
    "/help": ("", "what I understand", _help),
    "/list": ("", "every entry, by kind and id", _list),
    "/show": ("ID", "open one entry in full", _show),
    "/search": ("WORDS", "search entries by plain words (never read as a log)", _search),
    "/facts": ("", "what I know about your system, and from where", _facts),
    "/more": ("", "the rest of a folded answer", _more),
    "/reset": ("", "forget findings, facts and questions; start afresh", _reset),
    "/forget": ("", "clear the saved input history", _forget),
    "/teach": ("[N]", "draft a KB entry from the proposed unrecognised line, or line N of the paste", _teach),
    "/quit": ("", "leave (Ctrl-D too)", _quit),
}
ALIASES = {"/exit": "/quit", "/q": "/quit", "/?": "/help", "/h": "/help", "/ls": "/list"}


def run_command(d: Dialogue, text: str) -> list[str]:
    name, _, arg = text.strip().partition(" ")
    name = ALIASES.get(name.lower(), name.lower())
    spec = COMMANDS.get(name)
    if spec is None:
        return [f"Unknown command {visible(name, 40)}; /help lists them."]
    return spec[2](d, arg)


def help_lines() -> list[str]:
    out = [
        "Paste a log (all of it at once) and I list the known problems in it, best first.",
        "Or ask in plain words, e.g. \"domU has no login prompt\".",
        "Then: a number or an id opens an entry; 'why' the cause; 'fix' or 'how' the steps;",
        "'verify' how to confirm; 'sources'; 'next' the next candidate; 'didn't help' the",
        "alternatives; 'why not ID' why an entry stayed silent; 'more' the rest of a long answer.",
        "Commands:",
    ]
    for name, (arg, text, _) in COMMANDS.items():
        out.append(f"  {(name + ' ' + arg).strip():<15} {text}")
    return out + ["Keys: Enter sends; Esc then Enter adds a line; Tab completes; Ctrl-C cancels; Ctrl-D leaves."]
