"""The chat's rules, on the Dialogue object directly (no terminal)."""

from __future__ import annotations

import sys

import pytest

from xenkb.repl.dialogue import Dialogue
from xenkb.repl.intents import classify

DMESG = """\
[    0.000000] Linux version 2.6.26-2-xen-686 (Debian 2.6.26-21lenny4) (dannf@debian.org) (gcc version 4.1.3) #1 SMP
[    0.000000] Xen version: 3.2.1 (preserve-AD)
[   12.345678] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870
[   12.400001] 4gb seg fixup, process syslogd (pid 2071), cs:ip 73:b7e25870
[   13.000000] foo: unexpected error in bar
"""
SAVE_FAILED = "[2009-05-02 18:40:12 4012] ERROR (XendCheckpoint:144) Save failed on domain mydomu32 (5).\n"


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def chat(catalog):
    return Dialogue(catalog)


def test_paste_lists_findings_numbered_with_score_summary_and_facts(chat, catalog):
    out = chat.respond(DMESG)
    assert "1. [4gb-seg-fixup]" in out
    assert "(score 100)" in out
    assert flat(catalog.entries["4gb-seg-fixup"].summary)[:40] in flat(out)
    assert "What the log told me" in out
    facts = flat(out)  # wrapped at the terminal's width
    assert "kernel 2.6.26-2-xen-686" in facts and "arch i386" in facts and "xen 3.2.1" in facts
    assert "foo: unexpected error in bar" in out  # the line no entry covers is named


def test_why_fix_verify_sources_follow_the_paste(chat, catalog):
    entry = catalog.entries["4gb-seg-fixup"]
    chat.respond(DMESG)
    assert flat(entry.cause)[:60] in flat(chat.respond("why"))
    assert "hwcap 0 nosegneg" in chat.respond("fix")
    assert "hwcap 0 nosegneg" in chat.respond("how?")
    verify = flat(chat.respond("how do I verify"))
    assert flat(entry.verify[0])[:40] in verify
    assert "https://wiki.debian.org/Xen" in chat.respond("sources")


def test_number_and_id_open_an_entry(chat):
    chat.respond("domU has no login prompt")
    opened = chat.respond("2")
    assert "Why" in opened and "Fix" in opened
    assert chat.current is not None and chat.current.id in opened
    assert "[xmlrpc-int-limit]" in chat.respond("xmlrpc-int-limit")
    assert chat.current.id == "xmlrpc-int-limit"


def test_next_and_didnt_help_offer_the_other_candidates(chat):
    first = chat.respond("domU has no login prompt")
    top = chat.current.id
    nxt = chat.respond("next")
    assert chat.current.id != top and f"[{chat.current.id}]" in nxt
    alt = chat.respond("didn't help")
    assert "[" in alt and ("Other candidates" in alt or "same symptom" in alt or "links to it" in alt)
    assert first  # never empty


def test_didnt_help_follows_the_kbs_own_links_first(chat):
    """After an answer, "didn't help" offers what the KB links to it (causes, what
    it causes, `related`) before anything the words happen to share."""
    chat.respond("1")  # nothing current: a number with no list is harmless
    chat.current = chat.entries["vif-could-not-be-connected"]
    linked = {e.id for e in chat.entries.values() if "vif-could-not-be-connected" in e.causes}
    linked |= set(chat.entries["vif-could-not-be-connected"].causes)
    out = chat.respond("didn't help")
    if linked:
        assert "links to it" in out and any(f"[{i}]" in out for i in linked)


@pytest.mark.parametrize("question, expected", [
    ("domU has no login prompt", {"xm-console-no-login", "xen-tools-no-console"}),
    ("no login prompt", {"xm-console-no-login", "xen-tools-no-console"}),
    ("how do I get grub and the kernel on the serial console", {"serial-console-lenny", "serial-console-etch"}),
    ("xm save fails on my 32 bit guest", {"xendcheckpoint-save-failed"}),
])
def test_howto_questions_find_their_entry_first(chat, question, expected):
    out = chat.respond(question)
    assert chat.current is not None and chat.current.id in expected, out
    assert out.splitlines()[1].startswith(f"1. [{chat.current.id}]")


def test_a_question_nothing_fits_gets_a_plain_no_and_the_closest_entries(chat):
    out = chat.respond("zebra quantum pancake")
    assert "has no entry that answers" in out
    assert "Maybe related" not in out  # nothing even comes close
    assert "/teach" in out
    assert chat.current is None
    assert "No entry fits" in chat.respond("why")  # and still not an empty reply


