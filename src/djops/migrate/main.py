"""`djops migrate-cron P [--apply]`: replace the old way with djops.

Every crontab line and cron.* script that runs P's manage.py X becomes a
[jobs.X] table appended to P.toml (the old file kept); what cannot be said
as a job is listed with the reason and left in place.

Without --apply it only shows what it would do. With --apply it enables djops
for P, moves the old files to /var/lib/djops/migrated/<timestamp>/ (each
restorable, with a note of where it came from), comments out crontab lines
(the original file is kept there too), and leaves a restart-P that runs
`djops reload P`, so habits keep working. Running it again changes nothing.
"""

import os
import shutil
import time
from pathlib import Path

from djops import config, paths, safefs
from djops.config import Config
from djops.config.write import table
from djops.errors import ConfigError
from djops.migrate import cronjobs, jobtable, legacy, report
from djops.project import enable

SHIM = """#!/bin/sh
{mark}
# The old restart script of {p} lives in {dest}.
# djops compiles, validates as {user} and only then restarts {service}.
exec /usr/bin/djops reload {p} "$@"
"""


def run(cfg: Config, apply: bool) -> str:
    p = cfg.name
    found = legacy.find(p)
    planned = cronjobs.plan(cfg, found)
    jobs = planned.jobs
    left = report.rest(planned, p)
    if not found and not jobs:
        tail = enable.enable(cfg) if apply else f"run `djops enable {p}` if you have not"
        return "\n".join([f"nothing of the old way left for {p}.", *left, tail])
    plan = [f"  {f.where}  ->  {f.replacement}" for f in found]
    plan += report.jobs(jobs)
    if jobs:
        plan.append(
            "  (cron mailed any output of a run; a job mails the output of failed runs, "
            'or of every run with mail_output = "always")'
        )
    if not apply:
        return "\n".join(
            [
                f"the old way for {p}, and what replaces it:",
                *plan,
                *left,
                "",
                f"nothing was changed; `djops migrate-cron {p} --apply` does it",
            ]
        )
    dest = paths.state_dir() / "migrated" / time.strftime("%Y%m%dT%H%M%S")
    notes = []
    if jobs:
        cfg = _add_jobs(cfg, jobs, dest)
        notes.append(f"{cfg.path}: [jobs.*] added; before: {dest / str(cfg.path).lstrip('/')}")
    enabled = enable.enable(cfg)  # validates everything before anything moves
    notes += _set_aside([*found, *(j.found for j in jobs)], dest)
    shim = legacy.roots()["sbin"] / f"restart-{p}"
    if any(f.path == shim for f in found):
        _write_shim(shim, cfg, dest)
        notes.append(f"{shim}: now runs `djops reload {p}`")
    (dest / "MIGRATED.txt").write_text(
        f"djops migrate-cron {p}, {time.strftime('%Y-%m-%d %H:%M:%S')}\n" + "\n".join(notes) + "\n"
    )
    return "\n".join(
        [f"migrated {p} to djops; old files kept in {dest}:", *plan, *left, "", enabled]
    )


def _set_aside(olds: list[legacy.Found], dest: Path) -> list[str]:
    """Move each old file into `dest`, comment out each old crontab line
    (its file copied there first); one note each, saying how to undo it."""
    notes = []
    for f in olds:
        keep = dest / str(f.path).lstrip("/")
        keep.parent.mkdir(parents=True, exist_ok=True)
        if f.kind == "file":
            shutil.move(f.path, keep)
            notes.append(f"{f.path}: moved here; restore: mv {keep} {f.path}")
        else:
            if not keep.exists():
                shutil.copy2(f.path, keep)
            _comment_out(f.path, int(f.where.rsplit(":", 1)[1]), dest)
            notes.append(
                f"{f.where}: commented out; original: {keep}; restore: cp -p {keep} {f.path}"
            )
    return notes


def _add_jobs(cfg: Config, jobs: list[jobtable.Job], dest: Path) -> Config:
    """Append the [jobs.NAME] tables to P.toml (its comments and keys stay),
    keeping the old file; a result that does not load is undone."""
    path = cfg.path
    old = path.read_bytes() if path.exists() else b""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    keep = dest / str(path).lstrip("/")
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.write_bytes(old)
    stamp = time.strftime("%Y-%m-%d")
    text = old.decode("utf-8") + "".join(
        "\n" + table(f"jobs.{j.name}", j.table, f"{j.found.where} (djops migrate-cron, {stamp})")
        for j in jobs
    )
    safefs.write_atomic(path, text.encode("utf-8"), mode)
    try:  # systemd reads the new schedules before the file is kept
        return config.load(cfg.name, schedules=True)
    except ConfigError:
        safefs.write_atomic(path, old, mode)
        raise


def _comment_out(path: Path, lineno: int, dest: Path) -> None:
    """Bytes in, bytes out: lines end at \\n, as cron's do, and whatever else
    the file holds (a DEL, bytes that are not UTF-8) stays as it was."""
    lines = path.read_bytes().split(b"\n")
    lines[lineno - 1] = f"# djops migrate-cron (see {dest}): ".encode() + lines[lineno - 1]
    st = path.stat()
    owner = (st.st_uid, st.st_gid) if os.geteuid() == 0 else None
    safefs.write_atomic(path, b"\n".join(lines), st.st_mode & 0o7777, owner)
    os.utime(path.parent)  # cron rereads a spool directory whose mtime changed


def _write_shim(shim: Path, cfg: Config, dest: Path) -> None:
    shim.write_text(
        SHIM.format(
            mark=legacy.SHIM_MARK,
            p=cfg.name,
            dest=dest,
            user=cfg.project.user,
            service=cfg.project.service,
        )
    )
    shim.chmod(0o755)
