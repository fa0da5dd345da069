"""The health daemon's unit reads over D-Bus answer exactly as `systemctl
show --timestamp=utc` does (compared against it in a booted Debian 13 for
every djops unit of the demo project), and fall back to systemctl when
PID 1 cannot be asked."""

import calendar
import re
import time

import dbus

from djops.systemd import bulk, dbus_state, read_memory, show_text, systemctl


def object_path(unit: str) -> str:
    """systemd's object path of a unit (every byte but [A-Za-z0-9] as _xx):
    where the fake PID 1 keeps it."""
    label = "".join(
        chr(b) if chr(b).isascii() and chr(b).isalnum() else f"_{b:02x}" for b in unit.encode()
    )
    return f"/org/freedesktop/systemd1/unit/{label}"


def test_values_are_shown_as_systemctl_prints_them():
    at = calendar.timegm((2026, 12, 3, 19, 0, 0))
    shown = show_text.shown("NextElapseUSecRealtime", dbus.UInt64(at * 1_000_000 + 5))
    assert shown == "Thu 2026-12-03 19:00:00 UTC"
    assert systemctl.utc_epoch(shown) == at
    assert show_text.shown("LastTriggerUSec", dbus.UInt64(0)) == ""
    assert show_text.shown("NextElapseUSecRealtime", dbus.UInt64(2**64 - 1)) == ""
    invocation = dbus.Array([dbus.Byte(b) for b in bytes.fromhex("84d9bca996f04fe9" * 2)])
    assert show_text.shown("InvocationID", invocation) == "84d9bca996f04fe9" * 2
    assert show_text.shown("InvocationID", dbus.Array([], signature="y")) == ""
    assert show_text.shown("ExecMainStartTimestampMonotonic", dbus.UInt64(65387541549)) == (
        "65387541549"
    )
    assert show_text.shown("ActiveState", dbus.String("active")) == "active"


