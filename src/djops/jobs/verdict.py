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

clearsessions is judged the same way (judge_cleared): its relay also says
what it removed (rows, batches, the reason of a failure) in that STATUS=,
before `ran:` (`cleared: {...}`), and root logs clearsessions.done with
those rows only when systemd says the run succeeded. The project's python
runs in that unit as the project user, so nothing it logs there counts.
"""

import os
import re
from typing import Any, NamedTuple

from djops.systemd import journal, systemctl, units
from djops.text import plural, printable, span

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


CLEARED = "cleared: "  # the relay's facts of a clearsessions run, just before its `ran: `
_CLEARED = re.compile(r"(?:^|; )cleared: (\{.*\}); ran: ", re.S)
_TEXTS = {"engine": 100, "database": 200, "error": 400}  # characters kept: STATUS= < 4 KiB


def said_cleared(
    facts: dict[str, Any], code: int, seconds: float, stopped: bool, before: str = ""
) -> str:
    """The clearsessions relay's STATUS= at the end of its run: said() with
    its `facts` (the worker's report: rows, batches, error...) before it."""
    import json

    kept = {k: _seal(v) if k in _TEXTS else v for k, v in cleared_facts(facts).items()}
    shown = CLEARED + json.dumps(kept, separators=(",", ":"), ensure_ascii=False)
    return said(code, seconds, stopped, f"{before}; {shown}" if before else shown)


# systemd drops a backslash of STATUS= as it stores it (`\"` reads back `"`):
# JSON's escapes would not survive, so the texts carry none
_SEALED = (("%", "%25"), ("\\", "%5C"), ('"', "%22"))


def _seal(text: str) -> str:
    for plain, sealed in _SEALED:
        text = text.replace(plain, sealed)
    return text


def _unseal(text: str) -> str:
    for plain, sealed in reversed(_SEALED):
        text = text.replace(sealed, plain)
    return text


def heard_cleared(status_text: str) -> dict[str, Any]:
    """said_cleared()'s facts, as cleared_facts() keeps them ({} if none)."""
    import json

    m = _CLEARED.search(status_text.strip())
    if not m:
        return {}
    try:
        raw = json.loads(m[1])
    except ValueError:
        return {}
    if isinstance(raw, dict):
        raw = {k: _unseal(v) if k in _TEXTS and isinstance(v, str) else v for k, v in raw.items()}
    return cleared_facts(raw)


def cleared_facts(raw: Any) -> dict[str, Any]:
    """The worker's report as numbers and short printable text only: it comes
    from the project's python, and root words its verdict with it."""
    d = raw if isinstance(raw, dict) else {}
    out: dict[str, Any] = {"rows": None if d.get("rows") is None else _count(d.get("rows"))}
    for key in ("batches", "stepped_around"):
        out[key] = _count(d.get(key))
    for key in ("longest", "waited"):
        out[key] = _seconds(d.get(key))
    for key, most in _TEXTS.items():
        if d.get(key) is not None:
            out[key] = printable(d[key], newlines=False)[:most]
    return out


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _seconds(value: Any) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok and 0 <= value < 1e9 else 0.0


def judge_cleared(
    p: str,
    result: str,
    how: str,
    status: str,
    relay: Said | None,
    facts: dict[str, Any],
    seconds: float,
) -> tuple[str, str, dict[str, Any]] | None:
    """judge() of a clearsessions run: clearsessions.done (with the rows the
    relay said), .interrupted or .failed; None when nothing ran."""
    if result == "exec-condition" or (relay is None and result == "success"):
        return None
    took = relay.seconds if relay else seconds
    job = {"JOB": units.CLEARSESSIONS, "DURATION": round(took, 3)}
    rows = facts.get("rows")
    ok = result == "success" and how == "exited" and status == "0"
    if ok and relay and not relay.stopped and relay.code == 0:
        fields = {"ROWS": rows or 0, "BATCHES": facts.get("batches", 0), **job,
                  "LONGEST": facts.get("longest", 0.0), "ENGINE": facts.get("engine", ""),
                  "DATABASE": facts.get("database", "")}  # fmt: skip
        return "clearsessions.done", cleared_text(p, facts, took), fields
    if result == "timeout" or (relay and relay.stopped):
        text = f"clearsessions of {p} interrupted after removing " + plural(
            rows or 0, "expired session"
        )
        return "clearsessions.interrupted", text, {"ROWS": rows or 0, **job}
    reason = facts.get("error") or f"{result} ({how} {status})"
    return (
        "clearsessions.failed",
        f"clearsessions of {p} failed: {reason}",
        {"REASON": reason, **job},
    )


def cleared_text(p: str, facts: dict[str, Any], seconds: float) -> str:
    """What clearsessions.done says: rows, batches, the longest, any waits."""
    rows, engine, db = facts.get("rows"), facts.get("engine", ""), facts.get("database", "")
    if rows is None:  # cache, file or signed-cookie sessions: the engine cleans up itself
        return f"expired sessions of {p} cleared by {engine} in {span(seconds)}"
    return (
        f"removed {plural(rows, 'expired session')} of {p} in {span(seconds)} "
        f"({plural(facts.get('batches', 0), 'batch', 'batches')} on {db}, "
        f"longest {span(facts.get('longest', 0.0))}"
        + (f", waited {span(facts['waited'])} for replicas" if facts.get("waited") else "")
        + (
            f", {facts['stepped_around']} of them stepped around rows a request held"
            if facts.get("stepped_around")
            else ""
        )
        + ")"
    )


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
    systemds = (env.get("SERVICE_RESULT", ""), env.get("EXIT_CODE", ""), env.get("EXIT_STATUS", ""))
    if name == units.CLEARSESSIONS:
        facts = heard_cleared(shown.get("StatusText", ""))
        verdict = judge_cleared(p, *systemds, relay, facts, max(seconds, 0.0))
    else:
        verdict = judge(p, name, *systemds, relay, max(seconds, 0.0))
    if verdict is None:
        return None
    event, text, fields = verdict
    journal.emit(event, p, text, **fields)
    entry = {f"DJOPS_{k}": str(v) for k, v in fields.items()}
    return {**entry, "DJOPS_EVENT": event, "MESSAGE": text}
