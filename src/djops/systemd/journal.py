"""Write djops events to the journal with the contract's fields, and read
back only the ones djops wrote.

Every line gets SYSLOG_IDENTIFIER=djops, DJOPS_PROJECT, DJOPS_EVENT, the
event's MESSAGE_ID (explained by the catalog) and a PRIORITY. Any local user
can log such fields too, so a reader trusts an entry only by the fields
journald itself adds (`_UID=`, `_SYSTEMD_UNIT=`, which a process cannot
choose): see sources(). Those fields go into the journal query itself, so
journald drops a look-alike before a reader's budget (SCAN_LIMIT) is spent
on it, and trusted() checks each entry read again. Messages read back have
their control characters escaped.
"""

import sys
from collections.abc import Callable
from typing import Any

from djops.events import CLEARSESSIONS_RESULT, EVENTS, JOB_RESULT, JOB_SKIPPED
from djops.systemd import units
from djops.text import printable

SCAN_LIMIT = 2000  # entries looked at for one answer; a flood cannot stall a reader
Sender = Callable[..., Any]


def _default_sender() -> Sender:
    """djops' own sender (djops.systemd.journal_socket): it can wait at exit
    until journald has read every event, so each keeps the unit it came from."""
    from djops.systemd.journal_socket import Sender as SocketSender

    return SocketSender()


_sender: Sender | None = None
_last_message: str | None = None


def set_sender(sender: Sender | None) -> None:
    """Tests swap the journal for a recorder."""
    global _sender
    _sender = sender


def emit(event: str, project: str, message: str, priority: int | None = None, **extra: Any) -> None:
    """Send one event; `extra` keys become DJOPS_<KEY> fields."""
    ev = EVENTS[event]
    fields = {
        "MESSAGE_ID": ev.message_id,
        "PRIORITY": str(ev.priority if priority is None else priority),
        "SYSLOG_IDENTIFIER": "djops",
        "DJOPS_PROJECT": project,
        "DJOPS_EVENT": event,
    }
    for k, v in extra.items():
        fields["DJOPS_" + k.upper()] = str(v)
    global _sender, _last_message
    _last_message = message
    if _sender is None:
        _sender = _default_sender()
    try:
        _sender(message, **fields)
    except OSError:  # no journald (a chroot, a build host): keep the message
        print(f"djops: {event}: {message}", file=sys.stderr)


def output(project: str, job: str, line: str) -> None:
    """One line of a job's output (not an event: no MESSAGE_ID), at info."""
    global _sender
    if _sender is None:
        _sender = _default_sender()
    fields = {"PRIORITY": "6", "SYSLOG_IDENTIFIER": "djops", "DJOPS_PROJECT": project}
    try:
        _sender(line, DJOPS_JOB=job, **fields)
    except OSError:
        print(line, file=sys.stderr)


def last_event(
    project: str,
    events: tuple[str, ...],
    since_usec: int = 0,
    job: str | None = None,
    invocation: str | None = None,
) -> dict[str, Any] | None:
    """The newest of `events` for `project` (and `job`, and of one run of a
    unit: its `invocation` id) logged at or after `since_usec`."""
    from datetime import UTC, datetime  # here: every start imports this module

    from systemd import journal

    reader = journal.Reader()
    since = datetime.fromtimestamp(since_usec / 1e6, UTC)
    try:
        extra = {"_SYSTEMD_INVOCATION_ID": invocation} if invocation is not None else {}
        if not match_trusted(reader, project, [(ev, job) for ev in events], extra):
            return None
        reader.seek_tail()
        for _ in range(SCAN_LIMIT):
            entry = reader.get_previous()
            if not entry:
                return None
            stamp = entry.get("__REALTIME_TIMESTAMP")
            if stamp is not None and stamp < since:
                return None
            if trusted(entry, project):  # journald matched it already: defence in depth
                return clean(entry)
        return None
    finally:
        reader.close()


# a group of journal matches: field -> the values it may have (ORed); the
# fields of a group are ANDed, the groups of a query ORed
Group = dict[str, tuple[str, ...]]
ROOT: Group = {"_UID": ("0",)}
_RESULTS = (*JOB_RESULT, *CLEARSESSIONS_RESULT)  # root's post step's, in the run's unit
_UNITS_OWN = (JOB_SKIPPED,)  # logged by djops' relay inside the run's unit


def sources(project: str, event: str, job: object = None) -> list[Group]:
    """Who may log `event` (of `job`) for `project`, by the fields journald
    sets (`_UID`, `_SYSTEMD_UNIT`), never by ones a process chooses: the
    one rule of trusted() and of the journal queries (so journald drops a
    look-alike before any read budget is spent on it).

    A job's or clearsessions' result is root's post step's, in the run's own
    unit (its ExecStopPost=+ reads systemd's Result and exit status): the
    job's code (the project's python, for clearsessions) shares the unit and
    user with djops' relay, so it could log any result there. A skip counts
    from the unit it is about. Anything else, a reload's result included
    (djops-reload@P's process is root's; the settings it validates run in a
    child as the project user): root's (root never runs project code).
    """
    if event in _RESULTS:
        mine = result_units(project, event, job)
        return [{**ROOT, "_SYSTEMD_UNIT": mine}] if mine else []
    if event in _UNITS_OWN:
        mine = result_units(project, event, job)
        return [{"_SYSTEMD_UNIT": mine}] if mine else []
    return [ROOT]


