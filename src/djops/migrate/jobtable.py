"""One cron command of P as a [jobs.NAME] table, for `djops migrate-cron`:
it runs P's manage.py with P's python in P's code directory, with the
variables, user, schedule and wrappers a job can carry; or why not, and
then, where a job could still run it, the table to paste. (Which lines are
P's, and the walk over cron's files: djops.migrate.cronjobs.)"""

import dataclasses
import posixpath
import pwd
import re
from dataclasses import dataclass, field
from pathlib import Path

from djops.bridge import project_python
from djops.config import Config, schema, values
from djops.config.write import table
from djops.inproject.sensitive import HIDDEN
from djops.migrate import shell as cronshell
from djops.migrate.legacy import Found
from djops.migrate.wrappers import Wrapper
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
        start: str = "",
    ) -> tuple[str, str]:
        """Plan a Job of P's manage.py command; or (why not, the table to
        paste if a job could still run it). `when` is (OnCalendar, cron's
        user, MAILTO); env the variables in force; zone (timezone, where the
        crontab set it); start the directory cron starts it in (HOME)."""
        schedule, user, mailto = when
        p = self.cfg.project
        why = self._runs(cmd, start)
        if why:
            return why, ""
        env, why, wheres = self.carry(env)
        if why:
            return why, ""
        notes = self._same(cmd)
        user, why = self._user(found, user, notes)
        if why:
            return why, ""
        t = _job_table(cmd, schedule, zone[0], "" if user == p.user else user, mailto, env)
        why = _invalid(t)
        if why:
            return why, ""  # refused here: it would make P.toml not load, and --apply stop
        name = self.name(t["command"][0])
        differs = _differs(cmd.wrappers, units.job_service(self.cfg.name, name))
        if differs:
            return differs, table(f"jobs.{name}", t)
        self._add(Job(found, name, t, old, tuple(notes)), cmd, wheres, zone)
        return "", ""

    def _same(self, cmd: cronshell.Command) -> list[str]:
        """What to say of the command's own assignments djops makes anyway."""
        same = [
            k for k, v in cmd.env.items() if k not in NOT_CARRIED and self.reference.get(k) == v
        ]
        return [f"it sets {', '.join(same)} as djops does: nothing to carry"] if same else []

    def _add(
        self, job: Job, cmd: cronshell.Command, wheres: list[str], zone: tuple[str, str]
    ) -> None:
        """Plan the job, noting where its settings and zone came from and what
        it does instead of cron's wrappers and log file."""
        for w in wheres:
            self.carried.setdefault(w, []).append(job.name)
        if zone[0]:
            self.zoned.setdefault(zone[1], []).append(job.name)
        notes = [*job.notes, *(w.note for w in cmd.wrappers)]
        if cmd.log:
            notes.append(
                f"its output went to {cmd.log}; now to the journal: "
                f"journalctl -u '{units.job_service(self.cfg.name, job.name)}'"
            )
        self.plan.jobs.append(dataclasses.replace(job, notes=tuple(notes)))

    def _user(self, found: Found, user: str, notes: list[str]) -> tuple[str, str]:
        """(the job's user, "" for the project's; why not): a system
        crontab's root becomes the project user, as gunicorn runs."""
        p = self.cfg.project
        if user in ("", "root") and found.kind == "file":
            if p.user != "root":
                notes.append(f"cron ran it as root; the job runs as {p.user}, as gunicorn does")
            return "", ""
        if user != p.user:
            return user, _user_problem(user)
        return user, ""

    def _runs(self, cmd: cronshell.Command, start: str) -> str:
        """Why cmd is not P's manage.py X with P's python in P's code
        directory, or "". A relative path is where cron finds it: after the
        `cd`, or else in the directory cron starts the line in."""
        p = self.cfg.project
        interp, script, args = cmd.manage
        if not args:
            return f"{script} with no command"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", args[0]):
            return f"{args[0]!r} is not a manage.py command"
        code = p.code_dir.rstrip("/")
        if cmd.cwd and cmd.cwd.rstrip("/") != code:
            return f"it runs in {cmd.cwd} (cd); a job runs in {p.code_dir}"
        base = cmd.cwd or start
        if _at(script, base) != f"{code}/manage.py":
            return f"it runs {_shown(script, base, cmd.cwd)}, not {code}/manage.py"
        venv = p.venv.rstrip("/")
        if interp and "/" in interp and not _at(interp, base).startswith(f"{venv}/bin/"):
            return f"it runs manage.py with {_shown(interp, base, cmd.cwd)}, not {p.venv}'s python"
        return ""

    def offer(
        self, cmd: cronshell.Command, schedule: str, user: str, env: dict, zone: str = ""
    ) -> tuple[str, str]:
        """A plain program: (the [jobs.X] that would run it, what the job
        does instead of the wrappers around it)."""
        env, why, _ = self.carry(env)
        if not cmd.argv or not cmd.argv[0].startswith("/") or cmd.cwd or why:
            return "", ""
        t: dict = {"exec": cmd.argv, "schedule": schedule, **_timeout(cmd.wrappers)}
        if zone:
            t["timezone"] = zone
        if user not in ("", "root", self.cfg.project.user):
            t["user"] = user
        if env:
            t["environment"] = env
        if _invalid(t):
            return "", ""
        name = _NAME.sub("-", Path(cmd.argv[0]).name).strip("-") or "job"
        comment = "cron ran it as root; a job runs as the project user" if user == "root" else ""
        unit = units.job_service(self.cfg.name, name)
        said = [w.note for w in cmd.wrappers if w.note] + [
            _differs([w], unit) for w in cmd.wrappers if w.differs
        ]
        return table(f"jobs.{name}", t, comment), "; ".join(said)