def _unit_of(path: str) -> str:
    label = path.rsplit("/", 1)[1]
    return re.sub(r"_([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), label)


class Pid1:
    """PID 1 answering GetUnit for the units it holds, and Get; a property a
    unit's type lacks is an error reply."""

    def __init__(self, values: dict[tuple[str, str], object], names=()) -> None:
        self.values, self.asked, self.methods = values, [], []
        self.names = {object_path(n): n for n in names}

    def call_blocking(self, dest, path, iface, method, sig, args, timeout=None):
        self.methods.append(method)
        if method == "ListUnitsByPatterns":  # the names, as fnmatch patterns
            _states, patterns = args
            names = {p.replace("\\", "") for p in patterns}
            every = self.call_blocking(dest, path, iface, "ListUnits", "", ())
            self.methods.pop()
            return [r for r in every if r[0] in names]
        if method == "ListUnits":  # (name, description, load, active, sub, following, path, ...)
            held = {}
            for (p, prop), value in self.values.items():
                held.setdefault(p, {})[prop] = value
            return [
                (
                    self.names.get(p) or _unit_of(p),
                    "",
                    "loaded",
                    v.get("ActiveState", "inactive"),
                    v.get("SubState", "x"),
                    "",
                    p,
                    0,
                    "",
                    "/",
                )
                for p, v in held.items()
            ]
        if method == "GetUnit":
            held = {p for p, _ in self.values}
            if object_path(args[0]) not in held:
                raise dbus.DBusException(name="org.freedesktop.systemd1.NoSuchUnit")
            return dbus.ObjectPath(object_path(args[0]))
        interface, prop = args
        self.asked.append((path.rsplit("/", 1)[1], interface.rsplit(".", 1)[1], prop))
        if (path, prop) not in self.values:
            raise dbus.DBusException(name="org.freedesktop.DBus.Error.UnknownProperty")
        return self.values[(path, prop)]


def test_each_property_is_asked_of_its_interface_and_missing_ones_are_left_out():
    svc, tmr = object_path("p.service"), object_path("p.timer")
    pid1 = Pid1(
        {
            (svc, "ActiveState"): dbus.String("failed"),
            (svc, "ExecMainExitTimestampMonotonic"): dbus.UInt64(7),
            (tmr, "ActiveState"): dbus.String("active"),
        }
    )
    props = ["ActiveState", "ExecMainExitTimestampMonotonic"]
    got = dbus_state.show(pid1, {"p.service": props, "p.timer": props})
    assert got == {
        "p.service": {
            "Id": "p.service",
            "ActiveState": "failed",
            "ExecMainExitTimestampMonotonic": "7",
        },
        "p.timer": {"Id": "p.timer", "ActiveState": "active"},
    }
    assert ("p_2eservice", "Service", "ExecMainExitTimestampMonotonic") in pid1.asked
    # which units PID 1 holds, and their states: one call for the round's units
    assert pid1.methods.count("ListUnitsByPatterns") == 1 and "GetUnit" not in pid1.methods
    assert not [a for a in pid1.asked if a[2] == "ActiveState"]
    # a service's own property is never asked of a timer: one call saved per
    # unit and property, 2,300 units a round at 100 projects
    assert not [a for a in pid1.asked if a[0] == "p_2etimer" and a[2].startswith("ExecMain")]


def test_a_unit_pid1_does_not_hold_is_answered_as_a_fresh_load_without_loading_it():
    pid1 = Pid1({})
    props = ["ActiveState", "SubState", "ExecMainStartTimestampMonotonic", "InvocationID"]
    props += ["LastTriggerUSec"]  # a timer's: systemctl prints none for a service
    got = dbus_state.show(pid1, {"djops-job@p:idle.service": props})
    assert got == {
        "djops-job@p:idle.service": {
            "Id": "djops-job@p:idle.service",
            "ActiveState": "inactive",
            "SubState": "dead",
            "ExecMainStartTimestampMonotonic": "0",
            "InvocationID": "",
        }
    }
    assert pid1.asked == [], "no property asked of a unit PID 1 would have to load"


def test_a_round_falls_back_to_systemctl_when_pid1_cannot_be_asked(monkeypatch):
    calls = []

    class Done:
        stdout = "Id=p.service\nActiveState=active\n"

    def fake_run(*args, **kw):
        calls.append(args)
        return Done()

    monkeypatch.setattr(systemctl, "run", fake_run)
    assert dbus_state.connect() is None, "no PID 1 socket under the test's root"
    assert bulk.show(["p.service"], ["ActiveState"], utc=True) == {
        "p.service": {"Id": "p.service", "ActiveState": "active"}
    }
    assert calls and calls[0][0] == "show"

    class Gone(Pid1):
        def call_blocking(self, *a, **k):
            raise dbus.DBusException(name="org.freedesktop.DBus.Error.NoReply")

        def close(self):
            closed.append(self)

    closed = []
    monkeypatch.setattr(dbus_state, "connect", lambda: Gone({}))
    assert (
        bulk.show(["p.service"], ["ActiveState"], utc=True)["p.service"]["ActiveState"] == "active"
    )
    assert closed, "a read's connection is closed: PID 1's signals never pile up in it"


def test_a_screen_asks_pid1_too_and_shows_the_hosts_zone(monkeypatch):
    at = 1_800_000_000
    tmr = object_path("p.timer")
    pid1 = Pid1({(tmr, "NextElapseUSecRealtime"): dbus.UInt64(at * 1_000_000)})
    pid1.close = lambda: None
    monkeypatch.setattr(dbus_state, "connect", lambda: pid1)
    monkeypatch.setenv("TZ", "Europe/Vienna")
    time.tzset()
    try:
        got = bulk.show(["p.timer"], ["NextElapseUSecRealtime"])["p.timer"]
        assert got["NextElapseUSecRealtime"] == time.strftime(
            "%a %Y-%m-%d %H:%M:%S CET", time.localtime(at)
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_past_many_units_one_listunits_answers_which_are_held_and_their_states():
    """A screen of 1,000 jobs: no GetUnit per unit, and the states PID 1
    listed are not asked again; an idle job's service is still not loaded."""
    names = [f"djops-job@p:j{i}.timer" for i in range(dbus_state.MANY + 1)]
    values = {(object_path(n), "NextElapseUSecRealtime"): dbus.UInt64(0) for n in names}
    values.update({(object_path(n), "ActiveState"): "active" for n in names})
    pid1 = Pid1(values, names)
    asks = {n: ("ActiveState", "NextElapseUSecRealtime") for n in names}
    asks["djops-job@p:j0.service"] = ("ActiveState", "InactiveExitTimestampMonotonic")
    got = dbus_state.show(pid1, asks)
    assert got[names[3]] == {"Id": names[3], "ActiveState": "active", "NextElapseUSecRealtime": ""}
    assert got["djops-job@p:j0.service"]["ActiveState"] == "inactive"
    assert pid1.methods.count("ListUnits") == 1 and "GetUnit" not in pid1.methods
    assert [p for _, _, p in pid1.asked] == ["NextElapseUSecRealtime"] * len(names)


def test_a_timers_result_is_a_word_not_a_date():
    assert show_text.shown("Result", dbus.String("success")) == "success"


def test_a_daemons_memory_asks_an_unchanged_unit_only_its_state_stamp(monkeypatch):
    """Between rounds a timer that did not trigger is asked one stamp, not
    its three properties; a trigger (the stamp moves) or a daemon-reload
    (PID 1's load stamp moves, a next elapse may too) asks them again."""
    tmr = object_path("p.timer")
    manager = dbus_state.MANAGER_PATH
    pid1 = Pid1(
        {
            (tmr, "ActiveState"): dbus.String("active"),
            (tmr, "StateChangeTimestampMonotonic"): dbus.UInt64(100),
            (tmr, "LastTriggerUSec"): dbus.UInt64(0),
            # elapsed: a timer before its next elapse is not even asked its stamp (below)
            (tmr, "NextElapseUSecRealtime"): dbus.UInt64(1_000_000_000_000_000),
            (tmr, "ActiveEnterTimestampMonotonic"): dbus.UInt64(5),
        },
        ["p.timer"],
    )
    pid1.values[(manager, "UnitsLoadTimestampMonotonic")] = dbus.UInt64(1)
    props = ("ActiveState", "LastTriggerUSec", "NextElapseUSecRealtime")
    props += ("ActiveEnterTimestampMonotonic",)
    memory = dbus_state.Memory()

    def read() -> tuple[dict, list[str]]:
        pid1.asked.clear()
        got = dbus_state.show(pid1, {"p.timer": props}, memory=memory)["p.timer"]
        return got, [p for unit, _, p in pid1.asked if unit == "p_2etimer"]

    first, asked = read()
    assert first["NextElapseUSecRealtime"] == "Sun 2001-09-09 01:46:40 UTC"
    assert sorted(asked) == sorted(["StateChangeTimestampMonotonic", *props[1:]])
    again, asked = read()
    assert again == first and asked == ["StateChangeTimestampMonotonic"]

    pid1.values[(tmr, "StateChangeTimestampMonotonic")] = dbus.UInt64(200)  # it triggered
    pid1.values[(tmr, "LastTriggerUSec")] = dbus.UInt64(1_700_000_000_000_000)
    triggered, asked = read()
    assert triggered["LastTriggerUSec"] == "Tue 2023-11-14 22:13:20 UTC" and len(asked) == 4

    pid1.values[(manager, "UnitsLoadTimestampMonotonic")] = dbus.UInt64(2)  # daemon-reload
    pid1.values[(tmr, "NextElapseUSecRealtime")] = dbus.UInt64(1_900_000_000_000_000)
    reloaded, asked = read()
    assert reloaded["NextElapseUSecRealtime"] == "Sun 2030-03-17 17:46:40 UTC" and len(asked) == 4
    memory.units["p.service"] = ("/kept", "1", time.monotonic(), {}, "active/running")
    pid1.values[(manager, "UnitsLoadTimestampMonotonic")] = dbus.UInt64(3)
    read()
    assert "p.service" in memory.units, "a reload keeps a service's runs: only timers go"

    monkeypatch.setattr(read_memory, "KEPT_SECONDS", 0.0)  # too old, whatever the stamps
    _, asked = read()
    assert len(asked) == 4

    del pid1.values[(manager, "UnitsLoadTimestampMonotonic")]  # a PID 1 that cannot say
    monkeypatch.setattr(read_memory, "KEPT_SECONDS", 300.0)
    read()
    _, asked = read()
    assert "StateChangeTimestampMonotonic" not in asked and len(asked) == 3, "nothing kept"


def test_a_timer_before_its_next_elapse_is_not_asked_even_its_stamp():
    """1,000 timers of a day's schedule: between their elapses nothing but
    their listed state (a start, a stop, a run under way) or a reload moves
    them; asking each its stamp every minute was a quarter of the idle CPU."""
    tmr, ahead = object_path("p.timer"), int((time.time() + 3600) * 1_000_000)
    pid1 = Pid1(
        {
            (tmr, "ActiveState"): dbus.String("active"),
            (tmr, "SubState"): dbus.String("waiting"),
            (tmr, "StateChangeTimestampMonotonic"): dbus.UInt64(100),
            (tmr, "LastTriggerUSec"): dbus.UInt64(0),
            (tmr, "NextElapseUSecRealtime"): dbus.UInt64(ahead),
        },
        ["p.timer"],
    )
    pid1.values[(dbus_state.MANAGER_PATH, "UnitsLoadTimestampMonotonic")] = dbus.UInt64(1)
    props, memory = (
        ("ActiveState", "LastTriggerUSec", "NextElapseUSecRealtime"),
        dbus_state.Memory(),
    )

    def asked() -> list[str]:
        pid1.asked.clear()
        dbus_state.show(pid1, {"p.timer": props}, memory=memory)
        return [p for unit, _, p in pid1.asked if unit == "p_2etimer"]

    assert len(asked()) == 3, "the first read asks"
    assert asked() == [], "listed as before, its next elapse ahead: nothing asked"
    pid1.values[(tmr, "SubState")] = dbus.String("running")  # its service runs now
    assert asked() == ["StateChangeTimestampMonotonic"], "listed otherwise: the stamp decides"
    assert asked() == []
    pid1.values[(tmr, "SubState")] = dbus.String("waiting")
    pid1.values[(tmr, "StateChangeTimestampMonotonic")] = dbus.UInt64(200)
    assert len(asked()) == 3, "it ran: the stamp, then its two properties"
    pid1.values[(tmr, "NextElapseUSecRealtime")] = dbus.UInt64(int((time.time() - 5) * 1e6))
    memory.units["p.timer"] = (*memory.units["p.timer"][:3], {**memory.units["p.timer"][3],
        "NextElapseUSecRealtime": show_text.shown("NextElapseUSecRealtime", dbus.UInt64(int((time.time() - 5) * 1e6)))},
        memory.units["p.timer"][4])  # fmt: skip
    assert asked() == ["StateChangeTimestampMonotonic"], "due: the stamp says whether it ran"


def test_a_path_units_result_is_asked_of_its_own_interface():
    """The health round asks Result of every non-timer unit it reads; a .path
    unit answered none over D-Bus where systemctl says success (e2e test_40)."""
    assert dbus_state.interface("djops-ping.path", "Result") == "org.freedesktop.systemd1.Path"
    assert dbus_state.interface("demo.service", "ExecMainStatus").endswith(".Service")
