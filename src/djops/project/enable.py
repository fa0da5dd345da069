"""`djops enable P` / `djops disable P`: idempotent, and each undoes the other."""

from djops import config
from djops.bridge import secrets
from djops.channels import apprise
from djops.config import Config, check_name, restart_modes
from djops.errors import ConfigError, OperationError
from djops.health import dbaddress, planned
from djops.jobs import claim
from djops.jobs.policy import alerting
from djops.metrics import textfile
from djops.reload import refusals
from djops.systemd import (
    bulk,
    dropins,
    journal,
    service,
    sockets,
    standin,
    systemctl,
    units,
)
from djops.text import plural


def enable(cfg: Config) -> str:
    p, mode = cfg.name, restart_modes.of(cfg.watch.restart)
    _refuse_an_unreloadable_service(cfg, mode)
    # an admin's explicit enable also lifts a start limit hit by earlier crashes
    systemctl.run("reset-failed", *units.HOST_DAEMONS, check=False)
    dropped = _drop_removed_jobs(cfg)
    secrets.ensure(p)  # the units' LoadCredential= needs it before their first start
    was_held = sockets.held(p, cfg.project.service)
    # everything on disk first, then ONE daemon-reload: each reload costs PID 1
    # seconds on a host of 3,000 units (1,000 new jobs beside 100 projects
    # took 16-19 s with three)
    changed = dropins.write(p, dropins.contents(cfg))
    added, unlinked = dropins.link_jobs(cfg)  # the target's wants: known after a reload
    metrics_moved = dropins.write_host_metrics(_textfile_dirs(p, cfg.metrics.textfile_dir))
    if changed or added or unlinked or dropped or metrics_moved:
        systemctl.daemon_reload()
    # the first hand-over to the socket stops and starts P.service: djops' own doing
    with planned.window(p, planned.RELOAD_SECONDS, "socket hand-over"):
        socket_line = sockets.sync(cfg, changed, was_held)
    if mode.standin:  # P.service's twin, refreshed at each hand-over too
        standin.write(cfg)
    jobs = [units.job_timer(p, n) for n in cfg.jobs]
    learned = dbaddress.learn_isolated(cfg)  # before the health daemon sees P
    # enabling djops@P.target is what adds P to djops-watch.service and
    # djops-health.service: they read the enabled set every few seconds, and
    # P.toml whenever it changes
    wanted = [units.target(p), *units.timers(p), units.MAILQUEUE, *units.WAKERS]
    to_enable, to_start = _not_yet([*wanted, *units.HOST_DAEMONS], jobs)
    if to_enable:  # links only: what they add matters at boot, which reloads anyway
        systemctl.enable_links(*to_enable)
    if to_start := [*to_enable, *to_start]:
        systemctl.run("start", *to_start)
    if metrics_moved:  # its sandbox is made at start: a new writable directory
        systemctl.run("try-restart", units.HEALTH_HOST)
    # the host daemons look at the enabled set and P.toml now (SIGHUP), not in 5 s
    systemctl.run("reload", *units.HOST_DAEMONS, check=False)
    journal.emit("project.enabled", p, f"djops enabled for {p}")
    return _summary(cfg, mode, socket_line, learned)


def _not_yet(enabled: list[str], started: list[str]) -> tuple[list[str], list[str]]:
    """Of `enabled`, those not active and enabled; of `started`, those not
    active; in one read: an enable that changes nothing asks systemd nothing
    more. At 1,000 jobs its `enable --now` and `start` of units already
    running took 5 s."""
    shown = bulk.show([*enabled, *started], ("ActiveState", "UnitFileState"))

    def idle(n: str) -> bool:
        return shown[n].get("ActiveState") != "active"

    return (
        [n for n in enabled if idle(n) or shown[n].get("UnitFileState") != "enabled"],
        [n for n in started if idle(n)],
    )


def _refuse_an_unreloadable_service(cfg: Config, mode: restart_modes.Mode) -> None:
    """A restart mode that sends SIGHUP needs a P.service that can take it."""
    if mode.needs_exec_reload and (why := service.refuse_reload(cfg.project.service)):
        raise ConfigError(
            str(cfg.path),
            "[watch] restart",
            f'"{restart_modes.DEFAULT}", because {why}',
            f'"{mode.name}"',
        )


def _drop_removed_jobs(cfg: Config) -> bool:
    """Jobs taken out of P.toml: stopped, their drop-ins removed. True if any."""
    p = cfg.name
    keep = {units.job_service(p, n) for n in cfg.jobs} | {units.job_timer(p, n) for n in cfg.jobs}
    gone = [u for u in dropins.job_units_on_disk(p) if u not in keep]
    if gone:
        systemctl.run("stop", *gone, check=False)
        dropins.remove(gone)
    return bool(gone)


