"""One start-and-wait: each caller answers with its own run's result, read by
the run's invocation id, taken once as the run begins."""

import threading
import time

import pytest
from fakesystemd import Systemd, install

from djops.systemd import oneshot


@pytest.fixture
def systemd(monkeypatch):
    return lambda s: install(monkeypatch, s)


def test_two_reloads_at_once_each_get_their_own_result(systemd):
    """The watcher's reload (rejected) and a `djops reload` typed meanwhile
    (applied) end together: systemctl returns to the first caller only once
    the second run began, so the id read after the start, or the newest
    reload event, would be the other run's."""
    s = systemd(Systemd({"i1": "reload.rejected", "i2": "reload.applied"}, late=0.4))
    got: dict[str, oneshot.Run] = {}

    def reload(who: str) -> None:
        got[who] = oneshot.start_and_wait("shop", "djops-reload@shop.service", ("x",), 30)

    first = threading.Thread(target=reload, args=("watcher",))
    first.start()
    time.sleep(0.05)  # the watcher's run is under way
    second = threading.Thread(target=reload, args=("root",))
    second.start()
    first.join()
    second.join()
    assert (got["watcher"].invocation, got["root"].invocation) == ("i1", "i2")
    assert got["watcher"].message == "reload.rejected by i1" and not got["watcher"].ok
    assert got["root"].message == "reload.applied by i2" and got["root"].ok
    assert s.n == 2


def test_a_run_already_under_way_is_waited_for_not_taken(systemd):
    s = systemd(Systemd({"i1": "job.done", "i2": "job.failed"}))
    timer = threading.Thread(target=s.start, args=("u",))
    timer.start()  # the timer's run
    time.sleep(0.05)
    run = oneshot.start_and_wait("shop", "djops-job@shop:a.service", ("job.done", "job.failed"))
    timer.join()
    assert s.asked_job == "a", "a job's result is read by its job (journal.sources)"
    assert (run.invocation, run.message) == ("i2", "job.failed by i2")


def test_a_start_that_makes_no_run_reads_no_result(monkeypatch, systemd):
    s = systemd(Systemd({}))
    s.log.append({"DJOPS_EVENT": "job.done", "MESSAGE": "an old run's", "_INV": "old"})
    monkeypatch.setattr(oneshot.systemctl, "start", lambda unit, timeout=None: False)
    run = oneshot.start_and_wait("shop", "u", ("job.done",))
    assert (run.ok, run.invocation, run.entry) == (False, "", None)
    with pytest.raises(oneshot.OperationError, match="u finished"):
        oneshot.answer(run)


def test_with_show_the_runs_lines_are_followed_while_it_runs(monkeypatch, systemd):
    """A Type=notify run: systemctl returns once it is ready; it runs on."""
    s = systemd(Systemd({"i1": "job.done"}))
    made, polls = {}, []

    class Follow:
        def __init__(self, invocation, show, ends):
            made.update(invocation=invocation, show=show, ends=ends)

        def poll(self, wait):
            polls.append(wait)
            s.state = "inactive" if len(polls) == 2 else "active"

        def finish(self):
            made["finished"] = True

    def ready(unit, timeout=None):
        s.start(unit)
        s.state = "active"
        return True

    monkeypatch.setattr(oneshot.systemctl, "start", ready)
    monkeypatch.setattr(oneshot.follow, "Follow", Follow)
    cfg = type("Cfg", (), {"name": "shop"})()
    assert oneshot.run(cfg, "u.service", ("job.done",), show=print) == "job.done by i1"
    assert made == {"invocation": "i1", "show": print, "ends": ("job.done",), "finished": True}
    assert polls == [0.2, 0.2]
