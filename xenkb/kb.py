"""Find, load and validate knowledge-base entries.

A KB directory holds one ``<id>.yaml`` file per entry. YAML is read with the safe
loader only. Validation never stops at the first problem: every problem found is
returned as a ``Problem`` naming file, line and field, and only entries without
errors are loaded. Matching-dependent checks (examples, thresholds) live in
``check.py``; this module knows nothing about scoring.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xenkb.dirs import xdg_dir
from xenkb.model import (
    KINDS,
    SEVERITIES,
    AppliesTo,
    Capture,
    Clarify,
    ContextRule,
    Entry,
    FixStep,
    Problem,
    Reference,
    Signature,
)
from xenkb.normalize import MASKS, mask, strip_prefixes

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Words so common in logs that, as anchors, they would make most lines candidates.
COMMON_WORDS = frozenset(
    """error errors failed fail failure warning warn device devices could with from that
    this have been domain kernel linux info debug unable cannot file line data none true
    false start started starting using when will your into there while after before does
    exist libxl value called returned status code unknown invalid check
    not no to in is of on be the and for by at as it enabled disabled state found such
    directory required supported specified structure partition containing inserting
    capabilities available available allocate""".split()
)

ALLOWED = {
    "toolstack": {"xm", "xl"},
    "debian": {"etch", "etch-and-a-half", "lenny", "squeeze", "wheezy", "jessie", "stretch",
               "buster", "bullseye", "bookworm", "trixie", "sid"},
    "arch": {"i386", "amd64", "arm64", "armhf"},
    "side": {"dom0", "domU", "hypervisor"},
    "guest": {"pv", "hvm", "pvh"},
}

TOP_FIELDS = {
    "id", "title", "summary", "kind", "severity", "applies_to", "signatures", "symptoms",
    "cause", "fix", "verify", "caveats", "causes", "references", "examples", "threshold",
    "deprecated", "superseded_by", "notes", "context", "generic", "related", "clarify", "captures",
}
REQUIRED_FIELDS = ("id", "title", "summary", "references", "examples")
SIGNATURE_FIELDS = {"text", "regex", "lines", "window", "anchors", "require", "forbid"}
CONTEXT_FIELDS = {"text", "reason", "within", "direction", "anchors"}
# Lines a multi-line signature's parts may spread over, unless it says otherwise.
DEFAULT_WINDOW = 20
MAX_WINDOW = 500
FIX_FIELDS = {"step", "commands", "file", "config"}
REFERENCE_FIELDS = {"url", "title", "seed"}
VERSION_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)?\s*(\d+(?:\.\d+)*)\s*$")
_ANCHOR_TOKEN = re.compile(r"[a-z][a-z0-9_]{3,}")


# --- where the KB lives ------------------------------------------------------------

def bundled_kb_dir() -> Path:
    """The KB shipped in the wheel (xenkb/kb) or, in a checkout, the top-level kb/."""
    here = Path(__file__).resolve().parent
    inside = here / "kb"
    return inside if inside.is_dir() else here.parent / "kb"


def user_kb_dir(env: dict[str, str] | None = None) -> Path:
    return xdg_dir("XDG_CONFIG_HOME", env) / "kb"


def kb_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


# --- YAML with line numbers ------------------------------------------------------------

class LineDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers the line of each key (1-based) and its own line."""

    lines: dict[str, int]
    line: int
    duplicates: list[tuple[str, int]]


def _loader_class() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):  # type: ignore[misc, valid-type]
        pass

    def construct_mapping(loader: Any, node: Any) -> LineDict:
        result = LineDict()
        result.lines, result.duplicates = {}, []
        result.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key = str(key)
            if key in result:
                result.duplicates.append((key, key_node.start_mark.line + 1))
            result[key] = loader.construct_object(value_node, deep=True)
            result.lines[key] = key_node.start_mark.line + 1
        return result

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return LineLoader


_LOADER: type | None = None


def parse_yaml(text: str) -> Any:
    """Safe-load YAML, with mappings as LineDict. Raises yaml.YAMLError."""
    global _LOADER
    if _LOADER is None:
        _LOADER = _loader_class()
    from xenkb.safeyaml import load  # the safe loader, with a budget for alias expansion

    return load(text, _LOADER)


# --- validation and building ----------------------------------------------------------

class _Collector:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, field, message, "error"))

    def warning(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, field, message, "warning"))

    @property
    def failed(self) -> bool:
        return any(p.level == "error" for p in self.problems)


def _line(mapping: Any, key: str) -> int:
    if isinstance(mapping, LineDict):
        return mapping.lines.get(key, mapping.line)
    return 0


