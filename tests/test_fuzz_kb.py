"""Fuzz: any user KB entry. Fields of every type, aliases (shared values, dumped as
YAML anchors), sizes up to and past the budgets, regexes that compile and that do
not, keys and values with escapes and direction controls.

Asserted: loading never raises (a broken entry is problems, not an exception); an
entry that loads compiles, scans and renders, with nothing raw reaching the
terminal; through the command line, the bundled KB keeps working beside it, under a
memory limit, with one-line warnings and no traceback."""

from __future__ import annotations

import re

import yaml
from fuzz_support import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from reliability_support import SEG, SEG_ID, finding_ids, run_limited

from xenkb.model import Problem

_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

_word = st.sampled_from(["vif", "could", "not", "be", "connected", "xenbr0", "hotplug", "scripts", "error",
                         "failed", "domain", "<NUM>", "<HEX>", "0x1f", "/dev/xvda", "\x1b]0;x\x07", "\u202e",
                         "é", "", "Boot", "loader", "didn't", "return", "any", "data!"])
_text = st.one_of(st.lists(_word, max_size=12).map(" ".join), st.text(max_size=30),
                  # short, or longer than the budgets allow (refused before any work)
                  st.sampled_from([1, 4, 20, 230]).map(lambda n: "frob " * n))
_regex = st.one_of(st.sampled_from([r"vif\d+ could not", r"(a+)+$", r"(", r"[", r"\p{Greek}+ failed",
                                    r"a{1000}", r"(?i)hotplug.*failed", r"\bxenbr0\b|scripts", r"x{2,}?y",
                                    r"(?P<dev>/dev/\w+) failed", r"connected\s+to\s+xenbr0"]),
                   _text)
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 1000), st.floats(allow_nan=False), _text)


def _maybe_list(inner):  # type: ignore[no-untyped-def]
    return st.one_of(inner, st.lists(inner, max_size=5), _scalar)


_signature = st.one_of(
    _text,
    st.fixed_dictionaries({}, optional={
        "text": _text, "regex": _regex, "anchors": _maybe_list(_text), "require": _maybe_list(_text),
        "forbid": _maybe_list(_text), "bogus\x1b]0;x\x07": _scalar}),
    _scalar)


_good_text = st.lists(st.sampled_from(["vif", "could", "not", "be", "connected", "to", "xenbr0", "hotplug",
                                        "scripts", "failed", "domain", "<NUM>", "0x1f", "/dev/xvda", "é", "Boot",
                                        "loader", "didn't", "return", "any", "data!", "(XEN)", "[ 1.0]"]),
                      min_size=3, max_size=12).map(" ".join)


# Hypothesis favours the ends of a range; a mostly-False choice must say so itself.
_rarely = st.integers(0, 99).map(lambda n: n % 8 == 5)


