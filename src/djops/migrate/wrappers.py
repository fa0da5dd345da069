"""The programs a cron command puts in front of what it runs (`env NAME=value`
or a bare `NAME=value`, `flock`, `nice`, `ionice`, `timeout`), read off the
front of its words: what a job does instead, or how it differs.

A job never runs twice at once (systemd starts no second run of a unit that
still runs) and runs at nice 10 with batch CPU scheduling and idle-class IO
(units/djops-job@.service); its timeout_seconds stops a run that lasts too
long. A wrapper that asks for no more than that is said in the job's note;
one that asks for something else is why the line stays, with the unit
setting that would do it. Nothing here knows a project."""

import math
import re
import signal
from dataclasses import dataclass, field

JOB_NICE = 10  # units/djops-job@.service: Nice=10, CPUSchedulingPolicy=batch
_ASSIGN = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)", re.S)
_PROGRAM = re.compile(r"(?:(?:/usr)?(?:/local)?/s?bin/)?(?P<name>env|flock|nice|ionice|timeout)")
_DURATION = re.compile(r"(?P<n>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?P<unit>[smhd]?)")
_IO_CLASSES = {"0": "none", "1": "realtime", "2": "best-effort", "3": "idle"}


@dataclass(frozen=True)
class Wrapper:
    text: str  # as written: "flock -n /tmp/x.lock"
    note: str = ""  # what the job does instead
    differs: str = ""  # how a job differs (the line stays)
    setting: str = ""  # the unit's [Service] setting that would do the same
    timeout: int = 0  # timeout_seconds


@dataclass
class Unwrapped:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    wrappers: list[Wrapper] = field(default_factory=list)
    why: str = ""


def unwrap(argv: list[str]) -> Unwrapped:
    """The command under its wrappers, the variables they set, the wrappers."""
    out = Unwrapped(list(argv))
    while out.argv and not out.why:
        first = out.argv[0]
        a = _ASSIGN.fullmatch(out.argv[0])
        m = _PROGRAM.fullmatch(out.argv[0])
        if a:
            out.env[a["name"]] = a["value"]
            out.argv = out.argv[1:]
        elif not m:
            break
        elif m["name"] == "env":
            _env(out)
        else:
            wrapper, rest, why = _READERS[m["name"]](out.argv)
            out.argv, out.why = rest, why
            if wrapper:
                out.wrappers.append(wrapper)
        if not out.argv and not out.why:
            out.why = f"{first} with no command after it"
    return out


def _env(out: Unwrapped) -> None:
    words = out.argv[1:]
    while words and (_ASSIGN.fullmatch(words[0]) or words[0] == "--"):
        a = _ASSIGN.fullmatch(words.pop(0))
        if a:
            out.env[a["name"]] = a["value"]
    if words and words[0].startswith("-"):
        out.why = f"env {words[0]}: a job's environment can only add variables"
    out.argv = words


def _options(argv: list[str], with_value: str) -> tuple[list[tuple[str, str]], list[str]]:
    """getopt's way: (option, value) pairs up to the first operand, and the
    rest. Short options may be bundled (-xn) and take a value joined or next;
    a long one as --name=value or --name value."""
    opts, i = [], 1
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        word, i = argv[i], i + 1
        if word == "--":
            break
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            if not eq and name in with_value.split() and i < len(argv):
                value, i = argv[i], i + 1
            opts.append((name, value))
            continue
        for j, ch in enumerate(word[1:], 1):
            if ch in with_value.split()[0]:
                value = word[j + 1 :]
                if not value and i < len(argv):
                    value, i = argv[i], i + 1
                opts.append((f"-{ch}", value))
                break
            opts.append((f"-{ch}", ""))
    return opts, argv[i:]


