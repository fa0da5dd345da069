"""A job run's result, as systemd recorded that invocation: logged by root's
post step (ExecStopPost=+, `djops job --after P:NAME`) inside the job's unit,
so the entry carries `_UID=0`, the unit and the invocation id, none of which
the job's own code (same unit, same user as djops' relay) can give its lines.

Systemd's record is $SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS of the
relay (the unit's main process, which exits with the command's status). The
relay adds what systemd cannot know: whether it stopped the command (a stop
or timeout_seconds) and the command's own time, in its STATUS= (only the
main process may set it: NotifyAccess=main). That line never turns a failure
into a success: job.done needs systemd's success and exit status 0 too.
"""

import os
import re
from typing import Any, NamedTuple

from djops.systemd import journal, systemctl
from djops.text import span

RAN = "ran: "  # the end of the relay's last STATUS=: "...; ran: exited 3 after 1.204s"
_SAID = re.compile(r"(?:^|; )ran: (exited|interrupted) (-?\d+) after (\d+(?:\.\d+)?)s$")


def said(code: int, seconds: float, stopped: bool, before: str = "") -> str:
    """The relay's STATUS= at the end of the command (after what it said
    when the run began: where it runs)."""
    end = f"{RAN}{'interrupted' if stopped else 'exited'} {code} after {seconds:.3f}s"
    return f"{before}; {end}" if before else end


class Said(NamedTuple):  # not a dataclass: the step after each run imports this
    stopped: bool
    code: int
    seconds: float


def heard(status_text: str) -> Said | None:
    m = _SAID.search(status_text.strip())
    return Said(m[1] == "interrupted", int(m[2]), float(m[3])) if m else None


def judge(
    p: str, name: str, result: str, how: str, status: str, relay: Said | None, seconds: float
) -> tuple[str, str, dict[str, Any]] | None:
    """(event, message, fields) of the run, or None when nothing ran (a
    paused run's ExecCondition=, a relay that never reached the command)."""
    if result == "exec-condition" or (relay is None and result == "success"):
        return None
    took = relay.seconds if relay else seconds
    ok = result == "success" and how == "exited" and status == "0"
    if ok and relay and not relay.stopped and relay.code == 0:
        return "job.done", f"job {name} of {p} done in {span(took)}", _fields(name, took, 0)
    if result == "timeout" or (relay and relay.stopped):
        code = relay.code if relay else 143
        text = f"job {name} of {p} interrupted after {span(took)}"
        return "job.interrupted", text, _fields(name, took, code)
    if relay:
        code = relay.code
        text = f"job {name} of {p} failed: exit status {code} after {span(took)}"
    else:  # the relay itself died (killed, out of memory): systemd's words
        code = int(status) if how == "exited" and status.isdigit() else 1
        text = f"job {name} of {p} failed: {result} ({how} {status}) after {span(took)}"
    return "job.failed", text, _fields(name, took, code)


def _fields(name: str, seconds: float, code: int) -> dict[str, Any]:
    return {"JOB": name, "DURATION": round(seconds, 3), "EXIT": code}


RECORD = ("StatusText", "ExecMainStartTimestampMonotonic", "ExecMainExitTimestampMonotonic")


def record(unit: str) -> dict[str, str]:
    """systemd's record of the run the post step follows: one `systemctl
    show` for all the post step reads (the relay's STATUS=, its times)."""
    return systemctl.show(unit, *RECORD)


def log(p: str, name: str, shown: dict[str, str]) -> dict[str, Any] | None:
    """Log this run's result (root's post step) from its record(); the
    entry as readers see it."""
    env = os.environ
    relay = heard(shown.get("StatusText", ""))
    start, end = (
        shown.get(k, "")
        for k in ("ExecMainStartTimestampMonotonic", "ExecMainExitTimestampMonotonic")
    )
    seconds = (int(end) - int(start)) / 1e6 if start.isdigit() and end.isdigit() else 0.0
    verdict = judge(
        p,
        name,
        env.get("SERVICE_RESULT", ""),
        env.get("EXIT_CODE", ""),
        env.get("EXIT_STATUS", ""),
        relay,
        max(seconds, 0.0),
    )
    if verdict is None:
        return None
    event, text, fields = verdict
    journal.emit(event, p, text, **fields)
    entry = {f"DJOPS_{k}": str(v) for k, v in fields.items()}
    return {**entry, "DJOPS_EVENT": event, "MESSAGE": text}
