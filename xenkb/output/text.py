"""The text writer: what a person reads in a terminal (render.py draws the pieces)."""

from __future__ import annotations

from typing import Any

from xenkb.model import Entry
from xenkb.output import Answers, Listing, Report, Writer
from xenkb.safetext import visible
from xenkb.terminal import width as columns


class TextWriter(Writer):
    def add(self, item: Any) -> None:
        from xenkb.render import PLAIN_STYLE, entry_text, report_text

        style = self.style or PLAIN_STYLE
        if isinstance(item, Report):
            if self.count:
                self.out.write("\n")
            if self.several:
                self.out.write(style.bold(f"== {visible(item.label, 300)} ==") + "\n")
            self.out.write(report_text(item.result, style, brief=item.brief) + "\n")
            if item.explanations is not None:
                from xenkb.explain import explain_text

                self.out.write(explain_text(item.explanations, style) + "\n")
            for note in item.notes:
                self.out.write(style.dim(note) + "\n")
        elif isinstance(item, Entry):
            self.out.write(entry_text(item, style) + "\n")
        elif isinstance(item, Listing):
            width = max((len(e.id) for e in item.entries), default=10)
            room = max(20, columns() - width - 20)  # id, kind and origin columns, then the title
            for e in item.entries:
                title = visible(e.title, None)
                title = title if len(title) <= room else title[: room - 1] + "…"
                self.out.write(f"{e.id:<{width}}  {e.kind:<7}  {e.origin:<7}  {title}\n")
            self.out.write(f"{len(item.entries)} entries\n")
        elif isinstance(item, Answers):
            good = [h for h in item.hits if h.score >= item.floor]
            if not good:
                self.out.write("The KB has no entry that answers that."
                               + (" Maybe related:\n" if item.related else "\n"))
            for h in good or item.related:
                self.out.write(f"{h.score:>3}  {h.entry.id:<32} {visible(h.entry.title, 100)}\n")
            if good:
                self.out.write(f"\nxenkb show {good[0].entry.id}   for the full answer\n")
        else:
            raise TypeError(f"the text writer cannot print {type(item).__name__}")
        self.count += 1
