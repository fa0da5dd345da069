"""Unit properties asked of PID 1 over D-Bus, one property at a time: the
health daemon's rounds read the same few properties of every unit each
minute, and `djops status P` those of every job. `systemctl show -p ...`
makes PID 1 serialise every property of every interface of each unit
(GetAll) and filters afterwards: ~1.5 ms of PID 1 per unit, 121 ms for 80
units against 13 ms for the same answers by Get (bench/RESULTS.md, scale
notes), 5 s for a screen of 1,000 jobs against 0.5 s. Root talks to PID 1 on
its private socket, as systemctl does: no dbus-daemon needed, none loaded.

The answers are shaped as `systemctl show` prints them (djops.systemd.bulk's
contract; e2e test_40 compares them for every djops unit of a host), so a
caller cannot tell the two apart."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from djops import paths
from djops.systemd import show_text
from djops.systemd.read_memory import STATE_BOUND, Memory, recall

SYSTEMD = "org.freedesktop.systemd1"
PROPERTIES = "org.freedesktop.DBus.Properties"
UNIT = f"{SYSTEMD}.Unit"
MANAGER, MANAGER_PATH = f"{SYSTEMD}.Manager", "/org/freedesktop/systemd1"
PEER = None  # the destination on a peer connection to PID 1: no bus name to address
PING_IFACE = "org.freedesktop.DBus.Peer"
# the interface of each property a unit's type adds; the rest are Unit's
BY_TYPE = {
    "service": (
        "Service",
        {
            "ExecMainStartTimestampMonotonic",
            "ExecMainExitTimestampMonotonic",
            "ExecMainStatus",
            "StatusText",
            "MainPID",
            "Result",
            "NRestarts",
        },
    ),
    "timer": ("Timer", {"LastTriggerUSec", "NextElapseUSecRealtime", "Result"}),
    "socket": ("Socket", {"Result"}),
    "path": ("Path", {"Result"}),
}
TYPED = {p for _, props in BY_TYPE.values() for p in props}
# seconds for one answer; always given: python3-dbus's default (-1) made
# calls on the private socket fail at once with NoReply
TIMEOUT = 10.0


def _own(unit: str) -> str:
    """The interface of the unit's type (Service, Timer, ...), asked when
    Unit lacks a property BY_TYPE does not know of."""
    kind = unit.rpartition(".")[2]
    return f"{SYSTEMD}.{kind[:1].upper()}{kind[1:]}" if kind else UNIT


def interface(unit: str, prop: str) -> str:
    kind, props = BY_TYPE.get(unit.rpartition(".")[2], ("", set()))
    return f"{SYSTEMD}.{kind}" if prop in props else UNIT


lock = threading.Lock()  # one read at a time: the rounds' threads share it


def connect() -> Any | None:
    """A connection to PID 1's private socket for one read, or None (python3-dbus
    missing, not root, no systemd): then systemctl answers. Never kept: PID 1
    sends its signals to every private connection, and one nobody reads piles
    them up (60 MiB and 16% of a core in 5 min at 20 projects). PID 1 drops a
    new connection's first message (python3-dbus without a main loop, systemd
    257 of Debian 13): a ping that wants no answer goes first, sacrificed,
    where waiting for a lost answer cost each read 0.5 s. The second ping
    waits as long as any answer: PID 1 busy with a daemon-reload answers
    late, and giving up after 2 s sent the round to `systemctl show`, which
    costs PID 1 ten times the CPU for the same answers (bench-scale)."""
    try:
        import dbus.connection
        import dbus.lowlevel
    except ImportError:
        return None
    try:
        conn = dbus.connection.Connection(f"unix:path={paths.systemd_private_socket()}")
    except Exception:  # dbus.DBusException: no such socket, refused
        return None
    try:
        first = dbus.lowlevel.MethodCallMessage(PEER, MANAGER_PATH, PING_IFACE, "Ping")
        first.set_no_reply(True)
        conn.send_message(first)
        conn.call_blocking(PEER, MANAGER_PATH, PING_IFACE, "Ping", "", (), timeout=TIMEOUT)
    except Exception:  # dbus.DBusException: no answer
        conn.close()
        return None
    return conn


def show(
    conn: Any, asks: dict[str, Sequence[str]], utc: bool = True, memory: Memory | None = None
) -> dict[str, dict[str, str]]:
    """{unit: {prop: value}} for each unit's own props; a property the unit
    lacks is left out (as systemctl leaves it out). A unit PID 1 does not
    hold (never started, or collected since its last run) answers with what
    a fresh load would say, without loading it: asking made PID 1 read every
    idle job's unit file and drop-ins again each round. One call says which
    units PID 1 holds and their states: ListUnitsByPatterns of their names,
    or past MANY units ListUnits (a screen of 1,000 jobs: 2,000 GetUnit
    calls saved). A failure of the connection raises."""
    held = _listed(conn) if len(asks) > MANY else _listed_by_name(conn, list(asks))
    if memory is not None and (loaded := _units_loaded(conn)) != memory.loaded:
        # a reload keeps each unit's runtime state (its runs' stamps and ids)
        # but may move a timer's next elapse: only timers are asked afresh
        # (100 enables at once each reloaded, and each read after one asked
        # all 2,200 units of 100 projects again)
        kept = {u: v for u, v in memory.units.items() if not u.endswith(".timer")}
        memory.loaded, memory.units = loaded, kept if memory.loaded else {}
    out: dict[str, dict[str, str]] = {}
    for unit, props in asks.items():
        known = held.get(unit) if held is not None else _get_unit(conn, unit)
        if known is None:
            out[unit] = {"Id": unit, **{p: show_text.unloaded(p) for p in props if _has(unit, p)}}
            if "UnitFileState" in props:  # from its file alone: systemctl would load it
                out[unit]["UnitFileState"] = _file_state(conn, unit)
            continue
        path, states = known
        got = {p: states[p] for p in props if p in states}
        rest = [p for p in props if p not in states]
        if memory is not None and memory.loaded:
            got.update(
                recall(
                    memory,
                    unit,
                    known,
                    [p for p in rest if p in STATE_BOUND],
                    lambda props, u=unit, at=path: _asked(conn, u, at, props, utc),
                    lambda prop, u=unit: _has(u, prop),
                    utc,
                )
            )
            rest = [p for p in rest if p not in STATE_BOUND]
        out[unit] = {"Id": unit, **got, **_asked(conn, unit, path, rest, utc)}
    return out


def _units_loaded(conn: Any) -> str:
    """When PID 1 last loaded its units (boot or daemon-reload); "" when it
    cannot say (then nothing is remembered)."""
    import dbus

    try:
        value = conn.call_blocking(
            PEER, MANAGER_PATH, PROPERTIES, "Get", "ss",
            (MANAGER, "UnitsLoadTimestampMonotonic"), timeout=TIMEOUT,
        )  # fmt: skip
    except dbus.DBusException as e:
        if any(k in (e.get_dbus_name() or "") for k in ("Unknown", "InvalidArgs")):
            return ""
        raise
    return str(int(value))


MANY = 64  # units of one read past which ListUnits beats matching their names
State = tuple[str, dict[str, str]]  # a held unit's object path, and the states known


def _get_unit(conn: Any, unit: str) -> State | None:
    import dbus

    try:
        path = conn.call_blocking(
            PEER, MANAGER_PATH, MANAGER, "GetUnit", "s", (unit,), timeout=TIMEOUT
        )
    except dbus.DBusException as e:
        if not (e.get_dbus_name() or "").endswith("NoSuchUnit"):
            raise
        return None
    return str(path), {}


def _file_state(conn: Any, unit: str) -> str:
    import dbus

    try:
        return str(
            conn.call_blocking(
                PEER, MANAGER_PATH, MANAGER, "GetUnitFileState", "s", (unit,), timeout=TIMEOUT
            )
        )
    except dbus.DBusException:  # no such file
        return ""


def _listed(conn: Any) -> dict[str, State]:
    """Every unit PID 1 holds: its path and its load, active and sub states."""
    rows = conn.call_blocking(PEER, MANAGER_PATH, MANAGER, "ListUnits", "", (), timeout=TIMEOUT)
    return _rows(rows)


def _rows(rows: Any) -> dict[str, State]:
    return {
        str(r[0]): (
            str(r[6]),
            {"LoadState": str(r[2]), "ActiveState": str(r[3]), "SubState": str(r[4])},
        )
        for r in rows
    }


def _listed_by_name(conn: Any, names: list[str]) -> dict[str, State] | None:
    """The held units among `names` and their states, in one call (a
    round's 24 units: one question where a GetUnit each, and ActiveState
    and SubState each, made 72); None: PID 1 lacks the call."""
    import dbus

    glob = str.maketrans({c: f"\\{c}" for c in "\\*?["})  # names, not patterns
    try:
        rows = conn.call_blocking(
            PEER, MANAGER_PATH, MANAGER, "ListUnitsByPatterns", "asas",
            ([], [n.translate(glob) for n in names]), timeout=TIMEOUT,
        )  # fmt: skip
    except dbus.DBusException as e:
        if "UnknownMethod" not in (e.get_dbus_name() or ""):
            raise
        return None
    return _rows(rows)


def _has(unit: str, prop: str) -> bool:
    """Whether systemctl prints `prop` for `unit`: Unit's, or its type's."""
    if prop == "Id":
        return False
    return prop not in TYPED or interface(unit, prop) != UNIT


def _asked(conn: Any, unit: str, path: str, props: Sequence[str], utc: bool) -> dict[str, str]:
    import dbus

    got: dict[str, str] = {}
    for prop in props:
        if not _has(unit, prop):  # Id, or another type's (a timer's ExecMain...)
            continue
        # a property BY_TYPE knows is asked once; another one of Unit, then of the type's
        tried = (interface(unit, prop),) if prop in TYPED else (UNIT, _own(unit))
        for iface in dict.fromkeys(tried):
            try:
                value = conn.call_blocking(
                    PEER, path, PROPERTIES, "Get", "ss", (iface, prop), timeout=TIMEOUT
                )
            except dbus.DBusException as e:
                if any(k in (e.get_dbus_name() or "") for k in ("Unknown", "InvalidArgs")):
                    continue  # not this interface's: its type's, or none (left out)
                raise
            got[prop] = show_text.shown(prop, value, utc)
            break
    return got
