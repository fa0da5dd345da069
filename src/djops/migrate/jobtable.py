"""One cron command of P as a [jobs.NAME] table, for `djops migrate-cron`:
it runs P's manage.py with P's python in P's code directory, with the
variables, user and schedule a job can carry; or why not, and then, for a
plain program, the table to paste. (Which lines are P's, and the walk over
cron's files: djops.migrate.cronjobs.)"""

import dataclasses
import pwd
import re
from dataclasses import dataclass, field
from pathlib import Path

from djops.adapters import project_python
from djops.config import Config, schema, values
from djops.config.write import table
from djops.inproject.sensitive import HIDDEN
from djops.migrate import shell as cronshell
from djops.migrate.legacy import Found
from djops.systemd import units

# cron's own: what a job does differently, instead of carrying them
NOT_CARRIED = {
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


class Planner:
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
            if k in NOT_CARRIED or k == "CRON_TZ" or self.reference.get(k) == value:
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
            k for k, (v, _) in env_in.items() if k not in NOT_CARRIED and self.reference.get(k) == v
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
