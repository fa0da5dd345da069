"""Read crontabs the way cron does, for `djops migrate-cron`: every line of
/etc/crontab, /etc/cron.d/* (with a user field) and the user crontabs (the
file's name is the user), with the MAILTO in force where it stands; and the
scripts of /etc/cron.{hourly,daily,weekly,monthly}/."""

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

PERIODIC = {"cron_hourly": "hourly", "cron_daily": "daily", "cron_weekly": "weekly"}
PERIODIC["cron_monthly"] = "monthly"
_ENV = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")
# a manage.py (or django-admin) command and what follows it
_MANAGE = re.compile(r"(?:manage\.py|django-admin)\s+([A-Za-z_][A-Za-z0-9_]*)(.*)")
# output thrown away is no reason to refuse a line; anything else of the shell is
_CD = re.compile(r"^\s*cd\s+\S+\s*&&\s*")
_PROGRAM = re.compile(r"\s*([\w./-]+\s+)?[\w./-]*")
_DISCARD = re.compile(r"\s*(?:\d?>>?\s*/dev/null|2>&1|&>\s*/dev/null)")


@dataclass(frozen=True)
class Line:
    path: Path
    lineno: int
    schedule: str  # the five fields, or an @shorthand
    user: str
    command: str
    mailto: str | None  # None: not set (cron mails the user)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.lineno}"


def lines(path: Path, user_field: bool) -> list[Line]:
    """The job lines of one crontab (comments and blank lines skipped)."""
    out, mailto = [], None
    owner = "" if user_field else path.name
    for n, raw in enumerate(_text(path).splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        env = _ENV.fullmatch(text)
        if env and not text.startswith("@") and not text[0].isdigit() and text[0] != "*":
            if env[1] == "MAILTO":
                mailto = env[2].strip().strip("\"'")
            continue
        parts = text.split(None, 1 if text.startswith("@") else 5)
        if text.startswith("@"):
            schedule, rest = parts[0], parts[1] if len(parts) > 1 else ""
        else:
            if len(parts) < 6:
                continue
            schedule, rest = " ".join(parts[:5]), parts[5]
        user = owner
        if user_field:
            user, _, rest = rest.partition(" ")
        out.append(Line(path, n, schedule, user, rest.strip(), mailto))
    return out


def manage_command(command: str) -> tuple[list[str], str]:
    """(["X", args...], "") for a line that runs manage.py X; ([], why) when
    it does more than that; ([], "") when it runs no manage.py command."""
    m = _MANAGE.search(command)
    if not m:
        return [], ""
    # before it only `cd DIR &&`, the interpreter and the script's path
    before = _CD.sub("", command[: m.start()])
    if not _PROGRAM.fullmatch(before):
        return [], "other commands before manage.py: use exec with a script"
    rest = _DISCARD.sub("", m[2])
    if re.search(r"[|;&<>`$]", rest):
        return [], "a shell pipeline or redirection around the command: use exec with a script"
    try:
        return [m[1], *shlex.split(rest)], ""
    except ValueError as e:
        return [], f"its arguments do not parse ({e})"


def scripts(directory: Path) -> list[Path]:
    return sorted(f for f in directory.iterdir() if f.is_file()) if directory.is_dir() else []


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