def _flock(argv: list[str]) -> tuple[Wrapper | None, list[str], str]:
    opts, rest = _options(argv, "wE --timeout --wait --conflict-exit-code")
    names = {o for o, _ in opts}
    if not rest:
        return None, [], "flock with no lock file"
    lock, rest = rest[0], rest[1:]
    text = " ".join(argv[: len(argv) - len(rest)])
    if rest[:1] in (["-c"], ["--command"]):
        return None, [], f"{text} -c runs its command through sh: write it as {text} COMMAND"
    if names & {"-s", "--shared", "-u", "--unlock"}:
        return None, [], f"{text}: a shared lock or an unlock keeps no second run out"
    if not names & {"-n", "--nb", "--nonblock"} or names & {"-w", "--timeout", "--wait"}:
        return (
            Wrapper(
                text,
                differs=f"{text} waits for the lock, then runs; a job skips a run that falls "
                "due while the last one still runs (use flock -n to have it translated)",
            ),
            rest,
            "",
        )
    note = (
        f"{text}: a job never runs twice at once either (a run due while the last one still "
        f"runs is skipped); it takes no {lock}, so another command that takes that lock no "
        "longer keeps out of this one's way"
    )
    return Wrapper(text, note=note), rest, ""


def _nice(argv: list[str]) -> tuple[Wrapper | None, list[str], str]:
    words = argv[1:]
    if words and re.fullmatch(r"-[0-9]+", words[0]):  # the old -N form
        words = ["-n", words[0][1:], *words[1:]]
    opts, rest = _options([argv[0], *words], "n --adjustment")
    text = " ".join(argv[: len(argv) - len(rest)])
    try:
        n = max(-20, min(19, int(opts[-1][1]))) if opts else 10
    except ValueError:
        return None, [], f"{text}: no niceness nice would take"
    if 0 <= n <= JOB_NICE:
        note = f"{text}: a job runs at nice {JOB_NICE} already, with batch CPU scheduling"
        return Wrapper(text, note=note), rest, ""
    differs = f"{text}: a job runs at nice {JOB_NICE}, not {n}"
    return Wrapper(text, differs=differs, setting=f"Nice={n}"), rest, ""


def _ionice(argv: list[str]) -> tuple[Wrapper | None, list[str], str]:
    opts, rest = _options(argv, "cnpPu --class --classdata --pid --pgid --uid")
    text = " ".join(argv[: len(argv) - len(rest)])
    given = dict(opts)
    if given.keys() & {"-p", "-P", "-u", "--pid", "--pgid", "--uid"}:
        return None, [], f"{text}: it changes other processes, it runs no command"
    cls = given.get("-c", given.get("--class", "2")).lower()
    cls = _IO_CLASSES.get(cls, cls)
    if cls != "realtime":
        note = f"{text}: a job's IO is idle class already (the disk when nothing else wants it)"
        return Wrapper(text, note=note), rest, ""
    differs = f"{text}: a job's IO is idle class, not realtime"
    return Wrapper(text, differs=differs, setting="IOSchedulingClass=realtime"), rest, ""


def _timeout(argv: list[str]) -> tuple[Wrapper | None, list[str], str]:
    opts, rest = _options(argv, "sk --signal --kill-after")
    if not rest:
        return None, [], "timeout with no duration"
    duration, rest = rest[0], rest[1:]
    text = " ".join(argv[: len(argv) - len(rest)])
    m = _DURATION.fullmatch(duration)
    if not m:
        return None, [], f"{text}: {duration!r} is no duration timeout would take"
    scale = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m["unit"]]
    seconds = math.ceil(float(m["n"]) * scale)
    sig = _signal(next((v for o, v in opts if o in ("-s", "--signal")), "TERM"))
    kill = next((v for o, v in opts if o in ("-k", "--kill-after")), "")
    if seconds == 0:
        differs = f"{text} sets no limit; a job stops a run after timeout_seconds (3600 unless set)"
        return Wrapper(text, differs=differs), rest, ""
    if sig != "SIGTERM":
        differs = f"{text}: a job that runs too long is stopped with SIGTERM, not {sig}"
        return (
            Wrapper(text, differs=differs, timeout=seconds, setting=f"KillSignal={sig}"),
            rest,
            "",
        )
    note = (
        f"{text}: timeout_seconds = {seconds}; a run that long is stopped (SIGTERM, then "
        f"SIGKILL 90 s later{f'; -k said {kill}' if kill else ''}) and counts as failed"
    )
    return Wrapper(text, note=note, timeout=seconds), rest, ""


def _signal(name: str) -> str:
    """timeout's -s: a name with or without SIG, any case, or a number."""
    name = name.upper()
    if name.isdigit():
        try:
            return signal.Signals(int(name)).name
        except ValueError:
            return name
    return name if name.startswith("SIG") else f"SIG{name}"


_READERS = {"flock": _flock, "nice": _nice, "ionice": _ionice, "timeout": _timeout}
