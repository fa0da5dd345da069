"""djops-job@P:NAME.service: one [jobs.NAME], what a crontab line did.

Inside its unit (`--here`) it runs the manage.py command (or the program)
with the project's environment and the job's own `environment` on top, as the job's user (the unit's User=), and
relays every output line to the journal with DJOPS_PROJECT and DJOPS_JOB,
control characters escaped and settings values masked. Its end is one
event, logged by root's post step from systemd's record of the run
(djops.jobs.verdict): job.done, job.failed (the unit fails: OnFailure=
mails the run's journal, as cron mailed the output) or job.interrupted. `djops run P NAME`
starts the unit and prints the run's output and result.
"""

import os
import signal
import subprocess
import time

from djops.bridge import project_python, secrets
from djops.config import Config
from djops.errors import JobFailed, OperationError, UsageError
from djops.jobs import once, verdict
from djops.jobs.policy import keys
from djops.systemd import journal, sd_notify, units
from djops.text import printable, span

# the relay (run_here) runs once per job run: what only `djops run` and the
# mail step use is imported there

OUTPUT_LINES = 60


def job_of(cfg: Config, name: str):
    """[jobs.NAME]; a name it does not have is a usage error (exit 2) that
    lists the jobs it has, not an error in its config file."""
    if name in cfg.jobs:
        return cfg.jobs[name]
    if name == units.CLEARSESSIONS:
        raise UsageError(f"clearsessions of {cfg.name} runs with `djops clearsessions {cfg.name}`")
    raise keys.unknown(cfg, name)


def argv_of(cfg: Config, job) -> list[str]:
    """The job's command line (`job`: one of cfg.jobs, from job_of)."""
    if job.command:
        return [f"{cfg.project.venv}/bin/python", f"{cfg.project.code_dir}/manage.py", *job.command]
    return list(job.exec)


def run_here(cfg: Config, name: str) -> str:
    """The relay: run the command, relay its lines, and say how it ended in
    STATUS= and its exit status; root's post step logs the result event
    from systemd's record (djops.jobs.verdict), not this process."""
    job = job_of(cfg, name)
    with once.turn(cfg, name, job.schedule, job.once) as turn:
        if not turn.run:
            return turn.text
        code, seconds, stopped = _execute(cfg, name, job)
        turn.done(code)
    sd_notify.Notifier().status(verdict.said(code, seconds, stopped, turn.status))
    p = cfg.name
    if stopped:
        text = f"job {name} of {p} interrupted after {span(seconds)}"
        raise OperationError(journal.logged_by_root(text))
    if code != 0:
        text = f"job {name} of {p} failed: exit status {code} after {span(seconds)}"
        raise JobFailed(journal.logged_by_root(text), code)
    return journal.logged_by_root(f"job {name} of {p} done in {span(seconds)}")


def _execute(cfg: Config, name: str, job) -> tuple[int, float, bool]:
    """Run it, its output to the journal: (exit status, seconds, stopped)."""
    p, argv = cfg.name, argv_of(cfg, job)
    env = {**project_python.environment(cfg), **job.environment}
    redactor = secrets.redactor(cfg, lazy=True)  # a run without output scans nothing
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cfg.project.code_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    stopped = []

    def forward(signum, frame):  # systemctl stop, or timeout_seconds passed
        stopped.append(signum)
        proc.send_signal(signal.SIGTERM)

    old = signal.signal(signal.SIGTERM, forward)
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            journal.output(p, name, printable(redactor.redact(line), newlines=False))
        code = proc.wait()
    finally:
        signal.signal(signal.SIGTERM, old)
    return code, round(time.monotonic() - started, 3), bool(stopped)


def run_via_unit(cfg: Config, name: str) -> str:
    """`djops run P NAME`: start the unit, print its output and its result.
    At a terminal the output is printed as it comes; otherwise at the end."""
    from djops import terminal
    from djops.events import JOB_RESULT
    from djops.systemd import oneshot

    job = job_of(cfg, name)
    unit = units.job_service(cfg.name, name)
    show = terminal.printer(secrets.redactor(cfg)) if terminal.attached() else None
    run = oneshot.started(cfg, unit, JOB_RESULT, timeout=job.timeout_seconds + 60, show=show)
    lines = "" if show else _output(cfg, run.invocation)  # this run's, by the id taken once
    try:
        result = oneshot.answer(run)
    except OperationError:
        print(lines, end="", flush=True)  # the run's output, then the error line
        raise
    return lines + result


def _output(cfg: Config, invocation: str) -> str:
    """The run's lines as relayed, masked again with what root knows (a relay
    whose unit had no credential yet masked only what the text showed)."""
    from djops.systemd import run_output

    lines = run_output.invocation_lines(invocation, OUTPUT_LINES) if invocation else []
    redactor = secrets.redactor(cfg)
    return "".join(f"{redactor.redact(ln)}\n" for ln in lines)


def mail_output(cfg: Config, name: str) -> str:
    """ExecStopPost=+ of a job with mail_output = "always": mail a successful
    run's output (a failed one is mailed by OnFailure=)."""
    from djops.mail import notices
    from djops.systemd import run_output

    job = job_of(cfg, name)
    if os.environ.get("SERVICE_RESULT", "success") != "success":
        return ""
    if sd_notify.skipped(units.job_service(cfg.name, name)):  # another host ran it
        return ""
    invocation = os.environ.get("INVOCATION_ID", "")
    lines = run_output.invocation_lines(invocation, OUTPUT_LINES) if invocation else []
    redactor = secrets.redactor(cfg)
    body = (
        f"Output of job {name} ({' '.join(argv_of(cfg, job))}):\n\n"
        + ("\n".join(lines) or "(no output)")
        + "\n"
    )
    notices.send(
        cfg,
        "job output",
        f"job {name} output",
        redactor.redact(body) + notices.footer(cfg.name),
        job.mail_to or None,
    )
    return f"output of job {name} mailed"
