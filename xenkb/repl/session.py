"""The chat on a terminal: one PromptSession assembled from small factories.

Only this module and history.py import prompt_toolkit. The loop is thin: read one
input, hand it to the Dialogue, print the answer. A bracketed paste of several lines
is submitted as one turn the moment it arrives, so a pasted log is one question;
Enter submits a typed line, Esc then Enter adds a line by hand.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import History
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.styles import Style as PtStyle

from xenkb.catalog import Catalog
from xenkb.repl.turns import ALIASES, COMMANDS
from xenkb.repl.dialogue import Dialogue
from xenkb.safetext import visible
from xenkb.repl.history import clear_history, history_path, open_history

PROMPT = "xenkb> "
WELCOME = ("xenkb chat: paste a whole log, or ask in plain words (e.g. \"domU has no login prompt\").\n"
           "/help lists what I understand; Ctrl-D leaves.")
# Lines kept under the prompt for the completion menu (prompt_toolkit's default, 8,
# scrolls the last answer up further than needed for a menu of ~13 commands).
MENU_ROWS = 5
# Rows a folded answer leaves free, so its top stays on screen under the next prompt:
# a blank line, the prompt, the menu space and the toolbar.
RESERVED_ROWS = 3 + MENU_ROWS
_ID_ARG = re.compile(r"^(/show\s+|why\s+not\s+)(\S*)$", re.I)


def make_key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add(Keys.BracketedPaste)
    def _paste(event: KeyPressEvent) -> None:
        data = event.data.replace("\r\n", "\n").replace("\r", "\n")
        buf = event.current_buffer
        fresh = not buf.text.strip()
        # A multi-line paste into an empty prompt is a log: submit it whole, now.
        if fresh and "\n" in data.strip("\n"):
            buf.text = data.strip("\n")
            buf.validate_and_handle()
        else:
            buf.insert_text(data.rstrip("\n") if fresh else data)

    @kb.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return kb


class ChatCompleter(Completer):
    """Slash commands at the start of a line; entry ids after /show and "why not",
    or for a lone word when Tab is pressed (never while typing a question)."""

    def __init__(self, entry_ids: Iterable[str]) -> None:
        self.commands = sorted([*COMMANDS, *ALIASES])
        self.entry_ids = sorted(entry_ids)

    def _ids(self, prefix: str) -> Iterable[Completion]:
        for entry_id in self.entry_ids:
            if entry_id.startswith(prefix.lower()):
                yield Completion(entry_id, start_position=-len(prefix))

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if "\n" in text:
            return
        m = _ID_ARG.match(text)
        if m:
            yield from self._ids(m.group(2))
        elif text.startswith("/") and " " not in text:
            for name in self.commands:
                if name.startswith(text.lower()):
                    meta = COMMANDS[name][1] if name in COMMANDS else f"= {ALIASES[name]}"
                    yield Completion(name, start_position=-len(text), display_meta=meta)
        elif complete_event.completion_requested and re.fullmatch(r"[a-z0-9-]{2,}", text):
            yield from self._ids(text)


def make_toolbar(dialogue: Dialogue) -> Callable[[], str]:
    def toolbar() -> str:
        from xenkb.terminal import width

        return toolbar_text(dialogue.status(), width())

    return toolbar


def toolbar_text(status: str, columns: int) -> str:
    """The toolbar, cut to `columns`: the state first, then as many key hints as fit."""
    keys = ["/help", "Tab complete", "Esc Enter newline", "Ctrl-C cancel", "Ctrl-D quit"]
    head = f" {status}" if status else " paste a log or ask"
    if len(head) > columns - 1:
        head = head[: columns - 2] + "…"
    line = head
    for key in keys:
        if len(line) + 3 + len(key) > columns - 1:
            break
        line += " · " + key
    return line


def make_style() -> PtStyle:
    return PtStyle.from_dict({"bottom-toolbar": "noreverse bg:#303030 #d0d0d0"})


def show_controls_escaped() -> None:
    """What is typed or pasted is echoed by prompt_toolkit, which shows C0 and C1
    controls as ^[ and <9b> but prints direction controls and line separators raw:
    a pasted U+202E would turn the rest of the echoed line around. They are shown
    as xenkb shows them everywhere else (safetext.visible)."""
    from prompt_toolkit.layout.screen import Char

    from xenkb.safetext import DIRECTION_CONTROLS, LINE_SEPARATORS

    for ch in DIRECTION_CONTROLS + LINE_SEPARATORS:
        Char.display_mappings.setdefault(ch, visible(ch))


def make_session(dialogue: Dialogue, history: History | None = None,
                 input: Any = None, output: Any = None) -> PromptSession[str]:
    show_controls_escaped()
    return PromptSession(
        PROMPT,
        key_bindings=make_key_bindings(),
        completer=ChatCompleter(dialogue.entries),
        complete_while_typing=True,
        reserve_space_for_menu=MENU_ROWS,
        bottom_toolbar=make_toolbar(dialogue),
        style=make_style(),
        history=history,
        multiline=False,
        input=input,
        output=output,
    )


def chat_loop(session: PromptSession[str], dialogue: Dialogue, write: Callable[[str], None]) -> int:
    """Prompt until /quit or Ctrl-D. Ctrl-C drops the input being typed, nothing more."""
    write(WELCOME)
    while not dialogue.done:
        rows = session.output.get_size().rows
        dialogue.page_lines = max(10, rows - RESERVED_ROWS)
        try:
            text = session.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if not text.strip():
            continue
        write(dialogue.respond(text))
    return 0


def run_interactive(catalog: Catalog, path: Path | None = None) -> int:
    history, refusal = open_history(path or history_path())
    if refusal:
        sys.stderr.write(f"xenkb: warning: {visible(refusal, 400)}; kept in memory for this chat only\n")
    dialogue = Dialogue(catalog, forget_history=lambda: clear_history(history))
    session = make_session(dialogue, history)

    def write(text: str) -> None:
        sys.stdout.write(text + "\n\n")
        sys.stdout.flush()

    return chat_loop(session, dialogue, write)
