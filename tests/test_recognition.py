"""The recognition mechanisms of issue 11, each on a small KB of its own: templates,
multi-line signatures, context rules, and specific before generic.

The lines here are invented to isolate one mechanism each (marked so); the real-world
corpus in tests/data/real/ measures the bundled KB on real reports.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from xenkb.catalog import fit_thresholds
from xenkb.diagnose import diagnose
from xenkb.kb import load_dirs
from xenkb.match import Matcher
from xenkb.scoring import CompiledSignature, LineView, template_score, template_segments
from xenkb.model import Signature
from xenkb.normalize import mask, strip_prefixes

BASE = """\
id: {id}
title: A test entry
summary: For a test.
references: [{{url: "https://example.org/test"}}]
fix: [{{step: Do the thing.}}]
"""


def kb(tmp_path: Path, *entries: str) -> Matcher:
    for text in entries:
        entry_id = text.split("\n", 1)[0].split(":", 1)[1].strip()
        body = BASE.format(id=entry_id) + textwrap.dedent(text.split("\n", 1)[1])
        (tmp_path / f"{entry_id}.yaml").write_text(body)
    loaded, problems = load_dirs([(tmp_path, "user")])
    errors = [str(p) for p in problems if p.level == "error"]
    assert not errors, errors
    return Matcher(fit_thresholds(loaded).values())


def found(matcher: Matcher, text: str) -> list[str]:
    return [f.entry.id for f in diagnose(matcher.scan_text(text), matcher.entries).findings]


def sig(text: str) -> CompiledSignature:
    template = "<*>" in text
    norm = mask(strip_prefixes(text), paths=not template)
    return CompiledSignature.build("x", 0, Signature(text=text, norm=norm, template=template))


# --- templates ---------------------------------------------------------------------

def test_a_template_ignores_its_variable_tail():
    """The xend message 'Device %s (%s) could not be connected. ' is followed by
    whatever the hotplug script said: any tail must score like the example's."""
    s = sig("Device <NUM> (vif) could not be connected. <*>")
    for tail in ("Backend device not found.", "Hotplug scripts not working.",
                 "/etc/xen/scripts/vif-bridge failed; error detected."):
        assert s.raw_score(LineView.of(f"Error: Device 0 (vif) could not be connected. {tail}")) == 100


def test_a_plain_text_signature_pays_for_another_tail():
    """Without <*> the whole sentence is the signature: that is what templates fix."""
    s = sig("Error: Device 0 (vif) could not be connected. Backend device not found.")
    assert s.raw_score(LineView.of("Error: Device 0 (vif) could not be connected. /etc/xen/scripts/block failed")) < 85


def test_a_template_with_a_variable_middle():
    s = sig("4gb seg fixup, process <*> (pid <NUM>)")
    assert s.raw_score(LineView.of('I get lots of "4gb seg fixup, process some.thing-2 (pid 12)" messages')) == 100


def test_a_line_lacking_the_constant_core_scores_nothing():
    s = sig("<*> Time went backwards <*>")
    assert s.raw_score(LineView.of("clocksource/0: time went forwards by 5")) == 0
    assert s.raw_score(LineView.of("Timer ISR/0: Time went backwards: delta=-1 cpu_delta=0")) == 100


def test_a_typo_in_a_segment_costs_a_little():
    s = sig("Device <NUM> (vif) could not be connected. <*>")
    score = s.raw_score(LineView.of("Device 0 (vif) could not be conected. x"))
    assert 90 <= score < 100


def test_segments_must_come_in_order():
    segs = template_segments("aaaaa bbbbb <*> ccccc ddddd")
    assert segs == ("aaaaa bbbbb", "ccccc ddddd")
    assert template_score(segs, "ccccc ddddd then aaaaa bbbbb") == 0
    assert template_score(segs, "aaaaa bbbbb then ccccc ddddd") == 100


def test_short_segments_must_be_exact():
    assert template_score(("ab:", "some longer text"), "xx: some longer text") == 0


def test_the_scan_finds_a_template_with_another_tail(tmp_path):
    m = kb(tmp_path, """id: vif-fail
signatures:
  - text: "Device <NUM> (vif) could not be connected. <*>"
examples:
  match: ["Error: Device 0 (vif) could not be connected. Backend device not found."]
  no_match: ["Error: Device 0 (vbd) could not be connected. Backend device not found."]
""")
    # invented line: the same xend message with a tail the example does not have
    assert found(m, "[2010-05-01 10:00:00 3000] ERROR (XendDomainInfo:2010) Device 1 (vif) could not be "
                    "connected. /etc/xen/scripts/vif-bridge failed; error detected.") == ["vif-fail"]


# --- multi-line signatures ---------------------------------------------------------