def _str_list(value: Any, out: _Collector, line: int, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        out.error(line, field, f"expected a list of strings, got {type(value).__name__}")
        return ()
    items = []
    for i, item in enumerate(value):
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            items.append(str(item))
        else:
            out.error(line, f"{field}[{i}]", f"expected a string, got {type(item).__name__}")
    return tuple(items)


def _str(value: Any, out: _Collector, line: int, field: str, required: bool = False) -> str:
    if value is None:
        if required:
            out.error(line, field, "missing required field")
        return ""
    if not isinstance(value, str):
        out.error(line, field, f"expected a string, got {type(value).__name__}")
        return ""
    if required and not value.strip():
        out.error(line, field, "must not be empty")
    return value.strip()


def parse_version_range(spec: str) -> list[tuple[str, tuple[int, ...]]]:
    """">=3.0, <4.0" -> [(">=", (3, 0)), ("<", (4, 0))]; raises ValueError."""
    clauses = []
    for part in spec.split(","):
        m = VERSION_CLAUSE.match(part)
        if not m:
            raise ValueError(f"cannot read version clause {part.strip()!r}")
        clauses.append((m.group(1) or "==", tuple(int(x) for x in m.group(2).split("."))))
    return clauses


_EDGE = ".,:;!?()[]{}\"'`"
# An explicit anchor shorter than this that is one plain word (vif, memory, save)
# is too common in healthy Xen logs: it would make most lines candidates.
MIN_WORD_ANCHOR = 8


def _literal(token: str) -> bool:
    """A token that reads the same in every occurrence of the message (no number,
    path or placeholder in it)."""
    core = token.strip(_EDGE)
    return bool(core) and not any(ch.isdigit() for ch in core) and "<" not in token and "/" not in core


def _usable(token: str) -> bool:
    core = token.strip(_EDGE)
    return _literal(token) and len(core) >= 3 and core not in COMMON_WORDS


def _pair_ok(a: str, b: str) -> bool:
    ca, cb = a.strip(_EDGE), b.strip(_EDGE)
    return (_literal(a) and _literal(b) and len(ca) + len(cb) >= 8
            and not (ca in COMMON_WORDS and cb in COMMON_WORDS) and (_usable(a) or _usable(b)))


def derive_anchors(text: str) -> tuple[str, ...]:
    """Distinctive fragments of a signature, any one of which marks a candidate line.

    Pairs of neighbouring words ("went backwards", "seg fixup,") rather than single
    words: single words such as "vif" or "memory" fill healthy Xen logs, while a pair
    is rare outside the message itself. Several pairs per signature, so a typo in
    one word still leaves a pair to find the line by.
    """
    tokens = strip_prefixes(text).lower().split()
    pairs = []
    for a, b in zip(tokens, tokens[1:]):
        if _pair_ok(a, b):
            pairs.append(f"{a.lstrip(_EDGE)} {b.rstrip(_EDGE)}")
    if not pairs:  # a one-word message: only a long, unusual word will do
        pairs = [t.strip(_EDGE) for t in tokens if _usable(t) and len(t.strip(_EDGE)) >= MIN_WORD_ANCHOR]
    chosen = sorted(dict.fromkeys(pairs), key=len, reverse=True)[:4]
    return tuple(sorted(chosen, key=pairs.index))


# Typo cover: a line with one mistyped letter must still hold an anchor. Pairs of
# neighbouring words overlap ("a b", "b c"), so a typo in the word they share ("vmx
# dis?bled by bios", "fatal eror; disabling") can hide the line from all of them.
# Two anchors that do not overlap in the text cannot both hold the typo (pigeonhole).
# Cut at a character, not a word ("vmx disabl" + "ed by bios"), two such pieces keep
# the distinctive word in both halves and so stay rare; a word-aligned split would
# fall back to the common words around it. Added only where the anchors leave a hole.
MIN_PIECE = 8  # characters; as short as a pair of words may be
# A fragment this long that a healthy line holds is that line's own near-twin ("I/O
# virtualisation disabled" / "... enabled"), printed about as rarely as the message:
# the last resort may use it.
LONG_FRAGMENT = 12
_COLON_FIELD = re.compile(r"[^:=]+[:=]?|[:=]")  # "c:852:name:" and "domid=7" fields
_PATH = next(pattern for name, pattern, _ in MASKS if name == "PATH")
_NAMES = [pattern for name, pattern, _ in MASKS if name == "NAME"]


def literal_spans(message: str) -> list[tuple[int, int]]:
    """(start, end) of the runs of a lower-cased message that read the same in every
    occurrence of it: words without digits, paths, names or placeholders, and the
    digit-free colon or key= fields of a word that has some ("c:852:libxl__xc_domain_restore_done:"
    keeps "libxl__xc_domain_restore_done:"; "1:unable" keeps "unable"; "domid=7" keeps "domid=")."""
    literal = [False] * len(message)
    for m in re.finditer(r"\S+", message):
        token = m.group()
        if _literal(token) or (not _PATH.search(token) and _literal(token.replace("/", ""))):
            literal[m.start():m.end()] = [True] * len(token)  # "xend/xm", "i/o": no path
        elif not _PATH.search(token) and "<" not in token:
            for f in _COLON_FIELD.finditer(token):
                if not any(ch.isdigit() for ch in f.group()):
                    literal[m.start() + f.start():m.start() + f.end()] = [True] * len(f.group())
    for pattern in _NAMES:  # "process sshd (", "domain 'web01'": a name, not the message
        for m in pattern.finditer(message):
            literal[m.start():m.end()] = [False] * (m.end() - m.start())
    spans, start = [], None
    for i, ch in enumerate(message + "\0"):
        if i < len(message) and (literal[i] or (ch == " " and start is not None and literal[i + 1: i + 2] == [True])):
            start = i if start is None else start
        elif start is not None:
            a, b = start, i
            while a < b and message[a] in _EDGE + " ":
                a += 1
            while b > a and message[b - 1] in _EDGE + " ":
                b -= 1
            if a < b:
                spans.append((a, b))
            start = None
    return spans


def typo_holes(message: str, anchors: Iterable[str]) -> list[int]:
    """Positions of the letters of `message` (lower-cased) that every occurrence of
    every anchor covers: one typo there and no anchor is left in the line."""
    occurrences = [(m.start(), m.start() + len(a)) for a in set(anchors) if a
                   for m in re.finditer(f"(?={re.escape(a)})", message)]
    return [i for i, ch in enumerate(message) if ch.isalpha() and all(s <= i < e for s, e in occurrences)]


def _distinct_letters(message: str, start: int, end: int) -> int:
    """Letters in message[start:end] that belong to words not in COMMON_WORDS."""
    count = 0
    for m in re.finditer(r"[a-z][a-z_]*", message):
        if m.group() not in COMMON_WORDS and len(m.group()) >= 3:
            count += max(0, min(end, m.end()) - max(start, m.start()))
    return count


def typo_pieces(text: str, anchors: tuple[str, ...], last_resort: bool = False) -> tuple[str, ...]:
    """Two non-overlapping literal pieces of the message (each >= MIN_PIECE
    characters, neither in the healthy corpus) when `anchors` leave letters where one
    typo would hide the line; () when they do not or no such two pieces exist.

    `last_resort`, for a hole nothing else covers, also takes pieces of common words
    ("failed; err" + "or detected") and pieces of LONG_FRAGMENT characters or more
    that a healthy line holds ("i/o virtuali" from "I/O virtualisation enabled")."""
    message = strip_prefixes(text).lower()
    if not typo_holes(message, anchors):
        return ()
    healthy = healthy_text()
    ends: list[tuple[int, int, int]] = []  # pieces as (start, end, distinct letters)
    starts: list[tuple[int, int, int]] = []
    for a, b in literal_spans(message):
        word_starts = [a] + [i for i in range(a + 1, b) if message[i - 1] == " " and message[i] != " "]
        word_ends = [i for i in range(a + 1, b) if message[i] == " " and message[i - 1] != " "] + [b]
        def usable(s: int, e: int) -> bool:
            # Like a pair of words, a piece spans a space: one word or most of one
            # ("operation", "ermission") is no rarer than the single words that, as
            # anchors, once tripled the scan time of a 200 MB log.
            piece = message[s:e]
            return (" " in piece and piece == piece.strip(_EDGE + " ")
                    and (piece not in healthy or (last_resort and len(piece) >= LONG_FRAGMENT)))

        for p in range(a + 1, b + 1):  # the shortest piece from a word start to p
            s = next((s for s in reversed(word_starts) if s <= p - MIN_PIECE and usable(s, p)), None)
            if s is not None:
                ends.append((s, p, _distinct_letters(message, s, p)))
        for p in range(a, b):  # the shortest piece from p to a word end
            e = next((e for e in word_ends if e >= p + MIN_PIECE and usable(p, e)), None)
            if e is not None:
                starts.append((p, e, _distinct_letters(message, p, e)))
    best = None
    for s1, e1, d1 in ends:
        for s2, e2, d2 in starts:
            if s2 >= e1:
                # The rarer weaker piece; then fewer words (a real line may differ in
                # the words around); then the longer pieces, the earlier pair.
                words = len(message[s1:e1].split()) + len(message[s2:e2].split())
                key = (min(d1, d2), -words, min(e1 - s1, e2 - s2), e1 - s1 + e2 - s2, -s1)
                if best is None or key > best[0]:
                    best = (key, message[s1:e1], message[s2:e2])
    # A piece of common words only is no better than none, except as the last resort.
    if best is None or (best[0][0] < 2 and not last_resort):
        return ()
    return best[1], best[2]


def cover_typos(text: str, anchors: tuple[str, ...]) -> tuple[str, ...]:
    """`anchors` plus what it takes for one typo anywhere in the message to leave an
    anchor, cheapest first: two pieces, then the message's long words, then the
    last-resort pieces. Each step runs only while a hole is left."""
    message = strip_prefixes(text).lower()
    steps = (typo_pieces, coverage_words, lambda t, a: typo_pieces(t, a, last_resort=True))
    for step in steps:
        if not typo_holes(message, anchors):
            break
        anchors = tuple(dict.fromkeys(anchors + step(text, anchors)))
    return anchors


def coverage_words(text: str, anchors: tuple[str, ...]) -> tuple[str, ...]:
    """Single words to add when one typo could hide a line from every anchor and
    `typo_pieces` found no two pieces (the last resort: a word is less rare).

    If one word sits in all of a signature's anchors (a short message has only one
    or two pairs), a typo in it leaves no anchor. Then the message's own distinctive
    words become anchors too, even if a healthy line holds them now and then: one
    boot line such as "I/O virtualisation enabled" costs little.
    """
    words = [t.strip(_EDGE) for t in strip_prefixes(text).lower().split()]
    if anchors and len(anchors) > 1 and not any(
            all(w in a.split() for a in anchors) for w in set(" ".join(anchors).split())):
        return ()
    healthy = healthy_text()
    # Long words only (measured: "memory", "image", "exists" as anchors doubled the
    # scan time of a 200 MB dom0 log); a very long one may also occur in healthy lines.
    singles = [w for w in words if _literal(w) and w not in COMMON_WORDS and any(c.isalpha() for c in w)
               and ((len(w) >= MIN_WORD_ANCHOR and w not in healthy) or len(w) >= LONG_FRAGMENT)]
    return tuple(dict.fromkeys(sorted(singles, key=len, reverse=True)))[:2]


_HEALTHY: str | None = None


def healthy_text() -> str:
    """The healthy-line corpus (xenkb/data/healthy.log), lower-cased, comments removed."""
    global _HEALTHY
    if _HEALTHY is None:
        path = Path(__file__).resolve().parent / "data" / "healthy.log"
        try:
            lines = path.read_text("utf-8").splitlines()
        except OSError:
            lines = []
        _HEALTHY = "\n".join(l for l in lines if not l.startswith("#")).lower()
    return _HEALTHY


def drop_common_anchors(anchors: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split anchors into (kept, dropped): an anchor seen in healthy lines would make
    those lines candidates for nothing; it is dropped unless it is the last one."""
    corpus = healthy_text()
    common = tuple(a for a in anchors if a in corpus)
    kept = tuple(a for a in anchors if a not in common)
    return (kept, common) if kept else (anchors, ())


def anchor_is_selective(anchor: str) -> bool:
    return " " in anchor.strip() or len(anchor) >= MIN_WORD_ANCHOR or not anchor.isalpha()


def regex_literals(regex: str) -> tuple[str, ...]:
    """Literal words of a regular expression, usable as anchors (a best effort)."""
    plain = re.sub(r"\\[a-zA-Z]|\[[^\]]*\]|\(\?[a-zA-Z]+\)|\{[^}]*\}", " ", regex)
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9_]{3,}", plain)]
    words = [w for w in words if w not in COMMON_WORDS and anchor_is_selective(w)]
    return tuple(dict.fromkeys(sorted(words, key=len, reverse=True)))[:4]


def _warn_common(out: _Collector, line: int, field: str, listed: tuple[str, ...], dropped: tuple[str, ...]) -> None:
    """Derived anchors seen in healthy logs are dropped; listed ones are the author's
    call, kept, but flagged because each costs scan time on every such line."""
    if dropped:
        out.warning(line, f"{field}.anchors", f"derived anchors seen in healthy logs, not used: {list(dropped)}")
    common = [a for a in listed if a in healthy_text()]
    if common:
        out.warning(line, f"{field}.anchors",
                    f"listed anchors {common} occur in healthy logs: every such line will be scored")


_TEMPLATE_PATH = re.compile(r"(?:/[\w.+@%~-]+){2,}")


def text_anchors(text: str, listed: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(anchors, dropped) for one message or template: the listed ones plus the
    derived pairs that healthy logs do not hold, typo-covered."""
    text = text.replace("<*>", " <*> ")  # a variable span ends a word
    derived, dropped = drop_common_anchors(derive_anchors(text))
    if "<*>" in text or not derived:
        # A path the author wrote in a template is constant text, and about as rare
        # in healthy logs as a message can be ("/usr/bin/pygrub").
        paths = tuple(p.lower() for p in _TEMPLATE_PATH.findall(text) if len(p) >= MIN_WORD_ANCHOR)
        derived = tuple(dict.fromkeys(derived + drop_common_anchors(paths)[0]))
    return cover_typos(text, tuple(dict.fromkeys(listed + derived))), dropped


def _multiline_signature(raw: Any, out: _Collector, line: int, field: str) -> Signature | None:
    """`lines:` - templates that must all be seen, in order, within `window` lines."""
    parts = _str_list(raw.get("lines"), out, line, f"{field}.lines")
    if len(parts) < 2:
        out.error(line, f"{field}.lines", "a multi-line signature needs at least two lines (one line: use `text`)")
        return None
    window = raw.get("window", DEFAULT_WINDOW)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= MAX_WINDOW:
        out.error(_line(raw, "window") or line, f"{field}.window", f"must be an integer from 1 to {MAX_WINDOW}")
        return None
    if window < len(parts):
        out.error(_line(raw, "window") or line, f"{field}.window", "smaller than the number of lines")
        return None
    listed = tuple(a.lower() for a in _str_list(raw.get("anchors"), out, _line(raw, "anchors"), f"{field}.anchors"))
    anchors: tuple[str, ...] = listed
    for i, part in enumerate(parts):
        found, dropped = text_anchors(part)
        _warn_common(out, line, f"{field}.lines[{i}]", (), dropped)
        if not found:
            out.error(line, f"{field}.lines[{i}]", "no distinctive word in this line; list `anchors`")
            return None
        anchors = tuple(dict.fromkeys(anchors + found))
    require = tuple(w.lower() for w in _str_list(raw.get("require"), out, _line(raw, "require"), f"{field}.require"))
    forbid = tuple(w.lower() for w in _str_list(raw.get("forbid"), out, _line(raw, "forbid"), f"{field}.forbid"))
    norms = tuple(mask(strip_prefixes(p), paths=False) for p in parts)
    return Signature(parts=norms, window=window, anchors=anchors, require=require, forbid=forbid)


_PLACEHOLDER_REF = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def _captures(raw: Any, out: _Collector, line: int) -> tuple[Capture, ...]:
    """`captures: {name: {regex, fallback}}`: values the fix names as `{name}`."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        out.error(line, "captures", "expected a mapping of names to {regex, fallback}")
        return ()
    found = []
    for name, spec in raw.items():
        field = f"captures.{name}"
        nline = _line(raw, name) or line
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(name)):
            out.error(nline, field, "a capture name is lower-case letters, digits and _")
            continue
        if not isinstance(spec, dict):
            out.error(nline, field, "expected a mapping with `regex` and `fallback`")
            continue
        for key in spec:
            if key not in ("regex", "fallback"):
                out.error(_line(spec, key), f"{field}.{key}", "unknown field (known: regex, fallback)")
        regex = _str(spec.get("regex"), out, _line(spec, "regex") or nline, f"{field}.regex", required=True)
        fallback = _str(spec.get("fallback"), out, _line(spec, "fallback") or nline, f"{field}.fallback", required=True)
        if not regex or not fallback:
            continue
        from xenkb.engines import compile_regex

        try:
            compiled = compile_regex(regex)
        except ValueError as exc:
            out.error(_line(spec, "regex"), f"{field}.regex", f"does not compile under RE2: {exc}")
            continue
        if getattr(compiled, "groups", 1) != 1:
            out.error(_line(spec, "regex"), f"{field}.regex", "needs exactly one capturing group")
            continue
        found.append(Capture(str(name), regex, fallback))
    return tuple(found)


CLARIFY_FACTS = ("arch", "debian", "toolstack", "guest", "side")


def _clarify(raw: Any, out: _Collector, line: int) -> Clarify | None:
    """`clarify: {fact, question, answers: {value: [words]}}`, values as applies_to knows them."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        out.error(line, "clarify", "expected a mapping with `fact`, `question` and `answers`")
        return None
    for key in raw:
        if key not in ("fact", "question", "answers", "fits"):
            out.error(_line(raw, key), f"clarify.{key}", "unknown field (known: fact, question, answers, fits)")
    fact = _str(raw.get("fact"), out, _line(raw, "fact") or line, "clarify.fact", required=True)
    if fact and fact not in CLARIFY_FACTS:
        out.error(_line(raw, "fact"), "clarify.fact", f"must be one of {list(CLARIFY_FACTS)}")
        return None
    question = _str(raw.get("question"), out, _line(raw, "question") or line, "clarify.question", required=True)
    answers = raw.get("answers")
    if not isinstance(answers, dict) or len(answers) < 2:
        out.error(_line(raw, "answers") or line, "clarify.answers",
                  "expected a mapping of at least two values to the words that mean them")
        return None
    pairs = []
    for value, words in answers.items():
        value = str(value)
        if fact in ALLOWED and value not in ALLOWED[fact]:
            out.error(_line(answers, value), f"clarify.answers.{value}",
                      f"not a value of {fact}; allowed: {sorted(ALLOWED[fact])}")
        listed = _str_list(words, out, _line(answers, value), f"clarify.answers.{value}")
        if not listed:
            out.error(_line(answers, value), f"clarify.answers.{value}", "needs at least one word")
        pairs.append((value, tuple(w.lower() for w in listed)))
    fits = _str_list(raw.get("fits"), out, _line(raw, "fits") or line, "clarify.fits")
    unknown = [v for v in fits if v not in {p[0] for p in pairs}]
    if unknown:
        out.error(_line(raw, "fits") or line, "clarify.fits", f"{unknown} are not among the answers")
    if not fact or not question:
        return None
    return Clarify(fact=fact, question=question, answers=tuple(pairs), fits=fits)


def _context(raw: Any, out: _Collector, line: int) -> tuple[ContextRule, ...]:
    """`context:` with `benign:` and `require:` lists of {text, reason, within, direction}."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        out.error(line, "context", "expected a mapping with `benign` and/or `require`")
        return ()
    rules = []
    for kind in raw:
        if kind not in ("benign", "require"):
            out.error(_line(raw, kind), f"context.{kind}", "unknown field (known: benign, require)")
            continue
        items = raw[kind]
        if not isinstance(items, list) or not items:
            out.error(_line(raw, kind), f"context.{kind}", "expected a non-empty list")
            continue
        for i, item in enumerate(items):
            field = f"context.{kind}[{i}]"
            iline = _line(item, "text") or _line(raw, kind)
            if not isinstance(item, dict):
                out.error(iline, field, "expected a mapping with `text` and `reason`")
                continue
            for key in item:
                if key not in CONTEXT_FIELDS:
                    out.error(_line(item, key), f"{field}.{key}", f"unknown field (known: {', '.join(sorted(CONTEXT_FIELDS))})")
            text = _str(item.get("text"), out, iline, f"{field}.text", required=True)
            reason = _str(item.get("reason"), out, _line(item, "reason") or iline, f"{field}.reason", required=True)
            within = item.get("within")
            if within is not None and (not isinstance(within, int) or isinstance(within, bool) or not 1 <= within <= MAX_WINDOW):
                out.error(_line(item, "within"), f"{field}.within", f"must be an integer from 1 to {MAX_WINDOW} (omit it for anywhere)")
                within = None
            direction = item.get("direction", "any")
            if direction not in ("after", "before", "any"):
                out.error(_line(item, "direction"), f"{field}.direction", "must be after, before or any")
                direction = "any"
            listed = tuple(a.lower() for a in _str_list(item.get("anchors"), out, _line(item, "anchors"), f"{field}.anchors"))
            anchors, _dropped = text_anchors(text, listed) if text else ((), ())
            if text and not anchors:
                out.error(iline, f"{field}.text", "no distinctive word to find this line by; list `anchors`")
                continue
            if text and reason:
                rules.append(ContextRule(kind=kind, text=text, norm=mask(strip_prefixes(text), paths=False), reason=reason,
                                         within=within, direction=direction, anchors=anchors))
    return tuple(rules)


def _signature(raw: Any, out: _Collector, line: int, index: int) -> Signature | None:
    field = f"signatures[{index}]"
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict):
        out.error(line, field, "expected a mapping with `text` or `regex`")
        return None
    line = _line(raw, "text") or line
    for key in raw:
        if key not in SIGNATURE_FIELDS:
            out.error(_line(raw, key), f"{field}.{key}", f"unknown field (known: {', '.join(sorted(SIGNATURE_FIELDS))})")
    text = _str(raw.get("text"), out, line, f"{field}.text") or None
    regex = _str(raw.get("regex"), out, _line(raw, "regex"), f"{field}.regex") or None
    if "lines" in raw:
        if text is not None or regex is not None:
            out.error(line, field, "needs exactly one of `text`, `regex` or `lines`")
            return None
        return _multiline_signature(raw, out, _line(raw, "lines") or line, field)
    if (text is None) == (regex is None):
        out.error(line, field, "needs exactly one of `text`, `regex` or `lines`")
        return None
    anchors = tuple(a.lower() for a in _str_list(raw.get("anchors"), out, _line(raw, "anchors"), f"{field}.anchors"))
    weak = [a for a in anchors if not anchor_is_selective(a)]
    if weak:
        out.warning(_line(raw, "anchors"), f"{field}.anchors",
                    f"ignored {weak}: one short word is too common in healthy logs to mark a candidate line")
        anchors = tuple(a for a in anchors if a not in weak)
    require = tuple(w.lower() for w in _str_list(raw.get("require"), out, _line(raw, "require"), f"{field}.require"))
    forbid = tuple(w.lower() for w in _str_list(raw.get("forbid"), out, _line(raw, "forbid"), f"{field}.forbid"))
    if any(not a.strip() for a in anchors):
        out.error(_line(raw, "anchors"), f"{field}.anchors", "an anchor must not be empty")
    if regex is not None:
        from xenkb.engines import compile_regex

        try:
            compile_regex(regex)
        except ValueError as exc:
            out.error(_line(raw, "regex"), f"{field}.regex", f"regular expression does not compile under RE2: {exc}")
            return None
        derived, dropped = drop_common_anchors(regex_literals(regex))
        _warn_common(out, _line(raw, "regex"), field, anchors, dropped)
        anchors = tuple(dict.fromkeys(anchors + derived))
        if not anchors:
            out.error(_line(raw, "regex"), f"{field}.anchors",
                      "a regex signature needs `anchors` (no literal word could be taken from it)")
            return None
        return Signature(regex=regex, anchors=anchors, require=require, forbid=forbid)
    assert text is not None
    template = "<*>" in text
    norm = mask(strip_prefixes(text), paths=not template)
    # Listed anchors add to the derived words, never replace them: the derived words
    # are what keeps a line with a typo in one word findable.
    anchors, dropped = text_anchors(text, anchors)
    _warn_common(out, line, field, anchors, dropped)
    if not anchors:
        out.error(line, f"{field}.anchors", "no distinctive word in the text; list `anchors`")
        return None
    message = strip_prefixes(text).lower()
    holes = typo_holes(message, anchors)
    if holes:
        word = re.search(r"\S*\Z", message[:holes[0] + 1]).group() + re.match(r"\S*", message[holes[0] + 1:]).group()
        out.warning(line, f"{field}.anchors",
                    f"a one-letter typo in {word!r} leaves no anchor in the line (every anchor holds "
                    f"it; too few rare characters around it for two separate ones): list `anchors`")
    if len(norm) < 12:
        out.warning(line, f"{field}.text", "very short signature text: fuzzy matching may over-match")
    return Signature(text=text, norm=norm, anchors=anchors, require=require, forbid=forbid, template=template)


def _cover_examples(signatures: tuple[Signature, ...], examples: tuple[str, ...]) -> tuple[Signature, ...]:
    """Typo cover for the entry's match examples too: they are real lines, and one
    may differ from every signature text (another logger prefix, "Error:" for
    "VmError:", a typo of its own), so anchors that leave no hole in a signature can
    leave one in such a line. Each example line that holds an anchor (the lines the
    fast path finds) and has a hole gets two pieces of its own, added to the first
    signature whose anchor it holds (candidates are per entry, not per signature)."""
    sigs = list(signatures)
    for example in examples:
        for raw in example.splitlines():
            message = strip_prefixes(raw).lower()
            every = tuple(a for sig in sigs for a in sig.anchors)
            holder = next((i for i, sig in enumerate(sigs) if any(a in message for a in sig.anchors)), None)
            if holder is None or not typo_holes(message, every):
                continue
            pieces = tuple(p for p in typo_pieces(raw, every) if p not in sigs[holder].anchors)
            if pieces:
                sigs[holder] = dataclasses.replace(sigs[holder], anchors=sigs[holder].anchors + pieces)
    return tuple(sigs)


def _applies_to(raw: Any, out: _Collector, line: int) -> AppliesTo:
    if raw is None:
        return AppliesTo()
    if not isinstance(raw, dict):
        out.error(line, "applies_to", "expected a mapping")
        return AppliesTo()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        kline = _line(raw, key)
        if key == "xen":
            spec = str(value).strip() if value is not None else ""
            if spec and spec.lower() != "any":
                try:
                    parse_version_range(spec)
                    values["xen"] = spec
                except ValueError as exc:
                    out.error(kline, "applies_to.xen", str(exc))
            continue
        if key == "kernel":
            from xenkb.engines import compile_regex

            try:
                compile_regex(str(value))
                values["kernel"] = str(value)
            except ValueError as exc:
                out.error(kline, "applies_to.kernel", f"regular expression does not compile under RE2: {exc}")
            continue
        if key not in ALLOWED:
            out.error(kline, f"applies_to.{key}", f"unknown condition (known: xen, kernel, {', '.join(sorted(ALLOWED))})")
            continue
        items = _str_list(value, out, kline, f"applies_to.{key}")
        bad = [i for i in items if i not in ALLOWED[key] and i != "any"]
        if bad:
            out.error(kline, f"applies_to.{key}", f"unknown value(s) {bad}; allowed: {sorted(ALLOWED[key])}")
        values[key] = tuple(i for i in items if i in ALLOWED[key])
    return AppliesTo(**values)


def _fix_steps(raw: Any, out: _Collector, line: int) -> tuple[FixStep, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        out.error(line, "fix", "expected a list of steps")
        return ()
    steps = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            steps.append(FixStep(step=item.strip()))
            continue
        if not isinstance(item, dict):
            out.error(line, f"fix[{i}]", "expected a mapping with `step`")
            continue
        iline = _line(item, "step") or line
        for key in item:
            if key not in FIX_FIELDS:
                out.error(_line(item, key), f"fix[{i}].{key}", f"unknown field (known: {', '.join(sorted(FIX_FIELDS))})")
        step = _str(item.get("step"), out, iline, f"fix[{i}].step", required=True)
        commands = _str_list(item.get("commands"), out, _line(item, "commands"), f"fix[{i}].commands")
        file = _str(item.get("file"), out, _line(item, "file"), f"fix[{i}].file") or None
        config = item.get("config")
        if config is not None and not isinstance(config, str):
            out.error(_line(item, "config"), f"fix[{i}].config", "expected a block of text")
            config = None
        steps.append(FixStep(step=step, commands=commands, file=file, config=(config.rstrip("\n") if config else None)))
    return tuple(steps)


def _references(raw: Any, out: _Collector, line: int) -> tuple[Reference, ...]:
    if not isinstance(raw, list) or not raw:
        out.error(line, "references", "at least one reference (a `url` or a `seed` section) is required")
        return ()
    refs = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"url": item} if "://" in item else {"seed": item}
        if not isinstance(item, dict):
            out.error(line, f"references[{i}]", "expected a mapping with `url` or `seed`")
            continue
        for key in item:
            if key not in REFERENCE_FIELDS:
                out.error(_line(item, key), f"references[{i}].{key}", f"unknown field (known: {', '.join(sorted(REFERENCE_FIELDS))})")
        url = _str(item.get("url"), out, _line(item, "url"), f"references[{i}].url") or None
        seed = _str(item.get("seed"), out, _line(item, "seed"), f"references[{i}].seed") or None
        title = _str(item.get("title"), out, _line(item, "title"), f"references[{i}].title") or None
        if not url and not seed:
            out.error(_line(item, "url") or line, f"references[{i}]", "needs a `url` or a `seed` section")
        elif url and not re.match(r"^https?://\S+$", url):
            out.error(_line(item, "url"), f"references[{i}].url", f"not an http(s) URL: {url!r}")
        refs.append(Reference(url=url, title=title, seed=seed))
    return tuple(refs)


def _examples(raw: Any, out: _Collector, line: int, field: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`match` examples: each a string, or {text, source} naming the public report it
    was copied from. Returns (texts, sources), "" where an example names none."""
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        out.error(line, field, f"expected a list, got {type(raw).__name__}")
        return (), ()
    texts, sources = [], []
    for i, item in enumerate(raw):
        if isinstance(item, dict):
            for key in item:
                if key not in ("text", "source"):
                    out.error(_line(item, key), f"{field}[{i}].{key}", "unknown field (known: text, source)")
            text = _str(item.get("text"), out, _line(item, "text") or line, f"{field}[{i}].text", required=True)
            source = _str(item.get("source"), out, _line(item, "source") or line, f"{field}[{i}].source")
            if source and not re.match(r"^https?://\S+$", source):
                out.error(_line(item, "source"), f"{field}[{i}].source", f"not an http(s) URL: {source!r}")
            if text:
                texts.append(text)
                sources.append(source)
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            texts.append(str(item))
            sources.append("")
        else:
            out.error(line, f"{field}[{i}]", f"expected a string or {{text, source}}, got {type(item).__name__}")
    if texts and not all(sources):
        missing = sum(1 for s in sources if not s)
        out.warning(line, field, f"{missing} of {len(texts)} example(s) name no `source` (the public report it comes from)")
    return tuple(texts), tuple(sources)


def entry_from_mapping(data: Any, path: str, origin: str, expected_id: str | None) -> tuple[Entry | None, list[Problem]]:
    """Validate one parsed YAML document and build its Entry (None if it has errors)."""
    out = _Collector(path)
    if not isinstance(data, dict):
        out.error(1, "", "the file must hold one YAML mapping (an entry)")
        return None, out.problems
    if isinstance(data, LineDict):
        for key, line in data.duplicates:
            out.error(line, key, "field given twice")
    for key in data:
        if key not in TOP_FIELDS:
            out.error(_line(data, key), key, "unknown field")
    for key in REQUIRED_FIELDS:
        if key not in data:
            out.error(1, key, "missing required field")

    entry_id = _str(data.get("id"), out, _line(data, "id"), "id", required="id" in data)
    if entry_id and not ID_RE.match(entry_id):
        out.error(_line(data, "id"), "id", f"{entry_id!r} is not kebab-case (a-z, 0-9, single dashes)")
    if entry_id and expected_id is not None and entry_id != expected_id:
        out.error(_line(data, "id"), "id", f"id {entry_id!r} differs from the file name {expected_id!r}")

    kind = data.get("kind", "problem")
    if kind not in KINDS:
        out.error(_line(data, "kind"), "kind", f"must be one of {list(KINDS)}")
        kind = "problem"
    severity = data.get("severity", "medium")
    if severity not in SEVERITIES:
        out.error(_line(data, "severity"), "severity", f"must be one of {list(SEVERITIES)}")
        severity = "medium"

    raw_sigs = data.get("signatures") or []
    if not isinstance(raw_sigs, list):
        out.error(_line(data, "signatures"), "signatures", "expected a list")
        raw_sigs = []
    built = (_signature(raw, out, _line(data, "signatures"), i) for i, raw in enumerate(raw_sigs))
    signatures = tuple(sig for sig in built if sig is not None)

    examples = data.get("examples")
    ex_line = _line(data, "examples")
    match_ex: tuple[str, ...] = ()
    match_sources: tuple[str, ...] = ()
    no_match_ex: tuple[str, ...] = ()
    if isinstance(examples, dict):
        for key in examples:
            if key not in ("match", "no_match"):
                out.error(_line(examples, key), f"examples.{key}", "unknown field (known: match, no_match)")
        match_ex, match_sources = _examples(examples.get("match"), out, _line(examples, "match"), "examples.match")
        no_match_ex = _str_list(examples.get("no_match"), out, _line(examples, "no_match"), "examples.no_match")
        if not match_ex:
            out.error(_line(examples, "match") or ex_line, "examples.match", "at least one example that must match")
        if not no_match_ex:
            out.error(_line(examples, "no_match") or ex_line, "examples.no_match", "at least one near-miss that must not match")
    elif "examples" in data:
        out.error(ex_line, "examples", "expected a mapping with `match` and `no_match`")

    signatures = _cover_examples(signatures, match_ex)
    symptoms = _str_list(data.get("symptoms"), out, _line(data, "symptoms"), "symptoms")
    if not signatures and kind == "problem":
        out.error(_line(data, "signatures"), "signatures", "a problem entry needs at least one signature")
    if not signatures and not symptoms:
        out.error(1, "symptoms", "an entry without signatures needs symptoms to be found by")

    threshold = data.get("threshold")
    if threshold is not None and (not isinstance(threshold, int) or isinstance(threshold, bool) or not 0 < threshold <= 100):
        out.error(_line(data, "threshold"), "threshold", "must be an integer between 1 and 100")
        threshold = None

    generic = data.get("generic", False)
    if not isinstance(generic, bool):
        out.error(_line(data, "generic"), "generic", "must be true or false")
        generic = False

    deprecated = data.get("deprecated", False)
    if not isinstance(deprecated, bool):
        out.error(_line(data, "deprecated"), "deprecated", "must be true or false")
        deprecated = False

    entry = Entry(
        id=entry_id,
        title=_str(data.get("title"), out, _line(data, "title"), "title", required="title" in data),
        summary=" ".join(_str(data.get("summary"), out, _line(data, "summary"), "summary", required="summary" in data).split()),
        kind=kind,
        severity=severity,
        applies_to=_applies_to(data.get("applies_to"), out, _line(data, "applies_to")),
        signatures=signatures,
        symptoms=symptoms,
        cause=_str(data.get("cause"), out, _line(data, "cause"), "cause"),
        fix=_fix_steps(data.get("fix"), out, _line(data, "fix")),
        verify=_str_list(data.get("verify"), out, _line(data, "verify"), "verify"),
        caveats=_str_list(data.get("caveats"), out, _line(data, "caveats"), "caveats"),
        causes=_str_list(data.get("causes"), out, _line(data, "causes"), "causes"),
        context=_context(data.get("context"), out, _line(data, "context")),
        related=_str_list(data.get("related"), out, _line(data, "related"), "related"),
        clarify=_clarify(data.get("clarify"), out, _line(data, "clarify")),
        captures=_captures(data.get("captures"), out, _line(data, "captures")),
        generic=generic,
        references=_references(data.get("references"), out, _line(data, "references")),
        examples_match=match_ex,
        example_sources=match_sources,
        examples_no_match=no_match_ex,
        threshold=threshold if threshold is not None else 85,
        threshold_fixed=threshold is not None,
        deprecated=deprecated,
        superseded_by=_str(data.get("superseded_by"), out, _line(data, "superseded_by"), "superseded_by") or None,
        origin=origin,
        path=path,
    )
    names = {c.name for c in entry.captures}
    for i, step in enumerate(entry.fix):
        for ref in _PLACEHOLDER_REF.findall(step.step):
            if ref not in names:
                out.error(_line(data, "fix"), f"fix[{i}].step", f"{{{ref}}} names no capture (captures: {sorted(names)})")
    if kind == "problem" and not entry.fix and not deprecated:
        out.error(_line(data, "fix"), "fix", "a problem entry needs at least one fix step")
    return (None if out.failed else entry), out.problems


def load_file(path: Path, origin: str) -> tuple[Entry | None, list[Problem]]:
    """Read, parse and validate one entry file; never raises for bad content."""
    from xenkb import budget, trust

    name = str(path)
    try:
        # A user's file only by the trust rules: no link out of its directory, no
        # FIFO or device, not another user's, bounded.
        raw = path.read_bytes() if origin == "bundled" else trust.read_kb_file(path)
    except OSError as exc:
        return None, [Problem(name, 0, "", f"cannot read: {trust.describe(exc)}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, 0, "", f"not valid UTF-8 (byte {exc.start})")]
    import yaml

    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context_mark", None)
        if context is not None and context.line + 1 != line:
            reason += f" (in what starts at line {context.line + 1})"
        return None, [Problem(name, line, "", f"malformed YAML: {reason}")]
    except RecursionError:
        return None, [Problem(name, 0, "", "malformed YAML: nested too deeply")]
    too_big = budget.entry_problems(data, name)  # before any anchor is derived
    if too_big:
        return None, too_big
    return entry_from_mapping(data, name, origin, path.stem)


def load_dirs(dirs: Iterable[tuple[Path, str]]) -> tuple[dict[str, Entry], list[Problem]]:
    """Load every entry of each (directory, origin) in order; later ones override.

    A user entry with a bundled entry's id replaces it (that is how a user fixes or
    localises an entry); two files with the same id in one directory is an error.
    """
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    for directory, origin in dirs:
        if not directory.is_dir():
            if origin != "bundled-missing-ok":
                problems.append(Problem(str(directory), 0, "", "KB directory not found", "error"))
            continue
        seen_here: dict[str, str] = {}
        for path in kb_files(directory):
            entry, found = load_file(path, origin)
            problems.extend(found)
            if entry is None:
                continue
            if entry.id in seen_here:
                problems.append(Problem(str(path), 1, "id", f"duplicate id {entry.id!r} (also in {seen_here[entry.id]})"))
                continue
            seen_here[entry.id] = str(path)
            entries[entry.id] = entry
    from xenkb.budget import within_total

    return within_total(entries, problems), problems