def test_clarifying_question_is_asked_remembered_and_used(chat):
    out = chat.respond("xm save fails on my 32 bit guest")
    assert "Is the dom0 amd64 or i386?" in out
    answer = chat.respond("amd64")
    assert "Noted: arch amd64" in answer and "fits [xendcheckpoint-save-failed]" in answer
    assert "Fix for [xendcheckpoint-save-failed]" in answer
    assert chat.facts.get("arch") == "amd64"
    assert "you said: amd64" in chat.respond("/facts")
    # Asked once: the answer is remembered for the conversation.
    assert "Is the dom0" not in chat.respond(SAVE_FAILED)


def test_clarifying_answer_that_rules_the_entry_out(chat):
    chat.respond(SAVE_FAILED)
    out = chat.respond("it's a 32 bit dom0")
    assert "probably does not apply" in out and "you said i386" in out


def test_no_clarifying_question_when_the_log_shows_the_fact(chat):
    log = "[    0.000000] Linux version 2.6.26-2-xen-amd64 (Debian 2.6.26-21lenny4)\n" + SAVE_FAILED
    out = chat.respond(log)
    assert "[xendcheckpoint-save-failed]" in out
    assert "amd64 or i386" not in out


def test_why_not_explains_a_silent_entry(chat):
    chat.respond("[ 1.0] foo\n[ 2.0] Error: Bootloader is not executablee")
    out = chat.respond("why not bootloader-not-executable")
    assert "bootloader-not-executable" in out
    assert "threshold" in out and "executablee" in out


def test_why_not_unknown_id(chat):
    assert "no entry" in chat.respond("why not no-such-entry").lower()


def test_slash_commands(chat, catalog):
    help_text = chat.respond("/help")
    for name in ("/help", "/list", "/show", "/search", "/facts", "/reset", "/forget", "/teach", "/quit"):
        assert name in help_text
    listing = chat.respond("/list")
    assert all(e in listing for e in ("4gb-seg-fixup", "serial-console-etch"))
    assert "4gb-seg-fixup" in chat.respond("/show 4gb-seg")  # did you mean
    assert "[4gb-seg-fixup]" in chat.respond("/show 4gb-seg-fixup")
    assert "xm-console-no-login" in chat.respond("/search no login prompt")
    assert "nothing about your system" in chat.respond("/facts")
    chat.respond(DMESG)
    assert "kernel" in chat.respond("/facts")
    chat.respond("/reset")
    assert chat.current is None and not chat.facts.found
    assert "Unknown command" in chat.respond("/frobnicate")
    assert chat.respond("/quit") == "Bye." and chat.done


def test_forget_calls_the_history_owner(catalog):
    cleared = []
    chat = Dialogue(catalog, forget_history=lambda: cleared.append(True))
    assert "cleared" in chat.respond("/forget")
    assert cleared == [True]
    assert "No input history" in Dialogue(catalog).respond("/forget")


def test_teach_drafts_the_last_unrecognised_line(chat, isolated_xdg):
    assert "Nothing to teach" in chat.respond("/teach")
    chat.respond(DMESG)
    out = chat.respond("/teach")
    if "xenkb.draft" in out:
        pytest.skip("xenkb.draft is not there yet")
    assert "Wrote a draft entry" in out
    drafts = list((isolated_xdg / "xdg_config_home").rglob("*.yaml"))
    assert drafts and "unexpected error in bar" in drafts[0].read_text()


def test_escape_sequences_in_a_paste_never_reach_the_output(chat):
    out = chat.respond("[ 1.0] evil\x1b]0;pwned\x07 error here\n" + DMESG + "[ 9.9] \x1b[2J cleared error\n")
    out += chat.respond("/teach") + chat.respond("why not 4gb-seg-fixup")
    assert "\x1b" not in out and "\x07" not in out
    assert "\\e]0;pwned" in out


def test_a_turn_that_raises_is_one_line_and_the_next_turn_works(chat, monkeypatch):
    def boom(question: str) -> list[str]:
        raise RuntimeError("kaput\nsecond line")

    monkeypatch.setattr(chat, "answer_question", boom)
    out = chat.respond("zebra quantum pancake")
    assert "\n" not in out and "RuntimeError: kaput second line" in out
    monkeypatch.undo()
    assert "[4gb-seg-fixup]" in chat.respond(DMESG)


def test_long_answers_fold_and_more_shows_the_rest(catalog):
    chat = Dialogue(catalog, page_lines=12)
    out = chat.respond("/list")
    assert len(out.splitlines()) == 12 and "say 'more'" in out
    rest = chat.respond("more")
    assert "entries; /show ID opens one." in rest or "say 'more'" in rest
    assert "Nothing more" in Dialogue(catalog).respond("more")