def _summary(cfg: Config, mode: restart_modes.Mode, socket_line: str, learned: str) -> str:
    """What `djops enable` prints: what now runs, when, and where to look."""
    p = cfg.name
    return (
        f"djops enabled for {p}:\n"
        f"  sessions cleared on {cfg.clearsessions.schedule!r}, heartbeat mailed on "
        f"{cfg.health.heartbeat!r} to {', '.join(cfg.health.mail_to)}\n"
        f"  {', '.join(cfg.watch.paths)} watched; changes validated, then "
        f"{cfg.project.service} {mode.enabled}\n"
        + socket_line
        + f"  health checked every {cfg.health.interval_seconds:g}s by {units.HEALTH_HOST}; "
        f"failures of {cfg.project.service} and djops units are mailed; {learned}\n"
        + "".join(
            f"  job {n}: {' '.join(j.command or j.exec)} on {j.schedule!r} as {j.user}\n"
            for n, j in cfg.jobs.items()
        )
        + f"See: systemctl status 'djops-*@{p}.*'   journalctl DJOPS_PROJECT={p}   djops status {p}"
        + _missing(cfg)
        + _refusing(cfg)
    )


def _textfile_dirs(p: str, own: str | None) -> list[str]:
    """Every enabled project's [metrics] textfile_dir, P's own as `own`
    (None: P is being disabled)."""
    dirs = [] if own is None else [own]
    for other in units.enabled_projects():
        if other == p:
            continue
        try:
            dirs.append(config.load(other, live=False).metrics.textfile_dir)
        except ConfigError:
            dirs.append(config.defaults(other).metrics.textfile_dir)
    return dirs


def _missing(cfg: Config) -> str:
    """Enabled all the same (nothing is lost: the notifications wait), but said."""
    missing = apprise.missing(cfg.notify.urls)
    return f"\nwarning: {missing}" if missing else ""


def _refusing(cfg: Config) -> str:
    """Restarts that refuse connections: said once, with the config that
    stops them; enabled all the same (the default, and a choice)."""
    said = refusals.advice(cfg)
    return "".join(["\nwarning: " + said[0], *("\n  " + line for line in said[1:])]) if said else ""


def disable(name: str) -> str:
    p = check_name(name)
    try:
        loaded = config.load(p, live=False)
    except ConfigError:  # undo what enable did even if P.toml broke since
        loaded = config.defaults(p)
    service, textfile_dir = loaded.project.service, loaded.metrics.textfile_dir
    own = [*units.timers(p), *units.services(p), units.target(p)]
    _stop(p, own)
    held = sockets.held(p, service)
    dropins.unlink_jobs(p)
    dropins.remove(dropins.all_units(p, service))
    # disabled once the job drop-ins are gone: `systemctl disable` scans
    # /etc/systemd/system for links, 9 s a unit with 2,000 drop-in directories
    # there; ONE daemon-reload at the end (20 projects disabled four at a time
    # took 150 s with a reload per step, e2e test_85)
    systemctl.run("disable", "--no-reload", *own, check=False)  # stopped above
    last = not units.enabled_projects()  # the links on disk: no reload needed to know
    if not last:
        dropins.write_host_metrics(_textfile_dirs(p, None))
    systemctl.daemon_reload()
    if held:  # gunicorn binds its own addresses again
        sockets.release(p, service)
    # djops-health.service drops P at its next look at the enabled set; a
    # round in flight checks that P is still enabled before writing metrics
    if textfile_dir:  # stale metrics of a project no longer watched would alert forever
        textfile.path(textfile_dir, p).unlink(missing_ok=True)
    if last:  # the host and mail units go too
        systemctl.disable_now(*units.HOST_DAEMONS, units.MAILQUEUE, *units.WAKERS)
        dropins.write_host_metrics([])
    secrets.forget(p)
    for name in (*loaded.jobs, units.CLEARSESSIONS):  # what a later enable must not inherit
        alerting.clear_failed(p, name)
    journal.emit("project.disabled", p, f"djops disabled for {p}")
    return f"djops disabled for {p}: its units are stopped and disabled, drop-ins removed."


def _stop(p: str, own: list[str]) -> None:
    """P's units stopped before anything goes. The target's stop carries, by
    each job unit's PartOf=, to every job's timer and running service in one
    transaction. Naming the job units instead made systemctl ask PID 1 to
    load each again once stopped: 2,000 of them took over 290 s on a host of
    100 projects (bench-scale). Only a job unit still running (loaded before
    its PartOf= drop-in) is named, and only a failed one is reset. The one
    stop still waits for PID 1 to drop every unit of P it held (a job's
    timer, service and failure handler): 20 to 80 s for 1,000 jobs on that
    host, hence a bound that grows with the jobs."""
    jobs = units.job_units(p)
    many = len(dropins.job_units_on_disk(p))
    systemctl.run("stop", *own, check=False, timeout=systemctl.TIMEOUT + 0.1 * many)
    if left := systemctl.loaded(jobs, "active,activating,deactivating,reloading"):
        systemctl.run("stop", *left, check=False, timeout=systemctl.TIMEOUT + 0.1 * len(left))
    # nothing of P's stays listed by `systemctl --failed`
    systemctl.run(
        "reset-failed", *systemctl.loaded(jobs, "failed"), *units.services(p), check=False
    )


def purge_db(cfg: Config) -> str:
    """`djops disable P --purge-db`: djops' table leaves the project's database."""
    r = claim.drop(cfg)
    if r.get("error"):
        raise OperationError(f"djops_claim of {cfg.name} not removed: {r['error']}")
    gone = "; the table djops_claim dropped" if r.get("dropped") else ""
    return f"removed {plural(r.get('rows', 0), 'claim')} of {cfg.name} from its database{gone}"
