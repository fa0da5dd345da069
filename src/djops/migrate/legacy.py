"""The old way of the reference chapters, wherever it still lives: the
cron.daily script, the restart script, and crontab lines that call either.
(Every other cron line of P: djops.migrate.cronjobs.)"""

import re
from dataclasses import dataclass
from pathlib import Path

from djops import paths
from djops.systemd import units

SHIM_MARK = "# djops: migrate-cron shim"


@dataclass(frozen=True)
class Found:
    where: str  # file, or file:line for a crontab line
    path: Path
    kind: str  # "file" (moved away) or "line" (commented out)
    replacement: str


def roots() -> dict[str, Path]:
    return paths.cron_files()


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
        for n, line in enumerate(_text(tab).split("\n"), 1):  # cron ends lines at \n only
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
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""
