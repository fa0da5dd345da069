"""The verb table (as certbot's): what each `djops` verb runs, what its
--help says and which arguments it takes. djops.cli.command parses with it; the
man page and the shell completion are generated from it."""

from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any, NamedTuple

from djops import __version__
from djops.cli import actions

EPILOG = """\
examples:
  djops enable shop            validate /etc/djops/shop.toml, start shop's units
  systemctl status 'djops-*@shop.*'
  djops status shop            timer, watcher, health, mail, the day's trouble
  djops check shop             the deployment checklist, each item with what to do
  djops reload shop            compile, validate, then restart (what restart-shop did)
  djops clearsessions shop     remove expired sessions of shop now
  djops migrate-cron shop      show how the old cron job and restart script are replaced
  journalctl DJOPS_PROJECT=shop -p warning     shop's troubles
  djops disable shop           stop and remove everything enable did

Config: /etc/djops/P.toml (every key optional; see
/usr/share/doc/djops/examples/P.toml). Exit status: 0 success, 1 an operation
or check failed, 2 usage or config error. See djops(8)."""


Arg = tuple[str, dict[str, Any]]
PROJECT: Arg = ("project", {"metavar": "P", "help": "the project name (/etc/djops/P.toml)"})
HERE: Arg = ("--here", {"action": "store_true"})
JOB: Arg = ("job", {"metavar": "NAME", "help": "the job ([jobs.NAME] in P.toml, or clearsessions)"})


OPTIONS: tuple[Arg, ...] = (
    (
        "--version",
        {"action": "version", "version": f"djops {__version__}", "help": "print the version"},
    ),
    ("--debug", {"action": "store_true", "help": "show tracebacks of errors"}),
)


class Verb(NamedTuple):
    """One verb: what runs, what --help says, and what it takes. `help` None:
    run by units, not listed. `args` are shown; `hidden` flags are what the
    units pass (`--here`, `--after`), never listed. A NamedTuple, not a dataclass: every unit
    step starts the CLI, and dataclasses' imports (inspect, ast) cost ~10 ms."""

    run: Callable[[Any], str]  # given the parsed Namespace, or unit_step()'s
    help: str | None
    description: str
    args: tuple[Arg, ...] = (PROJECT,)
    hidden: tuple[Arg, ...] = ()