def trusted(entry: dict[str, Any], project: str) -> bool:
    """Whether djops itself logged `entry`: see sources()."""
    event = str(entry.get("DJOPS_EVENT", ""))
    groups = sources(project, event, entry.get("DJOPS_JOB"))
    return any(
        all(str(entry.get(field, "")) in values for field, values in group.items())
        for group in groups
    )


def match(reader: Any, fields: dict[str, Any], group: Group) -> None:
    """One group of `reader`'s query: `fields` and `group`'s matches."""
    reader.add_match(**{k: str(v) for k, v in fields.items()})
    for field, values in group.items():
        for value in values:
            reader.add_match(**{field: value})
    reader.add_disjunction()


def match_trusted(
    reader: Any,
    project: str,
    wanted: list[tuple[str, str | None]],
    extra: dict[str, str] | None = None,
) -> bool:
    """Ask `reader` for the (event, job) pairs of `wanted` from their
    trusted sources only; False when none can have one (a query with no
    match would read everything)."""
    asked = False
    for event, job in wanted:
        fields = {"DJOPS_PROJECT": project, "DJOPS_EVENT": event, **(extra or {})}
        if job is not None:
            fields["DJOPS_JOB"] = job
        for group in sources(project, event, job):
            match(reader, fields, group)
            asked = True
    return asked


def match_project(reader: Any, project: str, jobs: tuple[str, ...] = ()) -> None:
    """Ask `reader` for any of `project`'s entries from a source trusted for
    it: root's, and each unit's own events (the reload's validation, the
    skips of clearsessions and `jobs`). The groups are ORed with whatever
    the query held, so several projects' calls make one query for all of
    them; the caller ANDs the rest (a priority, ...) after
    add_conjunction()."""
    mine = {"DJOPS_PROJECT": project}
    match(reader, mine, ROOT)
    asked: list[tuple[str, Group]] = []
    for event in (*_UNITS_OWN, "reload.rejected"):
        for job in (None, units.CLEARSESSIONS, *jobs):
            for group in sources(project, event, job):
                if group != ROOT and (event, group) not in asked:
                    asked.append((event, group))
                    match(reader, {**mine, "DJOPS_EVENT": event}, group)


def result_units(project: str, event: str, job: object) -> tuple[str, ...]:
    """The units whose runs `event` (of `job`) can be a result of. `job` is
    an entry's DJOPS_JOB as read, of whatever type a writer gave it."""
    clearsessions = units.service(units.CLEARSESSIONS, project)
    if event in CLEARSESSIONS_RESULT:
        return (clearsessions,)
    if not isinstance(job, str) or not job:
        return ()
    mine = (units.job_service(project, job),)
    # clearsessions' own job.skipped (and its unclaimed failure) name it as a job
    return (*mine, clearsessions) if job == units.CLEARSESSIONS else mine


def clean(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with MESSAGE as printable text (it reaches terminals and mail)."""
    message = entry.get("MESSAGE", "")
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return {**entry, "MESSAGE": printable(message, newlines=False)}


def logged_by_root(text: str) -> str:
    """`text`, which root's post step logs as this run's result (the relay's
    own copy on stdout would repeat it in the unit's journal)."""
    global _last_message
    _last_message = text
    return text


def already_logged(text: str, stream: Any = None) -> bool:
    """True when `stream` (stdout) is the journal and `text` was just sent as
    an event: a unit's output would otherwise log the same line twice."""
    import os

    journal_stream = os.environ.get("JOURNAL_STREAM", "")
    try:
        st = os.fstat((stream or sys.stdout).fileno())
    except (OSError, ValueError):
        return False
    return journal_stream == f"{st.st_dev}:{st.st_ino}" and text == _last_message


def recent(
    project: str, max_priority: int, seconds: float, jobs: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The project's entries at `max_priority` or worse of the last `seconds`
    (of root, and of the units whose own events count: the reload's
    validation, and the skips of clearsessions and `jobs`)."""
    import time

    from systemd import journal

    reader = journal.Reader()
    try:
        match_project(reader, project, jobs)
        reader.add_conjunction()
        reader.log_level(max_priority)
        reader.seek_realtime(time.time() - seconds)
        out = []
        for entry in reader:
            if trusted(entry, project):
                out.append(clean(entry))
            if len(out) >= SCAN_LIMIT:
                break
        return out
    finally:
        reader.close()


def count_since(project: str, event: str, job: str, since: float) -> int:
    """How often `event` of `job` was logged since `since` (epoch seconds)."""
    from systemd import journal

    reader = journal.Reader()
    try:
        if not match_trusted(reader, project, [(event, job)]):
            return 0
        reader.seek_realtime(since)
        return sum(1 for e in reader if trusted(e, project))
    finally:
        reader.close()
