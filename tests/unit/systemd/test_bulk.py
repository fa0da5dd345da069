"""Unit state in bulk: one `systemctl show` for any number of units (faked
here: unit tests never run systemctl)."""

import subprocess

from djops.errors import OperationError
from djops.systemd import bulk


def _fake(monkeypatch, answer):
    calls: list[tuple] = []

    def run(*args, check=True, timeout=None, utc=False):
        calls.append(args)
        return subprocess.CompletedProcess(args, 0, answer(args), "")

    monkeypatch.setattr(bulk.systemctl, "run", run)
    return calls


def test_one_run_for_many_units_each_block_in_the_order_asked(monkeypatch):
    units = [f"djops-job@p:j{i}.timer" for i in range(1000)]

    def answer(args):
        return "\n".join(
            f"Id={u}\nNextElapseUSecRealtime=Thu 2026-12-03 0{i % 10}:00:00 UTC\nStatusText=\n"
            for i, u in enumerate(args[3:])
        )

    calls = _fake(monkeypatch, answer)
    got = bulk.show(units, ["NextElapseUSecRealtime", "StatusText"])
    assert len(calls) == 1
    assert calls[0][:3] == ("show", "--property=Id,NextElapseUSecRealtime,StatusText", "--")
    assert got["djops-job@p:j13.timer"] == {
        "Id": "djops-job@p:j13.timer",
        "NextElapseUSecRealtime": "Thu 2026-12-03 03:00:00 UTC",
        "StatusText": "",
    }


def test_blocks_are_matched_by_id_when_systemd_leaves_one_out(monkeypatch):
    _fake(monkeypatch, lambda args: "Id=b.service\nActiveState=active\n")
    got = bulk.show(["a.service", "b.service"], ["ActiveState"])
    assert got == {"a.service": {}, "b.service": {"Id": "b.service", "ActiveState": "active"}}


def test_a_systemd_that_does_not_answer_leaves_every_unit_empty(monkeypatch):
    def run(*args, **kw):
        raise OperationError("systemctl show did not answer within 90s")

    monkeypatch.setattr(bulk.systemctl, "run", run)
    assert bulk.show(["a.service", "a.service"], ["ActiveState"]) == {"a.service": {}}


def test_very_many_units_are_asked_in_chunks(monkeypatch):
    calls = _fake(monkeypatch, lambda args: "\n".join(f"Id={u}\n" for u in args[3:]))
    monkeypatch.setattr(bulk, "CHUNK", 3)
    got = bulk.show([f"u{i}.service" for i in range(7)], ["ActiveState"])
    assert [len(c) - 3 for c in calls] == [3, 3, 1] and len(got) == 7


def test_inside_a_round_a_unit_systemd_could_not_say_is_not_asked_again_alone(monkeypatch):
    """A PID 1 too busy for the round's one read left every unit empty; the
    round's checks then forked a `systemctl show` per job (2,000 a round at
    100 projects, seen in bench-scale)."""

    def run(*args, **kw):
        raise OperationError("systemctl show did not answer within 30s")

    monkeypatch.setattr(bulk.systemctl, "run", run)
    monkeypatch.setattr(bulk, "_over_dbus", lambda asks, utc, memory=None: None)
    snapshot = bulk.show(["a.service", "b.timer"], ["ActiveState"], utc=True)
    calls: list[tuple] = []
    monkeypatch.setattr(bulk.systemctl, "run", lambda *a, **k: calls.append(a))
    with bulk.systemctl.using(snapshot):
        assert bulk.systemctl.show("a.service", "ExecMainExitTimestampMonotonic") == {}
    assert calls == [], "no process per unit inside a round"
