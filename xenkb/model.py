"""The data model shared by the engine and the front ends: frozen, typed, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("info", "low", "medium", "high", "critical")
KINDS = ("problem", "howto", "compat")


@dataclass(frozen=True)
class Signature:
    """One way an entry shows up in a log: fuzzy text or an RE2 regular expression."""

    text: str | None = None  # as written in the KB (a real log line)
    norm: str = ""  # `text` normalised like a log line; "" for a regex signature
    regex: str | None = None  # RE2 syntax, searched in the prefix-stripped line
    anchors: tuple[str, ...] = ()  # lower-case literals; any one makes a line a candidate
    require: tuple[str, ...] = ()  # whole words that must be on the normalised line
    forbid: tuple[str, ...] = ()  # whole words that veto the line
    # A multi-line signature: normalised templates that must all be seen, in this
    # order, within `window` lines (a traceback's frames, a message and its sequel).
    parts: tuple[str, ...] = ()
    window: int = 0
    # Scored as a template: constant text (paths included) between variable spans
    # (`<*>` and placeholders), each constant segment required. True for any text
    # with `<*>`, for every line of a multi-line signature and for context rules.
    template: bool = False

    @property
    def label(self) -> str:
        if self.parts:
            return " ... ".join(self.parts)
        return self.norm if self.regex is None else f"/{self.regex}/"


@dataclass(frozen=True)
class ContextRule:
    """Evidence elsewhere in the input that changes what a finding means.

    `benign`: when a line fitting `text` is found near the finding's evidence, the
    finding is ruled out (a CD-ROM boot failure followed by a boot from the disk).
    `require`: the finding stands only when such a line is found (I/O
    virtualisation disabled matters only on a host that tries PCI passthrough).
    """

    kind: str  # "benign" or "require"
    text: str  # a template, as written
    norm: str  # normalised like a log line
    reason: str
    within: int | None = None  # lines from the evidence; None = anywhere in the input
    direction: str = "any"  # "after", "before" or "any"
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True)
class FixStep:
    step: str
    commands: tuple[str, ...] = ()
    file: str | None = None
    config: str | None = None


@dataclass(frozen=True)
class Reference:
    url: str | None = None
    title: str | None = None
    seed: str | None = None

    def __str__(self) -> str:
        if self.seed:
            return f"the Debian wiki Xen page (2009-2010), section {self.seed}"
        if self.title and self.url:
            return f"{self.title}: {self.url}"
        return self.url or self.title or ""


@dataclass(frozen=True)
class AppliesTo:
    """Conditions under which an entry applies; an empty tuple means "any"."""

    toolstack: tuple[str, ...] = ()
    xen: str | None = None  # version range such as ">=3.0, <4.0"
    kernel: str | None = None  # RE2 regex on the kernel release, e.g. '^2\.6\.24-etchnhalf'
    debian: tuple[str, ...] = ()
    arch: tuple[str, ...] = ()
    side: tuple[str, ...] = ()
    guest: tuple[str, ...] = ()


@dataclass(frozen=True)
class Capture:
    """A value read from the evidence (a process, a domain, a device) that the fix
    names: `{name}` in a step becomes the values seen, or `fallback` without any."""

    name: str
    regex: str  # RE2, one group, run on each matching line (prefixes stripped)
    fallback: str


@dataclass(frozen=True)
class Clarify:
    """A question the chat asks when the advice depends on a fact the log may not show."""

    fact: str  # a fact name, as diagnosis reads it: arch, debian, toolstack, guest, side
    question: str
    answers: tuple[tuple[str, tuple[str, ...]], ...]  # (value, words that mean it)
    fits: tuple[str, ...] = ()  # the values the advice is for (empty: any answer fits)


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    summary: str
    kind: str = "problem"
    severity: str = "medium"
    applies_to: AppliesTo = field(default_factory=AppliesTo)
    signatures: tuple[Signature, ...] = ()
    symptoms: tuple[str, ...] = ()
    cause: str = ""
    fix: tuple[FixStep, ...] = ()
    verify: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    context: tuple[ContextRule, ...] = ()
    related: tuple[str, ...] = ()  # ids worth reading when this one did not help
    clarify: Clarify | None = None
    captures: tuple[Capture, ...] = ()
    # The message says that something failed, not why (a hotplug script, "cannot
    # (re-)build domain"): a specific entry with evidence in the same place leads.
    generic: bool = False
    references: tuple[Reference, ...] = ()
    examples_match: tuple[str, ...] = ()
    example_sources: tuple[str, ...] = ()  # per match example: its report's URL, or ""
    examples_no_match: tuple[str, ...] = ()
    threshold: int = 85  # fitted to the examples when the KB is compiled
    threshold_fixed: bool = False  # True when the YAML sets `threshold` itself
    deprecated: bool = False
    superseded_by: str | None = None
    origin: str = "bundled"  # "bundled" or "user"
    path: str = ""  # the YAML file it came from

    @property
    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 2


@dataclass(frozen=True)
class Evidence:
    line: int  # 1-based line number in its input
    text: str  # the line as read (decoded, possibly cut), not yet escaped for display
    source: str = "-"  # the input's name


@dataclass
class Finding:
    """An entry recognised in the input, with what proves it."""

    entry: Entry
    score: int  # 0-100, the best line's score
    count: int = 0  # how many lines matched (repeats fold into one finding)
    first_line: int = 0
    last_line: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    best_signature: str = ""
    coverage: int = 0  # constant characters of the best signature (specificity)
    captured: dict[str, list[str]] = field(default_factory=dict)  # capture name -> values seen
    notes: list[str] = field(default_factory=list)  # e.g. why it was ranked down
    rank_penalty: int = 0  # subtracted from score for ranking when facts disagree
    symptoms_of_this: list[Finding] = field(default_factory=list)  # folded effects
    caused_by: str | None = None  # id of the finding this one is folded under

    @property
    def rank_score(self) -> int:
        return self.score - self.rank_penalty


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a KB file, pointing at file, line and field."""

    path: str
    line: int
    field: str
    message: str
    level: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f" [{self.field}]" if self.field else ""
        return f"{where}:{what} {self.level}: {self.message}"
