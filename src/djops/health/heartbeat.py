"""`djops heartbeat P` and djops-heartbeat@P.timer: a short report mailed on
the [health] heartbeat schedule. A dead man's switch: when it stops
arriving, mail or the server is broken."""

import time

from djops.config import Config
from djops.events import CLEARSESSIONS_RESULT, HEARTBEAT_RESULT, JOB_RESULT, RELOAD_RESULT
from djops.health import probes
from djops.health import state as health_state
from djops.mail import notices, outbox
from djops.metrics import runs
from djops.systemd import journal, oneshot, units

_WHEN = "%Y-%m-%d %H:%M"


def report(cfg: Config) -> str:
    p = cfg.name
    state = health_state.read(p)
    fresh = time.time() - state.get("updated", 0) < 2 * cfg.health.interval_seconds + 60
    lines = [f"Heartbeat of {p} at {time.strftime(_WHEN)}.", "", "Health checks:"]
    for name in probes.enabled(cfg):
        r = state.get("checks", {}).get(name) if fresh else None
        ok, detail = (r["ok"], r["detail"]) if r else probes.run(name, cfg)
        lines.append(f"  {name:<14} {'ok' if ok else 'FAILING':<8} {detail}")
    if not fresh:
        lines.append(f"  (checked now: {units.service(units.HEALTH, p)} has no recent state)")
    last = notices.last_run(p, CLEARSESSIONS_RESULT, units.CLEARSESSIONS, by_job=False)
    lines += ["", f"Last clearsessions: {last}"]
    for name in cfg.jobs:
        lines.append(f"Last job {name}: {notices.last_run(p, JOB_RESULT, name)}")
    lines.append(f"Last reload:        {notices.last_event(p, RELOAD_RESULT)}")
    lines.append(f"Mail outbox:        {len(outbox.pending())} waiting")
    return "\n".join(lines) + "\n" + notices.footer(p)


def run_here(cfg: Config) -> str:
    body = report(cfg)
    notices.send(cfg, "heartbeat", "heartbeat", body)
    text = f"heartbeat of {cfg.name} handed to the mail queue for {', '.join(cfg.health.mail_to)}"
    journal.emit("heartbeat.sent", cfg.name, text, TO=", ".join(cfg.health.mail_to))
    runs.heartbeat(cfg)
    return text


def run_via_unit(cfg: Config) -> str:
    return oneshot.run(cfg, units.service(units.HEARTBEAT, cfg.name), HEARTBEAT_RESULT)
