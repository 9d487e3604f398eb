"""The bench's healthy lines, taken from real Xen hosts' logs (``bench/corpus/``).

The corpus is one file per source, named ``COMPONENT--what.log`` (``MANIFEST.md``
names where each came from). ``HostLogGenerator`` replays it as one host's logs are
mixed when a user feeds them to xenkb: the host boots (hypervisor, then dom0), then
dom0's syslog, many guests' consoles, the hypervisor's ring and the toolstack's logs
follow each other in bursts of consecutive lines. Each replayed line gets a fresh
timestamp and fresh numbers of the same width, so it keeps its normalised form (as a
real repeat of a message does) while its text varies.

With ``near_miss_share``, that share of the lines is drawn from the near-misses: real
healthy lines that hold an anchor of a KB entry (``Matcher.classify``) yet give no
finding. Each one is a candidate the scan must score and reject.
"""

from __future__ import annotations

import random
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"

# Share of a host's log lines per component (the file name's prefix). Guests' consoles
# and dom0's syslog dominate a host's logs; the hypervisor's ring and the toolstack's
# logs are smaller. An unknown component gets weight 1.
COMPONENT_WEIGHTS = {"dom0": 30, "domu": 38, "xen": 10, "xl": 8, "xapi": 5, "xend": 4,
                     "qemu-dm": 3, "libvirt": 2}
# Lines replayed in one go from one source (a guest boots, xl creates a domain...).
BURST = (20, 400)
GUESTS = 24  # guests on the host, each with its own console source

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Leading timestamps, rewritten from the generator's clock (group 1 keeps the rest of
# the prefix). Order matters: the first that matches wins.
_SYSLOG = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?( .*)$")
_XEND = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)? \d+(\].*)$")
_BRACKET_DATE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\].*)$")
_LIBVIRT = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}(\+0000: .*)$")
_DMESG = re.compile(r"^\[\s*\d+\.\d+(\].*)$")
# Numbers in the message: standalone decimal runs of two digits or more (not parts
# of words, versions, addresses or placeholders).
_NUMBER = re.compile(r"(?<![\w.:/-])(\d{2,})(?![\w.:/])")


@dataclass
class Source:
    name: str  # file name without .log
    component: str
    lines: list[str]


@dataclass
class Corpus:
    sources: list[Source]
    near_misses: list[str] = field(default_factory=list)
    with_findings: list[str] = field(default_factory=list)  # anchored lines that gave a finding: left out

    @property
    def lines(self) -> list[str]:
        return [line for s in self.sources for line in s.lines]

    def by_component(self) -> dict[str, list[Source]]:
        out: dict[str, list[Source]] = {}
        for s in self.sources:
            out.setdefault(s.component, []).append(s)
        return out


def load_corpus(directory: Path = CORPUS_DIR) -> Corpus | None:
    """The corpus, or None when the directory holds no ``*.log`` file."""
    sources = []
    for path in sorted(directory.glob("*.log")):
        component = path.stem.split("--", 1)[0]
        with open(path, encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f if line.strip()]
        if lines:
            sources.append(Source(path.stem, component, lines))
    return Corpus(sources) if sources else None


def find_near_misses(corpus: Corpus, matcher) -> None:  # type: ignore[no-untyped-def]
    """Fill ``corpus.near_misses``: distinct lines that hold an anchor of an entry (or
    of a context rule) and give no finding scanned alone. Lines that do give one are
    kept apart in ``corpus.with_findings`` and never replayed: a healthy line with a
    finding is a false positive of the KB, which the accuracy rows would report as a
    planted-error mismatch instead."""
    seen: set[str] = set()
    bad: set[str] = set()
    for line in corpus.lines:
        if line in seen:
            continue
        seen.add(line)
        own, error_word, _fact, rules = matcher.classify(line)
        if not (own or rules or error_word):
            continue
        if matcher.scan_text(line).findings:
            bad.add(line)
            corpus.with_findings.append(line)
        elif own or rules:
            corpus.near_misses.append(line)
    if bad:
        for s in corpus.sources:
            s.lines = [line for line in s.lines if line not in bad]


class _Template:
    """One corpus line, split once: its timestamp kind, and a few renderings of its
    message with fresh numbers (replaying it is then a choice and a join)."""

    __slots__ = ("kind", "variants")

    VARIANTS = 16

    def __init__(self, line: str, rng: random.Random) -> None:
        self.kind = ""
        for kind, pattern in (("syslog", _SYSLOG), ("xend", _XEND), ("bracket-date", _BRACKET_DATE),
                              ("libvirt", _LIBVIRT), ("dmesg", _DMESG)):
            m = pattern.match(line)
            if m:
                self.kind, line = kind, m.group(1)
                break
        pieces = _NUMBER.split(line)
        parts, widths = pieces[0::2], [len(p) for p in pieces[1::2]]
        if not widths:
            self.variants = [line]
            return
        self.variants = []
        for _ in range(self.VARIANTS):
            body = [parts[0]]
            for part, w in zip(parts[1:], widths):
                body.append(str(rng.randrange(10 ** (w - 1), 10 ** w)))
                body.append(part)
            self.variants.append("".join(body))


