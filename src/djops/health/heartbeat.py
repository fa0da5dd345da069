"""`djops heartbeat P` and djops-heartbeat@P.timer: a short report mailed on
the [health] heartbeat schedule. A dead man's switch: when it stops
arriving, mail or the server is broken."""

import time

from djops.channels import registry, runpings
from djops.config import Config
from djops.events import CLEARSESSIONS_RESULT, HEARTBEAT_RESULT, JOB_RESULT, RELOAD_RESULT
from djops.health import probes
from djops.health import state as health_state
from djops.jobs.policy import pause_store
from djops.mail import notices
from djops.systemd import journal, lastruns, oneshot, units

_WHEN = "%Y-%m-%d %H:%M"


def report(cfg: Config) -> str:
    """The checks are run for the report itself: the health service's last
    round may predate a run the lines below show (a clearsessions just done
    would read "no successful run yet" above "Last clearsessions: ... done")."""
    p = cfg.name
    lines = [f"Heartbeat of {p} at {time.strftime(_WHEN)}.", "", "Health checks (run now):"]
    for name in probes.enabled(cfg):
        ok, detail = probes.run(name, cfg)
        lines.append(f"  {name:<14} {'ok' if ok else 'FAILING':<8} {detail}")
    quiet = _health_service_quiet(cfg)
    if quiet:
        lines.append(f"  ({quiet})")
    last = lastruns.last_run(p, CLEARSESSIONS_RESULT, units.CLEARSESSIONS, by_job=False)
    held = pause_store.shown(pause_store.active(p, units.CLEARSESSIONS))  # djops pause
    lines += ["", f"Last clearsessions: {last}" + (f"; {held}" if held else "")]
    for name in cfg.jobs:
        held = pause_store.shown(pause_store.active(p, name))  # djops pause
        lines.append(
            f"Last job {name}: {lastruns.last_run(p, JOB_RESULT, name)}"
            + (f"; {held}" if held else "")
        )
    lines.append(f"Last reload:        {lastruns.last_event(p, RELOAD_RESULT)}")
    lines += [f"{label.capitalize() + ':':<20}{line}" for label, line in registry.lines(cfg)]
    return "\n".join(lines) + "\n" + notices.footer(p)


def _health_service_quiet(cfg: Config) -> str:
    """Whether djops-health.service has stopped checking P: the heartbeat is
    the dead man's switch of the health service too. "" while it keeps up."""
    p, unit = cfg.name, units.HEALTH_HOST
    updated = health_state.read(p).get("updated")
    if not isinstance(updated, int | float):
        return f"{unit} has not checked yet"
    if time.time() - updated < 2 * cfg.health.interval_seconds + 60:
        return ""
    return f"{unit} has not checked since {time.strftime(_WHEN, time.localtime(updated))}"


def run_here(cfg: Config) -> str:
    body = report(cfg)
    notices.send(cfg, "heartbeat", "heartbeat", body)
    text = f"heartbeat of {cfg.name} handed to the mail queue for {', '.join(cfg.health.mail_to)}"
    journal.emit("heartbeat.sent", cfg.name, text, TO=", ".join(cfg.health.mail_to))
    runpings.heartbeat(cfg)
    return text


def run_via_unit(cfg: Config) -> str:
    return oneshot.run(cfg, units.service(units.HEARTBEAT, cfg.name), HEARTBEAT_RESULT)
