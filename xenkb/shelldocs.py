"""The man page and the shell completion scripts, generated from the argument parser.

Both are read off the same ``argparse`` parser the command line uses, so they
cannot drift from it: a test regenerates them and compares. Entry ids are completed
at run time (``xenkb list --ids``), so a user's own entries complete too.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

EXIT_STATUS = (
    ("0", "a known problem was found (match), or the command succeeded"),
    ("1", "no known problem was found (match), or no entry answers (search)"),
    ("2", "an error: unreadable input, bad arguments, a crash (the other inputs are still reported)"),
    ("130", "interrupted (Ctrl-C)"),
    ("141", "the reader of the output went away (e.g. | head -1)"),
)
EXAMPLES = (
    ("xenkb match /var/log/xen/xend.log dmesg.gz", "report the known problems in two logs"),
    ("journalctl -k -b | xenkb match --json", "JSON Lines for scripts, from the kernel log of this boot"),
    ('xenkb search "no login prompt on xm console"', "ask in plain words"),
)
FILES = (
    ("$XDG_CONFIG_HOME/xenkb/kb/", "your own entries (default ~/.config/xenkb/kb/)"),
    ("$XDG_STATE_HOME/xenkb/history", "the chat's input history, mode 0600 (default ~/.local/state)"),
    ("$XDG_CACHE_HOME/xenkb/", "the compiled-KB cache (default ~/.cache/xenkb/)"),
)
ENVIRONMENT = (
    ("NO_COLOR", "any value: no colour (https://no-color.org)"),
    ("FORCE_COLOR", "any value but 0: colour even without a terminal"),
    ("TERM", "dumb: no colour"),
    ("COLUMNS", "the width to wrap text at (40 to 100)"),
    ("XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME", "where the files above live"),
)


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser, str]]:
    """(path, parser, help) for every subcommand, depth first ("kb check" included)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, sub, helps.get(name, "")
                for child, subsub, h in _subcommands(sub):
                    yield f"{name} {child}", subsub, h


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and a.help != argparse.SUPPRESS]


def _positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings
            and not isinstance(a, argparse._SubParsersAction)]


# --- man page ---------------------------------------------------------------------

def _roff(text: str) -> str:
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in text.split("\n"))


def _opt_label(a: argparse.Action) -> str:
    names = ", ".join(f"\\fB{_roff(o)}\\fR" for o in a.option_strings)
    if a.nargs != 0 and not isinstance(a, (argparse._StoreTrueAction, argparse._VersionAction,
                                           argparse._HelpAction)):
        meta = a.metavar or (("{" + ",".join(a.choices) + "}") if a.choices else a.dest.upper())
        names += f" \\fI{_roff(str(meta))}\\fR"
    return names


def manpage(parser: argparse.ArgumentParser, version: str) -> str:
    # No date in the header: the page is generated into the repository and a test
    # compares it with a fresh one, which a date would make differ every day.
    out = [f'.TH XENKB 1 "" "xenkb {version}" "User Commands"',
           ".SH NAME", "xenkb \\- recognise known Xen problems in a log and show the documented fix",
           ".SH SYNOPSIS", ".B xenkb", "[\\fICOMMAND\\fR] [\\fIOPTIONS\\fR]",
           ".SH DESCRIPTION", _roff(parser.description or ""),
           "Alone on a terminal, \\fBxenkb\\fR opens the troubleshooting chat; with a pipe or a file on",
           "standard input it runs \\fBxenkb match\\fR. Commands in fixes are shown, never run.",
           ".SH OPTIONS"]
    for a in _options(parser):
        out += [".TP", _opt_label(a), _roff(a.help or "")]
    out.append(".SH COMMANDS")
    for path, sub, help_text in _subcommands(parser):
        out += [".SS " + _roff(f"xenkb {path}"), _roff(help_text)]
        for a in _positionals(sub):
            out += [".TP", f"\\fI{_roff(str(a.metavar or a.dest))}\\fR", _roff(a.help or "")]
        for a in _options(sub):
            if "-h" in a.option_strings:
                continue
            out += [".TP", _opt_label(a), _roff(a.help or "")]
    out.append(".SH EXIT STATUS")
    for code, text in EXIT_STATUS:
        out += [".TP", f"\\fB{code}\\fR", _roff(text)]
    out.append(".SH FILES")
    for path, text in FILES:
        out += [".TP", f"\\fI{_roff(path)}\\fR", _roff(text)]
    out.append(".SH ENVIRONMENT")
    for name, text in ENVIRONMENT:
        out += [".TP", f"\\fB{_roff(name)}\\fR", _roff(text)]
    out.append(".SH EXAMPLES")
    for cmd, text in EXAMPLES:
        out += [".TP", f"\\fB{_roff(cmd)}\\fR", _roff(text)]
    out += [".SH SEE ALSO", "\\fBxl\\fR(1), \\fBxl.cfg\\fR(5), \\fBjournalctl\\fR(1)", ""]
    return "\n".join(out)


