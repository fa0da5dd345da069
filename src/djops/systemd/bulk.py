"""Unit and timer state read in bulk: ONE `systemctl show` for any number
of units, so a screen or a round over a thousand jobs costs PID 1 one
answer, not a thousand forks (each ~20 ms of djops and PID 1 CPU).

The interface is the whole module: `show(units, props)` -> {unit: {prop:
value}}, every unit asked present (empty when systemd could not say), and
`show_each` when units want different props (a screen of 1,000 jobs asks
each timer its next time and each service its state, not all of both).
Root asks PID 1 over D-Bus (djops.systemd.dbus_state: `systemctl show`
makes PID 1 serialise every property of each unit, 5 s for 2,000 units);
without it (no python3-dbus, not root) systemctl answers."""

from collections.abc import Iterable, Sequence

from djops.errors import OperationError
from djops.systemd import dbus_state, systemctl

# units per systemctl run: far below the kernel's argument limits
CHUNK = 4000


def show(
    units: Iterable[str], props: Sequence[str], utc: bool = False, timeout: float = 30.0
) -> dict[str, dict[str, str]]:
    """{unit: {prop: value}} of `props` for each of `units`; a unit systemd
    does not know answers with its defaults (LoadState=not-found), one it
    could not be asked about with {}. `utc`: calendar timestamps in UTC, for
    `systemctl.utc_epoch` (a daemon's round); a screen shows the host's zone."""
    return show_each({u: props for u in units}, utc, timeout)


def show_each(
    asks: dict[str, Sequence[str]],
    utc: bool = False,
    timeout: float = 30.0,
    memory: dbus_state.Memory | None = None,
) -> dict[str, dict[str, str]]:
    """show() with each unit's own props. systemctl, when it answers, is
    asked all of them for every unit (one run per CHUNK units). `memory`:
    a daemon's, kept between its reads (dbus_state.Memory)."""
    out: dict[str, dict[str, str]] = {u: {} for u in asks}
    if (asked_pid1 := _over_dbus(asks, utc, memory)) is not None:
        return {**out, **asked_pid1}
    wanted = list(asks)
    every = dict.fromkeys(p for props in asks.values() for p in props)
    asked = ",".join(dict.fromkeys(["Id", *every]))
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        try:
            text = systemctl.run(
                "show", f"--property={asked}", "--", *chunk, check=False, utc=utc, timeout=timeout
            ).stdout
        except OperationError:
            continue
        out.update(_blocks(chunk, text))
    return out


def _over_dbus(
    asks: dict[str, Sequence[str]], utc: bool, memory: dbus_state.Memory | None = None
) -> dict[str, dict[str, str]] | None:
    """PID 1's answers over D-Bus; None: systemctl answers instead."""
    with dbus_state.lock:
        conn = dbus_state.connect()
        if conn is None:
            return None
        try:
            return dbus_state.show(conn, asks, utc, memory)
        except Exception:  # dbus.DBusException: PID 1 went away, a timeout
            return None
        finally:
            conn.close()


def _blocks(chunk: list[str], text: str) -> dict[str, dict[str, str]]:
    """systemctl prints one block per unit, in the order asked, blank lines
    between; Id= names each (an alias answers with its unit's Id, so the
    order decides when the counts agree)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current = {}
            continue
        key, sep, value = line.partition("=")
        if sep:
            current[key] = value
    if current:
        blocks.append(current)
    if len(blocks) == len(chunk):
        return dict(zip(chunk, blocks, strict=True))
    return {b["Id"]: b for b in blocks if b.get("Id") in chunk}
