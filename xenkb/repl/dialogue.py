"""The conversation's state and rules, with no terminal in it.

``Dialogue.respond(text)`` takes one input (a typed line, a whole paste, a slash
command) and returns the plain-text answer. It remembers what the conversation
established: the candidates of the last answer, the entry being discussed, facts
from pasted logs and from answers to clarifying questions, and a pending question.
The terminal layer (session.py) and the pipe layer (plain.py) only move text.

All matching is the engine's: ``Matcher.scan_text`` + ``diagnose`` for logs,
``search.search`` for questions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xenkb.catalog import Catalog
from xenkb.check import example_score
from xenkb.diagnose import diagnose
from xenkb.facts import Facts
from xenkb.match import ScanResult
from xenkb.model import Entry, Finding
from xenkb.repl import views
from xenkb.repl.clarify import Clarify, declines, facts_in_words, parse_answer, question_for, verdict
from xenkb.repl.intents import Intent, classify
from xenkb.repl.turns import run_command, run_turn
from xenkb.safetext import visible
from xenkb.scoring import MAX_LINE_BYTES
from xenkb.search import ANSWER_FLOOR, RELATED_FLOOR, SearchHit, search

# Answers shown at once for a question: the best, and those nearly as good.
SHOW_AT_MOST = 5
# Pastes shorter than this are scored line by line against every signature.
EXHAUSTIVE_PASTE_LINES = 300
# ... and smaller than this: a few lines of 64 KiB already cost a second each.
EXHAUSTIVE_PASTE_CHARS = 256 * 1024
# One input is read as at most this much text, each line cut where the matcher
# cuts it (a 10 MB line once never got an answer).
MAX_INPUT_CHARS = 32 << 20
# A typed question is short; anything longer is read as a log only.
MAX_QUESTION_CHARS = 2000
# The closest silent entries are looked for on the start of each sample line.
CLOSEST_LINE_CHARS = 2048
CLOSE_TO_BEST = 15
# How many lines of a paste are tried when looking for the closest silent entries.
CLOSEST_SAMPLE = 60
FOLLOW_UP_HINT = "Say 'why', 'fix', 'verify' or 'sources' about #1, a number to open another, 'next' to move on."


def bounded(text: str) -> str:
    """One input as the chat reads it: at most MAX_INPUT_CHARS, each line cut to
    the part the matcher reads (MAX_LINE_BYTES)."""
    text = text[:MAX_INPUT_CHARS]
    if len(text) <= MAX_LINE_BYTES:
        return text
    return "\n".join(line[:MAX_LINE_BYTES] for line in text.split("\n"))


@dataclass
class Candidate:
    entry: Entry
    score: int
    finding: Finding | None = None


@dataclass
class Pending:
    rule: Clarify
    entry_id: str


class Dialogue:
    """One conversation. `page_lines` folds long answers (None: never fold)."""

    def __init__(self, catalog: Catalog, page_lines: int | None = None,
                 forget_history: Callable[[], None] | None = None) -> None:
        self.entries: dict[str, Entry] = {k: e for k, e in catalog.entries.items() if not e.deprecated}
        self.all_entries = catalog.entries
        self.matcher = catalog.matcher()
        self.page_lines = page_lines
        self.forget_history = forget_history
        self.done = False
        self.pastes = 0
        self.reset()

    def reset(self) -> None:
        self.facts = Facts()
        self.candidates: list[Candidate] = []
        self.position = 0
        self.current: Entry | None = None
        self.pending: Pending | None = None
        self.last_log: str | None = None
        self.last_question: str | None = None
        self.last_unmatched: tuple[str, int] | None = None
        self.tried: set[str] = set()
        self.more: list[str] = []

    # --- the one entry point ------------------------------------------------------

    def respond(self, text: str) -> str:
        """The answer to one input; never empty, never raises."""
        text = bounded(text)
        try:
            lines = self._handle(text)
        except Exception as exc:  # one broken turn must not end the conversation
            detail = " ".join(str(exc).split())
            return (f"Sorry, that failed inside xenkb ({type(exc).__name__}: {visible(detail, 200)}); "
                    "the conversation goes on.")
        return self._page(lines or ["(nothing to say to that; /help lists what I understand)"])

    def _page(self, lines: list[str]) -> str:
        size = self.page_lines
        if size is None or len(lines) <= size:
            self.more = []
            return "\n".join(lines)
        head, self.more = lines[: size - 1], lines[size - 1:]
        return "\n".join(head + [f"... {len(self.more)} more lines: say 'more' to read on."])

    def _handle(self, text: str) -> list[str]:
        intent = classify(text, set(self.entries))
        if self.pending is not None and intent.kind not in ("slash", "log", "empty"):
            answered = self._answer_pending(text)
            if answered is not None:
                return answered
        return self._dispatch(intent)

    def _dispatch(self, intent: Intent) -> list[str]:
        kind = intent.kind
        if kind == "empty":
            return ["Paste a log, ask a question in plain words, or type /help."]
        if kind == "slash":
            return run_command(self, intent.arg)
        if kind == "log":
            return self.answer_log(intent.arg)
        if kind == "question":
            return self.answer_text(intent.arg)
        if kind == "number":
            return self.open_number(int(intent.arg))
        if kind == "open":
            return self.open_entry(self.entries[intent.arg])
        if kind == "why_not":
            return self.why_not(intent.arg)
        answer = run_turn(self, kind)  # the follow-ups: why, fix, next, more, help...
        if answer is not None:
            return answer
        return self.answer_text(intent.arg)

    # --- logs -----------------------------------------------------------------------

    def _scan(self, text: str, source: str) -> ScanResult:
        """Scan a paste. A paste is small, and people retype or mistype what they
        saw, so a short one is scored line by line against every signature (the
        exhaustive path, ~40 ms for 300 lines) rather than only where anchors are."""
        exhaustive = text.count("\n") < EXHAUSTIVE_PASTE_LINES and len(text) <= EXHAUSTIVE_PASTE_CHARS
        return self.matcher.scan_text(text, source=source, exhaustive=exhaustive)

    def answer_text(self, text: str) -> list[str]:
        """One typed line: a bare log message the matcher knows, else a question."""
        if len(text) > MAX_QUESTION_CHARS:
            return self.answer_log(text)
        result = self._scan(text, "you")
        if result.findings:
            return self.answer_log(text)
        return self.answer_question(text)

    def answer_log(self, text: str) -> list[str]:
        self.pastes += 1
        source = f"paste {self.pastes}"
        result = self._scan(text, source)
        log_facts = Facts(dict(result.facts.found), {k: set(v) for k, v in result.facts.hints.items()})
        result.facts.merge(self.facts)  # earlier answers help rank this paste too
        diagnose(result, self.all_entries)
        self.facts.found.update(log_facts.found)  # the newest log is the best witness
        self.last_log, self.last_question = text, None
        if result.unmatched:
            # The line the answer proposes for /teach (views.unmatched_lines shows it).
            first = result.unmatched[0]
            self.last_unmatched = (first.text, first.first_line)
        n_lines = len(text.splitlines())
        size = f"{n_lines} line{'s' if n_lines != 1 else ''}"
        out: list[str] = []
        if result.findings:
            word = "problem" if len(result.findings) == 1 else "problems"
            out.append(f"Found {len(result.findings)} known {word} in this paste ({size}), best first:")
            for n, f in enumerate(result.findings, 1):
                out += views.finding_lines(n, f)
            self._set_candidates([Candidate(f.entry, f.score, f) for f in result.findings])
        else:
            out.append(f"No known problem recognised in this paste ({size}).")
            out += self._closest_to_log(text, result)
        out += views.facts_lines(log_facts, "What the log told me") or [
            "The log did not show the Xen version, kernel, arch or toolstack."]
        out += views.unmatched_lines(result)
        if result.findings:
            out.append(FOLLOW_UP_HINT)
            out += self._ask_if_needed(result.findings[0].entry)
        return out

    def _closest_to_log(self, text: str, result: ScanResult) -> list[str]:
        sample = [u.text for u in result.unmatched] or [ln for ln in text.splitlines() if ln.strip()]
        chunk = "\n".join(line[:CLOSEST_LINE_CHARS] for line in sample[:CLOSEST_SAMPLE])
        scored = sorted(((example_score(self.matcher, e, chunk), e) for e in self.entries.values()
                         if e.signatures), key=lambda t: (-t[0], t[1].id))[:3]
        scored = [(s, e) for s, e in scored if s > 0]
        if not scored:
            self.candidates = []
            return ["No entry comes close. /teach drafts a new entry from an unrecognised error line."]
        self._set_candidates([Candidate(e, s) for s, e in scored], current=False)
        out = ["Closest entries (each needs its threshold to count):"]
        for n, (s, e) in enumerate(scored, 1):
            out.append(f"{views.headline(n, e, s)}, threshold {e.threshold}")
        out.append("'why not ID' shows the closest line for one of them.")
        return out

    # --- questions ------------------------------------------------------------------

    def _ranked_hits(self, question: str) -> list[tuple[SearchHit, int, list[str]]]:
        """Search hits with remembered facts applied: (hit, rank score, reasons it may not fit)."""
        ranked = []
        for hit in search(self.entries.values(), question, limit=10):
            reasons = verdict(hit.entry, self.facts)
            ranked.append((hit, hit.score - 10 * len(reasons), reasons))
        ranked.sort(key=lambda t: (-t[1], t[0].entry.id))
        return ranked

    def answer_question(self, question: str) -> list[str]:
        self.last_question, self.last_log = question, None
        # Facts said in words are remembered like answers: never asked again.
        for name, value in facts_in_words(question).items():
            self.facts.set(name, value, 0, "you", question.strip(), override=True)
        ranked = self._ranked_hits(question)
        good = [t for t in ranked if t[0].score >= ANSWER_FLOOR]
        quoted = visible(question, 120)
        if not good:
            # Below the calibrated floor the KB has no answer: say so plainly, and
            # name at most two entries as maybe related, never as the answer.
            related = [t for t in ranked if t[0].score >= RELATED_FLOOR][:2]
            self._set_candidates([Candidate(h.entry, h.score) for h, _, _ in related], current=False)
            out = [f"The KB has no entry that answers \"{quoted}\"."]
            if related:
                out.append("Maybe related:")
                out += [views.headline(n, h.entry, h.score) for n, (h, _, _) in enumerate(related, 1)]
                out.append("Say a number to open one anyway.")
            out.append("Paste the log lines (the error and the lines before it), /list to see every entry, "
                       "or /teach to draft an entry from an error line.")
            return out
        best = good[0][1]
        shown = [t for t in good if t[1] >= best - CLOSE_TO_BEST][:SHOW_AT_MOST]
        self._set_candidates([Candidate(h.entry, h.score) for h, _, _ in good])
        out = [f"For \"{quoted}\", best first:"]
        for n, (hit, _, reasons) in enumerate(shown, 1):
            out.append(views.headline(n, hit.entry, hit.score))
            out += views.para(hit.entry.summary, "   ")
            if reasons:
                out += views.para("may not fit: " + "; ".join(reasons), "   ")
        if len(good) > len(shown):
            out.append(f"({len(good) - len(shown)} weaker match(es): 'next' or 'didn't help' shows them)")
        out.append(FOLLOW_UP_HINT)
        out += self._ask_if_needed(good[0][0].entry)
        return out

    # --- follow-ups -----------------------------------------------------------------

    def _set_candidates(self, cands: list[Candidate], current: bool = True) -> None:
        self.candidates, self.position = cands, 0
        self.tried = {cands[0].entry.id} if cands and current else set()
        self.current = cands[0].entry if cands and current else None
        self.pending = None

    def _ask_if_needed(self, entry: Entry) -> list[str]:
        rule = question_for(entry, self.facts)
        if rule is None:
            return []
        self.pending = Pending(rule, entry.id)
        return [f"One question, since the advice for [{entry.id}] depends on it: {rule.question}"]

    def _answer_pending(self, text: str) -> list[str] | None:
        assert self.pending is not None
        rule, entry = self.pending.rule, self.entries[self.pending.entry_id]
        if declines(text):
            self.pending = None
            return [f"All right. [{entry.id}] is still my best guess; check its caveats ('why')."]
        value = parse_answer(rule, text)
        if value is None:
            return None
        self.pending = None
        self.facts.set(rule.fact, value, 0, "you", text.strip(), override=True)
        reasons = verdict(entry, self.facts)
        if rule.fits and value not in rule.fits:
            reasons.append(f"its advice is for {rule.fact} {'/'.join(rule.fits)}, you said {value}")
        if not reasons:
            return [f"Noted: {rule.fact} {value}. That fits [{entry.id}]."] + views.fix_text_lines(entry)
        out = [f"Noted: {rule.fact} {value}. Then [{entry.id}] probably does not apply: "
               f"{visible('; '.join(reasons), 300)}."]
        out += views.caveat_lines(entry, 1)
        return out + self._fitting_alternatives(entry)

    def _fitting_alternatives(self, entry: Entry) -> list[str]:
        """Entries like `entry` that the remembered facts do not contradict."""
        others = [c.entry for c in self.candidates if c.entry.id != entry.id and not verdict(c.entry, self.facts)]
        if not others:
            others = [h.entry for h, _, reasons in self._ranked_hits(entry.title)
                      if h.entry.id != entry.id and not reasons and h.score >= ANSWER_FLOOR][:3]
        if not others:
            return ["I have no other entry that fits those facts; 'fix' still shows this one's steps."]
        self._set_candidates([Candidate(e, 0) for e in others[:5]], current=False)
        out = ["Entries that fit what you told me:"]
        out += [f"{n}. [{e.id}] {visible(e.title, 160)}" for n, e in enumerate(others[:5], 1)]
        return out + ["Say a number to open one."]

    def open_number(self, n: int) -> list[str]:
        if not self.candidates:
            return ["There is no numbered list yet: paste a log or ask a question first."]
        if not 1 <= n <= len(self.candidates):
            return [f"There is no #{n}; the last answer has {len(self.candidates)} (1-{len(self.candidates)})."]
        self.position = n - 1
        return self.open_entry(self.candidates[n - 1].entry)

    def open_entry(self, entry: Entry) -> list[str]:
        self.current = entry
        self.tried.add(entry.id)
        out = views.entry_lines(entry)
        reasons = verdict(entry, self.facts)
        if reasons:
            out += views.para("Note, from what I know of your system: " + "; ".join(reasons), "")
        if self.pending is None or self.pending.entry_id != entry.id:
            self.pending = None
            out += self._ask_if_needed(entry)
        return out

    def about_current(self, kind: str) -> list[str]:
        entry = self.current
        if entry is None:
            if self.candidates:
                return ["No entry fits well enough to explain; say a number to open one of the closest."]
            if self.last_question or self.last_log:
                return ["No entry fits what you gave me, so I have nothing to explain. Paste the log lines "
                        "(the error and the lines before it), or /teach to draft an entry."]
            return ["Paste a log or ask a question first; then 'why', 'fix' and 'verify' are about the top answer."]
        if kind == "why":
            out = views.cause_lines(entry)
            out += (["Caveats:"] + views.caveat_lines(entry)) if entry.caveats else []
            return out
        if kind == "verify":
            return views.verify_lines(entry)
        if kind == "sources":
            return views.source_lines(entry)
        finding = next((c.finding for c in self.candidates if c.entry is entry and c.finding), None)
        out = views.fix_text_lines(entry, finding.captured if finding else None)
        reasons = verdict(entry, self.facts)
        if reasons:
            out += views.para("Careful: " + "; ".join(reasons), "")
        if self.pending is not None and self.pending.entry_id == entry.id:
            out.append(f"This depends on something the log did not show: {self.pending.rule.question}")
        return out

    def next_candidate(self) -> list[str]:
        if not self.candidates:
            return ["There is no list to move along: paste a log or ask a question first."]
        start = self.position + 1 if self.current is not None else 0
        if start >= len(self.candidates):
            return ["That was the last candidate. 'didn't help' shows related entries."]
        self.position = start
        cand = self.candidates[start]
        self.current = cand.entry
        self.tried.add(cand.entry.id)
        out = [views.headline(start + 1, cand.entry, cand.score)] + views.para(cand.entry.summary, "   ")
        out.append("Say 'why', 'fix' or 'verify' about it, or 'next'.")
        self.pending = None
        return out + self._ask_if_needed(cand.entry)

    def alternatives(self) -> list[str]:
        if self.current is None and not self.candidates:
            return ["Tell me more: paste the log lines, or describe what you see in a few words."]
        out: list[str] = []
        if self.current is not None and self.current.caveats:
            out.append(f"Before giving up on [{self.current.id}], its caveats:")
            out += views.caveat_lines(self.current)
        # First what the KB itself links to this entry (its causes, what it causes,
        # its `related` entries), then the other candidates of the last answer, then
        # entries describing the same symptom.
        linked = [self.entries[i] for i in self._linked_ids() if i in self.entries and i not in self.tried]
        if linked:
            self._set_candidates([Candidate(e, 0) for e in linked[:SHOW_AT_MOST]], current=False)
            out.append("Entries the KB links to it:")
            out += [f"{n}. [{e.id}] {visible(e.title, 100)}" for n, e in enumerate(linked[:SHOW_AT_MOST], 1)]
            return out + ["Say a number to open one."]
        rest = [(n, c) for n, c in enumerate(self.candidates, 1) if c.entry.id not in self.tried]
        if rest:
            out.append("Other candidates from the last answer:")
            out += [views.headline(n, c.entry, c.score) for n, c in rest[:SHOW_AT_MOST]]
            return out + ["Say a number to open one."]
        if self.current is not None:
            query = " ".join([self.current.title, *self.current.symptoms])
        else:
            query = self.last_question or ""
        related = [h for h, _, _ in self._ranked_hits(query)
                   if h.entry.id not in self.tried and h.score >= RELATED_FLOOR][:3] if query else []
        if not related:
            return out + ["I have nothing else that fits. Paste more of the log (the lines just before the "
                          "error help most), or /teach to draft a new entry."]
        self._set_candidates([Candidate(h.entry, h.score) for h in related], current=False)
        out.append("Entries about the same symptom:")
        out += [views.headline(n, h.entry, h.score) for n, h in enumerate(related, 1)]
        return out + ["Say a number to open one."]

    def _linked_ids(self) -> list[str]:
        entry = self.current
        if entry is None:
            return []
        ids = list(entry.causes) + list(entry.related)
        ids += [e.id for e in self.entries.values() if entry.id in e.causes or entry.id in e.related]
        return [i for i in dict.fromkeys(ids) if i != entry.id]

    def read_more(self) -> list[str]:
        if not self.more:
            return ["Nothing more to show for the last answer."]
        rest, self.more = self.more, []
        return rest

    def why_not(self, entry_id: str) -> list[str]:
        from xenkb.repl.whynot import explain_silence

        # An entry that is an answer did not stay silent: say where it stands.
        for n, cand in enumerate(self.candidates, 1):
            if cand.entry.id == entry_id and (self.current is not None or cand.score >= ANSWER_FLOOR
                                              or self.last_log is not None):
                place = "the first answer" if n == 1 else f"answer #{n}"
                return [f"[{entry_id}] did not stay silent: it is {place} above. "
                        f"Say {n} to open it, or 'why' for its cause."]
        return explain_silence(self.matcher, self.all_entries, entry_id, self.last_log,
                               self.last_question).splitlines()

    # --- for the toolbar -------------------------------------------------------------

    def status(self) -> str:
        parts = []
        if self.current is not None:
            parts.append(f"on: {self.current.id}")
        if self.candidates:
            parts.append(f"{len(self.candidates)} candidate(s)")
        if self.facts.found:
            parts.append("facts: " + ", ".join(f"{k} {v.value}" for k, v in sorted(self.facts.found.items())[:4]))
        if self.pending is not None:
            parts.append("waiting for: " + self.pending.rule.fact)
        return visible(" | ".join(parts), 200)
