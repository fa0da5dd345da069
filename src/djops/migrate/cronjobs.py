"""What becomes of each line of P's cron files, for `djops migrate-cron`:
a [jobs.NAME] (with the variables and the user it needs), or left in place
with the reason (with a ready-to-paste exec job for a plain program), or
not P's. A dry run lists every line of P's files, so what it does not
translate is never a surprise later.

A file is P's if a line of it names P's code, venv or settings directory,
names P, or runs as P's user; so is P's user's own crontab."""

import dataclasses
import pwd
import re
from dataclasses import dataclass, field
from pathlib import Path

from djops.adapters import project_python
from djops.config import Config, schema, values
from djops.config.write import table
from djops.inproject.sensitive import HIDDEN
from djops.migrate import crontabs, crontime, crontz
from djops.migrate import shell as cronshell
from djops.migrate.legacy import Found, roots
from djops.systemd import units

# cron's own: what a job does differently, instead of carrying them
_NOT_CARRIED = {
    "MAILTO": "where cron mailed the output: the jobs below get it as mail_to",
    "SHELL": "the shell cron ran the lines with: a job runs its command without one",
}
_NAME = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Job:
    """A crontab line or cron.* script that runs P's manage.py X: [jobs.NAME]."""

    found: Found
    name: str
    table: dict
    old: str  # the line or script as cron had it
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    """Left in place, with the reason: never dropped."""

    where: str
    old: str
    reason: str
    offer: str = ""  # a [jobs.NAME] table the admin may paste into P.toml


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    settings: list[Refused] = field(default_factory=list)  # NAME=value lines, what became of each
    others: list[Refused] = field(default_factory=list)  # in P's files, not P's


class _Planner:
    def __init__(self, cfg: Config, plan: Plan):
        self.cfg, self.plan = cfg, plan
        self.names = set(cfg.jobs)
        self.reference = project_python.environment(cfg)
        self.carried: dict[str, list[str]] = {}  # where a setting stands -> jobs carrying it
        self.zoned: dict[str, list[str]] = {}  # where CRON_TZ=/TZ= stands -> jobs in that zone

    def name(self, base: str) -> str:
        base = _NAME.sub("-", base).strip("-") or "job"
        name, n = base, 2
        while name in self.names:
            name, n = f"{base}-{n}", n + 1
        self.names.add(name)
        return name

    def carry(self, env: dict[str, tuple[str, str]]) -> tuple[dict[str, str], str, list[str]]:
        """(the variables a job needs, why not, where they were set); CRON_TZ
        only ever meant the schedule's zone (crontz): the job's timezone."""
        out, wheres = {}, []
        for k, (value, where) in env.items():
            if k in _NOT_CARRIED or k == "CRON_TZ" or self.reference.get(k) == value:
                continue
            if HIDDEN.search(k):  # P.toml is readable by all; the crontab may not be
                return {}, f"{k}: a secret's name; djops does not copy it into {self.cfg.path}", []
            out[k] = value
            wheres.append(where)
        return out, "", wheres

    def job(
        self,
        found: Found,
        old: str,
        cmd: cronshell.Command,
        when: tuple[str, str, str | None],
        env: dict,
        zone: tuple[str, str] = ("", ""),
    ) -> str:
        """Plan a Job of P's manage.py command; or why not. `when` is
        (OnCalendar, cron's user, MAILTO); env the variables in force; zone
        (timezone, where the crontab set it)."""
        schedule, user, mailto = when
        cfg, p = self.cfg, self.cfg.project
        interp, script, args = cmd.manage
        if not args:
            return f"{script} with no command"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", args[0]):
            return f"{args[0]!r} is not a manage.py command"
        if cmd.cwd and cmd.cwd.rstrip("/") != p.code_dir.rstrip("/"):
            return f"it runs in {cmd.cwd} (cd); a job runs in {p.code_dir}"
        where = script if script.startswith("/") else f"{cmd.cwd or '~'}/{script}"
        if where.replace("/./", "/") != f"{p.code_dir.rstrip('/')}/manage.py":
            return f"it runs {where}, not {p.code_dir}/manage.py"
        if interp and not (interp.startswith(f"{p.venv}/bin/") or "/" not in interp):
            return f"it runs manage.py with {interp}, not {p.venv}'s python"
        env_in = env
        env, why, wheres = self.carry(env)
        if why:
            return why
        notes = []
        same = [
            k
            for k, (v, _) in env_in.items()
            if k not in _NOT_CARRIED and self.reference.get(k) == v
        ]
        if same and found.kind == "file":  # a script's own assignments: say what became of them
            notes.append(f"it sets {', '.join(same)} as djops does: nothing to carry")
        if user in ("", "root") and found.kind == "file":
            if p.user != "root":
                notes.append(f"cron ran it as root; the job runs as {p.user}, as gunicorn does")
            user = ""
        elif user != p.user:
            why = _user_problem(user)
            if why:
                return why
        t: dict = {"command": args, "schedule": schedule}
        if zone[0]:
            t["timezone"] = zone[0]
        if user and user != p.user:
            t["user"] = user
        if mailto:
            t["mail_to"] = [a.strip() for a in mailto.split(",") if a.strip()]
        if env:
            t["environment"] = env
        why = _invalid(t)
        if why:
            return why  # refused here: it would make P.toml not load, and --apply stop
        name = self.name(args[0])
        for w in wheres:
            self.carried.setdefault(w, []).append(name)
        if zone[0]:
            self.zoned.setdefault(zone[1], []).append(name)
        if cmd.log:
            notes.append(
                f"its output went to {cmd.log}; now to the journal: "
                f"journalctl -u '{units.job_service(cfg.name, name)}'"
            )
        self.plan.jobs.append(Job(found, name, t, old, tuple(notes)))
        return ""

    def offer(
        self, cmd: cronshell.Command, schedule: str, user: str, env: dict, zone: str = ""
    ) -> str:
        """A plain program: the [jobs.X] that would run it."""
        env, why, _ = self.carry(env)
        if not cmd.argv or not cmd.argv[0].startswith("/") or cmd.cwd or why:
            return ""
        t: dict = {"exec": cmd.argv, "schedule": schedule}
        if zone:
            t["timezone"] = zone
        if user not in ("", "root", self.cfg.project.user):
            t["user"] = user
        if env:
            t["environment"] = env
        if _invalid(t):
            return ""
        name = _NAME.sub("-", Path(cmd.argv[0]).name).strip("-") or "job"
        comment = "cron ran it as root; a job runs as the project user" if user == "root" else ""
        return table(f"jobs.{name}", t, comment)


