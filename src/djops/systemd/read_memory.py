"""What a daemon's unit reads keep between rounds (djops.systemd.dbus_state):
the health daemon reads the same few properties of 2,200 units each minute,
and most of them did not move since. Each is asked again only when the
unit's state stamp, its listed state or PID 1's load stamp says it may have."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# what moves only when the unit's state does (a run, a trigger) or PID 1
# reloads: a long-lived reader asks a held unit for them again only then
STATE_BOUND = {
    "ExecMainStartTimestampMonotonic",
    "ExecMainExitTimestampMonotonic",
    "ExecMainStatus",
    "Result",
    "InvocationID",
    "ActiveEnterTimestampMonotonic",
    "LastTriggerUSec",
    "NextElapseUSecRealtime",
}
KEPT_SECONDS = 900.0  # at most this old, whatever the stamps say (a clock set, a zone)


@dataclass
class Memory:
    """The STATE_BOUND answers a daemon's rounds read last, per unit, with
    the unit's StateChangeTimestampMonotonic then (it moves with every run
    and every trigger of a timer, though ListUnits shows "waiting" both
    times) and PID 1's UnitsLoadTimestampMonotonic (it moves with every
    daemon-reload, which may move a timer's next elapse: timers are then
    asked again). One Get of the stamp replaces three per unit and round
    (bench-scale)."""

    loaded: str = ""
    # unit -> (object path, state stamp, when kept, answers, listed state)
    units: dict[str, tuple[str, str, float, dict[str, str], str]] = field(default_factory=dict)


def recall(
    memory: Memory,
    unit: str,
    known: tuple[str, dict[str, str]],
    props: list[str],
    ask: Callable[[list[str]], dict[str, str]],
    has: Callable[[str], bool],
    utc: bool,
) -> dict[str, str]:
    """`props` (all STATE_BOUND) from memory while the unit's state stamp
    holds, else asked and kept. The stamp is read first: a change after it
    only makes the next round ask again. A timer listed as it was, before
    its remembered next elapse, is not asked even the stamp: only its
    elapse, a start or stop (listed), or a reload (memory.loaded) moves it."""
    if not props:
        return {}
    (path, states), now = known, time.monotonic()
    listed = f"{states.get('ActiveState', '')}/{states.get('SubState', '')}"
    kept = memory.units.get(unit)
    fresh = bool(kept) and kept[0] == path and now - kept[2] < KEPT_SECONDS
    whole = fresh and all(p in kept[3] or not has(p) for p in props)
    if whole and unit.endswith(".timer") and kept[4] == listed and _ahead(kept[3], utc):
        return {p: kept[3][p] for p in props if p in kept[3]}
    stamp = ask(["StateChangeTimestampMonotonic"]).get("StateChangeTimestampMonotonic", "")
    if whole and kept[1] == stamp:
        memory.units[unit] = (*kept[:4], listed)
        return {p: kept[3][p] for p in props if p in kept[3]}
    got = ask(props)
    memory.units[unit] = (path, stamp, now, got, listed) if stamp else (path, "", 0.0, {}, "")
    return got


def _ahead(kept: dict[str, str], utc: bool) -> bool:
    """The kept next elapse is still to come (with a second to spare)."""
    from djops.systemd.systemctl import utc_epoch

    due = utc_epoch(kept.get("NextElapseUSecRealtime", "")) if utc else None
    return due is not None and due > time.time() + 1
