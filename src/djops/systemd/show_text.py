"""A D-Bus value of a unit's property as `systemctl show` prints it, so a
reader over D-Bus (djops.systemd.dbus_state) answers exactly as systemctl
would (e2e test_40 compares the two for every djops unit of a host)."""

import time
from typing import Any

REALTIME = {"LastTriggerUSec", "NextElapseUSecRealtime"}  # shown as a date
NEVER = (0, 2**64 - 1)  # systemctl shows these as nothing


def shown(prop: str, value: Any, utc: bool = True) -> str:
    """A value as `systemctl show` prints it: with --timestamp=utc (`utc`,
    a daemon's round), or in the host's zone (a screen)."""
    if prop in REALTIME:
        usec = int(value)
        if usec in NEVER:
            return ""
        if utc:
            return time.strftime("%a %Y-%m-%d %H:%M:%S UTC", time.gmtime(usec // 1_000_000))
        return time.strftime("%a %Y-%m-%d %H:%M:%S %Z", time.localtime(usec // 1_000_000))
    if prop == "InvocationID":
        return bytes(int(b) for b in value).hex()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(int(value)) if isinstance(value, int) else str(value)


def unloaded(prop: str) -> str:
    """A property of a unit PID 1 does not hold, as `systemctl show` prints it."""
    return {"ActiveState": "inactive", "SubState": "dead", "Result": "success"}.get(
        prop, "0" if prop.endswith(("Monotonic", "ExecMainStatus")) else ""
    )
