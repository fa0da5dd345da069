"""Render djops(8) from the CLI's own parser, the config schema, the event
table and the unit files, so --help, the units and the man page agree.

`python3 -m djops.generate.manpage > djops.8` at package build, in the
source tree (the units are read from its units/).
"""

import dataclasses
import sys
from pathlib import Path

from djops import __version__
from djops.cli.command import parser
from djops.cli.verbs import OPTIONS, VERBS
from djops.config.schema import DOC_SECTIONS, SECTION_DOCS
from djops.events import EVENTS, PRIORITY_NAMES
from djops.generate import example

UNITS_DIR = Path(__file__).resolve().parents[3] / "units"

# the instance a template is shown with, keyed by file name without suffix; default P
INSTANCE = {"djops-job@": "P:NAME", "djops-failure@": "UNIT"}

# a suffix order that reads as the units act: what triggers first, the service last
SUFFIXES = (".target", ".path", ".timer", ".socket", ".service")

# where a unit's Description= says too little for the page, keyed like INSTANCE
MORE = {
    "djops-job@": (
        "Run [jobs.NAME] on its schedule as its user (Persistent=true, a random delay of at "
        "most a tenth of the period); djops run P NAME starts it now and waits for its end. "
        "Type=notify, as djops-clearsessions@P: systemctl start returns as the run begins."
    ),
    "djops-clearsessions@": (
        "Clear expired sessions as the project user on [clearsessions] schedule. "
        "Type=notify: READY=1 comes once this host knows it runs this occurrence, so "
        "systemctl start djops-clearsessions@P returns as the run begins; "
        "djops clearsessions P (or systemctl start --wait) waits for its end."
    ),
    "djops-watch": (
        "One per host: watch every enabled project's [watch] paths (one inotify observer); "
        "after a change, start djops-reload@P.service. STATUS= shows the last reload."
    ),
    "djops-reload@": (
        "Compile (root), validate (project user), then restart or reload P.service; a rejected "
        "change leaves P.service untouched and fails the unit."
    ),
    "djops-health": (
        "One per host, for every enabled project: checks each every [health] interval_seconds, "
        "a hung round holding up no other past half a second; escalation: degraded, alert mail, one "
        "restart, hourly reminders, recovery mail. STATUS= sums up (watching 12 projects: 1 "
        "failing); a round past its interval logs health.overrun."
    ),
    "djops@": "All djops units of project P: systemctl status djops@P.target shows them.",
    "djops-heartbeat@": "The heartbeat mail on [health] heartbeat.",
    "djops-failure@": (
        "OnFailure= handler of every djops unit and of P.service: mails status and journal."
    ),
    "djops-mailqueue": (
        "Every five minutes (the timer), and as soon as a mail is queued (the path, on a "
        "request in /var/lib/djops/due/mail): retry /var/lib/djops/outbox and flush dma's "
        "queue (dma -q). Mail undelivered for a day, or beyond 1000 waiting, is given up "
        "(notify.dropped) and kept in /var/lib/djops/outbox/given-up."
    ),
    "djops-ping": (
        "Deliver the healthchecks pings queued in /var/lib/djops/pings, in order, retrying "
        "with backoff; the path starts it as soon as a run queues one (a request in "
        "/var/lib/djops/due/pings), the timer retries every five minutes; a ping undelivered "
        "for a day, or beyond 1000 waiting, is dropped (notify.dropped)."
    ),
    "djops-notify": (
        "Deliver /var/lib/djops/notify to the [notify] urls through Apprise, in order per URL, "
        "retrying with backoff (the timer retries every five minutes)."
    ),
    "djops-socket@": (
        "With [socket] listen: holds gunicorn's listening sockets (ListenStream= from a drop-in "
        "written by djops enable, Backlog=1024) across restarts of P.service, which gets them "
        "through Sockets=; while nobody accepts, connections wait instead of being refused."
    ),
    "djops-standin@": (
        'With restart = "handover": P.service\'s own command, user and environment on the same '
        "socket, started by djops-reload@P before it restarts P.service and stopped with SIGTERM "
        "once P.service's workers are warm."
    ),
}


def esc(text: str) -> str:
    return text.replace("\\", "\\e").replace("-", "\\-").replace("\n.", "\n\\&.")


def description(unit: Path) -> str:
    """The unit's Description=, as a sentence about project P."""
    for line in unit.read_text().splitlines():
        if line.startswith("Description="):
            text = line.split("=", 1)[1].strip().removeprefix("djops: ")
            text = text.replace("%i", INSTANCE.get(unit.stem, "P"))
            return (text if text.startswith("djops") else text[:1].upper() + text[1:]) + "."
    raise ValueError(f"{unit} has no Description=")


