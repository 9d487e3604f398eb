"""Diagnosis beyond line matching: facts, applies_to ranking, compatibility rules,
root cause first, fitted thresholds, --explain, unrecognised errors, kb draft."""

from __future__ import annotations

import json

from conftest import DATA, run_xenkb

from xenkb.catalog import load_catalog
from xenkb.diagnose import diagnose
from xenkb.scoring import THRESHOLD_FLOOR, THRESHOLD_MARGIN


def scan_file(catalog, name):
    with open(DATA / name, "rb") as f:
        return diagnose(catalog.matcher().scan(f, source=name), catalog.entries)


def test_facts_from_a_lenny_dom0_log(catalog):
    facts = scan_file(catalog, "clean/lenny-dom0-dmesg.log").facts.as_dict()
    assert facts["xen"] == "3.2-1"
    assert facts["kernel"] == "2.6.26-2-xen-amd64"
    assert facts["flavour"] == "xen-amd64"
    assert facts["arch"] == "amd64" and facts["debian"] == "lenny" and facts["side"] == "dom0"


def test_facts_from_an_xl_log_and_a_domu_console(catalog):
    facts = scan_file(catalog, "logs/xl-bridge-missing.log").facts.as_dict()
    assert facts["toolstack"] == "xl" and facts["xen"] == "4.11.4" and facts["debian"] == "buster"
    domu = scan_file(catalog, "clean/lenny-domu-console.log").facts.as_dict()
    assert domu["side"] == "domU" and domu["arch"] == "i386"


def test_json_first_line_holds_the_facts():
    r = run_xenkb("match", "--json", str(DATA / "logs" / "xl-bridge-missing.log"))
    first = json.loads(r.stdout.decode().splitlines()[0])
    assert first["type"] == "facts" and first["facts"]["toolstack"] == "xl"


def test_root_cause_first_symptom_folded_under_it(catalog):
    result = scan_file(catalog, "logs/xl-bridge-missing.log")
    top = result.findings[0]
    assert top.entry.id == "bridge-not-found"
    folded = {s.entry.id for s in top.symptoms_of_this}
    assert folded, "the vif/hotplug echo of the missing bridge should be folded under it"
    assert all(f.entry.id not in folded for f in result.findings[1:])
    r = run_xenkb("match", str(DATA / "logs" / "xl-bridge-missing.log"))
    assert b"Its symptoms, also in this log" in r.stdout


ENTRY = """\
id: {id}
title: {title}
summary: s
kind: {kind}
applies_to: {applies}
{signatures}
symptoms: [something odd]
fix:
  - step: do it
references:
  - url: https://example.org/x
examples:
  match: ["{line}"]
  no_match: ["unrelated healthy line"]
"""


def _entry(kb, id, applies, line, kind="problem", sig=True):
    signatures = f'signatures:\n  - text: "{line}"' if sig else "signatures: []"
    (kb / f"{id}.yaml").write_text(ENTRY.format(id=id, title=id, applies=applies, line=line,
                                                kind=kind, signatures=signatures))