class HostLogGenerator:
    """Healthy lines of one Xen host, replayed from the corpus (see the module doc).
    Deterministic for a seed."""

    def __init__(self, corpus: Corpus, seed: int, near_miss_share: float = 0.0, boot: bool = True) -> None:
        self.rng = random.Random(seed)
        self.t = 1_709_450_000.0 + self.rng.random() * 1000
        self.uptime = 5.0
        self.pid = self.rng.randint(2000, 9000)
        self._stamp_second = -1
        self._syslog = self._stamp = ""
        self.near_share = near_miss_share if corpus.near_misses else 0.0
        self.near = [_Template(line, self.rng) for line in corpus.near_misses]
        groups = corpus.by_component()
        self.streams: list[tuple[str, list[list[_Template]]]] = []
        weights = []
        for component, sources in sorted(groups.items()):
            tpl = [[_Template(line, self.rng) for line in s.lines] for s in sources]
            if component == "domu":
                # Many guests, each with the console of one guest kind.
                tpl = [tpl[g % len(tpl)] for g in range(GUESTS)]
            self.streams.append((component, tpl))
            weights.append(COMPONENT_WEIGHTS.get(component, 1))
        self.weights = weights
        self.cursor: dict[tuple[int, int], int] = {}
        self.burst: list[_Template] = []
        self.boot = deque(self._boot(groups) if boot else ())

    def _boot(self, groups: dict[str, list[Source]]) -> list[_Template]:
        """The host boots first: the hypervisor's ring, then dom0's kernel (facts such
        as versions are read from the start of an input)."""
        out = []
        for component in ("xen", "dom0"):
            sources = sorted(groups.get(component, []), key=lambda s: -len(s.lines))
            if sources:
                out += [_Template(line, self.rng) for line in sources[0].lines]
        return out

    def _render(self, t: _Template) -> str:
        v = t.variants
        text = v[self.rng.getrandbits(4) % len(v)] if len(v) > 1 else v[0]
        kind = t.kind
        if not kind:
            return text
        if kind == "dmesg":
            return f"[{self.uptime:12.6f}{text}"
        second = int(self.t)
        if second != self._stamp_second:
            tm = time.gmtime(second)
            self._stamp_second = second
            self._syslog = (f"{MONTHS[tm.tm_mon - 1]} {tm.tm_mday:2d} "
                            f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}")
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", tm)
        if kind == "syslog":
            return self._syslog + text
        if kind == "xend":
            return f"[{self._stamp} {self.pid}{text}"
        if kind == "bracket-date":
            return f"[{self._stamp}{text}"
        return f"{self._stamp}.{int(self.t * 1000) % 1000:03d}{text}"  # libvirt

    def _next_burst(self) -> None:
        r = self.rng
        k = r.choices(range(len(self.streams)), self.weights)[0]
        sources = self.streams[k][1]
        s = r.randrange(len(sources))
        src = sources[s]
        n = min(r.randint(*BURST), len(src))
        at = self.cursor.get((k, s), r.randrange(len(src)))
        self.burst = [src[(at + i) % len(src)] for i in range(n)]
        self.burst.reverse()  # popped from the end
        self.cursor[(k, s)] = (at + n) % len(src)

    def lines(self, n: int) -> list[str]:
        """The next n healthy lines."""
        r = self.rng
        out = []
        render = self._render
        for _ in range(n):
            step = r.expovariate(20.0)
            self.t += step
            self.uptime += step
            if self.boot:
                out.append(render(self.boot.popleft()))
                continue
            if self.near_share and r.random() < self.near_share:
                out.append(render(r.choice(self.near)))
                continue
            if not self.burst:
                self._next_burst()
            out.append(render(self.burst.pop()))
        return out

    def banner(self) -> list[str]:
        return []


def corpus_stats(corpus: Corpus, normalize: Callable[[str], str]) -> dict[str, tuple[int, int]]:
    """Per component: (lines, distinct normalised lines); key "all" for the whole."""
    out: dict[str, tuple[int, int]] = {}
    everything: set[str] = set()
    for component, sources in sorted(corpus.by_component().items()):
        forms = {normalize(line) for s in sources for line in s.lines} - {""}
        everything |= forms
        out[component] = (sum(len(s.lines) for s in sources), len(forms))
    out["all"] = (len(corpus.lines), len(everything))
    return out
