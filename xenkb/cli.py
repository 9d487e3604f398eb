"""Command line: parse arguments, call the engine, print. Nothing else lives here.

Decided at the door: ``xenkb`` alone on a terminal opens the chat; with a pipe on
stdin it behaves as ``xenkb match``. The chat (prompt_toolkit) is imported only
when it runs, so ``xenkb match`` starts fast.
"""

from __future__ import annotations

import argparse
import enum
import io
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

if TYPE_CHECKING:
    from xenkb.model import Problem

from xenkb import __version__


class Exit(enum.IntEnum):
    FOUND = 0
    NOT_FOUND = 1
    ERROR = 2
    INTERRUPTED = 130
    BROKEN_PIPE = 141


class _Version(argparse.Action):
    """--version: the program's version and which KB it would use (entries, fingerprint)."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        from xenkb.catalog import kb_dirs, kb_fingerprint, load_catalog

        try:
            catalog = load_catalog()
            kb = f"KB: {len(catalog.entries)} entries, fingerprint {kb_fingerprint(kb_dirs())}"
        except Exception as exc:  # the version must print even when the KB cannot load
            kb = f"KB: cannot be loaded ({type(exc).__name__})"
        sys.stdout.write(f"xenkb {__version__}\n{kb}\n")
        parser.exit(0)


EPILOG = """\
Run `xenkb` alone on a terminal for the troubleshooting chat; with a pipe on
stdin it runs `xenkb match`. `xenkb COMMAND --help` describes each command;
`man xenkb` (or `xenkb man | man -l -`) has the rest.

exit status:
  0    a known problem was found (match), or the command succeeded
  1    no known problem found (match), or no entry answers (search)
  2    an error (unreadable input, bad arguments); the other inputs are still read
  130  interrupted;  141  the reader of the output went away

examples:
  xenkb match /var/log/xen/xend.log dmesg.gz
  journalctl -k -b | xenkb match --json
  xenkb search "no login prompt on xm console"
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="xenkb",
        description="Recognise known Xen problems in a log and show the documented fix.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG)
    p.add_argument("--version", action=_Version, nargs=0,
                   help="print the version, the KB's entry count and its fingerprint, and exit")
    kb_opts = argparse.ArgumentParser(add_help=False)
    kb_opts.add_argument("--kb", action="append", type=Path, default=[], metavar="DIR",
                         help="also read entries from DIR (repeatable; overrides bundled ids)")
    kb_opts.add_argument("--no-user-kb", action="store_true",
                         help="ignore ~/.config/xenkb/kb (XDG_CONFIG_HOME)")
    color = argparse.ArgumentParser(add_help=False)
    color.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the output: auto (default) colours a terminal unless NO_COLOR is set "
                            "or TERM=dumb; FORCE_COLOR forces it")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    m = sub.add_parser("match", parents=[kb_opts, color], help="find known problems in logs")
    m.add_argument("files", nargs="*", default=[], metavar="FILE",
                   help="log files (.gz read transparently); none or - reads stdin")
    m.add_argument("--json", action="store_true", help="JSON Lines output (see README)")
    m.add_argument("--explain", action="store_true",
                   help="also show, for the closest entries that stayed silent, why")
    m.add_argument("--brief", action="store_true", help="titles and evidence only, no fix steps")
    m.add_argument("-q", "--quiet", action="store_true",
                   help="print nothing; the exit status says whether a known problem was found (as grep -q)")
    m.add_argument("-v", "--verbose", action="store_true",
                   help="on stderr, per input: lines and bytes read, candidate lines scored, time taken")

    s = sub.add_parser("show", parents=[kb_opts, color], help="show one entry in full")
    s.add_argument("id", help="the entry's id, as `xenkb list` shows it")
    s.add_argument("--json", action="store_true", help="the entry as one JSON object")

    ls = sub.add_parser("list", parents=[kb_opts, color], help="list the entries")
    ls.add_argument("--json", action="store_true", help="one JSON object per entry")
    ls.add_argument("--ids", action="store_true", help="only the ids, one per line (for shell completion)")

    q = sub.add_parser("search", parents=[kb_opts, color], help="search entries by plain words")
    q.add_argument("words", nargs="+", help="the question, in plain words")
    q.add_argument("--json", action="store_true", help="JSON Lines: id, title, score, answer (true/false)")

    kb = sub.add_parser("kb", help="knowledge-base tools")
    kbsub = kb.add_subparsers(dest="kb_command", metavar="ACTION")
    kc = kbsub.add_parser("check", parents=[kb_opts], help="validate entries and run their examples")
    kc.add_argument("dirs", nargs="*", type=Path, metavar="DIR",
                    help="check only these directories (default: the bundled KB)")
    kd = kbsub.add_parser("draft", parents=[kb_opts], help="turn a log line into a new entry skeleton")
    kd.add_argument("where", metavar="FILE:LINE", help="the log file and the 1-based number of the line")
    kd.add_argument("--id", help="id of the new entry (default: made from the line)")
    kd.add_argument("--out", type=Path, help="directory to write to (default: your user KB)")

    sub.add_parser("normalize", help="print each stdin line normalised, as signatures see it")
    comp = sub.add_parser("completion", help="print a shell completion script (bash, zsh or fish)")
    comp.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell to complete for")
    sub.add_parser("man", help="print the man page (roff), as shipped in share/man/man1/xenkb.1")
    c = sub.add_parser("chat", parents=[kb_opts], help="troubleshooting chat (plain text without a terminal)")
    c.add_argument("--plain", action="store_true", help="plain text mode even on a terminal")
    c.add_argument("--lines", action="store_true",
                   help="without a terminal, one turn per line (default: one turn per blank-line separated "
                        "block, so a piped log is one paste)")
    return p


