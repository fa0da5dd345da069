"""A run under way as `djops status` shows it: "running since 05:21 (12 s)".

Read from the unit's state in the screen's one bulk systemctl run (no
process per job). The run began when its unit left "inactive": that covers
ExecCondition= and the claim before the command starts, and a oneshot,
which never enters "active" before its run ends.
"""

import time
from datetime import datetime

from djops.text import span

# what status asks of each run's service, beside its own PROPS
PROPS = ("ActiveState", "InactiveExitTimestampMonotonic")
BUSY = ("activating", "active", "deactivating", "reloading")


def since(unit: dict[str, str]) -> str:
    """'running since HH:MM (N s)' while `unit` (its PROPS) runs, else ''."""
    start = unit.get("InactiveExitTimestampMonotonic", "")
    if unit.get("ActiveState") not in BUSY or not start.isdigit() or start == "0":
        return ""
    # systemd's monotonic clock is CLOCK_MONOTONIC, as time.monotonic()
    took = max(time.monotonic() - int(start) / 1e6, 0.0)
    at = datetime.fromtimestamp(time.time() - took)
    return f"running since {at:%H:%M} ({span(took)})"
