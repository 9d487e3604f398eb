"""The real-world corpus: public reports and logs that are not in the KB.

Each ``tests/data/real/manifest-*.yaml`` lists excerpts (``cases/*.log``) as people
pasted them, with the source URL: positives name the entry a Xen admin would accept
as the first answer (``expect``), negatives (healthy Xen logs, other hypervisors,
bare metal) must get no finding at all. The lines are never copied into the KB's
examples: this corpus measures recognition, not memory.

A quarter of the cases (by a hash of the file name) is held apart: nothing was tuned
while looking at them, and their figures are printed separately.

    python tests/real_corpus.py          # figures, and the misses of the dev part
    python tests/real_corpus.py --all    # the misses of the held-apart part too
    python tests/real_corpus.py --held-apart   # which files those are
"""

from __future__ import annotations

import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import yaml

REAL = Path(__file__).resolve().parent / "data" / "real"


@dataclass
class Case:
    file: str
    kind: str  # positive or negative
    expect: list[str]
    source: str
    note: str

    @property
    def held_apart(self) -> bool:
        return zlib.crc32(self.file.encode()) % 4 == 0

    @property
    def path(self) -> Path:
        return REAL / self.file


def load_cases() -> list[Case]:
    cases = []
    for manifest in sorted(REAL.glob("manifest-*.yaml")):
        for item in yaml.safe_load(manifest.read_text("utf-8")) or []:
            cases.append(Case(item["file"], item["kind"], list(item.get("expect") or []),
                              item.get("source", ""), item.get("note", "") or item.get("what", "")))
    return cases


@dataclass
class Outcome:
    case: Case
    found: list[str]

    @property
    def top1(self) -> bool:
        return bool(self.found) and self.found[0] in self.case.expect

    @property
    def top3(self) -> bool:
        return any(f in self.case.expect for f in self.found[:3])

    @property
    def ok(self) -> bool:
        return self.top1 if self.case.kind == "positive" else not self.found


def run(matcher, cases: list[Case]) -> list[Outcome]:
    """Each case through what `xenkb match` does: scan, then diagnosis."""
    from xenkb.diagnose import diagnose

    outcomes = []
    for case in cases:
        with open(case.path, "rb") as f:
            result = diagnose(matcher.scan(f, case.file), matcher.entries)
        outcomes.append(Outcome(case, [f.entry.id for f in result.findings]))
    return outcomes


def figures(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """(hits, total) for top-1, top-3 and clean negatives."""
    pos = [o for o in outcomes if o.case.kind == "positive"]
    neg = [o for o in outcomes if o.case.kind == "negative"]
    return {"top1": (sum(o.top1 for o in pos), len(pos)), "top3": (sum(o.top3 for o in pos), len(pos)),
            "negatives_clean": (sum(not o.found for o in neg), len(neg))}


def summary(outcomes: list[Outcome]) -> str:
    lines = []
    for label, part in (("all", outcomes), ("dev", [o for o in outcomes if not o.case.held_apart]),
                        ("held apart", [o for o in outcomes if o.case.held_apart])):
        f = figures(part)
        pct = {k: (100 * a / b if b else 100.0) for k, (a, b) in f.items()}
        lines.append(f"{label:>10}: top-1 {f['top1'][0]}/{f['top1'][1]} ({pct['top1']:.0f}%), "
                     f"top-3 {f['top3'][0]}/{f['top3'][1]} ({pct['top3']:.0f}%), "
                     f"negatives with no finding {f['negatives_clean'][0]}/{f['negatives_clean'][1]}")
    return "\n".join(lines)


def _pct(pair: tuple[int, int]) -> str:
    return f"{pair[0]}/{pair[1]} ({100 * pair[0] / max(pair[1], 1):.0f}%)"


def replace_block(name: str, table: str) -> None:
    """Put `table` between the README's <!-- figures:NAME --> markers."""
    readme = Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text("utf-8")
    start = text.index(f"<!-- figures:{name}")
    start = text.index("-->", start) + 3
    end = text.index(f"<!-- /figures:{name} -->")
    readme.write_text(text[:start] + "\n" + table + text[end:], "utf-8")


def write_readme(outcomes: list[Outcome]) -> int:
    rows = ["| part | right entry first (top-1) | in the first three | healthy or non-Xen logs with no finding |",
            "|---|---|---|---|"]
    for label, part in (("all", outcomes), ("dev (looked at while improving)", [o for o in outcomes if not o.case.held_apart]),
                        ("held apart (never looked at)", [o for o in outcomes if o.case.held_apart])):
        f = figures(part)
        rows.append(f"| {label} | {_pct(f['top1'])} | {_pct(f['top3'])} | {_pct(f['negatives_clean'])} |")
    replace_block("real", "\n".join(rows) + "\n")
    return 0


def main(argv: list[str]) -> int:
    from xenkb.catalog import load_catalog

    if "--held-apart" in argv:  # the files not to read while working on the KB
        print("\n".join(c.file for c in load_cases() if c.held_apart))
        return 0
    matcher = load_catalog(user=False, use_cache=False).matcher()
    outcomes = run(matcher, load_cases())
    if "--readme" in argv:
        return write_readme(outcomes)
    for o in outcomes:
        if o.ok or (o.case.held_apart and "--all" not in argv):
            continue
        print(f"MISS {o.case.file}: expect {o.case.expect}, got {o.found[:3]}")
    print(summary(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
