"""What becomes of each line of P's cron files, for `djops migrate-cron`:
a [jobs.NAME] (with the variables and the user it needs), or left in place
with the reason (with a ready-to-paste exec job for a plain program), or
not P's. A dry run lists every line of P's files, so what it does not
translate is never a surprise later. (What a job of one command is, or why
not: djops.migrate.jobtable.)

A file is P's if a line of it names P's code, venv or settings directory,
names P, or runs as P's user; so is P's user's own crontab."""

import dataclasses
import re
from pathlib import Path

from djops.config import Config
from djops.inproject.sensitive import HIDDEN
from djops.migrate import crontabs, crontime, crontz
from djops.migrate import shell as cronshell
from djops.migrate.jobtable import NOT_CARRIED, Plan, Planner, Refused, home
from djops.migrate.legacy import Found, roots

# NAME=value in a command (`env NAME=value prog`, `NAME=value prog`)
_ASSIGNED = re.compile(
    r"""(?<!\S)(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>'[^']*'|"(?:[^"\\]|\\.)*"|[^\s;&|]*)"""
)


def plan(cfg: Config, found: list[Found]) -> Plan:
    """Every line of P's crontabs and every cron.* script of P, but those
    legacy.find found (the clearsessions script, the restart script)."""
    seen = {f.where for f in found}
    r, out = roots(), Plan()
    planner = Planner(cfg, out)
    tabs = [(r["crontab"], True), *((f, True) for f in crontabs.scripts(r["cron_d"]))]
    tabs += [(f, False) for f in crontabs.scripts(r["spool"])]
    for tab, user_field in tabs:
        lines = crontabs.read(tab, user_field)
        if not _ps_file(cfg, tab, user_field, lines):
            continue
        for line in lines:
            if line.where in seen:
                continue
            if line.schedule:
                _line(planner, line)
            elif not line.name:
                out.refused.append(
                    Refused(line.where, line.text, "cron reads no job from this line")
                )
        for line in lines:
            if line.name:
                shown = f"{line.name}=********" if HIDDEN.search(line.name) else line.text
                out.settings.append(Refused(line.where, shown, _setting(planner, line)))
    times = crontabs.run_parts(r["crontab"])
    for key, period in crontabs.PERIODIC.items():
        for script in crontabs.scripts(r[key]):
            _script(planner, script, times[period])
    return out


def _line(planner: Planner, line: crontabs.Line) -> None:
    cfg, plan = planner.cfg, planner.plan
    old = f"{line.schedule}  {line.user}  {_masked(line.command)}"
    if not _mine(cfg, line.command, line.user):
        plan.others.append(
            Refused(
                line.where,
                old,
                f"not {cfg.name}'s: it names none of its directories, {cfg.name} or its user",
            )
        )
        return
    text, why = cronshell.cron_percent(line.command)
    cmd = cronshell.command(text) if not why else cronshell.Command(why=why)
    env = {**line.env, **{k: (v, line.where) for k, v in cmd.env.items()}}
    if not why and cmd.manage[2][:1] == ["clearsessions"]:
        return  # legacy.find lists it: the clearsessions timer
    try:
        schedule = crontime.to_oncalendar(line.schedule)
    except crontime.Untranslatable as e:
        plan.refused.append(Refused(line.where, old, str(e)))
        return
    if cmd.why:
        plan.refused.append(Refused(line.where, old, cmd.why))
        return
    zone, why, zone_where = crontz.zone(line.env)
    if why:
        plan.refused.append(Refused(line.where, old, why))
        return
    if not cmd.manage[1]:
        offer, said = planner.offer(cmd, schedule, line.user, env, zone)
        reason = "it runs no manage.py command" + (
            "; a job can run it as a program" if offer else ""
        )
        plan.refused.append(
            Refused(line.where, old, "; ".join(filter(None, [reason, said])), offer)
        )
        return
    if line.user == "root" and cfg.project.user != "root":
        reason = f"it runs as root; a job never does (its code is {cfg.project.user}'s to change): if it needs nothing of root's, make it {cfg.project.user}'s"
        plan.refused.append(Refused(line.where, old, reason))
        return
    found = Found(line.where, line.path, "line", "")
    start = home(line.user, line.env)
    when = (schedule, line.user, line.mailto)
    why, offer = planner.job(found, old, cmd, when, env, (zone, zone_where), start)
    if why:
        plan.refused.append(Refused(line.where, old, why, offer))