PYGRUB = """id: pygrub-trace
signatures:
  - lines:
      - "Traceback (most recent call last):"
      - 'File "/usr/bin/pygrub", line <NUM>, in <*>'
      - "fsimage.open(<*>"
    window: 15
examples:
  match: ["x"]
  no_match: ["Traceback (most recent call last):"]
"""

TRACE = """Traceback (most recent call last):
  File "/usr/bin/pygrub", line 685, in ?
    fs = fsimage.open(file, get_fs_offset(file))
IOError: [Errno 95] Operation not supported
"""  # invented from the shape of pygrub tracebacks in public reports


def test_a_multi_line_signature_needs_all_its_lines_in_order(tmp_path):
    m = kb(tmp_path, PYGRUB.replace('["x"]', repr([TRACE])))
    assert found(m, "boot\n" + TRACE + "done\n") == ["pygrub-trace"]
    assert found(m, TRACE.splitlines()[0]) == []
    reordered = "\n".join(reversed(TRACE.splitlines()))
    assert found(m, reordered) == []


def test_a_multi_line_signature_respects_its_window(tmp_path):
    m = kb(tmp_path, PYGRUB.replace('["x"]', repr([TRACE])))
    lines = TRACE.splitlines()
    spread = "\n".join([lines[0], lines[1]] + ["filler line"] * 20 + [lines[2]])
    assert found(m, spread) == []


def test_a_multi_line_hit_has_every_line_as_evidence(tmp_path):
    m = kb(tmp_path, PYGRUB.replace('["x"]', repr([TRACE])))
    result = m.scan_text("x\n" + TRACE)
    assert [e.line for e in result.findings[0].evidence] == [2, 3, 4]


def test_fast_and_exhaustive_agree_on_multi_line(tmp_path):
    m = kb(tmp_path, PYGRUB.replace('["x"]', repr([TRACE])))
    text = ("noise\n" * 30 + TRACE) * 3
    fast, full = m.scan_text(text), m.scan_text(text, exhaustive=True)
    assert [(f.entry.id, f.count, f.first_line) for f in fast.findings] == \
           [(f.entry.id, f.count, f.first_line) for f in full.findings] == [("pygrub-trace", 3, 31)]


def test_a_multi_line_signature_needs_two_lines(tmp_path):
    (tmp_path / "one.yaml").write_text(BASE.format(id="one") + 'signatures:\n  - lines: ["just one"]\n'
                                       'examples: {match: [a], no_match: [b]}\n')
    _, problems = load_dirs([(tmp_path, "user")])
    assert any("at least two lines" in p.message for p in problems)


# --- context ---------------------------------------------------------------------------

CDROM = """id: cd-fail
signatures:
  - text: "CDROM boot failure code : <NUM>"
context:
  benign:
    - text: "Booting from Hard Disk"
      within: 30
      direction: after
      reason: the firmware went on to boot from the hard disk
examples:
  match: ["CDROM boot failure code : 0003"]
  no_match: ["Booting from Hard Disk..."]
"""


def test_benign_context_after_the_line_rules_the_finding_out(tmp_path):
    m = kb(tmp_path, CDROM)
    # invented lines in the shape of hvmloader/ROMBIOS output relayed by xm dmesg
    log = "(XEN) HVM3: CDROM boot failure code : 0003\n(XEN) HVM3: Booting from Hard Disk...\n"
    result = m.scan_text(log)
    assert result.findings == []
    assert result.ruled_out and "hard disk" in result.ruled_out[0][1]


def test_benign_context_elsewhere_does_not_count(tmp_path):
    m = kb(tmp_path, CDROM)
    log = "(XEN) HVM3: Booting from Hard Disk...\n" + "x\n" * 5 + "(XEN) HVM3: CDROM boot failure code : 0003\n"
    assert found(m, log) == ["cd-fail"]


IOMMU = """id: no-iommu
signatures:
  - text: "I/O virtualisation disabled"
    forbid: [enabled]
context:
  require:
    - text: "xc_assign_device failed"
      reason: the host does not try PCI passthrough
    - text: "xen-pciback.hide=<*>"
      reason: the host does not try PCI passthrough
examples:
  match: ["(XEN) I/O virtualisation disabled"]
  no_match: ["(XEN) I/O virtualisation enabled"]
"""


def test_required_context_missing_rules_the_finding_out(tmp_path):
    m = kb(tmp_path, IOMMU)
    assert found(m, "(XEN) I/O virtualisation disabled\n") == []
    assert found(m, "(XEN) I/O virtualisation disabled\nlibxl: error: xc_assign_device failed: No such device\n") \
        == ["no-iommu"]


