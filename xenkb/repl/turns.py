"""Every kind of turn the chat understands, in one registry: slash commands and
follow-up words ("why", "fix", "next", "didn't help"...) alike. Each Turn names its
intent kind, the slash names and the words that ask for it, its help line and its
handler; the dispatcher, /help, the intent classifier and the Tab completer all
read TURNS, so they cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


def _about(kind: str) -> Handler:
    return lambda d, arg: d.about_current(kind)


@dataclass(frozen=True)
class Turn:
    kind: str  # the intent kind the dispatcher sees
    help: str  # one line for /help and the completer
    handler: Handler
    slash: tuple[str, ...] = ()  # slash names, the first canonical
    words: tuple[str, ...] = ()  # follow-up words that ask for it in a short input
    arg: str = ""  # argument hint for the slash form


TURNS: tuple[Turn, ...] = (
    Turn("why", "the cause of the entry being discussed", _about("why"),
         words=("why", "cause", "causes", "reason", "explain")),
    Turn("fix", "its fix steps (commands are shown, never run)", _about("fix"),
         words=("fix", "fixes", "steps", "solve", "solution", "repair", "resolve", "workaround", "how")),
    Turn("verify", "how to confirm the fix worked", _about("verify"),
         words=("verify", "confirm", "check", "test")),
    Turn("sources", "where the knowledge comes from", _about("sources"),
         words=("sources", "source", "references", "refs", "links", "link", "reference")),
    Turn("next", "the next candidate of the last answer", lambda d, a: d.next_candidate(),
         words=("next", "another", "other")),
    Turn("not_helped", "what the KB links to it, then the other candidates", lambda d, a: d.alternatives(),
         words=()),  # "didn't help", "still broken": a phrase, see intents._NOT_HELPED
    Turn("more", "the rest of a folded answer", _more, slash=("/more",), words=("more", "continue", "rest")),
    Turn("help", "what I understand", _help, slash=("/help", "/?", "/h"), words=("help",)),
    Turn("list", "every entry, by kind and id", _list, slash=("/list", "/ls")),
    Turn("show", "open one entry in full", _show, slash=("/show",), arg="ID"),
    Turn("search", "search entries by plain words (never read as a log)", _search, slash=("/search",), arg="WORDS"),
    Turn("facts", "what I know about your system, and from where", _facts, slash=("/facts",)),
    Turn("reset", "forget findings, facts and questions; start afresh", _reset, slash=("/reset",)),
    Turn("forget", "clear the saved input history", _forget, slash=("/forget",)),
    Turn("teach", "draft a KB entry from the proposed unrecognised line, or line N of the paste", _teach,
         slash=("/teach",), arg="[N]"),
    Turn("quit", "leave (Ctrl-D too)", _quit, slash=("/quit", "/exit", "/q"), words=("quit", "exit", "bye")),
)
BY_KIND = {t.kind: t for t in TURNS}
# Follow-up word -> intent kind, for intents.classify.
FOLLOW_UP_WORDS = {w: t.kind for t in TURNS for w in t.words if w != "how"}
# Slash name -> turn; the first name of each is the one /help and completion show.
SLASH = {name: t for t in TURNS for name in t.slash}
# name -> (argument hint, one-line help): what the completer offers.
COMMANDS = {t.slash[0]: (t.arg, t.help) for t in TURNS if t.slash}
ALIASES = {name: t.slash[0] for t in TURNS for name in t.slash[1:]}


def run_command(d: Dialogue, text: str) -> list[str]:
    name, _, arg = text.strip().partition(" ")
    turn = SLASH.get(name.lower())
    if turn is None:
        return [f"Unknown command {visible(name, 40)}; /help lists them."]
    return turn.handler(d, arg)


def run_turn(d: Dialogue, kind: str, arg: str = "") -> list[str] | None:
    """The registry's handler for an intent kind, or None when it has none."""
    turn = BY_KIND.get(kind)
    return turn.handler(d, arg) if turn is not None else None


def help_lines() -> list[str]:
    out = [
        "Paste a log (all of it at once) and I list the known problems in it, best first.",
        "Or ask in plain words, e.g. \"domU has no login prompt\".",
        "Then: a number or an id opens an entry; 'why' the cause; 'fix' or 'how' the steps;",
        "'verify' how to confirm; 'sources'; 'next' the next candidate; 'didn't help' the",
        "alternatives; 'why not ID' why an entry stayed silent; 'more' the rest of a long answer.",
        "Commands:",
    ]
    for t in TURNS:
        if t.slash:
            out.append(f"  {(t.slash[0] + ' ' + t.arg).strip():<15} {t.help}")
    words = [f"'{t.words[0]}'" for t in TURNS if t.words and not t.slash]
    out.append("Follow-ups: " + ", ".join(words) + ", 'didn't help', a number, an id, 'why not ID'.")
    return out + ["Keys: Enter sends; Esc then Enter adds a line; Tab completes; Ctrl-C cancels; Ctrl-D leaves."]
