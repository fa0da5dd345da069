"""`djops run P A` answers with A's own run, not another run's line."""

from djops.systemd import oneshot


def test_the_result_is_read_from_this_runs_invocation(monkeypatch, tmp_path):
    asked = {}
    states = iter(["inactive", "active", "inactive"])

    def show(unit, *props):
        if "InvocationID" in props:
            return {"InvocationID": "a1"}
        if "Result" in props:
            return {"Result": "success"}
        return {"ActiveState": next(states)}

    def last_event(p, events, since_usec=0, job=None, invocation=None):
        asked["invocation"] = invocation
        return {"MESSAGE": "job a of shop done in 1.0s"} if invocation == "a1" else None

    monkeypatch.setattr(oneshot.dropins, "write_for", lambda cfg: None)
    monkeypatch.setattr(oneshot.systemctl, "show", show)
    monkeypatch.setattr(oneshot.systemctl, "start", lambda unit, timeout=None: True)
    monkeypatch.setattr(oneshot.journal, "last_event", last_event)
    cfg = type("Cfg", (), {"name": "shop"})()
    assert (
        oneshot.run(cfg, "djops-job@shop:a.service", ("job.done",)) == "job a of shop done in 1.0s"
    )
    assert asked["invocation"] == "a1"


def test_with_show_the_runs_lines_are_followed_while_it_runs(monkeypatch):
    states = iter(["inactive", "active", "active", "inactive"])
    polls, made = [], {}

    class Follow:
        def __init__(self, invocation, show, ends):
            made.update(invocation=invocation, show=show, ends=ends)

        def poll(self, wait):
            polls.append(wait)

        def finish(self):
            made["finished"] = True

    def show(unit, *props):
        if "InvocationID" in props:
            return {"InvocationID": "a1"}
        if "Result" in props:
            return {"Result": "success"}
        return {"ActiveState": next(states)}

    monkeypatch.setattr(oneshot.dropins, "write_for", lambda cfg: None)
    monkeypatch.setattr(oneshot.systemctl, "show", show)
    monkeypatch.setattr(oneshot.systemctl, "start", lambda unit, timeout=None: True)
    monkeypatch.setattr(oneshot.journal, "last_event", lambda *a, **k: {"MESSAGE": "done"})
    monkeypatch.setattr(oneshot.follow, "Follow", Follow)
    cfg = type("Cfg", (), {"name": "shop"})()
    assert oneshot.run(cfg, "u.service", ("job.done",), show=print) == "done"
    assert made == {"invocation": "a1", "show": print, "ends": ("job.done",), "finished": True}
    assert polls == [0.2, 0.2]