def test_context_survives_a_two_part_scan(tmp_path):
    """The two-core scan merges two halves; marks of the second half are shifted."""
    from xenkb.parallel import merge

    m = kb(tmp_path, CDROM)
    import io
    first = m.scan_partial(io.BytesIO(b"(XEN) HVM3: CDROM boot failure code : 0003\n"), "f")
    second = m.scan_partial(io.BytesIO(b"(XEN) HVM3: Booting from Hard Disk...\n"), "f")
    result = m.finish(merge(first, second))
    assert result.findings == [] and result.ruled_out


# --- specific before generic ------------------------------------------------------

GENERIC = """id: hotplug-generic
generic: true
signatures:
  - text: "Device <NUM> (vbd) could not be connected. <*>"
examples:
  match: ["Error: Device 51712 (vbd) could not be connected. Hotplug scripts not working."]
  no_match: ["Device 0 (vif) could not be connected."]
"""
SPECIFIC = """id: loop-gone
signatures:
  - text: "Failed to find an unused loop device"
examples:
  match: ["Failed to find an unused loop device"]
  no_match: ["loop: module loaded"]
"""


@pytest.mark.parametrize("log", [
    # the specific reason as the tail of the generic line (invented, xend's shape)
    "Error: Device 51712 (vbd) could not be connected. Failed to find an unused loop device\n",
    # or on the next line
    "Error: Device 51712 (vbd) could not be connected. Hotplug scripts not working.\n"
    "Failed to find an unused loop device\n",
])
def test_the_specific_cause_leads_and_the_generic_one_folds(tmp_path, log):
    m = kb(tmp_path, GENERIC, SPECIFIC)
    result = diagnose(m.scan_text(log), m.entries)
    assert [f.entry.id for f in result.findings] == ["loop-gone"]
    assert [s.entry.id for s in result.findings[0].symptoms_of_this] == ["hotplug-generic"]


def test_a_generic_finding_far_from_the_specific_one_stays(tmp_path):
    m = kb(tmp_path, GENERIC, SPECIFIC)
    log = ("Error: Device 51712 (vbd) could not be connected. Hotplug scripts not working.\n"
           + "x\n" * 10 + "Failed to find an unused loop device\n")
    assert sorted(found(m, log)) == ["hotplug-generic", "loop-gone"]


# --- how the line arrived ----------------------------------------------------------

def test_a_mail_quote_is_a_prefix():
    from xenkb.normalize import normalize

    line = "[2010-03-01 11:40:22 3012] ERROR (XendCheckpoint:144) Save failed on domain web (5)."
    assert normalize("> " + line) == normalize(">> " + line) == normalize("> > " + line) == normalize(line)


def test_escaped_newlines_inside_one_line_separate_words():
    """XAPI error objects and Go-quoted errors carry a whole output on one line with
    literal \\n (shape of an EVE-OS report's 'xl create failed: ...\\n...')."""
    s = sig("config parsing error in disk specification: <*>")
    line = r"xl create failed: Parsing config from /run/x.cfg\n/run/x.cfg: config parsing error in disk specification: unknown value for format\n\n"
    assert s.raw_score(LineView.of(line)) == 100


# --- kb check on examples ------------------------------------------------------------

def test_examples_may_name_their_source_and_kb_check_warns_when_they_do_not(tmp_path):
    (tmp_path / "src.yaml").write_text(BASE.format(id="src") + textwrap.dedent("""\
        signatures: ["Failed to find an unused loop device"]
        examples:
          match:
            - text: "xm: Failed to find an unused loop device"
              source: https://example.org/report-1
            - "Error: Failed to find an unused loop device"
          no_match: ["loop: module loaded"]
        """))
    entries, problems = load_dirs([(tmp_path, "user")])
    assert entries["src"].example_sources == ("https://example.org/report-1", "")
    assert any("1 of 2 example(s) name no `source`" in p.message and p.level == "warning" for p in problems)


def test_kb_check_warns_about_an_example_identical_to_its_signature(tmp_path):
    from xenkb.check import check_entries

    m = kb(tmp_path, SPECIFIC)
    problems = check_entries(m, m.entries)
    assert any("tests nothing" in p.message for p in problems)


def test_a_template_message_wrapped_in_two_by_a_mail_client_is_rejoined(tmp_path):
    m = kb(tmp_path, """id: vif-fail
signatures:
  - text: "Device <NUM> (vif) could not be connected. <*>"
examples:
  match: ["Error: Device 0 (vif) could not be connected. Backend device not found."]
  no_match: ["Error: Device 0 (vbd) could not be connected. Backend device not found."]
""")
    # invented: the xend line of a report, wrapped at 80 columns by a mail client
    log = ("[2010-03-01 11:41:02 3012] ERROR (XendDomainInfo:2230) Device 0 (vif) could not\n"
           " be connected. /etc/xen/scripts/vif-bridge failed; error detected.\n")
    result = m.scan_text(log)
    assert [f.entry.id for f in result.findings] == ["vif-fail"]
    assert [e.line for e in result.findings[0].evidence] == [1, 2]
    assert [f.entry.id for f in m.scan_text(log, exhaustive=True).findings] == ["vif-fail"]