def plan(cfg: Config, found: list[Found]) -> Plan:
    """Every line of P's crontabs and every cron.* script of P, but those
    legacy.find found (the clearsessions script, the restart script)."""
    seen = {f.where for f in found}
    r, out = roots(), Plan()
    planner = _Planner(cfg, out)
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


def _line(planner: _Planner, line: crontabs.Line) -> None:
    cfg, plan = planner.cfg, planner.plan
    old = f"{line.schedule}  {line.user}  {line.command}"
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
        offer = planner.offer(cmd, schedule, line.user, env, zone)
        reason = "it runs no manage.py command" + (
            "; a job can run it as a program" if offer else ""
        )
        plan.refused.append(Refused(line.where, old, reason, offer))
        return
    if line.user == "root" and cfg.project.user != "root":
        reason = f"it runs as root; a job never does (its code is {cfg.project.user}'s to change): if it needs nothing of root's, make it {cfg.project.user}'s"
        plan.refused.append(Refused(line.where, old, reason))
        return
    found = Found(line.where, line.path, "line", "")
    why = planner.job(found, old, cmd, (schedule, line.user, line.mailto), env, (zone, zone_where))
    if why:
        plan.refused.append(Refused(line.where, old, why))


def _script(planner: _Planner, script: Path, cron_schedule: str) -> None:
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
    why = planner.job(
        Found(str(script), script, "file", ""), old, cmd, (schedule, cmd.user, None), env
    )
    if why:
        plan.refused.append(Refused(str(script), "(script)", why))
    elif roots()["anacron"].exists():  # /etc/crontab leaves cron.PERIOD to anacron then
        job = plan.jobs[-1]
        note = (
            "anacron ran it once a day, when the server was up; the job runs at this time "
            "and catches up after downtime"
        )
        plan.jobs[-1] = dataclasses.replace(job, notes=(*job.notes, note))


def _setting(planner: _Planner, line: crontabs.Line) -> str:
    if line.name in _NOT_CARRIED:
        return _NOT_CARRIED[line.name]
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


def _invalid(t: dict) -> str:
    """What the loader would say of a [jobs] key of this table, or ""."""
    checks = {f.name: f.metadata["check"] for f in dataclasses.fields(schema.Job)}
    for k, v in t.items():
        try:
            checks[k](v)
        except values.Invalid as e:
            return f"as [jobs] {k} it would not load (expected {e}): got {values.shown(v)}"
    return ""


def _user_problem(user: str) -> str:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return f"it runs as {user}, who does not exist here"
    return ""
