"""One run's lines, as `journalctl _SYSTEMD_INVOCATION_ID=...` shows them:
what a failure mail, a job's output mail and a ping's body quote.

Both halves of the query are fields journald sets, so journald drops a
look-alike before the read budget (SCAN_LIMIT) is spent on it: the unit's
own output by `_SYSTEMD_INVOCATION_ID=` (from the run's cgroup), and PID 1's
lines about the run (Started, exited, Failed) by `INVOCATION_ID=` together
with `_PID=1 _UID=0`. `INVOCATION_ID=` alone is a field anyone can log, and
anyone can read a run's id (`systemctl show -p InvocationID`).
"""

from djops.systemd.journal import SCAN_LIMIT, clean
from djops.text import printable


def invocation_lines(invocation: str, limit: int) -> list[str]:
    """The last `limit` lines of one run of a unit, as `journalctl` shows them."""
    from systemd import journal

    reader = journal.Reader()
    try:
        reader.add_match(_SYSTEMD_INVOCATION_ID=invocation)
        reader.add_disjunction()
        # systemd's own lines about the run: PID 1's, as journald saw the sender
        reader.add_match(INVOCATION_ID=invocation, _PID="1", _UID="0")
        reader.seek_tail()
        lines: list[str] = []
        for _ in range(SCAN_LIMIT):
            if len(lines) >= limit or not (e := reader.get_previous()):
                break
            # journald matched it already: defence in depth
            if e.get("_SYSTEMD_INVOCATION_ID") != invocation and not _pid1(e):
                continue
            e = clean(e)
            stamp = e["__REALTIME_TIMESTAMP"].astimezone().strftime("%b %d %H:%M:%S")
            who = printable(e.get("SYSLOG_IDENTIFIER", e.get("_COMM", "?")), newlines=False)
            pid = printable(e.get("_PID", e.get("SYSLOG_PID", "")), newlines=False)
            lines.append(f"{stamp} {who}[{pid}]: {e['MESSAGE']}")
        return lines[::-1]
    finally:
        reader.close()


def _pid1(entry: dict) -> bool:
    return str(entry.get("_PID")) == "1" and str(entry.get("_UID")) == "0"
