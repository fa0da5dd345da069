"""The health daemon's unit reads over D-Bus answer exactly as `systemctl
show --timestamp=utc` does (compared against it in a booted Debian 13 for
every djops unit of the demo project), and fall back to systemctl when
PID 1 cannot be asked."""

import calendar

import dbus
import pytest

from djops.systemd import bulk, dbus_state, systemctl


def test_object_paths_escape_as_systemd_does():
    assert dbus_state.object_path("demo.service").endswith("/unit/demo_2eservice")
    assert dbus_state.object_path("djops-job@demo:j0.timer").endswith(
        "/unit/djops_2djob_40demo_3aj0_2etimer"
    )


def test_values_are_shown_as_systemctl_prints_them():
    at = calendar.timegm((2026, 12, 3, 19, 0, 0))
    shown = dbus_state.shown("NextElapseUSecRealtime", dbus.UInt64(at * 1_000_000 + 5))
    assert shown == "Thu 2026-12-03 19:00:00 UTC"
    assert systemctl.utc_epoch(shown) == at
    assert dbus_state.shown("LastTriggerUSec", dbus.UInt64(0)) == ""
    assert dbus_state.shown("NextElapseUSecRealtime", dbus.UInt64(2**64 - 1)) == ""
    invocation = dbus.Array([dbus.Byte(b) for b in bytes.fromhex("84d9bca996f04fe9" * 2)])
    assert dbus_state.shown("InvocationID", invocation) == "84d9bca996f04fe9" * 2
    assert dbus_state.shown("InvocationID", dbus.Array([], signature="y")) == ""
    assert dbus_state.shown("ExecMainStartTimestampMonotonic", dbus.UInt64(65387541549)) == (
        "65387541549"
    )
    assert dbus_state.shown("ActiveState", dbus.String("active")) == "active"


class Pid1:
    """PID 1 answering GetUnit for the units it holds, and Get; a property a
    unit's type lacks is an error reply."""

    def __init__(self, values: dict[tuple[str, str], object]) -> None:
        self.values, self.asked = values, []

    def call_blocking(self, dest, path, iface, method, sig, args, timeout=None):
        if method == "GetUnit":
            held = {p for p, _ in self.values}
            if dbus_state.object_path(args[0]) not in held:
                raise dbus.DBusException(name="org.freedesktop.systemd1.NoSuchUnit")
            return dbus.ObjectPath(dbus_state.object_path(args[0]))
        interface, prop = args
        self.asked.append((path.rsplit("/", 1)[1], interface.rsplit(".", 1)[1], prop))
        if (path, prop) not in self.values:
            raise dbus.DBusException(name="org.freedesktop.DBus.Error.UnknownProperty")
        return self.values[(path, prop)]


def test_each_property_is_asked_of_its_interface_and_missing_ones_are_left_out():
    svc, tmr = dbus_state.object_path("p.service"), dbus_state.object_path("p.timer")
    pid1 = Pid1(
        {
            (svc, "ActiveState"): dbus.String("failed"),
            (svc, "ExecMainExitTimestampMonotonic"): dbus.UInt64(7),
            (tmr, "ActiveState"): dbus.String("active"),
        }
    )
    got = dbus_state.show(
        pid1, ["p.service", "p.timer"], ["ActiveState", "ExecMainExitTimestampMonotonic"]
    )
    assert got == {
        "p.service": {
            "Id": "p.service",
            "ActiveState": "failed",
            "ExecMainExitTimestampMonotonic": "7",
        },
        "p.timer": {"Id": "p.timer", "ActiveState": "active"},
    }
    assert ("p_2eservice", "Service", "ExecMainExitTimestampMonotonic") in pid1.asked
    assert ("p_2etimer", "Unit", "ExecMainExitTimestampMonotonic") in pid1.asked


def test_a_unit_pid1_does_not_hold_is_answered_as_a_fresh_load_without_loading_it():
    pid1 = Pid1({})
    props = ["ActiveState", "SubState", "ExecMainStartTimestampMonotonic", "InvocationID"]
    props += ["LastTriggerUSec"]  # a timer's: systemctl prints none for a service
    got = dbus_state.show(pid1, ["djops-job@p:idle.service"], props)
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


@pytest.mark.parametrize("utc", [False])
def test_a_screen_asks_systemctl(monkeypatch, utc):
    monkeypatch.setattr(dbus_state, "connect", lambda: pytest.fail("a screen never uses D-Bus"))

    class Done:
        stdout = "Id=p.service\nActiveState=active\n"

    monkeypatch.setattr(systemctl, "run", lambda *a, **k: Done())
    assert (
        bulk.show(["p.service"], ["ActiveState"], utc=utc)["p.service"]["ActiveState"] == "active"
    )
