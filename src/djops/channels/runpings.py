"""The pings of one run of djops-clearsessions@P or djops-job@P:NAME, from
its root steps (ExecStartPost=-+ and ExecStopPost=-+ in the drop-in `djops
enable` writes when the run has a ping_url): queue, then hand over to
djops-ping.service without waiting."""

import os

from djops import config
from djops.bridge import secrets
from djops.channels import pings
from djops.systemd import run_output, sd_notify, units

TAIL_LINES = 60


def ping(phase: str, unit: str) -> str:
    p = units.project_of(unit)
    if p is None:
        return f"{unit} is not a djops unit: no ping"
    if sd_notify.skipped(unit):  # another host runs this occurrence: not a run here
        return ""
    cfg = config.load(p, live=False)
    name = units.job_name_of(unit)
    url = cfg.jobs[name].ping_url if name in cfg.jobs else cfg.clearsessions.ping_url
    if not url:
        return ""
    invocation = os.environ.get("INVOCATION_ID", "")
    run = pings.rid(invocation)
    if phase == "start":
        pings.keep(p, pings.url_for(url, run, "start"), base=url)
    else:
        ok = os.environ.get("SERVICE_RESULT", "success") == "success"
        status = os.environ.get("EXIT_STATUS", "")
        kind = "success" if ok else (status if status.isdigit() else "fail")
        lines = run_output.invocation_lines(invocation, TAIL_LINES) if invocation else []
        body = secrets.redactor(cfg).redact("\n".join(lines))
        pings.keep(p, pings.url_for(url, run, kind), body, base=url)
    pings.kick()
    return ""


def heartbeat(cfg: config.Config) -> None:
    """The heartbeat's success ping: a dead man's switch outside the server."""
    if cfg.health.ping_url:
        base = cfg.health.ping_url
        pings.keep(cfg.name, pings.url_for(base, pings.rid(""), "success"), base=base)
        pings.kick()
