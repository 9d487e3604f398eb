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
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

if TYPE_CHECKING:
    from xenkb.model import Problem

from xenkb import __version__


class Exit(enum.IntEnum):
    FOUND = 0
    NOT_FOUND = 1
    ERROR = 2  # also any unexpected failure: never 1, which means "nothing found"
    INTERRUPTED = 130  # SIGINT (Ctrl-C)
    BROKEN_PIPE = 141  # stdout went away: closed pipe, closed descriptor, full disk
    TERMINATED = 143  # SIGTERM


class Terminated(BaseException):
    """SIGTERM arrived: unwind (temp files, the second-half process), then exit 143."""


class StdoutGone(Exception):
    """Standard output cannot take more: the reader left, it is closed, the disk is full."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason or "")
        self.reason = reason  # None when quiet is right (a closed pipe, like grep)


class _Stdout:
    """Standard output for the commands: a write that fails ends the run as a closed
    pipe does (exit 141), whether the reader left, the descriptor is closed or the
    disk is full, instead of a traceback."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def _fail(self, exc: BaseException | None) -> StdoutGone:
        import errno

        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            return StdoutGone(None)
        if exc is None:
            return StdoutGone("standard output is closed")
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return StdoutGone(f"cannot write to standard output: {reason}")

    def write(self, text: str) -> int:
        if self._stream is None:
            raise self._fail(None)
        try:
            return self._stream.write(text)
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            raise self._fail(exc) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except (OSError, ValueError) as exc:
            raise self._fail(exc) from None

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise OSError(9, "standard output is closed")
        return self._stream.fileno()


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
    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument("--format", choices=("text", "json", "markdown"), default=None,
                     help="text for a terminal (default), json (JSON Lines for scripts) or markdown "
                          "(for a ticket or a mail)")
    color = argparse.ArgumentParser(add_help=False)
    color.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the output: auto (default) colours a terminal unless NO_COLOR is set "
                            "or TERM=dumb; FORCE_COLOR forces it")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    m = sub.add_parser("match", parents=[kb_opts, color, fmt], help="find known problems in logs")
    m.add_argument("files", nargs="*", default=[], metavar="FILE",
                   help="log files (.gz, .bz2, .xz read transparently); none or - reads stdin")
    m.add_argument("--json", action="store_true", help="JSON Lines output (see README); same as --format json")
    m.add_argument("--explain", action="store_true",
                   help="also show, for the closest entries that stayed silent, why")
    m.add_argument("--brief", action="store_true", help="titles and evidence only, no fix steps")
    m.add_argument("-q", "--quiet", action="store_true",
                   help="print nothing; the exit status says whether a known problem was found (as grep -q)")
    m.add_argument("-v", "--verbose", action="store_true",
                   help="on stderr, per input: lines and bytes read, candidate lines scored, time taken")

    s = sub.add_parser("show", parents=[kb_opts, color, fmt], help="show one entry in full")
    s.add_argument("id", help="the entry's id, as `xenkb list` shows it")
    s.add_argument("--json", action="store_true", help="the entry as one JSON object; same as --format json")

    ls = sub.add_parser("list", parents=[kb_opts, color, fmt], help="list the entries")
    ls.add_argument("--json", action="store_true", help="one JSON object per entry; same as --format json")
    ls.add_argument("--ids", action="store_true", help="only the ids, one per line (for shell completion)")

    q = sub.add_parser("search", parents=[kb_opts, color, fmt], help="search entries by plain words")
    q.add_argument("words", nargs="+", help="the question, in plain words")
    q.add_argument("--json", action="store_true",
                   help="JSON Lines: id, title, score, answer (true/false); same as --format json")

    kb = sub.add_parser("kb", help="knowledge-base tools")
    kbsub = kb.add_subparsers(dest="kb_command", metavar="ACTION")
    # kb check reads the directories it is given (or the bundled KB), never the user's
    # KB behind your back; kb draft writes a file. Neither takes --no-user-kb.
    kc = kbsub.add_parser("check", help="validate entries and run their examples")
    kc.add_argument("dirs", nargs="*", type=Path, metavar="DIR",
                    help="check only these directories (default: the bundled KB)")
    kc.add_argument("--kb", action="append", type=Path, default=[], metavar="DIR",
                    help="another directory to check, like DIR (repeatable)")
    kd = kbsub.add_parser("draft", help="turn a log line into a new entry skeleton")
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


_ENV: dict[str, str] | None = None  # main(env=...): the environment a test or a host program gives


