"""One unit of a systemd for the unit tests of starting a run and waiting
for its result (djops.systemd.oneshot and its callers)."""

import threading
import time

from djops.systemd import oneshot


class Systemd:
    """One unit: a start (systemctl's, waiting for a oneshot's whole run)
    makes a run with a new invocation id, which logs `outcomes[id]`. Runs
    never overlap; systemctl returns `late` seconds after the run's end."""

    def __init__(self, outcomes: dict[str, str], run: float = 0.2, late: float = 0.0):
        self.outcomes, self.run, self.late = outcomes, run, late
        self.lock = threading.Lock()
        self.invocation, self.state, self.n = "", "inactive", 0
        self.log: list[dict] = []  # the journal: result events, oldest first

    def start(self, unit, timeout=None):
        with self.lock:
            self.n += 1
            self.invocation, self.state = f"i{self.n}", "activating"
            mine = self.invocation
            time.sleep(self.run)
            event = self.outcomes[mine]
            self.log.append({"DJOPS_EVENT": event, "MESSAGE": f"{event} by {mine}", "_INV": mine})
            self.state = "inactive"
        time.sleep(self.late)
        return event != "reload.rejected"

    def show(self, unit, *props):
        return {"InvocationID": self.invocation, "ActiveState": self.state, "Result": "success"}

    def last_event(self, p, events, since_usec=0, job=None, invocation=None):
        self.asked_job = job
        found = [e for e in self.log if invocation in (None, e["_INV"])]
        return found[-1] if found else None


def install(monkeypatch, s: Systemd) -> Systemd:
    """`s` answers systemctl start, the unit reads and the journal's last_event."""
    monkeypatch.setattr(oneshot.systemctl, "start", s.start)
    monkeypatch.setattr(oneshot, "_show", s.show)
    monkeypatch.setattr(oneshot.journal, "last_event", s.last_event)
    monkeypatch.setattr(oneshot.dropins, "write_for", lambda cfg: None)
    monkeypatch.setattr(oneshot, "RESULT_WAIT", 0.2, raising=False)
    return s
