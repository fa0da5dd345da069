"""The health daemon on a booted Debian (results: bench/RESULTS.md, "health").

1. Idle footprint with every check on (service, http, disk, mailqueue,
   clearsessions) at the default 60 s interval: RSS and CPU per hour.
2. At the default settings (interval 60 s, alert_after 3), the time from the
   site going down to the alert mail leaving sendmail (dma accepting it) and
   reaching the smarthost (the SMTP sink).
Run: make bench-daemons (boots a container; takes about 8 minutes).
"""

import sys
import time
from datetime import date

from container import clock, idle_footprint, journal_time, machine
from results import write_section

IDLE_SECONDS = 300


def main() -> int:
    m = machine("djops-bench-health")
    try:
        m.put("/etc/djops/demo.toml", '[health]\nurl = "http://127.0.0.1:8000/"\n')
        m.sh("djops enable demo >/dev/null")
        time.sleep(5)
        cpu_hour, rss = idle_footprint(m, "djops-health@demo.service", IDLE_SECONDS)
        down = clock(m)
        m.sh("systemctl kill --signal=KILL demo.service")
        alert = None
        for _ in range(400):
            found = m.journal(f"--since=@{down:.6f}", "DJOPS_EVENT=health.alert")
            if found:
                alert = found[0]
                break
            time.sleep(1)
        assert alert, "no health.alert within 400 s"
        accepted = next(
            e
            for e in m.journal(f"--since=@{journal_time(alert):.6f}", "SYSLOG_IDENTIFIER=dma")
            if "new mail from" in str(e.get("MESSAGE", ""))
        )
        delivered = next(
            e
            for e in m.journal(f"--since=@{journal_time(alert):.6f}", "SYSLOG_IDENTIFIER=dma")
            if "delivery successful" in str(e.get("MESSAGE", ""))
        )
        cores = m.sh("nproc").stdout.strip()
    finally:
        m.destroy()
    body = f"""Measured {date.today()} in a booted Debian 13 container ({cores} cores), defaults
(interval 60 s, warn_after 1, alert_after 3) plus `url`, so all five checks run.

| figure | measured | target |
| --- | --- | --- |
| idle RSS of djops-health | {rss / 1024:.1f} MB | < 30 MB |
| idle CPU per hour (over {IDLE_SECONDS} s) | {cpu_hour:.2f} s | < 2 s |
| site down -> health.alert logged | {journal_time(alert) - down:.0f} s | |
| site down -> alert mail accepted by sendmail (dma) | {journal_time(accepted) - down:.0f} s | |
| site down -> alert mail at the smarthost | {journal_time(delivered) - down:.0f} s | |

The alert comes on the third failed round in a row: between 2 and 3
intervals after the site goes down, by design (`alert_after`); a shorter
`interval_seconds` shortens it proportionally."""
    write_section("health", body)
    print(body)
    return 0


if __name__ == "__main__":
    import results

    sys.exit(results.entry(main, __doc__))
