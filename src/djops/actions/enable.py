"""`djops enable P` / `djops disable P`: idempotent, and each undoes the other."""

from djops.actions import units
from djops.adapters import dropins, journal, systemctl
from djops.config import Config, check_name


def enable(cfg: Config) -> str:
    p = cfg.name
    units.write_dropins(cfg)
    systemctl.enable_now(units.target(p), *units.timers(p), *units.daemons(p))
    journal.emit("project.enabled", p, f"djops enabled for {p}")
    return (
        f"djops enabled for {p}: {', '.join(units.timers(p))} scheduled "
        f"({cfg.clearsessions.schedule}).\n"
        f"See: systemctl status 'djops-*@{p}.*'   journalctl DJOPS_PROJECT={p}"
    )


def disable(name: str) -> str:
    p = check_name(name)
    systemctl.disable_now(*units.timers(p), *units.services(p), units.target(p))
    if dropins.remove(units.all_dropin_units(p)):
        systemctl.daemon_reload()
    journal.emit("project.disabled", p, f"djops disabled for {p}")
    return f"djops disabled for {p}: its units are stopped and disabled, drop-ins removed."