def test_a_finding_the_facts_contradict_is_ranked_down_and_says_why(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    _entry(kb, "xm-only-thing", "{toolstack: [xm]}", "gizmo controller wobbled badly today")
    _entry(kb, "xl-only-thing", "{toolstack: [xl]}", "sprocket assembly jammed completely now")
    catalog = load_catalog(extra=[kb], user=False, use_cache=False)
    text = ("gizmo controller wobbled badly today\nsprocket assembly jammed completely now\n"
            "libxl: error: libxl_create.c:1: something\n")
    result = diagnose(catalog.matcher().scan_text(text), catalog.entries)
    ids = [f.entry.id for f in result.findings]
    assert ids.index("xl-only-thing") < ids.index("xm-only-thing")
    xm = next(f for f in result.findings if f.entry.id == "xm-only-thing")
    assert "ranked down" in xm.notes[0] and "toolstack xm" in xm.notes[0]


def test_compat_rule_speaks_up_without_an_error_line(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    _entry(kb, "old-xen-on-amd64", '{xen: ">=3.0, <3.1", arch: [amd64]}', "x", kind="compat", sig=False)
    catalog = load_catalog(extra=[kb], user=False, use_cache=False)
    text = "(XEN) Xen version 3.0.3-1 (Debian)\n[ 0.0] Linux version 2.6.18-6-xen-amd64 (Debian 2.6.18.dfsg.1-24)\n"
    result = diagnose(catalog.matcher().scan_text(text), catalog.entries)
    finding = next(f for f in result.findings if f.entry.id == "old-xen-on-amd64")
    assert "no error line" in finding.notes[0]
    assert {e.line for e in finding.evidence} == {1, 2}


def test_seed_compat_rule_not_raised_for_a_domu(catalog):
    domu = ("[ 0.0] Linux version 2.6.26-2-686 (Debian 2.6.26-21lenny4)\n"
            "[ 0.1] blkfront: xvda: barriers enabled\n")
    dom0 = ("(XEN) Xen version 3.2-1 (Debian 3.2.1-2)\n"
            "[ 0.0] Linux version 2.6.26-2-686 (Debian 2.6.26-21lenny4)\n")
    ids = lambda t: [f.entry.id for f in diagnose(catalog.matcher().scan_text(t), catalog.entries).findings]  # noqa: E731
    assert "lenny-pvops-kernel-not-dom0" not in ids(domu)
    assert ids(dom0)[0] == "lenny-pvops-kernel-not-dom0"


def test_thresholds_are_fitted_above_each_entrys_near_misses(catalog):
    from xenkb.check import near_miss_best

    matcher = catalog.matcher()
    for entry in catalog.entries.values():
        if not entry.signatures or entry.threshold_fixed:
            continue
        assert entry.threshold >= THRESHOLD_FLOOR
        assert entry.threshold >= near_miss_best(matcher, entry) + THRESHOLD_MARGIN or entry.threshold == 100


def test_kb_check_warns_when_examples_are_too_close_to_call(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "close-call.yaml").write_text(ENTRY.format(
        id="close-call", title="t", kind="problem", applies="{}",
        signatures='signatures:\n  - text: "the quantum flux capacitor overheated"',
        line="a quantm flx capcitr ovrheatd").replace(  # scores 85, threshold 84
        'no_match: ["unrelated healthy line"]', 'no_match: ["the quantum flux capacitor is idle"]'))
    r = run_xenkb("kb", "check", str(kb))
    assert b"too close to call" in r.stdout, r.stdout.decode()


def test_explain_says_why_an_entry_stayed_silent():
    r = run_xenkb("match", "--explain", input=b"(XEN) I/O virtualisation enabled\n")
    out = r.stdout.decode()
    assert r.returncode == 1
    assert "iommu-disabled: the line holds the forbidden word 'enabled'" in out
    assert "normalised:  i/o virtualisation enabled" in out and "threshold" in out


def test_unrecognised_errors_are_listed_folded_and_counted():
    r = run_xenkb("match", str(DATA / "logs" / "unrecognised-errors.log"))
    out = r.stdout.decode()
    assert "[4gb-seg-fixup]" in out
    assert "Not recognised" in out
    assert "line 2 (x3, last line 4): [   12.100000] frobd[311]: fatal error" in out
    assert "Traceback (most recent call last)" in out
    r = run_xenkb("match", "--json", str(DATA / "logs" / "unrecognised-errors.log"))
    un = [o for o in map(json.loads, r.stdout.decode().splitlines()) if o["type"] == "unrecognised"]
    frob = next(u for u in un if "frobd" in u["text"])
    assert frob["count"] == 3 and frob["first_line"] == 2 and frob["last_line"] == 4


def test_kb_draft_makes_a_skeleton_that_becomes_a_working_entry(isolated_xdg):
    log = DATA / "logs" / "unrecognised-errors.log"
    r = run_xenkb("kb", "draft", f"{log}:3", "--id", "frobd-widget-cache")
    assert r.returncode == 0, r.stderr
    path = isolated_xdg / "xdg_config_home" / "xenkb" / "kb" / "frobd-widget-cache.yaml"
    text = path.read_text()
    assert "frobd[<NUM>]: fatal error: widget cache corrupted at <HEX>" in text  # masks applied
    assert "frobd[312]: fatal error" in text  # the line itself, as the first match example
    r = run_xenkb("kb", "check", str(path.parent))
    assert r.returncode == 2 and b"references" in r.stdout  # unfinished: not yet knowledge
    finished = (text.replace("references: []", "references:\n  - url: https://example.org/frobd")
                .replace("no_match: []", 'no_match: ["frobd[1]: widget cache rebuilt"]'))
    path.write_text(finished)
    r = run_xenkb("kb", "check", str(path.parent))
    assert r.returncode == 0, r.stdout.decode()
    r = run_xenkb("match", str(log))
    assert b"[frobd-widget-cache]" in r.stdout


def test_a_chain_of_causes_keeps_every_finding_in_json(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    _entry(kb, "root-thing", "{}", "the root gizmo is completely missing")
    _entry(kb, "middle-thing", "{}", "the middle sprocket refused to start")
    _entry(kb, "leaf-thing", "{}", "the leaf widget cannot reach sprockets")
    for name, effect in (("root-thing", "middle-thing"), ("middle-thing", "leaf-thing")):
        path = kb / f"{name}.yaml"
        path.write_text(path.read_text() + f"causes: [{effect}]\n")
    text = ("the leaf widget cannot reach sprockets\nthe middle sprocket refused to start\n"
            "the root gizmo is completely missing\n")
    log = tmp_path / "chain.log"
    log.write_text(text)
    r = run_xenkb("match", "--json", "--no-user-kb", "--kb", str(kb), str(log))
    found = [o for o in map(json.loads, r.stdout.decode().splitlines()) if o["type"] == "finding"]
    ids = [o["id"] for o in found]
    assert ids[:3] == ["root-thing", "middle-thing", "leaf-thing"]
    assert found[1]["caused_by"] == "root-thing" and found[2]["caused_by"] == "middle-thing"


def test_a_typo_line_and_its_correct_twin_are_scored_independently(matcher):
    """Scores are cached per normalised line; a cached score must never leak to a
    different line (regex signatures see the raw line, not the normalised one)."""
    text = ("libxl: error: libxl_exec.c:117:libxl_report_child_exitstatus: /etc/xen/scripts/blosk add [490] exited with error status 1\n"
            "libxl: error: libxl_exec.c:117:libxl_report_child_exitstatus: /etc/xen/scripts/block add [491] exited with error status 1\n")
    for order in (text, "\n".join(reversed(text.splitlines())) + "\n"):
        fast = matcher.scan_text(order)
        slow = matcher.scan_text(order, exhaustive=True)
        key = lambda r: [(f.entry.id, f.count, f.first_line, f.last_line) for f in r.findings]  # noqa: E731
        assert key(fast) == key(slow)


def test_diagnosing_twice_changes_nothing(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    _entry(kb, "xm-only-thing", "{toolstack: [xm]}", "gizmo controller wobbled badly today")
    catalog = load_catalog(extra=[kb], user=False, use_cache=False)
    text = "gizmo controller wobbled badly today\nlibxl: error: libxl_create.c:1: something\n"
    result = diagnose(catalog.matcher().scan_text(text), catalog.entries)
    once = [(f.entry.id, f.rank_score, list(f.notes)) for f in result.findings]
    again = [(f.entry.id, f.rank_score, list(f.notes)) for f in diagnose(result, catalog.entries).findings]
    assert once == again and once[0][2]