# --- completion -------------------------------------------------------------------

ID_ARGS = {"show": "id"}  # positionals that take an entry id


def _tree(parser: argparse.ArgumentParser) -> dict[str, tuple[list[str], bool]]:
    """command path -> (its options and subcommands, whether it takes an entry id)."""
    tree: dict[str, tuple[list[str], bool]] = {}
    top = [o for a in _options(parser) for o in a.option_strings]
    subs = [p for p, _, _ in _subcommands(parser) if " " not in p]
    tree[""] = (top + subs, False)
    for path, sub, _ in _subcommands(parser):
        words = [o for a in _options(sub) for o in a.option_strings]
        words += [p.split(" ", 1)[1] for p, _, _ in _subcommands(parser) if p.startswith(path + " ")
                  and p.count(" ") == path.count(" ") + 1]
        takes_id = any(a.dest == ID_ARGS.get(path) for a in _positionals(sub))
        tree[path] = (words, takes_id)
    return tree


def completion(parser: argparse.ArgumentParser, shell: str) -> str:
    tree = _tree(parser)
    if shell == "bash":
        known = "|".join(f'"{p}"' for p in tree if p)
        cases = []
        for path, (words, takes_id) in tree.items():
            ids = " $(xenkb list --ids 2>/dev/null)" if takes_id else ""
            cases.append(f'        "{path}") words="{" ".join(words)}{ids}" ;;')
        return "\n".join([
            "# bash completion for xenkb (generated by `xenkb completion bash`)",
            "_xenkb() {",
            '    local cur="${COMP_WORDS[COMP_CWORD]}" path="" cand words i',
            "    for ((i = 1; i < COMP_CWORD; i++)); do",
            "        [[ ${COMP_WORDS[i]} == -* ]] && continue",
            '        cand="${path:+$path }${COMP_WORDS[i]}"',
            f'        case "$cand" in {known}) path="$cand" ;; esac',
            "    done",
            '    case "$path" in',
            *cases,
            '        *) words="" ;;',
            "    esac",
            '    COMPREPLY=($(compgen -W "$words" -- "$cur"))',
            "}",
            "complete -o default -F _xenkb xenkb",
            ""])
    if shell == "zsh":
        lines = ["#compdef xenkb", "# zsh completion for xenkb (generated by `xenkb completion zsh`)",
                 "_xenkb() {", "  local path=\"\" w",
                 "  for w in ${words[2,CURRENT-1]}; do",
                 "    [[ $w == -* ]] && continue",
                 "    if [[ -z $path ]]; then path=$w; else path=\"$path $w\"; fi",
                 "  done",
                 "  local -a choices",
                 "  case $path in"]
        for path, (words, takes_id) in tree.items():
            ids = " ${(f)\"$(xenkb list --ids 2>/dev/null)\"}" if takes_id else ""
            lines.append(f'    "{path}") choices=({" ".join(words)}{ids}) ;;')
        lines += ["    *) choices=() ;;", "  esac",
                  "  (( ${#choices} )) && compadd -a choices || _files", "}",
                  '_xenkb "$@"', ""]
        return "\n".join(lines)
    if shell == "fish":
        lines = ["# fish completion for xenkb (generated by `xenkb completion fish`)",
                 "complete -c xenkb -f"]
        top_words, _ = tree[""]
        subs = [w for w in top_words if not w.startswith("-")]
        lines.append(f"complete -c xenkb -n '__fish_use_subcommand' -a '{' '.join(subs)}'")
        for path, (words, takes_id) in tree.items():
            if not path:
                continue
            parts = path.split()
            cond = " && ".join(f"__fish_seen_subcommand_from {p}" for p in parts)
            plain = [w for w in words if not w.startswith("-")]
            opts = [w for w in words if w.startswith("--")]
            if plain:
                lines.append(f"complete -c xenkb -n '{cond}' -a '{' '.join(plain)}'")
            for o in opts:
                lines.append(f"complete -c xenkb -n '{cond}' -l {o[2:]}")
            if takes_id:
                lines.append(f"complete -c xenkb -n '{cond}' -a '(xenkb list --ids 2>/dev/null)'")
            if path == "match":
                lines.append(f"complete -c xenkb -n '{cond}' -F")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown shell {shell!r} (bash, zsh or fish)")
