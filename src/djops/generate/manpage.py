"""Render djops(8) from the CLI's own parser, so --help and the man page agree.

`python3 -m djops.generate.manpage > djops.8` at package build.
"""

import dataclasses
import sys

from djops import __version__
from djops.cli import OPTIONS, VERBS, parser
from djops.config.schema import DOC_SECTIONS, SECTION_DOCS
from djops.events import EVENTS, PRIORITY_NAMES
from djops.generate import example


def esc(text: str) -> str:
    return text.replace("\\", "\\e").replace("-", "\\-").replace("\n.", "\n\\&.")


UNITS = [
    (
        "djops-job@P:NAME.timer, .service",
        "Run [jobs.NAME] on its schedule as its user (Persistent=true, a random delay of at "
        "most a tenth of the period); djops run P NAME starts it now and waits for its end. "
        "Type=notify, as djops-clearsessions@P: systemctl start returns as the run begins.",
    ),
    (
        "djops-clearsessions@P.timer, .service",
        "Clear expired sessions as the project user on [clearsessions] schedule. "
        "Type=notify: READY=1 comes once this host knows it runs this occurrence, so "
        "systemctl start djops-clearsessions@P returns as the run begins; "
        "djops clearsessions P (or systemctl start --wait) waits for its end.",
    ),
    (
        "djops-watch.service",
        "One per host: watch every enabled project's [watch] paths (one inotify observer); "
        "after a change, start djops-reload@P.service. STATUS= shows the last reload.",
    ),
    (
        "djops-reload@P.service",
        "Compile (root), validate (project user), then restart or reload P.service; a rejected "
        "change leaves P.service untouched and fails the unit.",
    ),
    (
        "djops-health.service",
        "One per host, for every enabled project: checks each every [health] interval_seconds, "
        "each project's round in a thread of its own; escalation: degraded, alert mail, one "
        "restart, hourly reminders, recovery mail. STATUS= sums up (watching 12 projects: 1 "
        "failing); a round past its interval logs health.overrun.",
    ),
    ("djops-heartbeat@P.timer, .service", "The heartbeat mail on [health] heartbeat."),
    (
        "djops-failure@UNIT.service",
        "OnFailure= handler of every djops unit and of P.service: mails status and journal.",
    ),
    (
        "djops-mailqueue.timer, .service",
        "Every five minutes: retry /var/lib/djops/outbox and flush dma's queue (dma -q).",
    ),
    (
        "djops-mailqueue.path",
        "Starts djops-mailqueue.service as soon as a mail is queued in /var/lib/djops/due/mail.",
    ),
    (
        "djops-ping.path, .service",
        "Deliver the queued healthchecks pings (/var/lib/djops/due/pings), retrying with backoff.",
    ),
    (
        "djops-notify.path, .timer, .service",
        "Deliver /var/lib/djops/notify to the [notify] urls through Apprise, in order per URL, "
        "retrying with backoff (the timer retries every five minutes).",
    ),
]


def synopsis(verb: str) -> str:
    parts = []
    for name, spec in VERBS[verb].args:
        word = (
            f"\\fB{esc(name)}\\fR"
            if name.startswith("-")
            else f"\\fI{spec.get('metavar', name)}\\fR"
        )
        parts.append(f"[{word}]" if name.startswith("-") or spec.get("nargs") == "?" else word)
    return " ".join(parts)


def render() -> str:
    top = parser()
    out = [
        f'.TH DJOPS 8 "" "djops {__version__}" "System Administration"',
        ".SH NAME",
        "djops \\- operate a Debian\\-deployed Django project with systemd",
        ".SH SYNOPSIS",
        ".B djops",
        "[\\fB\\-\\-debug\\fR] \\fIVERB\\fR \\fIP\\fR",
        ".br",
        ".B djops \\-\\-version",
        ".SH DESCRIPTION",
        esc(top.description or ""),
        ".SH COMMANDS",
    ]
    for name, verb in VERBS.items():
        if verb.help is None:  # run by units
            continue
        out += [".TP", f"\\fBdjops {esc(name)}\\fR {synopsis(name)}", esc(verb.description)]
    out += [".SH OPTIONS"]
    for arg, spec in OPTIONS:
        out += [".TP", f"\\fB{esc(arg)}\\fR", esc(spec["help"])]
    out += [
        ".SH CONFIGURATION",
        "Each project \\fIP\\fR may have \\fI/etc/djops/P.toml\\fR. Every key is optional; "
        "defaults follow the layout /opt/P, /etc/opt/P, /var/opt/P. A bad value makes djops "
        "exit 2 with one line naming the file, the key and what was expected; nothing is changed. "
        "Sections and keys:",
    ]
    for section, cls in DOC_SECTIONS.items():
        out += [
            f".SS [{section}]",
            esc(SECTION_DOCS[section][:1].upper() + SECTION_DOCS[section][1:] + "."),
        ]
        for f in dataclasses.fields(cls):
            shown = example.toml_value(example.default(f))
            out += [".TP", f"\\fB{esc(f.name)}\\fR = {esc(shown)}", esc(f.metadata["doc"])]
    out += [
        ".SH UNITS",
        ".TP",
        "\\fBdjops@P.target\\fR",
        "All djops units of project P.",
    ]
    for unit, what in UNITS:
        out += [".TP", f"\\fB{esc(unit)}\\fR", esc(what)]
    out += [
        ".SH JOURNAL",
        "Every message carries SYSLOG_IDENTIFIER=djops, DJOPS_PROJECT=P, DJOPS_EVENT and a "
        "MESSAGE_ID explained by \\fBjournalctl \\-x\\fR. A project's troubles: "
        "\\fBjournalctl DJOPS_PROJECT=P \\-p warning\\fR. Events:",
    ]
    for name, ev in EVENTS.items():
        out += [
            ".TP",
            f"\\fB{esc(name)}\\fR ({PRIORITY_NAMES[ev.priority]})",
            esc(ev.subject.replace("@DJOPS_PROJECT@", "P").replace("@", "")),
        ]
    out += [
        ".SH SECURITY",
        "Root never runs the project's python with the project's paths: the compile step of "
        "djops\\-reload@P runs the interpreter behind the venv's python isolated (\\-I \\-S), "
        "inside the unit's sandbox, and only if nobody but root can change it; it compiles "
        "only trees nobody but root can write and never writes through a symlink. Everything "
        "else that runs project code (validation, clearsessions, djops check) runs as the "
        "project user, in a session of its own. Journal entries are believed only when root "
        "or the project's own djops units wrote them; control characters in what djops "
        "prints or mails are escaped; settings values are masked.",
        ".SH EXIT STATUS",
        "0 success, 1 an operation or check failed, 2 usage or config error.",
        ".SH FILES",
        ".TP",
        "\\fI/etc/djops/P.toml\\fR",
        "per\\-project configuration",
        ".TP",
        "\\fI/etc/systemd/system/djops\\-*@P.*.d/djops.conf\\fR",
        "drop\\-ins written by \\fBdjops enable\\fR and removed by \\fBdjops disable\\fR",
        ".TP",
        "\\fI/var/lib/djops/\\fR",
        "state: mail outbox, migrated cron files",
        ".TP",
        "\\fI/run/djops/\\fR",
        "root's runtime notes between the steps of a unit (0700)",
        ".TP",
        "\\fI/usr/share/doc/djops/examples/P.toml\\fR",
        "every key with its default",
        ".SH SEE ALSO",
        "\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), \\fBsystemd.timer\\fR(5), "
        "\\fBsystemd.time\\fR(7), \\fBdma\\fR(8)",
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
