"""What a log says about the system it came from: versions, arch, toolstack, side.

Facts are read from the first chunk of each input (boot banners live there) and from
every line the scan looks at anyway (matches and error-looking lines), so reading
them costs nothing on the long tail of a big log.

Each fact keeps the line that proved it, so the report can say *why* it believes
the dom0 is amd64.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Literal fragments that make a line worth reading for facts (for the anchor scan).
FACT_ANCHORS = (
    "xen version", "linux version", "xen_version", "xen-3.", "xen-4.", "xend", "libxl",
    "hvmloader", "qemu-dm", "xenbr", "blkfront", "netfront", "blkback", "netback",
    "paravirtualized kernel", "xm create", "xl create", "etchnhalf", "hvm loader",
    "privileged domain", "xen_major", "x86_64", "i686", "builder", "(xen)",
)

# Debian releases by the kernel and hypervisor versions they shipped.
KERNEL_RELEASES = (
    (re.compile(r"^2\.6\.18-"), "etch"),
    (re.compile(r"^2\.6\.24-.*etchnhalf|^2\.6\.24-"), "etch-and-a-half"),
    (re.compile(r"^2\.6\.26-"), "lenny"),
    (re.compile(r"^2\.6\.32-"), "squeeze"),
    (re.compile(r"^3\.2\.0-"), "wheezy"),
    (re.compile(r"^3\.16\.0-"), "jessie"),
    (re.compile(r"^4\.9\.0-"), "stretch"),
    (re.compile(r"^4\.19\.0-"), "buster"),
    (re.compile(r"^5\.10\.0-"), "bullseye"),
    (re.compile(r"^6\.1\.0-"), "bookworm"),
    (re.compile(r"^6\.12\.\d+"), "trixie"),
)
XEN_RELEASES = {
    "3.0": "etch", "3.2": "lenny", "4.0": "squeeze", "4.1": "wheezy", "4.4": "jessie",
    "4.8": "stretch", "4.11": "buster", "4.14": "bullseye", "4.17": "bookworm", "4.20": "trixie",
}

# Only ever printed on the host side (dom0 or the hypervisor's own console).
_DOM0_WORDS = ("xend", "libxl", "blkback", "netback", "xenbr", "privileged domain", "dom0 kernel",
               "initialising xen privileged")

_XL_COMMAND = re.compile(r"\bxl (create|save|restore|migrate|list|info)\b")
_GUEST_TYPE = re.compile(r"\b(?:builder|type)\s*=\s*['\"]?(hvm|pvh)\b")

_XEN_VERSION = (
    re.compile(r"\bXen version:? (\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?)", re.I),
    re.compile(r"\bxen_version\s*:\s*(\d+\.\d+(?:\.\d+)?\S*)", re.I),
    re.compile(r"\bxen-(\d+\.\d+(?:\.\d+)?-\d+)-(?:i386|amd64|686)", re.I),
)
_KERNEL = (
    re.compile(r"\bLinux version (\d+\.\d+(?:\.\d+)?[-\w.+]*)"),
    re.compile(r"\bLinux \S+ (\d+\.\d+\.\d+-[-\w.+]+) #\d"),  # uname -a
    re.compile(r"\bvmlinuz-(\d+\.\d+\.\d+-[-\w.+]+)"),
)


@dataclass
class Fact:
    value: str
    line: int
    source: str
    evidence: str


@dataclass
class Facts:
    """Facts keyed by name: xen, kernel, flavour, arch, debian, toolstack, side, guest."""

    found: dict[str, Fact] = field(default_factory=dict)
    hints: dict[str, set[str]] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)
    overridden: set[str] = field(default_factory=set)  # current value set with override

    def set(self, name: str, value: str, line: int, source: str, text: str, override: bool = False) -> None:
        """First evidence wins, unless `override` (a kernel release outweighs the
        Debian release guessed from the Xen version, and the later one wins)."""
        if name not in self.found or override:
            self.found[name] = Fact(value, line, source, text.strip()[:200])
            if override:
                self.overridden.add(name)
        self.hints.setdefault(name, set()).add(value)

    def prefer(self, name: str, value: str, rank: int, line: int, source: str, text: str) -> None:
        """Keep the value with the highest rank: for facts where one kind of evidence
        outweighs another (a netfront driver line is printed by some dom0 kernels
        too, but blkback or xend only ever run in a dom0)."""
        current = self.ranks.get(name, -1)
        if rank > current:
            self.ranks[name] = rank
            self.set(name, value, line, source, text, override=True)
        else:
            self.hints.setdefault(name, set()).add(value)

    def get(self, name: str) -> str | None:
        fact = self.found.get(name)
        return fact.value if fact else None

    def as_dict(self) -> dict[str, str]:
        return {k: v.value for k, v in sorted(self.found.items())}

    def merge(self, other: Facts) -> None:
        """Add the facts of the input's next part, as one pass over both would:
        ranked facts keep the highest rank (the first of equals); a fact the other
        part set with `override` takes its value, since it came later; any other
        keeps the first value."""
        for name, fact in other.found.items():
            if name in self.ranks or name in other.ranks:
                take = other.ranks.get(name, -1) > self.ranks.get(name, -1)
            else:
                take = name not in self.found or name in other.overridden
            if take:
                self.found[name] = fact
                if name in other.ranks:
                    self.ranks[name] = other.ranks[name]
                if name in other.overridden:
                    self.overridden.add(name)
        for name, values in other.hints.items():
            self.hints.setdefault(name, set()).update(values)


def kernel_arch(release: str) -> str | None:
    r = release.lower()
    if "amd64" in r or "x86_64" in r:
        return "amd64"
    if re.search(r"686|486|i386|pae|bigmem", r):
        return "i386"
    return None


def release_of_kernel(release: str) -> str | None:
    for pattern, name in KERNEL_RELEASES:
        if pattern.search(release):
            if name == "etch-and-a-half" and not release.startswith("2.6.24"):
                continue
            return name
    return None


def read_facts(text: str, line: int, source: str, facts: Facts) -> None:
    """Add what one line shows to `facts` (first evidence wins)."""
    lower = text.lower()
    # Cheap substring tests first: most lines hold none of these facts.
    if "xen version" in lower or "xen_version" in lower or "xen-" in lower:
        _read_xen_version(text, lower, line, source, facts)
    if "linux" in lower or "vmlinuz-" in lower:
        _read_kernel(text, line, source, facts)
    _read_context(text, lower, line, source, facts)


def _read_xen_version(text: str, lower: str, line: int, source: str, facts: Facts) -> None:
    for pattern in _XEN_VERSION:
        m = pattern.search(text)
        if m:
            version = m.group(1)
            facts.set("xen", version, line, source, text)
            short = ".".join(version.split("-")[0].split(".")[:2])
            if short in XEN_RELEASES and "debian" not in facts.found:
                facts.set("debian", XEN_RELEASES[short], line, source, text)
            if "i386" in lower or "x86_32" in lower:
                facts.set("hypervisor_arch", "i386", line, source, text)
            elif "amd64" in lower or "x86_64" in lower:
                facts.set("hypervisor_arch", "amd64", line, source, text)
            break


def _read_kernel(text: str, line: int, source: str, facts: Facts) -> None:
    for pattern in _KERNEL:
        m = pattern.search(text)
        if m:
            release = m.group(1)
            facts.set("kernel", release, line, source, text)
            if "-xen" in release:
                facts.set("flavour", release.split("-", 2)[-1], line, source, text)
            arch = kernel_arch(release)
            if arch:
                facts.set("arch", arch, line, source, text)
            debian = release_of_kernel(release)
            if debian:
                facts.set("debian", debian, line, source, text, override=True)
            break


def _read_context(text: str, lower: str, line: int, source: str, facts: Facts) -> None:
    if "etchnhalf" in lower:
        facts.set("debian", "etch-and-a-half", line, source, text, override=True)
    if "xend" in lower or "xm create" in lower or "xm save" in lower or "xm migrate" in lower:
        facts.set("toolstack", "xm", line, source, text)
    elif "libxl" in lower or ("xl " in lower and _XL_COMMAND.search(lower)):
        facts.set("toolstack", "xl", line, source, text)
    if "hvmloader" in lower or "qemu-dm" in lower or "hvm loader" in lower:
        facts.set("guest", "hvm", line, source, text)
    elif "builder" in lower or "type" in lower:
        m = _GUEST_TYPE.search(lower)
        if m:
            facts.set("guest", m.group(1), line, source, text)
    if any(w in lower for w in _DOM0_WORDS) or text.lstrip().startswith("(XEN)"):
        facts.prefer("side", "dom0", 2, line, source, text)
    elif any(w in lower for w in ("blkfront", "netfront", "xen-blkfront", "xen-netfront")):
        facts.prefer("side", "domU", 1, line, source, text)
