"""djops.systemd.lastruns: `djops status P`'s last run of each job, one
journal reader for all of them (a fake reader here); the journal read again
for a unit only once it ran again; the overview's problem counts read only
djops' own entries, in one pass."""

import sys
import time
import types
from datetime import UTC, datetime

import pytest
from fakejournal import Journal, entry

from djops.systemd import lastruns

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
    monkeypatch.setattr(lastruns, "_here", lambda: "web1")
    journal += [_run(f"j{i}") for i in range(100)]
    journal.append(_run("j1", "job.failed"))
    journal.append(
        _run("j2", "job.done", unit="djops-job@p:j3.service", _UID="1000")
    )  # j3's code lying
    journal.append(_run("j4", "job.skipped", DJOPS_HOLDER="web2"))
    got = lastruns.last_runs("p", [f"j{i}" for i in range(100)] + ["new"])
    assert Reader.opened == 1
    assert got["j0"].endswith("done here (web1): job j0 of p done")
    assert got["j1"].endswith("failed here (web1): job j1 of p failed")
    assert got["j2"].endswith("done here (web1): job j2 of p done")
    assert " on web2: " in got["j4"]
    assert got["new"] == lastruns.NEVER


def test_a_flood_of_look_alikes_never_hides_the_real_run(journal, monkeypatch):
    """Issue 28.3: more look-alikes from another user than the scan's budget,
    all newer than the real run: the query itself asks only for the trusted
    sources, so the real run is still the one shown."""
    monkeypatch.setattr(lastruns, "_here", lambda: "web1")
    journal.append(_run("broken", "job.failed"))
    forged = _run("broken", "job.done", _UID="65534", _SYSTEMD_UNIT="session-3.scope")
    journal += [dict(forged) for _ in range(lastruns.journal.SCAN_LIMIT + 100)]
    got = lastruns.last_runs("p", ["broken"])
    assert got["broken"].endswith("failed here (web1): job broken of p failed")


def test_a_read_is_kept_until_the_unit_exits_again(monkeypatch):
    exits = {"stamp": "100"}
    monkeypatch.setattr(
        lastruns.systemctl,
        "show",
        lambda unit, *props: {"ExecMainExitTimestampMonotonic": exits["stamp"]},
    )
    reads = []
    seen = lastruns.SinceExit()
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 1
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 1
    exits["stamp"] = "200"
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 2


def test_a_read_right_after_the_exit_is_read_again_until_the_journal_settles(monkeypatch):
    """PID 1 records the exit before journald has stored the run's last
    entries: a read then is not kept (test_77 saw a stale last success)."""
    monkeypatch.setattr(
        lastruns.systemctl,
        "show",
        lambda unit, *props: {"ExecMainExitTimestampMonotonic": "1000000000"},  # at 1,000 s
    )
    clock = {"now": 1001.0}
    monkeypatch.setattr(lastruns.time, "monotonic", lambda: clock["now"])
    reads = []
    seen = lastruns.SinceExit()
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 1
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 2
    clock["now"] = 1000.0 + lastruns.SinceExit.SETTLE + 1
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 3
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 3


def test_a_read_under_a_stamp_that_says_nothing_never_comes_back_after_a_run(monkeypatch):
    """A unit loaded afresh says 0 (a project enabled again: its job's last
    skip was another test's); after runs, a 0 or an unanswered "" again must
    read again, not return what was true before the runs (CI: a jobs check
    failed on a skip two runs old)."""
    exits = {"stamp": "0"}
    monkeypatch.setattr(
        lastruns.systemctl,
        "show",
        lambda unit, *props: {"ExecMainExitTimestampMonotonic": exits["stamp"]},
    )
    monkeypatch.setattr(lastruns.time, "monotonic", lambda: 1001.0)
    reads = []
    seen = lastruns.SinceExit()
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 1
    exits["stamp"] = "1000000000"  # a run that ended a second ago
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 2
    for stamp in ("0", ""):
        exits["stamp"] = stamp
        assert seen.get("u", lambda: reads.append(1) or len(reads)) == len(reads) > 2


def test_nothing_in_the_journal_says_never(monkeypatch):
    monkeypatch.setattr(lastruns.journal, "last_event", lambda *a, **k: None)
    assert lastruns.last_run("p", ("job.done",), "a") == lastruns.NEVER
    assert lastruns.last_event("p", ("reload.applied",)) == lastruns.NEVER


def _problems_journal(monkeypatch, entries):
    return Journal(sorted(entries, key=lambda e: e["__REALTIME_TIMESTAMP"])).install(monkeypatch)


def test_problem_counts_of_every_project_in_one_pass(monkeypatch):
    t0 = time.time() - 3600
    root = {"_UID": "0", "PRIORITY": "4", "DJOPS_EVENT": "health.degraded"}
    entries = [entry(t0 + i, DJOPS_PROJECT=f"p{i % 3}", **root) for i in range(7)]
    entries += [
        entry(t0 + 10, DJOPS_PROJECT="p0", **{**root, "_UID": "1000"}),  # not djops' own
        entry(t0 + 11, DJOPS_PROJECT="p1", **{**root, "PRIORITY": "6"}),  # info
        entry(t0 - 90000, DJOPS_PROJECT="p2", **root),  # older than a day
        entry(t0 + 12, DJOPS_PROJECT="p2", DJOPS_EVENT="clearsessions.failed", PRIORITY="3",
              _UID="0", _SYSTEMD_UNIT="djops-clearsessions@p2.service"),  # root's post step
        entry(t0 + 12.5, DJOPS_PROJECT="p2", DJOPS_EVENT="clearsessions.failed", PRIORITY="3",
              _UID="998", _SYSTEMD_UNIT="djops-clearsessions@p2.service"),  # the project's python
        entry(t0 + 13, DJOPS_PROJECT="p0", DJOPS_EVENT="job.skipped", DJOPS_JOB="clearsessions",
              PRIORITY="3", _UID="998", _SYSTEMD_UNIT="djops-clearsessions@p2.service"),  # p2's unit
    ]  # fmt: skip
    journal = _problems_journal(monkeypatch, entries)
    assert lastruns.problems(["p0", "p1", "p2", "p9"], 4, 86400) == {
        "p0": 3,
        "p1": 2,
        "p2": 3,
        "p9": 0,
    }
    assert journal.opened == 1


def test_a_flood_of_look_alikes_never_hides_the_real_problems(monkeypatch):
    """Issue 28: more look-alikes from user nobody than the whole pass's
    budget, all before the real entries: journald drops them by the query
    (each project's trusted sources), so the real ones are all counted."""
    t0 = time.time() - 3600
    budget = lastruns.journal.SCAN_LIMIT * 2
    forged = {"SYSLOG_IDENTIFIER": "djops", "_UID": "65534", "_SYSTEMD_UNIT": "session-4.scope",
              "PRIORITY": "3", "DJOPS_EVENT": "health.alert"}  # fmt: skip
    entries = [
        entry(t0 + i / 1000, DJOPS_PROJECT=("shop", "blog")[i % 2], **forged)
        for i in range(budget + 100)
    ]
    real = {"_UID": "0", "PRIORITY": "3", "DJOPS_EVENT": "health.alert"}
    entries += [entry(t0 + 100 + i, DJOPS_PROJECT="shop", **real) for i in range(5)]
    entries.append(entry(t0 + 200, DJOPS_PROJECT="blog", **real))
    journal = _problems_journal(monkeypatch, entries)
    assert lastruns.problems(["shop", "blog"], 4, 86400) == {"shop": 5, "blog": 1}
    assert journal.reads == 6, "journald handed over only the real entries"
