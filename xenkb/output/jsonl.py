"""The JSON Lines writer: one object per line, each with a "type" (see README)."""

from __future__ import annotations

import json
from typing import Any

from xenkb.model import Entry
from xenkb.output import Answers, Listing, Report, Writer


class JsonWriter(Writer):
    def _line(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj) + "\n")  # ensure_ascii: any byte of a log stays valid JSON

    def add(self, item: Any) -> None:
        from xenkb.render import entry_json, report_json_lines

        if isinstance(item, Report):
            for line in report_json_lines(item.result, source=item.label):
                self.out.write(line + "\n")
            if item.explanations is not None:
                from xenkb.explain import explain_json

                for row in item.explanations:
                    self._line(explain_json(row))
        elif isinstance(item, Entry):
            self._line(entry_json(item))
        elif isinstance(item, Listing):
            for e in item.entries:
                self._line({"id": e.id, "title": e.title, "kind": e.kind, "severity": e.severity,
                            "origin": e.origin, "path": e.path})
        elif isinstance(item, Answers):
            good = [h for h in item.hits if h.score >= item.floor]
            for h in good or item.related:
                self._line({"id": h.entry.id, "title": h.entry.title, "score": h.score,
                            "answer": h.score >= item.floor})
        else:
            raise TypeError(f"the JSON writer cannot print {type(item).__name__}")
        self.count += 1
