"""djops history: one backwards pass over the journal gives each run's
result and its last output line; only trusted entries count."""

import json
import time
from datetime import UTC, datetime

import pytest
from fakejournal import Journal

from djops import config
from djops.errors import UsageError
from djops.jobs import history


@pytest.fixture
def cfg(project, confdir):
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + '[jobs.index]\ncommand = ["index"]\nschedule = "daily"\n')
    return config.load(project, live=False)


def fake_journal(monkeypatch, entries: list[dict]) -> list[int]:
    """A journal holding `entries` (oldest first); returns the count of reads."""
    j = Journal(entries).install(monkeypatch)

    class Reads(list):
        def __getitem__(self, i):
            return j.reads

    return Reads([0])


def run_entries(p: str, job: str, inv: str, event: str, at: float, lines: list[str], uid="1000"):
    """A run's output lines (the relay's, as the job's user) and its result
    (root's post step's), all in the job's unit."""
    unit = f"djops-job@{p}:{job}.service"
    base = {"DJOPS_PROJECT": p, "DJOPS_JOB": job, "_SYSTEMD_INVOCATION_ID": inv,
            "_SYSTEMD_UNIT": unit, "_HOSTNAME": "web1", "_UID": uid}  # fmt: skip
    out = [
        {**base, "MESSAGE": ln, "__REALTIME_TIMESTAMP": datetime.fromtimestamp(at, UTC)}
        for ln in lines
    ]
    result = {**base, "DJOPS_EVENT": event, "DJOPS_DURATION": "2.5", "DJOPS_EXIT": "0" if event == "job.done" else "3",
              "MESSAGE": f"job {job} {event}", "__REALTIME_TIMESTAMP": datetime.fromtimestamp(at + 2.5, UTC), "_UID": "0"}  # fmt: skip
    return [*out, result]


def test_the_last_runs_with_their_last_output_line(cfg, monkeypatch):
    p, t = cfg.name, time.time() - 100
    entries = run_entries(p, "index", "a", "job.done", t, ["one", "two"])
    entries += run_entries(p, "index", "b", "job.failed", t + 10, ["boom"])
    forged = run_entries(p, "index", "c", "job.done", t + 20, ["x"])
    for e in forged:
        e["_SYSTEMD_UNIT"] = "evil.service"
    fake_journal(monkeypatch, entries + forged)
    rows = history.runs(cfg, "index", 5)
    assert [(r["result"], r["exit"], r["last_line"]) for r in rows] == [
        ("failed", 3, "boom"),
        ("done", 0, "two"),
    ]
    assert rows[0]["host"] == "web1" and rows[0]["duration"] == 2.5
    assert abs(rows[1]["start"] - t) < 0.01
    data = json.loads(history.show(cfg, "index", 1, True))
    assert len(data) == 1 and data[0]["result"] == "failed"
    text = history.show(cfg, None, 5, False)
    assert "failed" in text and text.index("two") < text.index("boom"), "oldest first"


def test_a_thousand_runs_are_one_pass(cfg, monkeypatch):
    p, t, entries = cfg.name, time.time() - 10000, []
    for i in range(1000):
        entries += run_entries(p, "index", f"i{i}", "job.done", t + i, [f"line {i}"] * 3)
    reads = fake_journal(monkeypatch, entries)
    started = time.monotonic()
    rows = history.runs(cfg, "index", 1000)
    assert len(rows) == 1000 and rows[0]["last_line"] == "line 999"
    assert reads[0] <= len(entries) and time.monotonic() - started < 0.5


def test_an_unknown_job_or_bad_n_is_one_line(cfg, monkeypatch):
    fake_journal(monkeypatch, [])
    with pytest.raises(UsageError, match=r"^p has no job 'nosuch' \(jobs: clearsessions, "):
        history.show(cfg, "nosuch", 5, False)
    with pytest.raises(UsageError):
        history.show(cfg, "index", 0, False)
    assert "no runs" in history.show(cfg, "index", 5, False)


