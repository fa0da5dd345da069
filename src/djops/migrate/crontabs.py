"""Read crontabs the way cron does, for `djops migrate-cron`: every line of
/etc/crontab, /etc/cron.d/* (with a user field) and the user crontabs (the
file's name is the user): job lines with the variables in force where they
stand, the NAME=value lines themselves, and what cron would not read; and
the scripts of /etc/cron.{hourly,daily,weekly,monthly}/ with the time
/etc/crontab runs them."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from djops.migrate import crontime

PERIODIC = {"cron_hourly": "hourly", "cron_daily": "daily", "cron_weekly": "weekly"}
PERIODIC["cron_monthly"] = "monthly"
_ENV = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")


@dataclass(frozen=True)
class Line:
    """One line of a crontab: a job (schedule set), a NAME=value setting
    (name set), or neither (cron reads no job from it)."""

    path: Path
    lineno: int
    text: str  # the line as written
    schedule: str = ""  # the five fields, or an @shorthand
    user: str = ""
    command: str = ""
    # the variables in force here: NAME -> (value, where it was set)
    env: dict[str, tuple[str, str]] = field(default_factory=dict)
    name: str = ""  # of a NAME=value line
    value: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.lineno}"

    @property
    def mailto(self) -> str | None:
        """None: not set (cron mails the user)."""
        return self.env["MAILTO"][0] if "MAILTO" in self.env else None


def read(path: Path, user_field: bool) -> list[Line]:
    """Every line cron reads in one crontab, comments and blank lines aside.
    Lines end at \\n only, as cron's do."""
    out: list[Line] = []
    env: dict[str, tuple[str, str]] = {}
    owner = "" if user_field else path.name
    for n, raw in enumerate(text_of(path).split("\n"), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        setting = _ENV.fullmatch(text)
        if setting and not text.startswith("@") and not text[0].isdigit() and text[0] != "*":
            value = _unquote(setting[2].strip())
            env = {**env, setting[1]: (value, f"{path}:{n}")}
            out.append(Line(path, n, text, name=setting[1], value=value))
            continue
        at = text.startswith("@")
        parts = text.split(None, 1 if at else 5)
        if len(parts) < (2 if at else 6):
            out.append(Line(path, n, text))
            continue
        schedule, rest = (parts[0], parts[1]) if at else (" ".join(parts[:5]), parts[5])
        user = owner
        if user_field:
            bits = rest.split(None, 1)
            if len(bits) < 2:
                out.append(Line(path, n, text))
                continue
            user, rest = bits
        out.append(Line(path, n, text, schedule, user, rest.strip(), env))
    return out


def _unquote(value: str) -> str:
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def run_parts(crontab: Path) -> dict[str, str]:
    """period -> the cron schedule /etc/crontab runs /etc/cron.PERIOD/ on
    (Debian's own times where it does not say)."""
    times = dict(crontime.RUN_PARTS)
    for line in read(crontab, user_field=True):
        m = re.search(r"run-parts\b.*/cron\.(hourly|daily|weekly|monthly)\b", line.command)
        if line.schedule and m:
            times[m[1]] = line.schedule
    return times


def scripts(directory: Path) -> list[Path]:
    return sorted(f for f in directory.iterdir() if f.is_file()) if directory.is_dir() else []


def text_of(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""
