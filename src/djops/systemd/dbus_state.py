"""Unit properties asked of PID 1 over D-Bus, one property at a time: the
health daemon's rounds read the same few properties of every unit each
minute. `systemctl show -p ...` makes PID 1 serialise every property of
every interface of each unit (GetAll) and filters afterwards: ~1.5 ms of
PID 1 per unit, 121 ms for 80 units, against 13 ms for the same answers
by Get (bench/RESULTS.md, scale notes). Root talks to PID 1 on its private
socket, as systemctl does: no dbus-daemon needed, none loaded.

The answers are shaped as `systemctl show --timestamp=utc` prints them
(djops.systemd.bulk's contract), so a caller cannot tell the two apart."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from djops import paths

SYSTEMD = "org.freedesktop.systemd1"
PROPERTIES = "org.freedesktop.DBus.Properties"
UNIT = f"{SYSTEMD}.Unit"
MANAGER, MANAGER_PATH = f"{SYSTEMD}.Manager", "/org/freedesktop/systemd1"
PEER = None  # the destination on a peer connection to PID 1: no bus name to address
# the interface of each property a unit's type adds; the rest are Unit's
BY_TYPE = {
    "service": ("Service", {"ExecMainStartTimestampMonotonic", "ExecMainExitTimestampMonotonic"}),
    "timer": ("Timer", {"LastTriggerUSec", "NextElapseUSecRealtime"}),
}
TYPED = {p for _, props in BY_TYPE.values() for p in props}
REALTIME = BY_TYPE["timer"][1]  # shown as a UTC date
NEVER = (0, 2**64 - 1)  # systemctl shows these as nothing
# seconds for one answer; always given: python3-dbus's default (-1) made
# calls on the private socket fail at once with NoReply
TIMEOUT = 10.0


def object_path(unit: str) -> str:
    """systemd's object path of a unit: every byte but [A-Za-z0-9] as _xx."""
    label = "".join(
        chr(b) if chr(b).isascii() and chr(b).isalnum() else f"_{b:02x}" for b in unit.encode()
    )
    return f"/org/freedesktop/systemd1/unit/{label}"


def interface(unit: str, prop: str) -> str:
    kind, props = BY_TYPE.get(unit.rpartition(".")[2], ("", set()))
    return f"{SYSTEMD}.{kind}" if prop in props else UNIT


def shown(prop: str, value: Any) -> str:
    """A value as `systemctl show --timestamp=utc` prints it."""
    if prop in REALTIME:
        usec = int(value)
        if usec in NEVER:
            return ""
        return time.strftime("%a %Y-%m-%d %H:%M:%S UTC", time.gmtime(usec // 1_000_000))
    if prop == "InvocationID":
        return bytes(int(b) for b in value).hex()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(int(value)) if isinstance(value, int) else str(value)


lock = threading.Lock()  # one read at a time: the rounds' threads share it


def connect() -> Any | None:
    """A connection to PID 1's private socket for one read, or None (python3-dbus
    missing, not root, no systemd): then systemctl answers. Never kept: PID 1
    sends its signals to every private connection, and one nobody reads piles
    them up (60 MiB and 16% of a core in 5 min at 20 projects). A new
    connection's first call can go unanswered (python3-dbus without a main
    loop), so it is pinged until one answers."""
    try:
        import dbus.connection
    except ImportError:
        return None
    try:
        conn = dbus.connection.Connection(f"unix:path={paths.systemd_private_socket()}")
    except Exception:  # dbus.DBusException: no such socket, refused
        return None
    for wait in (0.5, 2.0):  # the first may be lost; the second must answer
        try:
            conn.call_blocking(None, "/", "org.freedesktop.DBus.Peer", "Ping", "", (), timeout=wait)
        except Exception:
            continue
        return conn
    conn.close()
    return None


def show(conn: Any, units: Sequence[str], props: Sequence[str]) -> dict[str, dict[str, str]]:
    """{unit: {prop: value}}; a property the unit lacks is left out (as
    systemctl leaves it out). A unit PID 1 does not hold (never started, or
    collected since its last run) answers with what a fresh load would say,
    without loading it: asking made PID 1 read every idle job's unit file
    and drop-ins again each round. A failure of the connection raises."""
    import dbus

    out: dict[str, dict[str, str]] = {}
    for unit in units:
        try:
            path = conn.call_blocking(
                PEER, MANAGER_PATH, MANAGER, "GetUnit", "s", (unit,), timeout=TIMEOUT
            )
        except dbus.DBusException as e:
            if not (e.get_dbus_name() or "").endswith("NoSuchUnit"):
                raise
            out[unit] = {"Id": unit, **{p: unloaded(p) for p in props if _has(unit, p)}}
            continue
        out[unit] = {"Id": unit, **_asked(conn, unit, str(path), props)}
    return out


def _has(unit: str, prop: str) -> bool:
    """Whether systemctl prints `prop` for `unit`: Unit's, or its type's."""
    if prop == "Id":
        return False
    return prop not in TYPED or interface(unit, prop) != UNIT


def unloaded(prop: str) -> str:
    """A property of a unit PID 1 does not hold, as `systemctl show` prints it."""
    return {"ActiveState": "inactive", "SubState": "dead"}.get(
        prop, "0" if prop.endswith("Monotonic") else ""
    )


def _asked(conn: Any, unit: str, path: str, props: Sequence[str]) -> dict[str, str]:
    import dbus

    got: dict[str, str] = {}
    for prop in props:
        if prop == "Id":
            continue
        try:
            value = conn.call_blocking(
                PEER, path, PROPERTIES, "Get", "ss", (interface(unit, prop), prop), timeout=TIMEOUT
            )
        except dbus.DBusException as e:
            if any(k in (e.get_dbus_name() or "") for k in ("Unknown", "InvalidArgs")):
                continue  # a property its type does not have
            raise
        got[prop] = shown(prop, value)
    return got