def _timeout(wrappers: list[Wrapper]) -> dict:
    limits = [w.timeout for w in wrappers if w.timeout]
    return {"timeout_seconds": min(limits)} if limits else {}


def _differs(wrappers: list[Wrapper], unit: str) -> str:
    """How a job would differ from the wrappers, and what makes it the same."""
    said = [w.differs for w in wrappers if w.differs]
    settings = [w.setting for w in wrappers if w.differs and w.setting]
    if said and settings:
        said.append(
            f"as a job with the same, add the one below, then `systemctl edit {unit}` "
            f"and put {' and '.join(settings)} under [Service]"
        )
    return "; ".join(said)


def _at(path: str, base: str) -> str:
    """Where a path cron runs with base as its working directory leads, or ""."""
    if path.startswith("/"):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(base, path)) if base.startswith("/") else ""


def _shown(path: str, base: str, cwd: str) -> str:
    where = _at(path, base)
    if not where:
        return f"{path} (a relative path, with no cd before it)"
    if path.startswith("/") or cwd:
        return where
    return f"{where} (no cd before it: cron starts the line in $HOME, {base})"


def _invalid(t: dict) -> str:
    """What the loader would say of a [jobs] key of this table, or ""."""
    checks = {f.name: f.metadata["check"] for f in dataclasses.fields(schema.Job)}
    for k, v in t.items():
        try:
            checks[k](v)
        except values.Invalid as e:
            return f"as [jobs] {k} it would not load (expected {e}): got {values.shown(v)}"
    return ""


def _job_table(
    cmd: cronshell.Command, schedule: str, timezone: str, user: str, mailto: str | None, env: dict
) -> dict:
    """The [jobs.NAME] table of a planned job; `user` "" for the project's."""
    t: dict = {"command": cmd.manage[2], "schedule": schedule, **_timeout(cmd.wrappers)}
    if timezone:
        t["timezone"] = timezone
    if user:
        t["user"] = user
    if mailto:
        t["mail_to"] = [a.strip() for a in mailto.split(",") if a.strip()]
    if env:
        t["environment"] = env
    return t


def _user_problem(user: str) -> str:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return f"it runs as {user}, who does not exist here"
    return ""


def home(user: str, env: dict[str, tuple[str, str]]) -> str:
    """The directory cron starts a line of user's in: HOME, which a crontab
    may set, else the user's home in the password database."""
    if "HOME" in env:
        return env["HOME"][0]
    try:
        return pwd.getpwnam(user).pw_dir
    except KeyError:
        return ""
