"""What each verb does: one function per verb, taking the parsed arguments and
returning the line(s) to print. The table of verbs is djops.cli.verbs, the
parser djops.cli.command.

Actions are imported by the verb that needs them: every unit start runs
the CLI, and importing all of them would cost each start ~0.1 s.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from djops import errors

if TYPE_CHECKING:  # annotations only: a job run's start never imports argparse
    import argparse


class _Config:
    """djops.config, imported on first use: the root condition before each
    job run (`djops job --paused`) needs none of it (~20 ms of imports)."""

    def __getattr__(self, name: str) -> Any:
        from djops import config as module

        return getattr(module, name)


config = _Config()


def enable(args: argparse.Namespace) -> str:
    from djops.project import enable

    # systemd reads every schedule here, once (djops.config.schedules)
    return enable.enable(config.load(args.project, schedules=True))


def disable(args: argparse.Namespace) -> str:
    from djops.config import cache
    from djops.project import enable

    dropped = enable.purge_db(config.load(args.project)) + "\n" if args.purge_db else ""
    said = enable.disable(args.project)
    cache.forget(args.project)
    return dropped + said


def _here_or_unit(action, args: argparse.Namespace) -> str:
    """In its unit (--here) or as the project user: do it. Root at a terminal:
    start the unit, so the run has its user, sandbox and journal trail."""
    cfg = config.load(args.project)
    if args.here or os.geteuid() != 0:
        return action.run_here(cfg)
    return action.run_via_unit(cfg)


def clearsessions(args: argparse.Namespace) -> str:
    from djops.jobs import clearsessions

    return _here_or_unit(clearsessions, args)


def reload(args: argparse.Namespace) -> str:
    from djops.reload import steps

    if args.handover:  # the hand-over's transient unit, started by the reload's process
        from djops.reload import standin_units

        return standin_units.run_here(config.load(args.project))
    if args.here:  # djops-reload@P.service's process
        return steps.run_here(args.project)
    return steps.run_via_unit(config.load(args.project))


def run(args: argparse.Namespace) -> str:
    from djops.jobs import job
    from djops.jobs.policy import pause_commands

    job.job_of(cfg := config.load(args.project), args.job)  # one it has, before all else
    pause_commands.refuse_if_paused(cfg, args.job)
    return job.run_via_unit(cfg, args.job)


def history(args: argparse.Namespace) -> str:
    from djops.jobs import history

    return history.show(config.load(args.project, live=False), args.job, args.n, args.json)


def pause(args: argparse.Namespace) -> str:
    """`djops pause` and `djops resume`."""
    from djops.jobs.policy import pause_commands

    cfg = config.load(args.project)
    if args.verb == "pause":
        return pause_commands.pause(cfg, args.job, args.until)
    return pause_commands.resume(cfg, args.job)


def job(args: argparse.Namespace) -> str:
    """Inside djops-job@P:NAME.service (the instance is P:NAME)."""
    from djops.systemd import units

    p, name = units.split_instance(args.instance)
    if args.paused:  # ExecCondition=: skip a paused job's run
        from djops.jobs.policy import pause_commands

        return pause_commands.condition(p, name)
    cfg = config.load_for_run(p)  # both starts of every run: not the schema's imports
    if args.after:  # the root step after a run: djops.jobs.policy (not the relay's imports)
        from djops.jobs.policy import after

        return after.after(cfg, name)
    from djops.jobs import job

    if args.mail_output:
        return job.mail_output(cfg, name)
    return job.run_here(cfg, name)


def ping(args: argparse.Namespace) -> str:
    from djops.channels import runpings

    return runpings.ping(args.phase, args.unit)


def status(args: argparse.Namespace) -> str:
    from djops.project import status

    if args.project is None:
        return status.overview()
    return status.project(config.load(args.project, live=False))


def check(args: argparse.Namespace) -> str:
    from djops.checklist import report

    cfg = config.load(args.project, schedules=True)
    return report.render(cfg, report.run(cfg), args.json)


def migrate_cron(args: argparse.Namespace) -> str:
    from djops.migrate import main as migrate

    return migrate.run(config.load(args.project), args.apply)


def watch(args: argparse.Namespace) -> str:
    from djops.reload import watch

    # djops-watch.service: every enabled project; `djops watch P`: only P
    return watch.run([config.check_name(args.project)] if args.project else None)


def heartbeat(args: argparse.Namespace) -> str:
    from djops.health import heartbeat

    return _here_or_unit(heartbeat, args)


def health(args: argparse.Namespace) -> str:
    if args.learn_database:  # `djops enable`, a reload: in a transient unit of its own
        from djops.health import dbaddress

        if not args.project:
            raise errors.UsageError("--learn-database needs the project P")
        return dbaddress.learn(config.load(args.project))
    from djops.health import host

    # djops-health.service: every enabled project; `djops health P`: only P
    return host.run([config.check_name(args.project)] if args.project else None)


def failure(args: argparse.Namespace) -> str:
    from djops.mail import failure

    return failure.run(args.project)


def flush(channel: str, args: argparse.Namespace) -> str:
    """`djops flush-NAME`: deliver channel NAME's queue (its unit's run)."""
    from djops.channels import registry

    return registry.deliver(channel)
