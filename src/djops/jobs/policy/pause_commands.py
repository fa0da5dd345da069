"""`djops pause P NAME [--until WHEN]` and `djops resume P NAME`.

A paused job's runs are skipped by its unit's root ExecCondition= (`djops
job --paused P:NAME`, started only while the pause file exists; exit 1:
systemd skips the run without failing it) and
logged job.paused; the timer keeps running, so a pause needs nothing
restarted, survives a reboot and `djops enable`, and ends by itself at
WHEN (the next run after it removes the pause and logs job.resumed). The
health round, status, heartbeat and metrics read the same file."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from djops.errors import OperationError, UsageError
from djops.jobs.policy import keys, pause_store
from djops.systemd import journal

if TYPE_CHECKING:  # the root condition before each run loads no config
    from djops.config import Config


_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Skipped(OperationError):
    """ExecCondition=: exit 1 (1-254) skips the run; the unit does not fail."""


def when(text: str) -> float:
    """WHEN as systemd reads a timestamp ("2026-12-01 08:00", "tomorrow", "+2h")."""
    from djops import oncalendar

    if (at := oncalendar.timestamp(text)) is not None:
        return at
    raise UsageError(
        f'--until: expected a systemd timestamp such as "2026-12-01 08:00", "tomorrow" or "+2h", got {text!r}'
    )


def pause(cfg: Config, name: str, until_text: str | None) -> str:
    import time

    keys.known(cfg, name)
    until = when(until_text) if until_text else None
    if until is not None and until <= time.time():
        raise UsageError(f"--until: expected a time in the future, got {until_text!r}")
    pause_store.write(cfg.name, name, until)
    shown = pause_store.shown(pause_store.read(cfg.name, name))
    text = f"job {name} of {cfg.name} {shown}: its runs are skipped"
    journal.emit("job.paused", cfg.name, text, JOB=name, UNTIL=until_text or "")
    return text


def resume(cfg: Config, name: str) -> str:
    keys.known(cfg, name)
    if not pause_store.remove(cfg.name, name):
        return f"job {name} of {cfg.name} was not paused"
    text = f"job {name} of {cfg.name} resumed: it runs on its schedule again"
    journal.emit("job.resumed", cfg.name, text, JOB=name)
    return text


def condition(p: str, name: str) -> str:
    """ExecCondition=: raise Skipped (and log job.paused) while paused. An
    expired pause is removed here and logged job.resumed. It needs P's name
    only: before each run of every job, no config is loaded for it (a
    broken config fails the run itself, which mails it)."""
    if not (_NAME.fullmatch(p) and _NAME.fullmatch(name)):  # they name a file below
        raise UsageError(f"expected P:NAME of a project and a job, got {p!r}:{name!r}")
    if state := pause_store.active(p, name):
        text = f"job {name} of {p} {pause_store.shown(state)}: this run is skipped"
        journal.emit("job.paused", p, text, JOB=name, UNTIL=state.get("until") or "")
        raise Skipped(text)
    if pause_store.read(p, name) is not None:
        pause_store.remove(p, name)
        text = f"job {name} of {p} resumed: its pause ended"
        journal.emit("job.resumed", p, text, JOB=name)
        return text
    return ""


def refuse_if_paused(cfg: Config, name: str) -> None:
    """`djops run` of a paused job: say so rather than wait for a skipped run."""
    if state := pause_store.active(cfg.name, name):
        raise UsageError(
            f"job {name} of {cfg.name} is {pause_store.shown(state)}; `djops resume {cfg.name} {name}` first"
        )
