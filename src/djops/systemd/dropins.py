"""Per-project drop-ins under /etc/systemd/system: what the template units
cannot know by themselves (the project user, the schedule).

Each drop-in is named `djops.conf` inside `<unit>.d/` and starts with a
header saying who wrote it, so `djops disable` removes exactly these.
"""

import contextlib
from pathlib import Path

from djops import oncalendar, paths, safefs
from djops.config import Config
from djops.jobs.policy import timing
from djops.systemd import systemctl, units

HEADER = "# Written by `djops enable`; `djops disable` removes it.\n# Edit /etc/djops/{p}.toml instead, then run `djops enable {p}` again.\n"
NAME = "djops.conf"


def path_of(unit: str) -> Path:
    """djops.conf in djops' own units; in another unit (P.service) a name
    that says what djops added: djops-onfailure.conf. A key "UNIT.d/NAME"
    names its file itself (P.service gets a second one for the socket)."""
    if ".d/" in unit:
        return paths.systemd_dir() / unit
    name = NAME if unit.startswith("djops") else "djops-onfailure.conf"
    return paths.systemd_dir() / f"{unit}.d" / name


def write(project: str, contents: dict[str, str]) -> list[str]:
    """Write {unit: body}; return the units whose drop-in changed."""
    changed: list[str] = []
    for unit, body in contents.items():
        target = path_of(unit)
        text = HEADER.format(p=project) + body
        if target.exists() and target.read_text() == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        safefs.write_atomic(target, text.encode("utf-8"), mode=0o644)
        changed.append(unit)
    return changed


def remove(units: list[str]) -> bool:
    """Remove our drop-ins (and their directory if then empty)."""
    changed = False
    for unit in units:
        target = path_of(unit)
        if target.exists():
            target.unlink()
            changed = True
        with contextlib.suppress(OSError):
            target.parent.rmdir()
    return changed


def contents(cfg: Config) -> dict[str, str]:
    """{unit: drop-in body}: what each of the project's units needs from its config."""
    p, user = cfg.name, cfg.project.user
    schedule = {
        units.CLEARSESSIONS: cfg.clearsessions.schedule,
        units.HEARTBEAT: cfg.health.heartbeat,
    }
    return {
        units.service(units.CLEARSESSIONS, p): f"[Service]\nUser={user}\n"
        + _masked(p)
        + timing.root_steps(p, units.CLEARSESSIONS)
        + _pinged(cfg.clearsessions.ping_url),
        **{
            units.timer(kind, p): f"[Timer]\nOnCalendar=\nOnCalendar={schedule[kind]}\n"
            for kind in units.SCHEDULED
        },
        units.timer(units.CLEARSESSIONS, p): "[Timer]\nOnCalendar=\nOnCalendar="
        + timing.on_calendar(cfg.clearsessions.schedule, cfg.clearsessions.timezone)
        + "\n"
        + timing.persistent(cfg.clearsessions),
        # the compile step writes __pycache__ in these (root's) trees only; the
        # reload's process is root's and reads the loaded secrets themselves
        units.service(units.RELOAD, p): (
            f"[Service]\nUser={user}\nReadWritePaths=-{cfg.project.code_dir} "
            f"-{cfg.project.settings_dir}\n"
        ),
        # cron mailed a failed job's output; djops mails a failed gunicorn's
        cfg.project.service: "[Unit]\nOnFailure=djops-failure@%n.service\n",
        **job_contents(cfg),
        **socket_contents(cfg),
    }


def socket_dropin(service: str) -> str:
    """The key of P.service's drop-in that hands it the socket."""
    return f"{service}.d/djops-socket.conf"


def socket_contents(cfg: Config) -> dict[str, str]:
    """With [socket] listen: the socket's addresses, and P.service taking it
    (Requires= so it starts at boot first, Sockets= for LISTEN_FDS)."""
    listen, svc, sock = cfg.socket.listen, cfg.project.service, units.socket(cfg.name)
    if not listen:
        return {}
    streams = "".join(f"ListenStream={a}\n" for a in listen)
    return {
        sock: f"[Socket]\nListenStream=\n{streams}Service={svc}\n",
        socket_dropin(svc): f"[Unit]\nRequires={sock}\nAfter={sock}\n[Service]\nSockets={sock}\n",
    }


def _masked(p: str) -> str:
    """The loaded secret values, for the relays that run as the project user
    (djops.bridge.secrets); `djops enable` makes sure the file exists."""
    return f"LoadCredential={paths.LOADED_SECRETS_CREDENTIAL}:{paths.loaded_secrets(p)}\n"


def _pinged(url: str) -> str:
    """The root steps that queue a run's pings (djops-ping.service sends them)."""
    if not url:
        return ""
    return (
        "ExecStartPost=-+/usr/bin/djops ping start %n\nExecStopPost=-+/usr/bin/djops ping end %n\n"
    )