def units(directory: Path = UNITS_DIR) -> list[tuple[str, str]]:
    """(heading, text) for each unit name in `directory`, its .timer, .path,
    .service... in one entry, the target of all first: the text from MORE,
    else the Description= lines."""
    groups: dict[str, list[Path]] = {}
    for f in sorted(directory.iterdir()):
        if f.is_file():  # not the drop-in directory djops-.service.d
            groups.setdefault(f.stem, []).append(f)
    out = []
    for stem, files in sorted(groups.items(), key=lambda g: (g[0] != "djops@", g[0])):
        files.sort(key=lambda f: SUFFIXES.index(f.suffix) if f.suffix in SUFFIXES else 99)
        name = stem + INSTANCE.get(stem, "P") if stem.endswith("@") else stem
        heading = name + ", ".join(f.suffix for f in files)
        text = MORE.get(stem) or " ".join(dict.fromkeys(description(f) for f in files))
        out.append((heading, text))
    return out


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


def _head() -> list[str]:
    return [
        f'.TH DJOPS 8 "" "djops {__version__}" "System Administration"',
        ".SH NAME",
        "djops \\- operate a Debian\\-deployed Django project with systemd",
        ".SH SYNOPSIS",
        ".B djops",
        "[\\fB\\-\\-debug\\fR] \\fIVERB\\fR \\fIP\\fR",
        ".br",
        ".B djops \\-\\-version",
        ".SH DESCRIPTION",
        esc(parser().description or ""),
    ]


def _commands() -> list[str]:
    out = [".SH COMMANDS"]
    for name, verb in VERBS.items():
        if verb.help is None:  # run by units
            continue
        out += [".TP", f"\\fBdjops {esc(name)}\\fR {synopsis(name)}", esc(verb.description)]
    out += [".SH OPTIONS"]
    for arg, spec in OPTIONS:
        out += [".TP", f"\\fB{esc(arg)}\\fR", esc(spec["help"])]
    return out


def _configuration() -> list[str]:
    out = [
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
    return out


def _units(directory: Path) -> list[str]:
    out = [".SH UNITS"]
    for heading, text in units(directory):
        out += [".TP", f"\\fB{esc(heading)}\\fR", esc(text)]
    return out


def _journal() -> list[str]:
    out = [
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
    return out


def _security() -> list[str]:
    return [
        ".SH SECURITY",
        "Root never runs the project's python with the project's paths: djops\\-reload@P, "
        "one process of djops that is root inside the unit's sandbox, compiles with the "
        "interpreter behind the venv's python (in its own process when that is djops' own, "
        "else that interpreter isolated, \\-I \\-S), only if nobody but root can change it; "
        "it compiles only trees nobody but root can write and never writes through a "
        "symlink. Everything that runs project code (the reload's validation, clearsessions, "
        "djops check) runs as the project user, in a child that drops to it before it runs "
        "anything, in a session of its own. Journal entries are believed only when root "
        "or the project's own djops units wrote them; control characters in what djops "
        "prints or mails are escaped; settings values are masked.",
        ".SH EXIT STATUS",
        "0 success, 1 an operation or check failed, 2 usage or config error.",
    ]


def _files() -> list[str]:
    files = [
        ("/etc/djops/P.toml", "per\\-project configuration"),
        (
            "/etc/systemd/system/djops\\-*@P.*.d/djops.conf",
            "drop\\-ins written by \\fBdjops enable\\fR and removed by \\fBdjops disable\\fR",
        ),
        ("/var/lib/djops/", "state: mail outbox, migrated cron files"),
        (
            "/var/lib/djops/outbox/given\\-up/",
            "mail the outbox gave up on, kept and never deleted by djops; "
            "\\fBdjops check\\fR warns while it holds any; "
            "\\fBmv /var/lib/djops/outbox/given\\-up/*.json /var/lib/djops/outbox/\\fR "
            "puts it back in the queue",
        ),
        ("/run/djops/", "root's runtime notes: the planned restart windows (0700)"),
        ("/usr/share/doc/djops/examples/P.toml", "every key with its default"),
    ]
    out = [".SH FILES"]
    for path, what in files:
        out += [".TP", f"\\fI{path}\\fR", what]
    return [
        *out,
        ".SH SEE ALSO",
        "\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), \\fBsystemd.timer\\fR(5), "
        "\\fBsystemd.time\\fR(7), \\fBdma\\fR(8)",
    ]


def render(units_dir: Path = UNITS_DIR) -> str:
    sections = (
        _head(),
        _commands(),
        _configuration(),
        _units(units_dir),
        _journal(),
        _security(),
        _files(),
    )
    return "\n".join(line for section in sections for line in section) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
