"""What a job's policy keys add to its timer's drop-in: the zone of its
schedule (`OnCalendar=EXPR ZONE`, systemd >= 235) and whether a run missed
while the server was down is made up at boot (`Persistent=`, catch_up)."""

from djops.config.schema import JobPolicy
from djops.jobs.policy import pause_store


def on_calendar(schedule: str, zone: str) -> str:
    """The OnCalendar= value: the schedule, in `zone` when one is set."""
    return f"{schedule} {zone}" if zone else schedule


def persistent(policy: JobPolicy) -> str:
    """catch_up = "none": no run at boot for an occurrence missed while down
    (the template says Persistent=true, "once")."""
    return "Persistent=false\n" if policy.catch_up == "none" else ""


def root_steps(p: str, job: str) -> str:
    """Root steps around each run: ExecCondition= skips a paused job's run
    (djops.jobs.policy.pause_commands), ExecStopPost= applies min_runtime_seconds and mails a
    recovery (djops.jobs.policy.after); `-`: that one never fails the run.
    The condition starts djops only when a pause file exists: a run that
    nobody paused costs one `test`, not a Python start (~50 ms CPU)."""
    paused = pause_store.path(p, job)
    return (
        f"ExecCondition=+/bin/sh -c 'test ! -e {paused} || exec /usr/bin/djops job --paused {p}:{job}'\n"
        f"ExecStopPost=-+/usr/bin/djops job --after {p}:{job}\n"
    )