def _err(stderr: TextIO, message: str) -> None:
    from xenkb.safetext import visible

    stderr.write(f"xenkb: {visible(message, 400)}\n")


def _style(mode: str, stream: TextIO):  # type: ignore[no-untyped-def]
    from xenkb.render import Style
    from xenkb.terminal import use_color

    return Style(use_color(mode, stream))


def _catalog(args: argparse.Namespace, stderr: TextIO, quiet_problems: bool = False):  # type: ignore[no-untyped-def]
    from xenkb.catalog import load_catalog

    catalog = load_catalog(extra=list(getattr(args, "kb", [])), user=not getattr(args, "no_user_kb", False))
    if not quiet_problems:
        # One line per skipped file, however many problems it has: kb check lists them.
        by_file: dict[str, list[str]] = {}
        for problem in catalog.problems:
            if problem.level == "error":
                by_file.setdefault(problem.path, []).append(problem.message)
        for path, messages in by_file.items():
            more = f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""
            _err(stderr, f"warning: skipped {path}: {messages[0]}{more}; see `xenkb kb check {Path(path).parent}`")
    return catalog


def open_input(name: str, stdin: BinaryIO) -> BinaryIO:
    """A binary stream for a path or '-', gunzipped when it starts with gzip's magic."""
    if name == "-":
        raw: BinaryIO = stdin
    else:
        path = Path(name)
        if path.is_dir():
            raise IsADirectoryError(f"{name}: is a directory")
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    peek = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if peek == b"\x1f\x8b" or (not peek and name.endswith(".gz")):
        import gzip  # only here: 1.5 ms of start-up that a paste does not need

        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def cmd_match(args: argparse.Namespace, stdin: BinaryIO, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.diagnose import diagnose
    from xenkb.render import report_json_lines, report_text

    catalog = _catalog(args, stderr)
    matcher = catalog.matcher()
    style = _style(args.color, stdout)
    names = args.files or ["-"]
    stdin_path = _regular_stdin(stdin) if "-" in names and not args.explain else None
    found = failed = False
    for index, name in enumerate(names):
        label = "stdin" if name == "-" else name
        try:
            if name == "-" and args.explain:
                stream = _spool(stdin)  # --explain reads the input twice
            else:
                stream = open_input(name, stdin)
        except OSError as exc:
            _err(stderr, f"{label}: {exc.strerror or exc}" if exc.strerror else f"{exc}")
            failed = True
            continue
        error = None
        path = name if name != "-" else (stdin_path or "-")
        started = time.perf_counter()
        try:
            if _splittable(path, stream):
                from xenkb.parallel import scan_file

                result = scan_file(matcher, path, label)  # both cores on a big plain file
            else:
                result = matcher.scan(stream, source=label)
        except (OSError, EOFError, ValueError) as exc:  # gzip.BadGzipFile is an OSError
            # A truncated .gz or an unreadable device: report what we could not read.
            error = f"{label}: read failed: {exc}"
            result = None
        finally:
            if stream is not stdin and not args.explain:
                stream.close()
        if error or result is None:
            _err(stderr, error or f"{label}: read failed")
            failed = True
            continue
        diagnose(result, catalog.entries)
        found = found or bool(result.findings)
        if args.verbose:
            from xenkb.safetext import visible

            stderr.write(f"xenkb: {visible(label, 200)}: {result.lines} lines, {result.bytes} bytes, "
                         f"{result.candidates} candidate lines scored, {len(result.findings)} finding(s), "
                         f"{len(result.ruled_out)} ruled out by context, "
                         f"{time.perf_counter() - started:.3f} s\n")
        if args.quiet:
            if stream is not stdin:
                stream.close()
            continue
        if args.json:
            for line in report_json_lines(result, source=label):
                stdout.write(line + "\n")
        else:
            if len(names) > 1:
                stdout.write(("\n" if index else "") + style.bold(f"== {label} ==") + "\n")
            stdout.write(report_text(result, style, brief=args.brief) + "\n")
        if args.explain:
            from xenkb.explain import explain, explain_json, explain_text

            rows = explain(matcher, result, _reread(name, stdin, stream))
            if args.json:
                for row in rows:
                    stdout.write(json.dumps(explain_json(row)) + "\n")
            else:
                stdout.write(explain_text(rows, style) + "\n")
            if stream is not stdin:
                stream.close()
    if failed:
        return Exit.ERROR
    return Exit.FOUND if found else Exit.NOT_FOUND


def _regular_stdin(stdin: BinaryIO) -> str | None:
    """A path to stdin when it is a regular file read from its start (`xenkb match <
    big.log`), so that it can be split like a named file; else None (a pipe)."""
    try:
        fd = stdin.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode) and os.lseek(fd, 0, os.SEEK_CUR) == 0:
            path = f"/dev/fd/{fd}"  # reopening it gives the same file (Linux, BSD, macOS)
            with open(path, "rb"):  # the halves reopen it: a refusal must show here
                return path
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    return None


