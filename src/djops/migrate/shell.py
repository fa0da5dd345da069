"""What one cron command runs, for `djops migrate-cron`: a crontab line's
command or a cron.* script, read the way cron and sh would, into a program
and its arguments plus what surrounds it (`cd DIR`, `exec`, `su USER -c`,
variable assignments and `export`, output discarded or appended to a file,
the wrappers of djops.migrate.wrappers: `env`, `flock`, `nice`, ...).

Anything else of the shell (pipes, lists, expansions, an unescaped `%`) is
returned as the reason a job cannot say the same: never guessed, never
dropped. Nothing here knows a project; legacy decides what is P's."""

import re
import shlex
from dataclasses import dataclass, field

from djops.migrate.wrappers import Wrapper, unwrap

# a control character (or a byte that was not UTF-8) in a command
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")
_CD = re.compile(r"^\s*cd\s+(?P<dir>[^\s;&|<>]+)\s*(?:&&|;)\s*")
_SU = re.compile(
    r"^su\s+(?:-\s+|-l\s+|--login\s+)?(?P<user>[a-z_][a-z0-9_.-]*)\s+-c\s+(?P<cmd>.+)$"
)
# output redirections at the end of the command: to /dev/null, or to a file
_REDIRECT = re.compile(r"\s*(?:(?P<op>\d?>>?|&>>?)\s*(?P<target>[^\s;&|<>]+)|(?P<dup>2>&1))\s*$")
_SHELL = re.compile(r"[|;&<>`$(){}*?\[\]~]")
_ASSIGN = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)", re.S)
_SET = re.compile(r"set(\s+[-+][a-zA-Z]+|\s+-o\s+\w+)*")
_CD_LINE = re.compile(r"cd\s+(?P<dir>[^\s;&|<>]+)(\s*\|\|\s*exit(\s+\d+)?)?")
MANAGE = re.compile(r"(.*/)?(manage\.py|django-admin)")
PYTHON = re.compile(r"(.*/)?python3?(\.[0-9]+)?")


@dataclass
class Command:
    """A command as a job would run it, or `why` it cannot."""

    argv: list[str] = field(default_factory=list)  # program and arguments, interpreter first
    cwd: str = ""  # `cd DIR` before it
    env: dict[str, str] = field(default_factory=dict)  # assignments (scripts)
    user: str = ""  # `su USER -c`
    log: str = ""  # the file its output was written to
    wrappers: list[Wrapper] = field(default_factory=list)  # flock, nice, ... before it
    why: str = ""

    @property
    def manage(self) -> tuple[str, str, list[str]]:
        """(interpreter or "", manage.py path, [command, args...]) or empty."""
        for i, word in enumerate(self.argv[:2]):
            if MANAGE.fullmatch(word) and (i == 0 or PYTHON.fullmatch(self.argv[0])):
                return (self.argv[0] if i else "", word, self.argv[i + 1 :])
        return "", "", []


def cron_percent(text: str) -> tuple[str, str]:
    """cron turns an unescaped % into a newline (the rest is standard input)
    and `\\%` into %: (the command, why not) ."""
    if re.search(r"(?<!\\)%", text):
        return text, "an unescaped %: cron ends the command there and feeds the rest as its input"
    return text.replace("\\%", "%"), ""


def command(text: str) -> Command:
    """One shell command line, e.g. `cd /opt/P && python manage.py x >> log 2>&1`."""
    bad = _CONTROL.search(text)
    if bad:
        return Command(
            why=f"a control character ({bad[0]!r}) in the command: cron's and a job's differ"
        )
    out = Command()
    text = text.strip()
    m = _CD.match(text)
    if m:
        out.cwd, text = m["dir"], text[m.end() :]
    if text.startswith("exec "):
        text = text[5:].lstrip()
    su = _SU.match(text)
    if su:
        try:
            [inner] = shlex.split(su["cmd"])
        except ValueError:
            return Command(why=f"su {su['user']} -c with more than one quoted command")
        sub = command(inner)
        sub.user = su["user"]
        sub.cwd = sub.cwd or out.cwd
        return sub
    while m := _REDIRECT.search(text):
        if m["target"] and m["target"] != "/dev/null":
            if not m["target"].startswith("/") or out.log:
                return Command(why=f"its output goes to {m['target']!r}: use exec with a script")
            out.log = m["target"]
        text = text[: m.start()]
    bare = re.sub(r"'[^']*'", "", text)  # quoted: no globbing; "..." still expands $ and `
    bare = re.sub(r'"((?:[^"\\]|\\.)*)"', lambda q: re.sub(r"[^$`]", "", q[1]), bare)
    if _SHELL.search(bare):
        return Command(
            why="a shell pipeline, list or expansion around the command: use exec with a script"
        )
    try:
        argv = shlex.split(text)
    except ValueError as e:
        return Command(why=f"its arguments do not parse ({e})")
    if not argv:
        return Command(why="no command")
    inner = unwrap(argv)
    if inner.why:
        return Command(why=inner.why)
    out.argv, out.env, out.wrappers = inner.argv, inner.env, inner.wrappers
    return out


def script(text: str) -> Command:
    """A cron.* script of assignments, `export`, `cd`, `set` and one command
    (`exec` or not); anything else is the reason it stays."""
    steps: list[tuple[str, Command]] = []  # (where, command)
    env: dict[str, str] = {}
    cwd = ""
    lines = text.replace("\\\n", " ").splitlines()
    for n, raw in enumerate(lines, 1):
        for step in _statements(raw):
            if not step or step.startswith("#") or _SET.fullmatch(step):
                continue
            shown = f"line {n} ({step if len(step) < 60 else step[:57] + '...'})"
            words = _words(step) or []
            exported = bool(words) and words[0] == "export"
            words = words[1:] if exported else words
            if words and all(_ASSIGN.fullmatch(w) or (exported and _name(w)) for w in words):
                for w in words:
                    a = _ASSIGN.fullmatch(w)
                    if a and re.search(r"[$`]", a["value"]):
                        return Command(why=f"{shown}: a value with a shell expansion")
                    if a:
                        env[a["name"]] = a["value"]
                continue
            cd = _CD_LINE.fullmatch(step)
            if cd:
                cwd = cd["dir"]
                continue
            cmd = command(step)
            if cmd.why:
                return Command(why=f"{shown}: {cmd.why}")
            cmd.cwd = cmd.cwd or cwd
            steps.append((shown, cmd))
    manage = [(shown, c) for shown, c in steps if c.manage[1]]
    if len(manage) > 1:
        return Command(why=f"{manage[1][0]}: a second manage.py command; a job runs one")
    others = [shown for shown, c in steps if not c.manage[1]]
    if manage and others:
        expected = "an assignment, export, cd or the manage.py command"
        return Command(why=f"{others[0]}: not {expected}")
    if len(steps) != 1:
        return Command(why="no command in it" if not steps else f"{steps[1][0]}: a second command")
    out = steps[0][1]
    out.env = {**env, **out.env}
    return out


def _statements(line: str) -> list[str]:
    """A line split at `;` outside quotes (and its comment dropped)."""
    out, cur, quote = [], "", ""
    for ch in line:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ";":
            out.append(cur.strip())
            cur = ""
            continue
        elif ch == "#" and (not cur or cur[-1].isspace()):
            break
        cur += ch
    return [*out, cur.strip()]


def _words(step: str) -> list[str] | None:
    try:
        return shlex.split(step)
    except ValueError:
        return None


def _name(word: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word))