def test_every_reply_is_non_empty(chat):
    for text in ["", "   ", "why", "fix", "next", "didn't help", "3", "more", "sources", "verify"]:
        assert chat.respond(text).strip(), text


@pytest.mark.parametrize("text, kind", [
    ("why", "why"), ("Why?", "why"), ("fix", "fix"), ("how", "fix"), ("so how do I fix it", "fix"),
    ("how do I verify", "verify"), ("verify", "verify"), ("sources", "sources"), ("next", "next"),
    ("didn't help", "not_helped"), ("that did not work", "not_helped"), ("2", "number"),
    ("why not 4gb-seg-fixup", "why_not"), ("/show x", "slash"), ("more", "more"),
    ("how do I get grub and the kernel on the serial console", "question"),
    ("domU has no login prompt", "question"), ("xm save fails on my 32 bit guest", "question"),
    ("[  12.3] anything at all", "log"), ("line one\nline two", "log"),
])
def test_intents(text, kind):
    assert classify(text, {"4gb-seg-fixup"}).kind == kind


def test_a_clarifying_answer_can_point_to_the_sibling_entry(chat):
    out = chat.respond("how do I get grub and the kernel on the serial console")
    assert chat.current.id == "serial-console-etch" and "etch or lenny" in out
    answer = chat.respond("lenny")
    assert "[serial-console-etch] probably does not apply" in answer
    assert "1. [serial-console-lenny]" in answer
    assert "[serial-console-lenny]" in chat.respond("1")
    assert "console=hvc0" in chat.respond("fix")


def test_a_new_question_is_not_taken_as_the_answer_to_a_pending_one(chat):
    chat.respond("[  812.1] 4gb seg fixup, process klogd (pid 2075), cs:ip 73:b7e25870\n"
                 "[  812.2] 4gb seg fixup, process sshd (pid 911), cs:ip 73:b7f1a2c4")
    out = chat.respond("xm save fails on my 32 bit guest")
    assert "[xendcheckpoint-save-failed]" in out
    assert "Noted" not in out


def test_a_retyped_line_with_typos_in_its_anchor_words_is_still_found(chat):
    """The fast scan needs an intact anchor; a short paste is scored exhaustively."""
    out = chat.respond("(XEN) Xen version 4.11.4 (Debian)\n(XEN) Panic oh CPU 1:")
    assert "known problem in this paste" in out and "1. [xen-panic-reboot]" in out


def test_a_fact_said_in_the_question_is_never_asked_again(chat):
    """'... on lenny' once got "Which Debian release is the dom0, etch or lenny?"."""
    out = chat.respond("how do I set up a serial console on lenny")
    assert "[serial-console-lenny]" in out
    assert "etch or lenny" not in out
    assert chat.facts.get("debian") == "lenny"


def test_an_arch_in_a_question_is_not_taken_for_the_dom0s(chat):
    """'my 32 bit guest' says nothing about the dom0, whose arch the advice needs."""
    out = chat.respond("xm save fails on my 32 bit guest")
    assert "Is the dom0 amd64 or i386?" in out


def test_teach_drafts_the_proposed_line_and_teach_n_line_n(chat):
    log = ("[ 1.0] frobd[311]: fatal error: widget cache corrupted at 0x7f3a2c10\n"  # invented
           "[ 2.0] all fine here\n"
           "[ 3.0] gizmod[12]: fatal error: sprocket table overflow\n")  # invented
    out = chat.respond(log)
    assert "/teach drafts an entry from line 1" in out
    first = chat.respond("/teach")
    assert "widget cache corrupted" in first and "Wrote a draft" in first
    third = chat.respond("/teach 3")
    assert "sprocket table overflow" in third and "Wrote a draft" in third
    again = chat.respond("/teach 3")
    assert "already drafted" in again
    assert "takes one of them" in chat.respond("/teach 9")


def test_why_not_about_an_entry_that_answered_says_so(chat):
    chat.respond(DMESG)
    out = chat.respond("why not 4gb-seg-fixup")
    assert "did not stay silent" in out and "first answer" in out


def test_one_turn_registry_feeds_dispatch_help_and_classification(chat):
    """A turn added to TURNS is understood, dispatched and listed in /help at once."""
    from xenkb.repl.intents import classify
    from xenkb.repl.turns import TURNS, help_lines

    help_text = "\n".join(help_lines())
    for turn in TURNS:
        for word in turn.words:
            if word != "how":
                assert classify(word, set()).kind == turn.kind, word
        for name in turn.slash:
            assert chat.respond(name + (" 1" if turn.arg else "")) != ""
        if turn.slash:
            assert turn.slash[0] in help_text
