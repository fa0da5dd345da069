"""`djops status P`'s last run of each job: one journal reader for all of
them (a fake reader here; the overview's problem counts: test_history)."""

import sys
import types
from datetime import UTC, datetime

import pytest

from djops.systemd import history

AT = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


class Reader:
    """Keeps the entries; add_match/add_disjunction build OR-ed groups of
    AND-ed fields, as sd_journal does; get_previous walks them newest first."""

    opened = 0

    def __init__(self, entries):
        Reader.opened += 1
        self.entries, self.groups, self.current, self.pos = entries, [], {}, 0

    def add_match(self, **fields):
        for k, v in fields.items():
            self.current.setdefault(k, set()).add(v)

    def add_disjunction(self):
        self.groups.append(self.current)
        self.current = {}

    def flush_matches(self):
        self.groups, self.current = [], {}

    def _hits(self):
        groups = [g for g in [*self.groups, self.current] if g] or [{}]
        return [
            e
            for e in self.entries
            if any(all(e.get(k) in vs for k, vs in g.items()) for g in groups)
        ]

    def seek_tail(self):
        self.pos = len(self._hits())

    def get_previous(self):
        hits = self._hits()
        self.pos -= 1
        return hits[self.pos] if self.pos >= 0 else {}

    def close(self):
        pass


@pytest.fixture
def journal(monkeypatch):
    entries: list[dict] = []
    sd = types.ModuleType("systemd.journal")
    sd.Reader = lambda: Reader(entries)
    pkg = types.ModuleType("systemd")
    pkg.journal = sd
    monkeypatch.setitem(sys.modules, "systemd", pkg)
    monkeypatch.setitem(sys.modules, "systemd.journal", sd)
    Reader.opened = 0
    return entries


def _run(job, event="job.done", unit=None, **extra):
    return {
        "DJOPS_PROJECT": "p",
        "DJOPS_EVENT": event,
        "DJOPS_JOB": job,
        "MESSAGE": f"job {job} of p {event.split('.')[1]}",
        "_SYSTEMD_UNIT": unit or f"djops-job@p:{job}.service",
        "_UID": "0",  # a job's result is root's post step's (journal.sources)
        "__REALTIME_TIMESTAMP": AT,
        **extra,
    }


def test_each_jobs_newest_trusted_run_through_one_reader(journal, monkeypatch):
    monkeypatch.setattr(history, "_here", lambda: "web1")
    journal += [_run(f"j{i}") for i in range(100)]
    journal.append(_run("j1", "job.failed"))
    journal.append(
        _run("j2", "job.done", unit="djops-job@p:j3.service", _UID="1000")
    )  # j3's code lying
    journal.append(_run("j4", "job.skipped", DJOPS_HOLDER="web2"))
    got = history.last_runs("p", [f"j{i}" for i in range(100)] + ["new"])
    assert Reader.opened == 1
    assert got["j0"].endswith("done here (web1): job j0 of p done")
    assert got["j1"].endswith("failed here (web1): job j1 of p failed")
    assert got["j2"].endswith("done here (web1): job j2 of p done")
    assert " on web2: " in got["j4"]
    assert got["new"] == history.NEVER


def test_a_flood_of_look_alikes_never_hides_the_real_run(journal, monkeypatch):
    """Issue 28.3: more look-alikes from another user than the scan's budget,
    all newer than the real run: the query itself asks only for the trusted
    sources, so the real run is still the one shown."""
    monkeypatch.setattr(history, "_here", lambda: "web1")
    journal.append(_run("broken", "job.failed"))
    forged = _run("broken", "job.done", _UID="65534", _SYSTEMD_UNIT="session-3.scope")
    journal += [dict(forged) for _ in range(history.journal.SCAN_LIMIT + 100)]
    got = history.last_runs("p", ["broken"])
    assert got["broken"].endswith("failed here (web1): job broken of p failed")
