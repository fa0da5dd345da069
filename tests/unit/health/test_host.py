"""djops-health.service: one daemon, every enabled project, rounds in lanes
(djops.health.lanes), so one hung project never holds up another or the watchdog."""

import threading
import time

import pytest

from djops.health import host


@pytest.fixture(autouse=True)
def _logging_stays_here(monkeypatch):
    """The daemon turns job.slow/job.missed logging on for its process: not
    for the tests after these."""
    from djops.jobs.policy import lapses

    monkeypatch.setattr(lapses, "LOGGING", lapses.LOGGING)
    monkeypatch.setattr(lapses, "STARTED", lapses.STARTED)


@pytest.fixture
def two(project, confdir, tmp_path, monkeypatch, sent):
    """Projects p and q (a copy of p's config); rounds recorded, q's can hang."""
    (confdir / "q.toml").write_text((confdir / "p.toml").read_text())
    monkeypatch.setenv("DJOPS_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    rounds: list[str] = []
    hang = threading.Event()

    class FakeHealth:
        def __init__(self, cfg):
            self.cfg, self.results = cfg, {}

        def round(self):
            rounds.append(self.cfg.name)
            if self.cfg.name == "q":
                hang.wait(10)
            self.results = {"service": {"ok": self.cfg.name != "q"}}

    monkeypatch.setattr(host, "Health", FakeHealth)
    monkeypatch.setattr(host.notices, "send", lambda *a, **k: None)
    yield rounds, hang
    hang.set()
    for lane in threading.enumerate():  # what they had queued ends here, not in the next test
        if lane.name.startswith("lane-"):
            lane.join(2)


def settle(d: host.HostHealth) -> None:
    """One pass of the main loop, and the rounds it started to their end."""
    d.step(0.01)
    assert d.lanes.idle(2)


def test_a_hung_round_delays_no_other_project_and_logs_an_overrun(two, monkeypatch, sent):
    rounds, hang = two
    d = host.HostHealth(["p", "q"])
    d.first()
    monkeypatch.setattr(host.Slot, "interval", lambda self: 0.05)
    d.lanes.grace = 0.02  # lanes.GRACE, at the scale of this interval
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.5:
        d.step(0.02)
    assert rounds.count("q") == 1, "q's round hangs: no second one meanwhile"
    assert rounds.count("p") >= 3, "p's rounds go on"
    overruns = [f for _, f in sent if f["DJOPS_EVENT"] == "health.overrun"]
    assert [f["DJOPS_PROJECT"] for f in overruns] == ["q"], "logged once per round"
    assert d.status() == "watching 2 projects: 0 failing"
    hang.set()
    time.sleep(0.1)
    assert d.status() == "watching 2 projects: 1 failing"


def test_a_config_that_no_longer_loads_is_reported_and_the_others_go_on(
    two, confdir, monkeypatch, sent
):
    rounds, hang = two
    hang.set()
    d = host.HostHealth(["p", "q"])
    d.first()
    settle(d)
    (confdir / "q.toml").write_text("[health]\ninterval_seconds = 'abc'\n")
    d.next_scan = 0.0
    settle(d)
    [failed] = [f for _, f in sent if f["DJOPS_EVENT"] == "health.config_failed"]
    assert failed["DJOPS_PROJECT"] == "q" and failed["PRIORITY"] == "2"
    assert "interval_seconds" in failed["DJOPS_REASON"]
    assert "config not loading: q" in d.status()
    assert d.slots["q"].cfg is not None, "q is watched on with the config it last loaded"
    assert "p" in rounds


def test_a_daemon_that_died_unstopped_is_reported_at_the_next_start(two, tmp_path, sent):
    hang = two[1]
    hang.set()
    (tmp_path / "run" / "djops-health").mkdir(parents=True)
    d = host.HostHealth(["p"])
    d.first()  # the marker is written
    assert not [f for _, f in sent if f["DJOPS_EVENT"] == "health.daemon_restarted"]
    again = host.HostHealth(["p"])  # kill -9: no stopped(), the marker stays
    again.first()
    assert [
        f["DJOPS_PROJECT"] for _, f in sent if f["DJOPS_EVENT"] == "health.daemon_restarted"
    ] == ["p"]
    again.stopped()
    host.HostHealth(["p"]).first()
    assert len([f for _, f in sent if f["DJOPS_EVENT"] == "health.daemon_restarted"]) == 1


def test_the_main_loop_answers_systemd_at_once_whatever_a_round_does(two, monkeypatch):
    d = host.HostHealth(["q"])
    calls = []
    monkeypatch.setattr(d.notifier, "send", calls.append)
    monkeypatch.setenv("WATCHDOG_USEC", "150000")
    threading.Timer(0.3, d._on_term, (15, None)).start()  # systemctl stop
    t0 = time.monotonic()
    assert d.run() == "stopped"
    assert time.monotonic() - t0 < 1, "a stop request ends it while q's round still hangs"
    assert calls[0].startswith("READY=1"), "READY=1 without waiting for q's round"
    assert calls.count("WATCHDOG=1") >= 3


def _loaded_pair(confdir, monkeypatch) -> tuple[host.HostHealth, list]:
    """Projects p and q loaded in one daemon; each bulk read's units recorded."""
    (confdir / "q.toml").write_text((confdir / "p.toml").read_text())
    calls: list = []
    monkeypatch.setattr(host, "unit_state", lambda units: calls.append(units) or {})
    d = host.HostHealth(["p", "q"])
    for p in ("p", "q"):
        d.slots[p] = host.Slot(p)
        d._load(d.slots[p])
    return d, calls


def test_rounds_due_together_share_one_systemctl_call(project, confdir, monkeypatch, sent):
    d, calls = _loaded_pair(confdir, monkeypatch)
    a = d._unit_state(d.slots["p"].cfg)
    b = d._unit_state(d.slots["q"].cfg)
    assert a is b and len(calls) == 1, "one call for both projects' units"
    assert "p.service" in calls[0] and "djops-clearsessions@q.timer" in calls[0]


def test_a_round_out_of_step_asks_for_its_own_units_only(project, confdir, monkeypatch, sent):
    """A round due in a minute is not read for now: rounds drifted apart
    would each ask systemd for every project's units."""
    d, calls = _loaded_pair(confdir, monkeypatch)
    d.slots["q"].next_round = time.monotonic() + 60
    d._unit_state(d.slots["p"].cfg)
    assert "p.service" in calls[0] and "djops-clearsessions@q.timer" not in calls[0]


def test_rounds_keep_their_interval_while_the_loop_waits_a_whole_watchdog_beat(two, monkeypatch):
    """A round that ends wakes the loop, which plans the next one then: at
    interval_seconds = 0.2 and a beat of 3 s, rounds come every 0.2 s, not
    once a beat (the e2e saw 1-s rounds every 5 s)."""
    rounds, hang = two
    hang.set()
    d = host.HostHealth(["p"])
    d.first()
    monkeypatch.setattr(host.Slot, "interval", lambda self: 0.2)
    wake = d.wake

    def late_exit():  # the lane lives on a moment after its wake
        wake()
        time.sleep(0.05)

    d.lanes.drained = late_exit
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.5:
        d.step(3.0)
    assert rounds.count("p") >= 5, rounds


def test_rounds_of_one_interval_fall_on_one_grid():
    """Projects enabled at different moments come due at the same instant
    after their first round, so their rounds share one read of the units."""
    firsts = [1000.3, 1017.9, 1019.99]
    assert [host.on_grid(t, 60.0) for t in firsts] == [1020.0, 1020.0, 1020.0]
    assert host.on_grid(1020.0, 60.0) == 1080.0, "a round on the grid: the next point"
    assert host.on_grid(1021.5, 5.0) == 1025.0


def test_two_projects_started_apart_come_due_together(project, confdir, monkeypatch, sent):
    d, _ = _loaded_pair(confdir, monkeypatch)
    monkeypatch.setattr(host.Slot, "interval", lambda self: 60.0)
    d.lanes.run = lambda slot: None  # the dispatch alone
    d._start_rounds([d.slots["p"]], 1000.3)
    assert d.slots["p"].next_round == 1020.0
    d._start_rounds([d.slots["p"]], 1020.0)
    d._start_rounds([d.slots["q"]], 1031.0)  # enabled later
    assert d.slots["p"].next_round == d.slots["q"].next_round == 1080.0
