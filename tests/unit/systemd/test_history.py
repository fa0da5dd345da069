"""The journal is read again for a unit only once it ran again; the
overview's problem counts read only djops' own entries, in one pass."""

import time

from fakejournal import Journal, entry

from djops.systemd import history


def test_a_read_is_kept_until_the_unit_exits_again(monkeypatch):
    exits = {"stamp": "100"}
    monkeypatch.setattr(
        history.systemctl,
        "show",
        lambda unit, *props: {"ExecMainExitTimestampMonotonic": exits["stamp"]},
    )
    reads = []
    seen = history.SinceExit()
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 1
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 1
    exits["stamp"] = "200"
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 2


def test_nothing_in_the_journal_says_never(monkeypatch):
    monkeypatch.setattr(history.journal, "last_event", lambda *a, **k: None)
    assert history.last_run("p", ("job.done",), "a") == history.NEVER
    assert history.last_event("p", ("reload.applied",)) == history.NEVER


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
              _UID="998", _SYSTEMD_UNIT="djops-clearsessions@p2.service"),  # its own unit
        entry(t0 + 13, DJOPS_PROJECT="p0", DJOPS_EVENT="clearsessions.failed", PRIORITY="3",
              _UID="998", _SYSTEMD_UNIT="djops-clearsessions@p2.service"),  # p2's unit: not p0's
    ]  # fmt: skip
    journal = _problems_journal(monkeypatch, entries)
    assert history.problems(["p0", "p1", "p2", "p9"], 4, 86400) == {
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
    budget = history.journal.SCAN_LIMIT * 2
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
    assert history.problems(["shop", "blog"], 4, 86400) == {"shop": 5, "blog": 1}
    assert journal.reads == 6, "journald handed over only the real entries"