def _splittable(name: str, stream: BinaryIO) -> bool:
    """A regular, uncompressed file can be read in two halves at once."""
    return name != "-" and isinstance(stream, io.BufferedReader) and Path(name).is_file()


def _spool(stdin: BinaryIO) -> BinaryIO:
    """Copy stdin to a temporary file (in memory up to 16 MiB) so it can be re-read."""
    import shutil
    import tempfile

    spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)
    shutil.copyfileobj(open_input("-", stdin), spool, 1 << 20)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def _reread(name: str, stdin: BinaryIO, stream: BinaryIO):  # type: ignore[no-untyped-def]
    """A way to read the same input again, for --explain."""
    if name == "-":
        def rewind() -> BinaryIO:
            stream.seek(0)
            return _Unclosable(stream)
        return rewind
    return lambda: open_input(name, stdin)


class _Unclosable(io.BufferedIOBase):
    """A view of a spooled stdin that --explain may 'close' without losing it."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner

    def read(self, n: int | None = -1) -> bytes:
        return self.inner.read(n)

    def close(self) -> None:
        pass


def cmd_show(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.render import entry_json, entry_text

    catalog = _catalog(args, stderr)
    entry = catalog.entries.get(args.id)
    if entry is None:
        from rapidfuzz import process

        close = process.extract(args.id, list(catalog.entries), limit=3)
        hint = ", ".join(c[0] for c in close if c[1] > 60)
        _err(stderr, f"no entry {args.id!r}" + (f"; did you mean: {hint}" if hint else "; try `xenkb list`"))
        return Exit.ERROR
    if args.json:
        stdout.write(json.dumps(entry_json(entry)) + "\n")
    else:
        stdout.write(entry_text(entry, _style(args.color, stdout)) + "\n")
    return Exit.FOUND


def cmd_list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    catalog = _catalog(args, stderr)
    entries = sorted(catalog.entries.values(), key=lambda e: (e.kind, e.id))
    if args.ids:
        stdout.write("".join(f"{e.id}\n" for e in sorted(entries, key=lambda e: e.id) if not e.deprecated))
        return Exit.FOUND
    if args.json:
        for e in entries:
            stdout.write(json.dumps({"id": e.id, "title": e.title, "kind": e.kind, "severity": e.severity,
                                     "origin": e.origin, "path": e.path}) + "\n")
        return Exit.FOUND
    from xenkb.safetext import visible

    from xenkb.terminal import width as columns

    width = max((len(e.id) for e in entries), default=10)
    room = max(20, columns() - width - 20)  # id, kind and origin columns, then the title
    for e in entries:
        title = visible(e.title, None)
        title = title if len(title) <= room else title[: room - 1] + "…"
        stdout.write(f"{e.id:<{width}}  {e.kind:<7}  {e.origin:<7}  {title}\n")
    stdout.write(f"{len(entries)} entries\n")
    return Exit.FOUND


def cmd_search(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.safetext import visible
    from xenkb.search import ANSWER_FLOOR, RELATED_FLOOR, search

    catalog = _catalog(args, stderr)
    question = " ".join(args.words)
    hits = search(catalog.entries.values(), question, limit=8)
    good = [h for h in hits if h.score >= ANSWER_FLOOR]
    related = [h for h in hits if h.score >= RELATED_FLOOR][:2]
    if args.json:
        for h in good or related:
            stdout.write(json.dumps({"id": h.entry.id, "title": h.entry.title, "score": h.score,
                                     "answer": h.score >= ANSWER_FLOOR}) + "\n")
        return Exit.FOUND if good else Exit.NOT_FOUND
    if not good:
        stdout.write("The KB has no entry that answers that." + (" Maybe related:\n" if related else "\n"))
    for h in good or related:
        stdout.write(f"{h.score:>3}  {h.entry.id:<32} {visible(h.entry.title, 100)}\n")
    if good:
        stdout.write(f"\nxenkb show {good[0].entry.id}   for the full answer\n")
    return Exit.FOUND if good else Exit.NOT_FOUND


def cmd_kb_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.catalog import fit_thresholds
    from xenkb.check import check_entries
    from xenkb.kb import bundled_kb_dir, load_dirs
    from xenkb.match import Matcher

    dirs = list(args.dirs) + list(args.kb)
    targets = [(d, "user") for d in dirs] if dirs else [(bundled_kb_dir(), "bundled")]
    entries, problems = load_dirs(targets)
    problems += _duplicate_ids(targets)
    if dirs:
        # A user KB is checked in the company of the bundled one, as it will run.
        bundled, _ = load_dirs([(bundled_kb_dir(), "bundled")])
        context = {**bundled, **entries}
    else:
        context = entries
    fitted = fit_thresholds(context)
    problems += check_entries(Matcher(fitted.values()), {k: fitted[k] for k in entries})
    errors = [p for p in problems if p.level == "error"]
    for problem in sorted(problems, key=lambda p: (p.path, p.line, p.field)):
        stdout.write(f"{problem}\n")
    n_files = sum(len(list(d.glob("*.yaml"))) for d, _ in targets if d.is_dir())
    stdout.write(f"{n_files} files, {len(entries)} valid entries, {len(errors)} errors, "
                 f"{len(problems) - len(errors)} warnings\n")
    return Exit.ERROR if errors else Exit.FOUND


def _duplicate_ids(targets: list[tuple[Path, str]]) -> list[Problem]:
    """The same id in two checked directories: at run time one would hide the other."""
    from xenkb.kb import kb_files
    from xenkb.model import Problem

    seen: dict[str, Path] = {}
    problems = []
    for directory, _origin in targets:
        if not directory.is_dir():
            continue
        for path in kb_files(directory):
            if path.stem in seen:
                problems.append(Problem(str(path), 1, "id", f"duplicate id {path.stem!r} (also {seen[path.stem]})"))
            else:
                seen[path.stem] = path
    return problems


def cmd_kb_draft(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.draft import DraftError, draft_entry

    try:
        path = draft_entry(args.where, entry_id=args.id, out_dir=args.out)
    except DraftError as exc:
        _err(stderr, str(exc))
        return Exit.ERROR
    stdout.write(f"wrote {path}\nedit it, then run: xenkb kb check {path.parent}\n")
    return Exit.FOUND


def cmd_normalize(stdin: BinaryIO, stdout: TextIO) -> int:
    from xenkb.normalize import normalize
    from xenkb.reader import decode
    from xenkb.safetext import visible

    for raw in stdin:
        stdout.write(visible(normalize(decode(raw.rstrip(b"\r\n")))) + "\n")
    return Exit.FOUND


def cmd_chat(args: argparse.Namespace, stdin: BinaryIO, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.repl import run_chat

    catalog = _catalog(args, stderr)
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not getattr(args, "plain", False)
    return run_chat(catalog, interactive=interactive, lines=getattr(args, "lines", False))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    stdin, stdout, stderr = sys.stdin.buffer, sys.stdout, sys.stderr
    if not argv:
        argv = ["chat"] if sys.stdin.isatty() else ["match"]
    args = _parser().parse_args(argv)
    try:
        if args.command == "match":
            return cmd_match(args, stdin, stdout, stderr)
        if args.command == "show":
            return cmd_show(args, stdout, stderr)
        if args.command == "list":
            return cmd_list(args, stdout, stderr)
        if args.command == "search":
            return cmd_search(args, stdout, stderr)
        if args.command == "kb":
            if args.kb_command == "check":
                return cmd_kb_check(args, stdout, stderr)
            if args.kb_command == "draft":
                return cmd_kb_draft(args, stdout, stderr)
            _err(stderr, "kb needs an action: check or draft")
            return Exit.ERROR
        if args.command == "normalize":
            return cmd_normalize(stdin, stdout)
        if args.command in ("completion", "man"):
            from xenkb.shelldocs import completion, manpage

            stdout.write(completion(_parser(), args.shell) if args.command == "completion"
                         else manpage(_parser(), __version__))
            return Exit.FOUND
        if args.command == "chat":
            return cmd_chat(args, stdin, stdout, stderr)
        _parser().print_help(stdout)
        return Exit.ERROR
    except KeyboardInterrupt:
        stderr.write("\n")
        return Exit.INTERRUPTED
    except BrokenPipeError:
        # `xenkb match big.log | head -1`: the reader left; end quietly like grep.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return Exit.BROKEN_PIPE


if __name__ == "__main__":
    raise SystemExit(main())