@st.composite
def entries(draw):  # type: ignore[no-untyped-def]
    """A valid entry, then a few changes: most still load, and exercise compiling and
    scanning; the rest are broken in every way a field can be."""
    texts = draw(st.lists(_good_text, min_size=1, max_size=3))
    sigs: list = []
    for text in texts:
        sig: dict = {"text": text} if draw(st.integers(0, 3)) else {"regex": draw(_regex)}
        if draw(st.booleans()):
            sig["anchors"] = draw(st.lists(_good_text if draw(st.integers(0, 3)) else _text, max_size=6))
        if draw(st.booleans()):
            sig[draw(st.sampled_from(["require", "forbid"]))] = draw(st.lists(_word, max_size=3))
        sigs.append(sig)
    examples = [draw(st.sampled_from(texts)) for _ in range(draw(st.integers(1, 3)))]
    shared = draw(st.lists(_good_text, min_size=1, max_size=3))  # one object in several fields: YAML aliases
    data: dict = {
        "id": "fz-entry",
        "title": draw(_good_text),
        "summary": draw(_good_text),
        "severity": draw(st.sampled_from(["low", "medium", "high", "critical", "info"])),
        "signatures": sigs,
        "symptoms": shared,
        "cause": draw(_text),
        "fix": [{"step": draw(_good_text), "commands": shared}],
        "references": [{"url": "https://example.com/fz"}],
        "examples": {"match": examples, "no_match": draw(st.lists(_good_text, min_size=1, max_size=3))},
    }
    if draw(st.booleans()):
        data["applies_to"] = draw(st.fixed_dictionaries({}, optional={
            "xen": st.sampled_from([">=3.0, <4.0", "4.1", ">= 9", "x.y", ""]),
            "kernel": _regex, "toolstack": _maybe_list(st.sampled_from(["xm", "xl", "zz"])),
            "arch": st.just(["amd64"]), "side": _maybe_list(st.sampled_from(["dom0", "domU", "moon"]))}))
    for key, strategy in (("threshold", st.integers(1, 100)), ("deprecated", st.booleans()),
                          ("superseded_by", _text), ("causes", st.lists(_good_text, max_size=2)),
                          ("kind", st.sampled_from(["problem", "howto", "compat"]))):
        if draw(_rarely):
            data[key] = draw(strategy)
    # A few fields replaced by anything, unknown keys added.
    for _ in range(draw(st.integers(0, 99).map(lambda n: (n % 8 == 5) + (n % 16 == 13)))):
        key = draw(st.sampled_from(sorted(data)))
        data[key] = draw(st.one_of(_scalar, _text, st.lists(_scalar, max_size=3),
                                   st.lists(_signature, max_size=3), st.just(shared)))
    if draw(_rarely):
        data[draw(st.sampled_from(["bogus\x1b]0;x\x07", "\u202eodd", "0", "examples2"]))] = draw(_scalar)
    if draw(_rarely):
        data["signatures"] = [{"text": "vif could not be connected", "anchors": ["vif could"] * 2}] * 40
    return data


def _dump(data) -> str:  # type: ignore[no-untyped-def]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@fuzz_settings(150)
@given(data=entries())
def test_any_entry_loads_as_problems_or_compiles_scans_and_renders(tmp_path, data):
    from xenkb.catalog import fit_thresholds
    from xenkb.kb import load_file
    from xenkb.match import Matcher
    from xenkb.render import Style, entry_text
    from xenkb.safetext import visible

    path = tmp_path / "fz-entry.yaml"
    path.write_text(_dump(data), encoding="utf-8")
    entry, problems = load_file(path, "user")
    assert all(isinstance(p, Problem) for p in problems)
    for problem in problems:
        assert not _RAW.search(visible(str(problem), 2000))
    if entry is None:
        return
    fitted = fit_thresholds({entry.id: entry})[entry.id]
    matcher = Matcher([fitted])
    lines = list(entry.examples_match) + [SEG.decode(), "x" * 70_000 + " vif could not be connected"]
    matcher.scan_text("\n".join(lines))
    matcher.scan_text("\n".join(lines), exhaustive=True)
    assert not _RAW.search(entry_text(fitted, Style(False)).replace("\n", " "))


@fuzz_settings(4)
@given(batch=st.lists(entries(), min_size=1, max_size=3))
def test_the_command_line_keeps_the_bundled_kb_working_beside_any_entry(tmp_path, batch):
    kb = tmp_path / "kb"
    kb.mkdir(exist_ok=True)
    for old in kb.glob("*.yaml"):
        old.unlink()
    for i, data in enumerate(batch):
        (kb / f"fz-{i}.yaml").write_text(_dump(data), encoding="utf-8")
    log = tmp_path / "seg.log"
    log.write_bytes(SEG + b"\n")
    r = run_limited("match", "--json", "--kb", str(kb), str(log), timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    assert SEG_ID in finding_ids(r.stdout)
    err = r.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    assert all(line.startswith("xenkb: ") for line in err.splitlines()), err
    assert not _RAW.search(err.replace("\n", " "))
    r = run_limited("kb", "check", str(kb), timeout=180)
    assert r.returncode in (0, 2) and b"Traceback" not in r.stderr
    assert not _RAW.search(r.stdout.decode("utf-8", "replace").replace("\n", " "))