def nobody(p: str, at: float, n: int, **fields) -> list[dict]:
    """`n` look-alikes from user nobody at a shell (`systemd-cat`, python)."""
    base = {"DJOPS_PROJECT": p, "DJOPS_EVENT": "job.failed", "DJOPS_JOB": "index",
            "DJOPS_EXIT": "1", "DJOPS_DURATION": "1", "_UID": "65534",
            "_SYSTEMD_UNIT": "session-7.scope", "_SYSTEMD_INVOCATION_ID": "s", **fields}  # fmt: skip
    return [
        {**base, "MESSAGE": f"forged {i}", "__REALTIME_TIMESTAMP": datetime.fromtimestamp(at, UTC)}
        for i in range(n)
    ]


def test_a_flood_of_look_alikes_from_nobody_is_never_read(cfg, monkeypatch):
    p, t = cfg.name, time.time() - 100
    entries = run_entries(p, "index", "a", "job.done", t, ["one"])
    entries += run_entries(p, "index", "b", "job.failed", t + 10, ["boom"])
    entries += nobody(p, t + 20, 10_000)
    entries += nobody(p, t + 21, 100, DJOPS_EVENT=None, MESSAGE="forged line")
    reads = fake_journal(monkeypatch, entries)
    rows = history.runs(cfg, None, 5)
    assert [(r["result"], r["last_line"]) for r in rows] == [("failed", "boom"), ("done", "one")]
    assert reads[0] <= len(entries) - 10_100, "journald filtered the flood"


def test_a_late_success_the_jobs_own_code_logs_changes_nothing(cfg, monkeypatch):
    """The job failed (root's post step says so); then its code, in its unit
    and as its user, logs a job.done for itself."""
    p, t = cfg.name, time.time() - 100
    entries = run_entries(p, "index", "a", "job.failed", t, ["boom"])
    forged = run_entries(p, "index", "a", "job.done", t + 5, ["fine"])
    forged[-1]["_UID"] = "1000"
    fake_journal(monkeypatch, entries + forged)
    [row] = history.runs(cfg, "index", 5)
    assert row["result"] == "failed" and row["exit"] == 3


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "garbage", "1e999", "0x10"])
def test_a_field_that_cannot_be_read_shows_a_question_mark(cfg, monkeypatch, value):
    p, t = cfg.name, time.time() - 100
    entries = run_entries(p, "index", "a", "job.done", t, ["one"])
    entries[-1]["DJOPS_DURATION"] = entries[-1]["DJOPS_EXIT"] = value
    fake_journal(monkeypatch, entries)
    text = history.show(cfg, "index", 5, False)
    [row] = text.splitlines()[1:]
    assert " ? " in row and "done" in row and row.count("?") == 2, row
    data = json.loads(history.show(cfg, "index", 5, True))
    assert data[0]["duration"] == "?" and data[0]["exit"] == "?"


def test_a_long_job_name_moves_the_columns_it_does_not_break_them(project, confdir, monkeypatch):
    name = "send_the_weekly_newsletter_to_everyone"
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + f'[jobs.{name}]\ncommand = ["x"]\nschedule = "daily"\n')
    cfg = config.load(project, live=False)
    t = time.time() - 100
    fake_journal(monkeypatch, run_entries(cfg.name, name, "a", "job.done", t, ["sent"]))
    header, row = history.show(cfg, name, 5, False).splitlines()
    assert header.index(" host ") == row.index(" web1 "), (header, row)
    assert header.index(" result ") == row.index(" done "), (header, row)


def test_the_last_line_is_masked_again_with_what_root_holds(cfg, monkeypatch):
    """A relay that had no credential yet (the values root learned since)
    masked only what the settings text showed: `djops history` masks each
    run's last line and message again with root's redactor, as `djops run`
    does (djops.jobs.job._output), in every escaped form."""
    from djops.bridge import secrets

    pw = "pa\\ss'w\"ördé%41x"
    monkeypatch.setattr(secrets, "stored", lambda p: [pw])
    p, t = cfg.name, time.time() - 100
    entries = run_entries(
        p, "index", "a", "job.failed", t, ["first", f"DATABASES: {{'PASSWORD': {pw!r}}}"]
    )
    entries[-1]["MESSAGE"] = f"job index of p failed: {json.dumps({'pw': pw})}"
    fake_journal(monkeypatch, entries)
    for as_json in (False, True):
        text = history.show(cfg, "index", 5, as_json)
        assert "41x" not in text and "pa\\" not in text and "pa%" not in text, text
        assert "********" in text
    [row] = history.runs(cfg, "index", 5)
    assert row["last_line"] == "DATABASES: {'PASSWORD': '********'}"
