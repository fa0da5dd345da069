"""The `djops` command: parse, load config, call one action, print its answer.

Verbs map to functions in one table (djops.cli.verbs.VERBS). Expected failures are
DjopsError and print as one line on stderr; `--debug` shows the traceback.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from djops.cli.verbs import EPILOG, OPTIONS, VERBS, unit_step
from djops.errors import DjopsError, ReportFailed
from djops.systemd import journal
from djops.text import printable

if TYPE_CHECKING:
    import argparse


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `only` the subparser of that one verb: each
    unit step starts the CLI, and building all the verbs costs it ~5 ms."""
    import argparse

    top = argparse.ArgumentParser(
        prog="djops",
        description="Run a Debian-deployed Django project with systemd: clear "
        "sessions on a timer, apply settings safely, watch health, mail failures.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for arg, spec in OPTIONS:
        top.add_argument(arg, **spec)
    sub = top.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name, verb in VERBS.items():
        if only and name != only:
            continue
        # a verb given no help= is left out of the listing: the units' own
        listed = {"help": verb.help} if verb.help else {}
        p = sub.add_parser(name, description=verb.description, **listed)
        for arg, spec in verb.args:
            p.add_argument(arg, **spec)
        for arg, spec in verb.hidden:
            p.add_argument(arg, **spec, help=argparse.SUPPRESS)
    return top


def named_verb(argv: list[str]) -> str | None:
    """The verb `argv` names, if it is one (else the whole parser answers:
    --help, --version, a typo)."""
    words = [a for a in argv if not a.startswith("-")]
    return words[0] if words and words[0] in VERBS else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = unit_step(argv) or parser(named_verb(argv)).parse_args(argv)
    try:
        return _answer(args)
    except BrokenPipeError:  # `djops status | head`: the reader has all it wanted
        # stdout's buffer still holds what the reader will never take: point
        # the descriptor at /dev/null so the flush at exit says nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def _answer(args: Any) -> int:
    try:
        answer = VERBS[args.verb].run(args)
    except DjopsError as e:
        if args.debug:
            raise
        if isinstance(e, ReportFailed):
            print(printable(e.report))
        if not journal.already_logged(str(e), sys.stderr):
            print(f"djops: {printable(e)}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    if answer and not journal.already_logged(answer):
        print(printable(answer))
    return 0
