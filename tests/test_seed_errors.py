"""Each problem the seed page documents: its literal error line, alone or inside a
longer real log, comes back as the top finding, with its documented fix."""

from __future__ import annotations

import pytest

from conftest import DATA

SEED_PROBLEMS = [
    "4gb-seg-fixup", "time-went-backwards", "xendcheckpoint-save-failed", "cdrom-boot-failure",
    "vif-could-not-be-connected", "bootloader-not-executable", "xm-console-no-login",
    "dom0-automatic-reboot", "pv-drivers-hvm-guest", "xen-tools-no-console",
]


@pytest.mark.parametrize("entry_id", SEED_PROBLEMS)
def test_seed_entry_exists_with_fix_and_reference(entry_id, catalog):
    entry = catalog.entries[entry_id]
    assert entry.fix and entry.references and entry.cause


@pytest.mark.parametrize("entry_id", SEED_PROBLEMS)
def test_error_line_inside_a_real_log_is_top_finding(entry_id, catalog, matcher):
    from xenkb.diagnose import diagnose

    line = catalog.entries[entry_id].examples_match[0]
    clean = (DATA / "clean" / "lenny-dom0-dmesg.log").read_text().splitlines()
    text = "\n".join(clean[:40] + line.splitlines() + clean[40:]) + "\n"
    result = diagnose(matcher.scan_text(text), catalog.entries)
    assert result.findings, line
    assert result.findings[0].entry.id == entry_id
    assert result.findings[0].entry.fix
    assert result.findings[0].evidence[0].line > 40


def test_sample_log_ranks_save_failure_and_folds_seg_fixups(catalog, matcher):
    from xenkb.diagnose import diagnose

    with open(DATA / "logs" / "lenny-dom0-problems.log", "rb") as f:
        result = diagnose(matcher.scan(f), catalog.entries)
    ids = [f.entry.id for f in result.findings]
    assert "xendcheckpoint-save-failed" in ids and "vif-could-not-be-connected" in ids
    seg = next(f for f in result.findings if f.entry.id == "4gb-seg-fixup")
    assert seg.count == 3 and seg.first_line == 12 and seg.last_line == 14