def test_a_generic_line_written_apart_in_time_is_another_event(tmp_path):
    """Neighbouring lines of one paste are one event only if their times agree: xend
    lines 40 s apart, or a xend line beside a dmesg line, are two stories."""
    m = kb(tmp_path, GENERIC, SPECIFIC)
    apart = ("[2010-03-01 11:40:22 3012] ERROR (XendCheckpoint:144) Failed to find an unused loop device\n"
             "[2010-03-01 11:41:02 3012] ERROR (XendDomainInfo:2230) Device 51712 (vbd) could not be "
             "connected. Hotplug scripts not working.\n")  # invented, xend.log shape
    assert sorted(found(m, apart)) == ["hotplug-generic", "loop-gone"]
    together = apart.replace("11:41:02", "11:40:23")
    assert found(m, together) == ["loop-gone"]
    mixed = apart.replace("[2010-03-01 11:40:22 3012] ERROR (XendCheckpoint:144)", "[  812.1] loop:")
    assert sorted(found(m, mixed)) == ["hotplug-generic", "loop-gone"]


def test_a_finding_is_announced_as_soon_as_it_is_first_seen(tmp_path):
    """`match --follow` prints findings before the input ends: the scan calls back at
    the first hit of each entry, once, while later lines are still unread."""
    import os

    m = kb(tmp_path, SPECIFIC)
    read_fd, write_fd = os.pipe()
    # The line after the hit is written too: a candidate's neighbour is read with it.
    os.write(write_fd, b"boot\nFailed to find an unused loop device\nnext line\n")
    seen = []

    def on_first(entry, score, evidence):
        seen.append((entry.id, evidence[0].line))
        os.write(write_fd, b"Failed to find an unused loop device\nlater\n")
        os.close(write_fd)  # the rest of the input arrives only now

    import signal

    signal.alarm(20)  # a scan that waited for the end of input would hang here
    try:
        with os.fdopen(read_fd, "rb", buffering=0) as stream:
            result = m.scan(stream, "pipe", on_first=on_first)
    finally:
        signal.alarm(0)
    assert seen == [("loop-gone", 2)]
    assert result.findings[0].count == 2


# --- fixes that name what the log shows ---------------------------------------------

def test_a_fix_names_the_processes_the_log_shows(matcher):
    import json

    from xenkb.render import finding_json

    log = ("[ 1.0] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870\n"
           "[ 1.1] 4gb seg fixup, process syslogd (pid 2071), cs:ip 73:b7e25870\n"
           "[ 1.2] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25871\n")
    finding = next(f for f in matcher.scan_text(log).findings if f.entry.id == "4gb-seg-fixup")
    assert finding.captured == {"process": ["klogd", "syslogd"]}
    steps = " ".join(s["step"] for s in finding_json(finding)["fix"])
    assert "Restart klogd and syslogd" in steps and "{process}" not in steps
    json.dumps(finding_json(finding))


def test_without_a_captured_value_the_fix_says_it_in_words(matcher):
    from xenkb.render import finding_json

    finding = next(f for f in matcher.scan_text('I see lots of "4gb seg fixup" messages\n').findings
                   if f.entry.id == "4gb-seg-fixup")
    steps = " ".join(s["step"] for s in finding_json(finding)["fix"])
    assert "{process}" not in steps and "Restart every process the messages name" in steps


def test_a_captured_value_is_escaped_like_log_text(matcher):
    from xenkb.render import Style, finding_text

    finding = next(f for f in matcher.scan_text(
        "4gb seg fixup, process evil\x1b]0;x\x07 (pid 1), cs:ip 73:1\n4gb seg fixup, process a+b (pid 2), cs:ip 73:1\n"
    ).findings if f.entry.id == "4gb-seg-fixup")
    text = "\n".join(finding_text(1, finding, Style(False)))
    assert "\x1b" not in text and "\x07" not in text


def test_kb_check_refuses_a_placeholder_without_a_capture(tmp_path):
    (tmp_path / "cap.yaml").write_text(BASE.format(id="cap").replace(
        "fix: [{step: Do the thing.}]", "fix:\n  - step: 'Restart {daemon}.'") + textwrap.dedent("""\
        signatures: ["Failed to find an unused loop device"]
        examples: {match: ["x Failed to find an unused loop device"], no_match: ["loop: module loaded"]}
        """))
    _, problems = load_dirs([(tmp_path, "user")])
    assert any("{daemon} names no capture" in p.message for p in problems)
