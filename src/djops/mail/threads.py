"""Whose mail starts an incident's thread. Usually health's alert. But when
P.service itself fails, systemd's OnFailure= mail (djops-failure@) goes out
at once, minutes before the ladder's alert: that mail opens the incident,
and health's alert, reminders and recovery answer it instead of starting a
thread of their own. One incident, one message per change of its state
(issue 30): a gunicorn crash is the failure mail, then the recovery.

The note (paths.incident_thread(P), root's 0600 file in root's /var/lib/djops)
holds the thread's root Message-ID, who opened it and when, and the incident
id once health took it over. Only root writes it: the failure handler and
djops-health.service. Either creates it only if absent (a link, never a
rename over the other's), so the first announcement wins a race; health
updates and removes it (the handler removes only the note of a mail it could
not queue).
"""

import contextlib
import os
import re
import time

from djops import paths, safefs

FAILURE = "failure"  # who opened it: systemd's OnFailure= mail, not health
ADOPT_SECONDS = 3600.0  # a failure mail older than this opens no incident health sees later
_ROOT = re.compile(r"<[\w.+-]{1,200}@[\w.-]{1,200}>")
_ID = re.compile(r"[0-9A-Za-z-]{0,40}")


def read(p: str) -> dict | None:
    """The open thread, or None: no note, or one that is not root's or not whole."""
    path = paths.incident_thread(p)
    try:
        st = os.stat(path, follow_symlinks=False)
        note = safefs.read_json(path, 4096)
    except (OSError, ValueError):
        return None
    if os.geteuid() == 0 and not safefs.root_only_stat(st):
        return None
    if not isinstance(note, dict) or not isinstance(note.get("at"), int | float):
        return None
    ok = isinstance(note.get("root"), str) and _ROOT.fullmatch(note["root"])
    ok = ok and isinstance(note.get("incident"), str) and _ID.fullmatch(note["incident"])
    return note if ok and note.get("by") in (FAILURE, "health") else None


def reply(root: str) -> dict[str, str]:
    return {"In-Reply-To": root, "References": root}


def open_by_failure(p: str, root: str, now: float | None = None) -> dict[str, str] | None:
    """The failure mail of P.service opens the thread under `root`; its headers.
    None: a thread is open already, and `reply(...)` of it is what to send."""
    now = time.time() if now is None else now
    if _create(p, {"root": root, "by": FAILURE, "at": now, "incident": ""}):
        return {"Message-Id": root}
    return None


def opened_by_failure(p: str, incident: str, since: float, before: float) -> bool:
    """A failure mail announced this incident (begun at `since`) already; one
    written before this round began (`before`) is taken over by it now."""
    note = _this(read(p), incident, since)
    if not note or note["by"] != FAILURE:
        return False
    if not note["incident"]:
        if note["at"] >= before:
            return False  # after this round's probes: a failure they did not see
        _update(p, {**note, "incident": incident})
    return True


def for_step(p: str, incident: str, kind: str, since: float, own_root: str) -> dict | None:
    """The headers of an incident's mail; None when the failure mail was its
    alert already. `own_root`: the Message-ID health's alert would have."""
    note = _this(read(p), incident, since)
    if note and not note["incident"] and kind == "recovery":
        note = None  # a failure mail no round took over: a new failure, not this one's
    if note and not note["incident"]:
        _update(p, note := {**note, "incident": incident})  # the failure mail's incident
    if kind == "alert":
        if note:
            return None if note["by"] == FAILURE else {"Message-Id": note["root"]}
        mine = {"root": own_root, "by": "health", "at": time.time(), "incident": incident}
        if not _create(p, mine):  # a failure mail just now, or a stale note
            if (other := _this(read(p), incident, since)) and other["by"] == FAILURE:
                _update(p, {**other, "incident": incident})
                return None
            _update(p, mine)
        return {"Message-Id": own_root}
    root = note["root"] if note else own_root
    if kind == "recovery" and note:  # this incident's thread ends; a newer failure's stays
        close(p)
    return reply(root)


def _this(note: dict | None, incident: str, since: float) -> dict | None:
    """The note if it belongs to this incident (or is a failure mail that
    opens it); an earlier incident's, left by a crash, is not this thread."""
    if not note or note["incident"] not in ("", incident):
        return None
    if note["by"] == FAILURE and not note["incident"] and since - note["at"] > ADOPT_SECONDS:
        return None
    return note if note["incident"] or note["by"] == FAILURE else None


def close(p: str) -> None:
    with contextlib.suppress(OSError):
        paths.incident_thread(p).unlink()


def settle(p: str, before: float) -> None:
    """No incident is open: any note of one is stale, and a failure mail's
    written before `before` (the site was back before health saw it fail)
    opens nothing later."""
    note = read(p)
    if note and (note["incident"] or note["at"] < before):
        close(p)


def _create(p: str, note: dict) -> bool:
    """Write the note only if none exists; True if this one was written."""
    path = paths.incident_thread(p)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    try:
        safefs.write_json(tmp, note, mode=0o600)
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return True


def _update(p: str, note: dict) -> None:
    with contextlib.suppress(OSError):
        safefs.write_json(paths.incident_thread(p), note, mode=0o600)
