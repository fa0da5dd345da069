"""`djops history P [NAME] [-n N] [--json]`: the last runs of a job (or of
all, clearsessions included) as this host's journal has them: start, host,
duration, result, exit status and the run's last output line.

One journal query, read backwards from the newest entry: a run's result
comes first, then its output lines, the first of which is its last. Only
what journal.trusted accepts counts (a result from its trusted source, a
line from the job's own unit); the query asks journald for nothing else,
so a flood of look-alikes from another user is never read, and at most
SCAN entries per run shown are read, so a chatty job cannot stall it. The
last line and the message are masked again with what root holds (a relay
whose unit had no credential yet masked only what the settings text
showed), as `djops run` masks a run's output (djops.jobs.job._output)."""

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from djops.bridge import secrets
from djops.config import Config
from djops.errors import UsageError
from djops.events import CLEARSESSIONS_RESULT, JOB_RESULT
from djops.jobs.policy import keys
from djops.systemd import journal, results, units
from djops.text import span

SCAN = 50  # entries read per run asked for
RESULTS = (*JOB_RESULT, *CLEARSESSIONS_RESULT)


def runs(cfg: Config, name: str | None, n: int) -> list[dict[str, Any]]:
    from systemd import journal as sd

    if name is not None:
        keys.known(cfg, name)
    mask = secrets.redactor(cfg, lazy=True).redact  # no run shown: no settings scanned
    reader = sd.Reader()
    try:
        _ask(reader, cfg, [name] if name else [units.CLEARSESSIONS, *cfg.jobs])
        reader.seek_tail()
        out: list[dict[str, Any]] = []
        waiting: dict[str, dict[str, Any]] = {}  # invocation -> run without its last line yet
        for _ in range(SCAN * n):
            if not (e := reader.get_previous()):
                break
            job, event = e.get("DJOPS_JOB"), e.get("DJOPS_EVENT")
            invocation = str(e.get("_SYSTEMD_INVOCATION_ID", ""))
            if event in RESULTS and journal.trusted(e, cfg.name):
                # an older run's result: the newer runs of that job had their lines
                waiting = {i: r for i, r in waiting.items() if r["job"] != str(job)}
                if len(out) < n:
                    out.append(row := _row(e, mask))
                    waiting[invocation] = row
            elif event is None and invocation in waiting and _own(cfg, e, job):
                waiting.pop(invocation)["last_line"] = mask(journal.clean(e)["MESSAGE"])
            if len(out) >= n and not waiting:
                break
        return out
    finally:
        reader.close()


def _ask(reader: Any, cfg: Config, jobs: list[str]) -> None:
    """Only what can count, so journald drops the rest before SCAN is spent:
    each job's results from their trusted sources, its lines from its unit."""
    for job in jobs:
        journal.match_trusted(reader, cfg.name, [(ev, job) for ev in results.events_of(job)])
        for unit in journal.result_units(cfg.name, "job.done", job):
            journal.match(
                reader, {"DJOPS_PROJECT": cfg.name, "DJOPS_JOB": job}, {"_SYSTEMD_UNIT": (unit,)}
            )


def _own(cfg: Config, e: dict[str, Any], job: Any) -> bool:
    """An output line from the job's own unit (djops' relay there)."""
    return e.get("_SYSTEMD_UNIT") in journal.result_units(cfg.name, "job.done", job)


UNREADABLE = "?"  # a field there but not a number djops would write (inf, nan, garbage)


def _row(e: dict[str, Any], mask: Callable[[str], str]) -> dict[str, Any]:
    end: datetime = e["__REALTIME_TIMESTAMP"]
    duration = _number(e.get("DJOPS_DURATION"), float)
    exit_code = _number(e.get("DJOPS_EXIT"), int)
    took = duration if isinstance(duration, float) else None
    return {
        "job": str(e.get("DJOPS_JOB", units.CLEARSESSIONS)),
        "start": end.timestamp() - (took or 0),
        "host": str(e.get("_HOSTNAME", "")),
        "duration": duration,
        "result": str(e["DJOPS_EVENT"]).split(".", 1)[1],
        "exit": exit_code,
        "last_line": "",
        "message": mask(journal.clean(e)["MESSAGE"]),
    }


def _number(value: Any, kind: type) -> Any:
    """The field as a finite number of `kind`; None when absent, "?" when
    unreadable (a start time of -inf or nan cannot be shown)."""
    if value is None or value == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return UNREADABLE
    if not math.isfinite(number) or number < -(2**31) or number > 10**9:
        return UNREADABLE
    if kind is int:
        return int(number) if number.is_integer() else UNREADABLE
    return number if number >= 0 else UNREADABLE


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    return value if value == UNREADABLE else fmt.format(value)


def _took(value: Any) -> str:
    if value is None or value == UNREADABLE:
        return _cell(value, "{}")
    return span(value)


def show(cfg: Config, name: str | None, n: int, as_json: bool) -> str:
    if n <= 0:
        raise UsageError(f"-n: expected a positive number of runs, got {n}")
    rows = runs(cfg, name, n)[::-1]  # oldest first, as a log reads
    if as_json:
        return json.dumps(rows, indent=1)
    if not rows:
        return f"no runs of {name or 'any job'} of {cfg.name} in the journal"
    job = max(14, *(len(r["job"]) for r in rows))  # a long job name moves the columns
    lines = [
        f"{'start':<19} {'job':<{job}} {'host':<12} {'took':>8} {'result':<11} exit  last line"
    ]
    for r in rows:
        start = datetime.fromtimestamp(r["start"]).strftime("%Y-%m-%d %H:%M:%S")
        took, code = _took(r["duration"]), _cell(r["exit"], "{}")
        last = (r["last_line"] or r["message"])[:100]
        lines.append(
            f"{start:<19} {r['job']:<{job}} {r['host'][:12]:<12} {took:>8} {r['result']:<11} {code:<5} {last}"
        )
    return "\n".join(lines)