def _script(planner: Planner, script: Path, cron_schedule: str) -> None:
    cfg, plan = planner.cfg, planner.plan
    text = crontabs.text_of(script)
    if script.name == f"{cfg.name}-clearsessions" or not _mine(cfg, text, "", script.name):
        return
    if "." in script.name:
        why = "run-parts skips a name with a dot: cron never ran it; rename it, or make it a job"
        plan.refused.append(Refused(str(script), "(script)", why))
        return
    try:
        schedule = crontime.to_oncalendar(cron_schedule)
    except crontime.Untranslatable as e:
        plan.refused.append(
            Refused(str(script), "(script)", f"/etc/crontab runs it on {cron_schedule!r}: {e}")
        )
        return
    cmd = cronshell.script(text)
    if cmd.why:
        plan.refused.append(Refused(str(script), "(script)", cmd.why))
        return
    if cmd.manage[2][:1] == ["clearsessions"]:
        plan.refused.append(
            Refused(
                str(script),
                "(script)",
                "clearsessions: djops-clearsessions@P.timer does it; remove it by hand",
            )
        )
        return
    if not cmd.manage[1]:
        plan.refused.append(Refused(str(script), "(script)", "it runs no manage.py command"))
        return
    old = " ".join(cmd.argv)
    env = {k: (v, str(script)) for k, v in cmd.env.items()}
    why, offer = planner.job(
        Found(str(script), script, "file", ""), old, cmd, (schedule, cmd.user, None), env
    )
    if why:
        plan.refused.append(Refused(str(script), "(script)", why, offer))
    elif roots()["anacron"].exists():  # /etc/crontab leaves cron.PERIOD to anacron then
        job = plan.jobs[-1]
        note = (
            "anacron ran it once a day, when the server was up; the job runs at this time "
            "and catches up after downtime"
        )
        plan.jobs[-1] = dataclasses.replace(job, notes=(*job.notes, note))


def _setting(planner: Planner, line: crontabs.Line) -> str:
    if line.name in NOT_CARRIED:
        return NOT_CARRIED[line.name]
    zoned = [f"[jobs.{j}] timezone" for j in planner.zoned.get(line.where, [])]
    if line.name == "CRON_TZ":
        if zoned:
            return "the time zone of the schedules below: became " + ", ".join(zoned)
        return "the time zone of the schedules below: no line below became a job"
    if HIDDEN.search(line.name):
        return "a secret's name: not copied into a job; the lines below that need it stay"
    carried = [f"[jobs.{j}] environment" for j in planner.carried.get(line.where, [])]
    if carried or zoned:
        return "carried into " + ", ".join(carried + zoned)
    if planner.reference.get(line.name) == line.value:
        return "djops sets the same: nothing to carry"
    return "no job below carries it (no line below became a job)"


def _masked(command: str) -> str:
    """The command as shown: a secret's value (`env API_KEY=... prog`) masked."""
    return _ASSIGNED.sub(
        lambda m: f"{m['name']}=********" if HIDDEN.search(m["name"]) else m[0], command
    )


def _mine(cfg: Config, text: str, user: str, name: str = "") -> bool:
    """A command or script of P: it names P's code, venv or settings, or P,
    or runs as P's user (unless that is root, as everything of cron is)."""
    p = cfg.project
    if any(
        re.search(re.escape(d) + r"(/|\s|$)", text) for d in (p.code_dir, p.venv, p.settings_dir)
    ):
        return True
    if re.search(rf"(?<![A-Za-z0-9]){re.escape(cfg.name)}(?![A-Za-z0-9])", f"{name} {text}"):
        return True
    return bool(user) and user == p.user and user != "root"


def _ps_file(cfg: Config, tab: Path, user_field: bool, lines: list[crontabs.Line]) -> bool:
    if not user_field and tab.name == cfg.project.user:
        return True
    return any(line.schedule and _mine(cfg, line.command, line.user) for line in lines)