HOST_METRICS = f"{units.HEALTH_HOST}.d/djops-metrics.conf"


def write_host_metrics(dirs: list[str]) -> bool:
    """djops-health.service writes every project's djops_P.prom: each
    [metrics] textfile_dir is writable in its sandbox. True if that changed
    (the daemon must restart: its mount namespace is made at start)."""
    wanted = sorted({d for d in dirs if d})
    target = path_of(HOST_METRICS)
    if not wanted:
        if target.exists():
            target.unlink()
            return True
        return False
    text = (
        "# Written by `djops enable`/`djops disable`: every enabled project's\n"
        "# [metrics] textfile_dir.\n[Service]\n" + "".join(_writable(d) for d in wanted)
    )
    if target.exists() and target.read_text() == text:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    safefs.write_atomic(target, text.encode("utf-8"), mode=0o644)
    return True


def _writable(directory: str) -> str:
    return f"ReadWritePaths=-{directory}\n" if directory else ""


def job_contents(cfg: Config) -> dict[str, str]:
    """Each [jobs.NAME]: its target, user, timeout, paths and schedule."""
    p, out = cfg.name, {}
    with contextlib.suppress(oncalendar.Unavailable):  # every period in one systemd-analyze run
        oncalendar.survey(j.schedule for j in cfg.jobs.values() if j.schedule != "@reboot")
    part_of = f"[Unit]\nPartOf={units.target(p)}\n"
    for name, job in cfg.jobs.items():
        mail = (
            "ExecStopPost=+/usr/bin/djops job --mail-output %i\n"
            if job.mail_output == "always"
            else ""
        )
        out[units.job_service(p, name)] = (
            f"{part_of}[Service]\nUser={job.user}\nRuntimeMaxSec={job.timeout_seconds}\n"
            f"ReadWritePaths={' '.join('-' + d for d in paths.project_data_dirs(p))}\n{mail}"
            + _masked(p)
            + _pinged(job.ping_url)
            + timing.root_steps(p, name)
        )
        if job.schedule == "@reboot":
            when = "OnCalendar=\nOnBootSec=2min\n"
        else:
            period = oncalendar.period(job.schedule, floor=0) or 0
            when = (
                f"OnCalendar=\nOnCalendar={timing.on_calendar(job.schedule, job.timezone)}\n"
                f"RandomizedDelaySec={int(min(period / 10, MAX_DELAY))}s\n"
                "FixedRandomDelay=true\n"
            )
        out[units.job_timer(p, name)] = f"{part_of}[Timer]\n{when}{timing.persistent(job)}"
    return out


# a timer's random delay: a tenth of its period, at most this
MAX_DELAY = 900


def job_units_on_disk(p: str) -> list[str]:
    """Job units of P that have a drop-in or a wants link: what disable undoes."""
    d = paths.systemd_dir()
    found = {x.name[: -len(".d")] for x in d.glob(f"djops-job@{p}:*.d")}
    found |= {x.name for x in (d / f"{units.target(p)}.wants").glob(f"djops-job@{p}:*.timer")}
    return sorted(found)


def link_jobs(cfg: Config) -> tuple[list[str], list[str]]:
    """djops@P.target wants each job's timer (the template's [Install] cannot
    name P); links of jobs gone from the config go. (added, removed) timers."""
    wants = paths.systemd_dir() / f"{units.target(cfg.name)}.wants"
    want = {units.job_timer(cfg.name, n) for n in cfg.jobs}
    have = {x.name for x in wants.glob(f"djops-job@{cfg.name}:*.timer")}
    for t in want - have:
        wants.mkdir(parents=True, exist_ok=True)
        (wants / t).symlink_to(paths.unit_templates() / "djops-job@.timer")
    for t in have - want:
        (wants / t).unlink()
    return sorted(want - have), sorted(have - want)


def unlink_jobs(p: str) -> None:
    wants = paths.systemd_dir() / f"{units.target(p)}.wants"
    for x in wants.glob(f"djops-job@{p}:*.timer"):
        x.unlink()


def all_units(p: str, service: str) -> list[str]:
    """Every unit djops may have written a drop-in for (for disable)."""
    return [
        *units.services(p),
        *(units.service(kind, p) for kind in (units.WATCH, units.HEALTH)),  # 0.1's daemons
        *units.timers(p),
        service,
        *job_units_on_disk(p),
        units.socket(p),
        socket_dropin(service),
    ]


def write_for(cfg: Config) -> list[str]:
    """Write the project's drop-ins, daemon-reload if any changed; the changed units."""
    changed = write(cfg.name, contents(cfg))
    if changed:
        systemctl.daemon_reload()
    return changed
