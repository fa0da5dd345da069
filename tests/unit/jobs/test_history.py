"""djops history: one backwards pass over the journal gives each run's
result and its last output line; only trusted entries count."""

import json
import sys
import time
import types
from datetime import UTC, datetime

import pytest

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
    reads = [0]

    class Reader:
        def __init__(self):
            self.pos = len(entries)

        def add_match(self, **m):
            self.match = m

        def seek_tail(self):
            pass

        def get_previous(self):
            while self.pos > 0:
                self.pos -= 1
                reads[0] += 1
                e = entries[self.pos]
                if all(e.get(k) == v for k, v in self.match.items()):
                    return e
            return {}

        def close(self):
            pass

    mod = types.ModuleType("systemd.journal")
    mod.Reader = Reader
    monkeypatch.setitem(sys.modules, "systemd", types.SimpleNamespace(journal=mod))
    monkeypatch.setitem(sys.modules, "systemd.journal", mod)
    return reads


def run_entries(p: str, job: str, inv: str, event: str, at: float, lines: list[str], uid="1000"):
    unit = f"djops-job@{p}:{job}.service"
    base = {"DJOPS_PROJECT": p, "DJOPS_JOB": job, "_SYSTEMD_INVOCATION_ID": inv,
            "_SYSTEMD_UNIT": unit, "_HOSTNAME": "web1", "_UID": uid}  # fmt: skip
    out = [
        {**base, "MESSAGE": ln, "__REALTIME_TIMESTAMP": datetime.fromtimestamp(at, UTC)}
        for ln in lines
    ]
    result = {**base, "DJOPS_EVENT": event, "DJOPS_DURATION": "2.5", "DJOPS_EXIT": "0" if event == "job.done" else "3",
              "MESSAGE": f"job {job} {event}", "__REALTIME_TIMESTAMP": datetime.fromtimestamp(at + 2.5, UTC)}  # fmt: skip
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
    with pytest.raises(UsageError):
        history.show(cfg, "nosuch", 5, False)
    with pytest.raises(UsageError):
        history.show(cfg, "index", 0, False)
    assert "no runs" in history.show(cfg, "index", 5, False)