VERBS: dict[str, Verb] = {
    "enable": Verb(
        actions.enable,
        "validate P's config, write drop-ins, enable and start its units",
        "Validate /etc/djops/P.toml, write the drop-ins the template units need "
        "(/etc/systemd/system/djops-*@P.*.d/djops.conf, and P.service.d/"
        "djops-onfailure.conf for failure mail), then enable and start "
        "djops@P.target: the clearsessions and heartbeat timers, the settings "
        "watcher and the health service, and the mail queue timer. Safe to run "
        "again after editing the config: running daemons restart with it.",
    ),
    "disable": Verb(
        actions.disable,
        "stop and disable P's units and remove their drop-ins",
        "Undo `djops enable P` exactly: stop and disable P's djops units and "
        "remove the drop-ins djops wrote. The config file is kept. With "
        "--purge-db, first remove P's rows from djops' own table in the "
        "project's database (djops_claim, the once-per-fleet claims), and the "
        "table once no project uses it; run it on the last app server.",
        args=(
            PROJECT,
            (
                "--purge-db",
                {"action": "store_true", "help": "also drop djops' table from P's database"},
            ),
        ),
    ),
    "clearsessions": Verb(
        actions.clearsessions,
        "remove P's expired sessions now",
        "Remove expired sessions of P in short batches (database engines) or "
        "with the engine's clear_expired(). As root this starts "
        "djops-clearsessions@P.service and waits for it, so the run is the same "
        "as the timer's (at a terminal, its progress lines show as they come); "
        "as the project user it runs in place.",
        hidden=(HERE,),
    ),
    "reload": Verb(
        actions.reload,
        "compile, validate and apply P's settings (what restart-P did, safely)",
        "Start djops-reload@P.service and wait for it: compile code and settings "
        "as root (with the interpreter behind the venv's python, isolated from the "
        "project, and only where nobody but root can write), import the settings and run "
        "`manage.py check` as the project user, and only then restart (or, with "
        '[watch] restart = "reload", gracefully reload) P.service. If validation '
        "fails, P.service is not touched and keeps serving the old settings. "
        "The watcher does this by itself when a file under [watch] paths changes.",
        hidden=(HERE, ("--handover", {"action": "store_true"})),
    ),
    "heartbeat": Verb(
        actions.heartbeat,
        "mail P's heartbeat report now",
        "Mail the heartbeat report to [health] mail_to now: each health check, "
        "run for the report, the last clearsessions run, the last reload and its result, and "
        "the mail outbox. djops-heartbeat@P.timer does this on the [health] "
        "heartbeat schedule; when it stops arriving, mail or the server is broken.",
        hidden=(HERE,),
    ),
    "status": Verb(
        actions.status,
        "one screen per project: timer, watcher, health, mail, last 24 h of trouble",
        "Without P: a line per enabled project. With P: the clearsessions timer's "
        "next and last run, the watcher and the last reload's result, each health "
        "check, the last heartbeat, the mail outbox, and the project's journal "
        "entries of priority warning or worse from the last 24 hours.",
        args=(("project", {**PROJECT[1], "nargs": "?"}),),
    ),
    "check": Verb(
        actions.check,
        "the deployment checklist of P: ok / warn / fail, each with what to do",
        "Run the reference chapters' checklist: `manage.py check --deploy` and the "
        "settings (read by the project's python as the project user), the settings "
        "files and their bytecode, mail (sendmail, /etc/mailname, /etc/aliases, dma), "
        "and djops' own units. Never prints a settings value. Exit 1 if any item fails.",
        args=(PROJECT, ("--json", {"action": "store_true", "help": "machine-readable items"})),
    ),
    "migrate-cron": Verb(
        actions.migrate_cron,
        "replace P's cron job and restart script with djops",
        "Find /etc/cron.daily/P-clearsessions, /usr/local/sbin/restart-P, and every "
        "line of P's crontabs and cron.* scripts, and show what becomes of each: "
        "a [jobs.X] for each manage.py command (its variables carried in environment), "
        "or left in place with the reason (a plain program gets a ready exec job). With "
        "--apply: add the jobs, enable djops for P, move the old files to "
        "/var/lib/djops/migrated/<timestamp>/ (with a note on restoring each), "
        "comment out the translated crontab lines, and leave a restart-P that runs "
        "`djops reload P`. Without --apply nothing changes; running it again changes nothing.",
        args=(
            PROJECT,
            ("--apply", {"action": "store_true", "help": "do it (default: only show the plan)"}),
        ),
    ),
    "run": Verb(
        actions.run,
        "run a job of [jobs.NAME] now, through its unit, and show its output",
        "Start djops-job@P:NAME.service now, as the timer would: the job's user, "
        "sandbox, journal trail and failure mail; print its output (at a terminal, "
        "each line as it comes) and result.",
        args=(PROJECT, ("job", {"metavar": "NAME", "help": "the job ([jobs.NAME] in P.toml)"})),
    ),
    "history": Verb(
        actions.history,
        "the last runs of a job, or of all: start, host, duration, result, exit, last line",
        "The last runs of [jobs.NAME] (or clearsessions; without NAME: of every job) "
        "from this host's journal, oldest first: start, host, duration, result, "
        "exit status and the run's last output line; --json for scripts.",
        args=(
            PROJECT,
            ("job", {"metavar": "NAME", "nargs": "?", "help": "the job (default: all)"}),
            ("-n", {"type": int, "default": 20, "metavar": "N", "help": "how many runs (20)"}),
            ("--json", {"action": "store_true", "help": "JSON, one object per run"}),
        ),
    ),
    "pause": Verb(
        actions.pause,
        "pause a job: skip its runs, no missed alert (until WHEN or resume)",
        "Skip the runs of [jobs.NAME] (or clearsessions), logged job.paused, "
        "until `djops resume P NAME` or WHEN (a systemd timestamp: "
        '"2026-12-01 08:00", "tomorrow", "+2h"). Kept in /var/lib/djops/paused: '
        "it survives a reboot and `djops enable`.",
        args=(PROJECT, JOB, ("--until", {"metavar": "WHEN", "help": "resume by itself then"})),
    ),
    "resume": Verb(
        actions.pause,
        "resume a paused job",
        "Run [jobs.NAME] on its schedule again after `djops pause`.",
        args=(PROJECT, JOB),
    ),
    "job": Verb(
        actions.job,
        None,
        "Run one job inside its unit (djops-job@P:NAME.service).",
        args=(("instance", {"metavar": "P:NAME", "help": "the unit's instance"}),),
        hidden=(
            ("--mail-output", {"action": "store_true"}),
            ("--after", {"action": "store_true"}),
            ("--paused", {"action": "store_true"}),
        ),
    ),
    "watch": Verb(
        actions.watch,
        None,
        "Run the settings watcher in the foreground (djops-watch.service): every "
        "enabled project, or only P.",
        args=(("project", {"metavar": "P", "nargs": "?", "help": "only this project"}),),
    ),
    "health": Verb(
        actions.health,
        None,
        "Run the health daemon in the foreground (djops-health.service): every "
        "enabled project, or only P.",
        args=(("project", {"metavar": "P", "nargs": "?", "help": "only this project"}),),
        hidden=(("--learn-database", {"action": "store_true"}),),
    ),
    "failure": Verb(
        actions.failure,
        None,
        "Mail the status and journal of a failed unit (djops-failure@).",
        args=(("project", {"metavar": "UNIT", "help": "the failed unit"}),),
    ),
    "ping": Verb(
        actions.ping,
        None,
        "Queue the healthchecks ping of a run (ExecStartPost=-+, ExecStopPost=-+).",
        args=(
            ("phase", {"choices": ("start", "end"), "help": "which ping"}),
            ("unit", {"metavar": "UNIT", "help": "the run's unit"}),
        ),
    ),
    # djops flush-NAME, one per channel of djops.channels.registry (a test
    # holds them equal; the CLI starts without importing the channels)
    "flush-pings": Verb(
        partial(actions.flush, "pings"), None, "Deliver the queued pings (djops-ping.service).", ()
    ),
    "flush-mail": Verb(
        partial(actions.flush, "mail"), None, "Deliver the djops outbox, flush dma's queue.", ()
    ),
    "flush-notify": Verb(
        partial(actions.flush, "notify"),
        None,
        "Deliver the queued notifications (djops-notify.service).",
        (),
    ),
}


# the verbs units start by themselves: the job units twice a run (the run,
# the step after it), djops-reload@P.service once a reload
UNIT_STEPS = ("job", "reload")


def unit_step(argv: list[str]) -> SimpleNamespace | None:
    """`djops job [--after|--paused|--mail-output] P:NAME` and `djops reload
    [--here|--handover] P` read without argparse: its import and build are
    ~6 ms of each start, and the units' own words need no parser. None for
    anything else (argparse answers)."""
    if len(argv) not in (2, 3) or argv[0] not in UNIT_STEPS or argv[-1].startswith("-"):
        return None
    verb = VERBS[argv[0]]
    flags = {arg[2:].replace("-", "_"): False for arg, _ in verb.hidden}
    for word in argv[1:-1]:
        name = word[2:].replace("-", "_")
        if not word.startswith("--") or name not in flags:
            return None
        flags[name] = True
    [(positional, _)] = verb.args
    return SimpleNamespace(verb=argv[0], debug=False, **{positional: argv[-1]}, **flags)
