"""The old way of the reference chapters, wherever it still lives: the
cron.daily script, the restart script, and crontab lines that call either."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from djops.config import Config
from djops.jobs import cron
from djops.project import crontabs
from djops.systemd import units

SHIM_MARK = "# djops: migrate-cron shim"


@dataclass(frozen=True)
class Found:
    where: str  # file, or file:line for a crontab line
    path: Path
    kind: str  # "file" (moved away) or "line" (commented out)
    replacement: str


def roots() -> dict[str, Path]:
    r = Path(os.environ.get("DJOPS_ROOT", "/"))  # tests use a temp tree
    return {
        "cron_hourly": r / "etc/cron.hourly",
        "cron_daily": r / "etc/cron.daily",
        "cron_weekly": r / "etc/cron.weekly",
        "cron_monthly": r / "etc/cron.monthly",
        "sbin": r / "usr/local/sbin",
        "crontab": r / "etc/crontab",
        "cron_d": r / "etc/cron.d",
        "spool": r / "var/spool/cron/crontabs",
    }


def find(p: str) -> list[Found]:
    r = roots()
    found = []
    reload_unit = units.service(units.RELOAD, p)
    daily = r["cron_daily"] / f"{p}-clearsessions"
    if daily.exists():
        found.append(Found(str(daily), daily, "file", units.timer(units.CLEARSESSIONS, p)))
    restart = r["sbin"] / f"restart-{p}"
    if restart.exists() and SHIM_MARK not in _text(restart):
        found.append(Found(str(restart), restart, "file", f"{reload_unit} (`djops reload {p}`)"))
    calls = re.compile(rf"(restart-{re.escape(p)}\b|clearsessions)")
    tabs = [r["crontab"], *sorted(_files(r["cron_d"])), *sorted(_files(r["spool"]))]
    for tab in tabs:
        for n, line in enumerate(_text(tab).splitlines(), 1):
            if line.lstrip().startswith("#") or not calls.search(line):
                continue
            if "clearsessions" in line and f"/{p}" not in line and f"{p}-" not in line:
                continue  # another project's job
            what = units.timer(units.CLEARSESSIONS, p) if "clearsessions" in line else reload_unit
            found.append(Found(f"{tab}:{n}", tab, "line", what))
    return found


def _files(d: Path) -> list[Path]:
    return [f for f in d.iterdir() if f.is_file()] if d.is_dir() else []


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


@dataclass(frozen=True)
class Job:
    """A crontab line or cron.* script that runs P's manage.py X: [jobs.NAME]."""

    found: Found
    name: str
    table: dict
    old: str  # the line or script as cron had it


@dataclass(frozen=True)
class Refused:
    """Left in place, with the reason: never dropped."""

    where: str
    old: str
    reason: str


def jobs(cfg: Config) -> tuple[list[Job], list[Refused]]:
    """Every manage.py command of P that cron runs, but clearsessions (its own
    timer) and the restart script (djops reload)."""
    r, p = roots(), cfg.name
    out: list[Job] = []
    refused: list[Refused] = []
    names = set(cfg.jobs)

    def add(found_at: Found, command: list[str], schedule: str, user: str, mailto, old: str):
        name = command[0]
        n = 2
        while name in names:
            name, n = f"{command[0]}-{n}", n + 1
        names.add(name)
        table: dict = {"command": command, "schedule": schedule}
        if user and user != cfg.project.user:
            table["user"] = user
        if mailto:
            table["mail_to"] = [a.strip() for a in mailto.split(",") if a.strip()]
        out.append(Job(found_at, name, table, old))

    tabs = [(r["crontab"], True), *((f, True) for f in crontabs.scripts(r["cron_d"]))]
    tabs += [(f, False) for f in crontabs.scripts(r["spool"])]
    for tab, user_field in tabs:
        for line in crontabs.lines(tab, user_field):
            if not _refers(cfg, line.command):
                continue
            command, why = crontabs.manage_command(line.command)
            old = f"{line.schedule}  {line.user}  {line.command}"
            if command and command[0] == "clearsessions":
                continue  # found above: the clearsessions timer
            if why or not command:
                if why:
                    refused.append(Refused(line.where, old, why))
                continue
            try:
                schedule = cron.to_oncalendar(line.schedule)
            except cron.Untranslatable as e:
                refused.append(Refused(line.where, old, str(e)))
                continue
            found_at = Found(line.where, tab, "line", "")
            add(found_at, command, schedule, line.user, line.mailto, old)
    for key, schedule in crontabs.PERIODIC.items():
        for script in crontabs.scripts(r[key]):
            text = _text(script)
            if script.name == f"{p}-clearsessions" or not _refers(cfg, text):
                continue
            if "." in script.name:
                refused.append(
                    Refused(
                        str(script),
                        "(script)",
                        "run-parts skips a name with a dot: cron never ran it; "
                        "rename it, or make it a job",
                    )
                )
                continue
            steps = [
                ln.strip()
                for ln in text.splitlines()
                if ln.strip() and not ln.strip().startswith(("#", "set ", "cd ", "export "))
            ]
            command, why = crontabs.manage_command(steps[0]) if len(steps) == 1 else ([], "")
            if not command or command[0] == "clearsessions":
                reason = why or "a script that does more than one manage.py command"
                refused.append(Refused(str(script), "(script)", reason))
                continue
            add(Found(str(script), script, "file", ""), command, schedule, "", None, steps[0])
    return out, refused


def _refers(cfg: Config, text: str) -> bool:
    """A command or script of P: it names P's code, venv or settings."""
    p = cfg.project
    return any(
        re.search(re.escape(d) + r"(/|\s|$)", text) for d in (p.code_dir, p.venv, p.settings_dir)
    )
