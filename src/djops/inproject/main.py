"""Dispatch an in-project command and report one JSON object on --result-fd.

Exit 0: done; 1: failed (report has "error", already redacted); 3: interrupted.
"""

import argparse
import importlib
import json
import os
import sys
from typing import Any

from . import redact

# command -> whether Django is set up first; each module is imported only when
# it runs (a claim starts in the time a python and its driver take)
COMMANDS = {
    "claim": False,  # the driver alone (djops.inproject.claimdb)
    "clearsessions": True,
    "compile": False,
    "dbaddress": True,
    "facts": True,
    "validate": True,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="djops-inproject")
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--settings-dir", required=True)
    parser.add_argument("--result-fd", type=int, default=1)
    args, rest = parser.parse_known_args(argv)
    redactor = redact.Redactor.from_settings_dir(args.settings_dir, lazy=True)
    module = importlib.import_module(f"{__package__}.{args.command}")
    needs_django = COMMANDS[args.command]
    reporter = _Reporter(args.result_fd)
    try:
        if needs_django:
            import django

            django.setup()
            from django.conf import settings

            redactor.add_settings(settings)
        if getattr(module, "REPORTS_EARLY", False):
            report, status = module.run(rest, redactor, reporter.send)
        else:
            report, status = module.run(rest, redactor)
    except (Exception, SystemExit) as exc:  # everything is reported, redacted
        redactor.learn_from(exc, args.settings_dir)
        report, status = {"error": redactor.describe(exc)}, 1
    if redactor.loaded and not getattr(
        module, "REPORTS_EARLY", False
    ):  # root's relays (djops.bridge.secrets); never shown
        report = {**report, redact.LOADED: sorted(redactor.loaded)}
    reporter.send(report)
    return status


class _Reporter:
    """One JSON object on the result fd, then it is closed: the first sent wins."""

    def __init__(self, fd: int) -> None:
        self.fd, self.sent = fd, False

    def send(self, report: dict[str, Any]) -> None:
        if self.sent:
            return
        self.sent = True
        data = json.dumps(report).encode("utf-8")
        if self.fd == 1:
            sys.stdout.flush()
            sys.stdout.buffer.write(data + b"\n")
            sys.stdout.flush()
            return
        with os.fdopen(self.fd, "wb") as out:
            out.write(data)