def _style(mode: str, stream: TextIO):  # type: ignore[no-untyped-def]
    from xenkb.render import Style
    from xenkb.terminal import use_color

    return Style(use_color(mode, stream, _ENV))


def _catalog(args: argparse.Namespace, stderr: TextIO, quiet_problems: bool = False):  # type: ignore[no-untyped-def]
    from xenkb.catalog import load_catalog

    import warnings

    from xenkb.trust import TrustWarning

    extra = []
    for directory in getattr(args, "kb", []):
        try:
            os.stat(directory)
        except OSError as exc:  # a symlink loop, a missing directory: one warning, not a traceback
            _err(stderr, f"warning: skipped --kb {directory}: {exc.strerror or exc}")
            continue
        extra.append(directory)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TrustWarning)
        catalog = load_catalog(extra=extra, user=not getattr(args, "no_user_kb", False),
                               env=getattr(args, "env", None))
    for warning in caught:
        if issubclass(warning.category, TrustWarning):
            _err(stderr, f"warning: {warning.message}")
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
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


def cmd_match(args: argparse.Namespace, stdin: BinaryIO, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.diagnose import diagnose
    from xenkb.output import Report, writer
    from xenkb.safetext import visible

    catalog = _catalog(args, stderr)
    matcher = catalog.matcher()
    fmt = output_format(args)
    out = writer(fmt, stdout, _style(args.color, stdout) if fmt == "text" else None)
    names = args.files or ["-"]
    out.several = len(names) > 1  # the text writer heads each input's report
    out.begin()
    found = failed = False
    for index, name in enumerate(names):
        label = "stdin" if name == "-" else name
        try:
            started = time.perf_counter()
            scanned = _scan_input(args, name, label, matcher, stdin, stderr)
            if scanned is None:
                failed = True
                continue
            result, error, reread = scanned
            diagnose(result, catalog.entries)
            found = found or bool(result.findings)
            if args.verbose:
                stderr.write(f"xenkb: {visible(label, 200)}: {result.lines} lines, {result.bytes} bytes, "
                             f"{result.candidates} candidate lines scored, {len(result.findings)} finding(s), "
                             f"{len(result.ruled_out)} ruled out by context, "
                             f"{time.perf_counter() - started:.3f} s\n")
            if args.quiet:
                if error:
                    _err(stderr, f"{label}: {error}")
                    failed = True
                continue
            rows, notes = None, []
            if args.explain:
                from xenkb.explain import explain

                rows = explain(matcher, result, reread)
                if getattr(getattr(reread, "__self__", None), "cut", False):
                    notes.append(f"(--explain looked at the first {EXPLAIN_SPOOL_BYTES >> 20} MiB of this input)")
            out.add(Report(label, result, brief=args.brief, explanations=rows, notes=notes))
            if error:
                # After the report: the findings of the readable part stand.
                _err(stderr, f"{label}: {error}")
                failed = True
        except StdoutGone:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must not pass for "no problem found"
            _err(stderr, f"{label}: internal error ({_describe(exc)}); the other inputs are still read")
            failed = True
    out.end()
    if failed:
        return Exit.ERROR
    return Exit.FOUND if found else Exit.NOT_FOUND


def _scan_input(args: argparse.Namespace, name: str, label: str, matcher: Any, stdin: BinaryIO,
                stderr: TextIO) -> tuple[Any, str | None, Any] | None:
    """Open and scan one input: (result, read error, re-reader for --explain), or
    None when it could not be opened (reported here)."""
    from xenkb.inputs import open_input

    stdin_path = _regular_stdin(stdin) if name == "-" else None
    try:
        inp = open_input(name, stdin)
    except OSError as exc:
        _err(stderr, f"{label}: {exc.strerror or exc}")
        return None
    try:
        stream: Any = inp.stream
        spool = None
        if args.explain and not inp.reopenable:
            spool = stream = _Tee(stream, EXPLAIN_SPOOL_BYTES)  # --explain reads it twice
        path = inp.path or (stdin_path if name == "-" and inp.plain else None)
        if path is not None and spool is None and _big_enough_to_split(path):
            from xenkb.parallel import scan_file

            result = scan_file(matcher, path, label)  # both cores on a big plain file
        else:
            result = matcher.scan(stream, source=label)
        error = inp.error
    finally:
        inp.close()
    reread = None
    if args.explain:
        reread = spool.reader if spool is not None else _reopener(name, stdin)
    return result, error, reread


# --explain reads its input a second time. Stdin, pipes and devices are copied while
# the match reads them, up to this much (in memory up to 16 MiB, then in a temporary
# file that is already unlinked); what lies beyond is matched but not explained.
EXPLAIN_SPOOL_BYTES = 64 << 20


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


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


def _big_enough_to_split(path: str) -> bool:
    from xenkb.parallel import PARALLEL_MIN_BYTES

    try:
        return os.path.getsize(path) >= PARALLEL_MIN_BYTES
    except OSError:
        return False


class _Tee(io.RawIOBase):
    """Reads through to an input and keeps a copy of its first `limit` bytes, so
    --explain can read a pipe or a device again without reading it twice."""

    def __init__(self, inner: Any, limit: int) -> None:
        import tempfile

        self._inner = inner
        self._left = limit
        self.cut = False
        self._copy = tempfile.SpooledTemporaryFile(max_size=16 << 20)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._inner.readinto(b) or 0
        keep = min(n, self._left)
        if keep:
            self._copy.write(b[:keep])
            self._left -= keep
        if n > keep:
            self.cut = True
        return n

    def reader(self) -> Any:
        """The copy, from its start (for explain(); closing it frees it)."""
        self._copy.seek(0)
        return self._copy


def _reopener(name: str, stdin: BinaryIO) -> Any:
    """For a named regular file: open it again from the start."""
    from xenkb.inputs import open_input

    def reopen() -> Any:
        return _InputStream(open_input(name, stdin))

    return reopen


class _InputStream(io.RawIOBase):
    def __init__(self, inp: Any) -> None:
        self._inp = inp

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        return self._inp.stream.readinto(b) or 0

    def close(self) -> None:
        self._inp.close()
        super().close()


def output_format(args: argparse.Namespace) -> str:
    """--format, with --json as its short form for JSON Lines."""
    return "json" if getattr(args, "json", False) else (getattr(args, "format", None) or "text")


def _emit(args: argparse.Namespace, stdout: TextIO, *items: Any) -> None:
    from xenkb.output import writer

    style = _style(args.color, stdout) if output_format(args) == "text" else None
    w = writer(output_format(args), stdout, style)
    w.begin()
    for item in items:
        w.add(item)
    w.end()


def cmd_show(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    catalog = _catalog(args, stderr)
    entry = catalog.entries.get(args.id)
    if entry is None:
        from rapidfuzz import process

        close = process.extract(args.id, list(catalog.entries), limit=3)
        hint = ", ".join(c[0] for c in close if c[1] > 60)
        _err(stderr, f"no entry {args.id!r}" + (f"; did you mean: {hint}" if hint else "; try `xenkb list`"))
        return Exit.ERROR
    _emit(args, stdout, entry)
    return Exit.FOUND


def cmd_list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    catalog = _catalog(args, stderr)
    entries = sorted(catalog.entries.values(), key=lambda e: (e.kind, e.id))
    if args.ids:
        stdout.write("".join(f"{e.id}\n" for e in sorted(entries, key=lambda e: e.id) if not e.deprecated))
        return Exit.FOUND
    from xenkb.output import Listing

    _emit(args, stdout, Listing(entries))
    return Exit.FOUND


def cmd_search(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.output import Answers
    from xenkb.search import ANSWER_FLOOR, RELATED_FLOOR, search

    catalog = _catalog(args, stderr)
    question = " ".join(args.words)
    hits = search(catalog.entries.values(), question, limit=8)
    good = [h for h in hits if h.score >= ANSWER_FLOOR]
    related = [h for h in hits if h.score >= RELATED_FLOOR][:2]
    _emit(args, stdout, Answers(question, hits, ANSWER_FLOOR, related))
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
    from xenkb.safetext import visible

    for problem in sorted(problems, key=lambda p: (p.path, p.line, p.field)):
        stdout.write(visible(str(problem), 2000) + "\n")  # paths, keys, values: the user's
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
    from xenkb.safetext import visible

    stdout.write(f"wrote {visible(str(path), 300)}\nedit it, then run: xenkb kb check {visible(str(path.parent), 300)}\n")
    return Exit.FOUND


def cmd_normalize(stdin: BinaryIO, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.inputs import wrap
    from xenkb.normalize import normalize
    from xenkb.reader import decode, iter_lines
    from xenkb.safetext import visible

    try:
        inp = wrap(stdin)  # the same reading as `match`: compression, BOMs, bounded lines
    except OSError as exc:
        _err(stderr, f"stdin: {exc.strerror or exc}")
        return Exit.ERROR
    for raw in iter_lines(inp.stream):
        stdout.write(visible(normalize(decode(raw))) + "\n")
    if inp.error:
        _err(stderr, f"stdin: {inp.error}")
        return Exit.ERROR
    return Exit.FOUND


def cmd_chat(args: argparse.Namespace, stdin: BinaryIO, stdout: TextIO, stderr: TextIO) -> int:
    from xenkb.repl import run_chat

    if sys.stdin is None:
        _err(stderr, "stdin: standard input is closed")
        return Exit.ERROR
    catalog = _catalog(args, stderr)
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not getattr(args, "plain", False)
    return run_chat(catalog, interactive=interactive, lines=getattr(args, "lines", False))


def _reserve_std_fds() -> None:
    """Put /dev/null on standard descriptors the caller closed (`>&-`), so no file
    that xenkb opens later can land on 0, 1 or 2 and be written as if it were one.
    Python has already set the matching sys.std* to None, which is how the
    commands learn that the stream is closed."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, os.O_RDWR)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
            except OSError:
                pass


def _silence_stdout() -> None:
    """After stdout failed: later flushes (at exit) go to /dev/null, not to a traceback."""
    try:
        if sys.stdout is not None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
    except (OSError, ValueError):
        pass


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def main(argv: list[str] | None = None, env: dict[str, str] | None = None) -> int:
    """Run one command line; returns the exit status. `env` replaces os.environ for
    what xenkb reads from it (XDG dirs, NO_COLOR/FORCE_COLOR/TERM), so a test or a
    host program can run it in process without touching the real environment."""
    import signal

    global _ENV
    _ENV = env
    _reserve_std_fds()
    argv = sys.argv[1:] if argv is None else argv
    from xenkb.inputs import ClosedStdin

    stdin: BinaryIO = sys.stdin.buffer if sys.stdin is not None else ClosedStdin()  # type: ignore[assignment]
    stdout: Any = _Stdout(sys.stdout)
    stderr: TextIO = sys.stderr if sys.stderr is not None else open(os.devnull, "w")  # noqa: SIM115
    if not argv:
        argv = ["chat"] if sys.stdin is not None and sys.stdin.isatty() else ["match"]
    args = _parser().parse_args(argv)
    args.env = env
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (an embedding program): leave it alone
        previous = None
    try:
        code = _run(args, stdin, stdout, stderr)
        stdout.flush()
        return code
    except KeyboardInterrupt:
        stderr.write("\n")
        return Exit.INTERRUPTED
    except Terminated:
        return Exit.TERMINATED
    except StdoutGone as exc:
        _silence_stdout()
        if exc.reason:
            _err(stderr, exc.reason)
        return Exit.BROKEN_PIPE
    except BrokenPipeError:
        # `xenkb chat | head -1`: the reader left; end quietly like grep.
        _silence_stdout()
        return Exit.BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - one line and exit 2, never a traceback and 1
        _err(stderr, f"internal error ({_describe(exc)}); please report it")
        return Exit.ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _kb(args: argparse.Namespace, stdin: BinaryIO, stdout: Any, stderr: TextIO) -> int:
    if args.kb_command == "check":
        return cmd_kb_check(args, stdout, stderr)
    if args.kb_command == "draft":
        return cmd_kb_draft(args, stdout, stderr)
    _err(stderr, "kb needs an action: check or draft")
    return Exit.ERROR


def _docs(args: argparse.Namespace, stdin: BinaryIO, stdout: Any, stderr: TextIO) -> int:
    from xenkb.shelldocs import completion, manpage

    stdout.write(completion(_parser(), args.shell) if args.command == "completion"
                 else manpage(_parser(), __version__))
    return Exit.FOUND


def _chat(args: argparse.Namespace, stdin: BinaryIO, stdout: Any, stderr: TextIO) -> int:
    if sys.stdout is None:
        raise StdoutGone("standard output is closed")
    return cmd_chat(args, stdin, stdout, stderr)


# Each subcommand and the function that runs it: the parser names the commands,
# this table says what they do (one place to read, one to add to).
COMMANDS: dict[str, Any] = {
    "match": cmd_match,
    "show": lambda a, i, o, e: cmd_show(a, o, e),
    "list": lambda a, i, o, e: cmd_list(a, o, e),
    "search": lambda a, i, o, e: cmd_search(a, o, e),
    "kb": _kb,
    "normalize": lambda a, i, o, e: cmd_normalize(i, o, e),
    "completion": _docs,
    "man": _docs,
    "chat": _chat,
}


def _run(args: argparse.Namespace, stdin: BinaryIO, stdout: Any, stderr: TextIO) -> int:
    command = COMMANDS.get(args.command)
    if command is None:
        _parser().print_help(stdout)
        return Exit.ERROR
    return command(args, stdin, stdout, stderr)


if __name__ == "__main__":
    raise SystemExit(main())
