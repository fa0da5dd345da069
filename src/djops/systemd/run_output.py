"""One run's lines, as `journalctl _SYSTEMD_INVOCATION_ID=...` shows them:
what a failure mail, a job's output mail and a ping's body quote."""

from djops.systemd.journal import SCAN_LIMIT, clean
from djops.text import printable


def invocation_lines(invocation: str, limit: int) -> list[str]:
    """The last `limit` lines of one run of a unit, as `journalctl` shows them."""
    from systemd import journal

    reader = journal.Reader()
    try:
        reader.add_match(_SYSTEMD_INVOCATION_ID=invocation)
        reader.add_disjunction()
        reader.add_match(INVOCATION_ID=invocation)  # systemd's own lines about the unit
        reader.seek_tail()
        lines: list[str] = []
        for _ in range(SCAN_LIMIT):
            if len(lines) >= limit or not (e := reader.get_previous()):
                break
            # INVOCATION_ID is a field anyone can log; systemd's own lines are PID 1's
            if e.get("_SYSTEMD_INVOCATION_ID") != invocation and str(e.get("_PID")) != "1":
                continue
            e = clean(e)
            stamp = e["__REALTIME_TIMESTAMP"].astimezone().strftime("%b %d %H:%M:%S")
            who = printable(e.get("SYSLOG_IDENTIFIER", e.get("_COMM", "?")), newlines=False)
            pid = printable(e.get("_PID", e.get("SYSLOG_PID", "")), newlines=False)
            lines.append(f"{stamp} {who}[{pid}]: {e['MESSAGE']}")
        return lines[::-1]
    finally:
        reader.close()
