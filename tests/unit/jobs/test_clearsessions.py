"""`djops clearsessions P`, inside its unit: the result line counts right."""

import time

import pytest

from djops import config
from djops.bridge.project_python import Result
from djops.errors import OperationError
from djops.events import CLEARSESSIONS_RESULT
from djops.jobs import clearsessions, verdict


@pytest.fixture
def ran(project, monkeypatch, sent):
    """run_here() with the project's python answering `data`."""

    def run(data: dict) -> str:
        monkeypatch.setattr(clearsessions.project_python, "run", lambda *a, **k: Result(0, data))
        return clearsessions.run_here(config.load(project, live=False))

    return run


def test_one_session_in_one_batch_is_singular(ran):
    text = ran({"rows": 1, "batches": 1, "engine": "db", "database": "pg", "longest": 0.01})
    assert text.startswith("removed 1 expired session of p in ")
    assert "(1 batch on pg, longest 0.01 s)" in text


def test_many_are_plural(ran):
    text = ran({"rows": 3000, "batches": 3, "engine": "db", "database": "pg", "longest": 0.2})
    assert text.startswith("removed 3000 expired sessions of p in ")
    assert "(3 batches on pg, longest 0.2 s)" in text


@pytest.fixture
def notified(monkeypatch):
    states: list[str] = []
    monkeypatch.setattr(clearsessions.sd_notify.Notifier, "send", lambda self, s: states.append(s))
    return states


def test_the_relay_says_its_rows_to_root_and_logs_no_result_itself(
    ran, sent, notified, monkeypatch
):
    """The project's python runs in this unit as the project user: a result
    logged from here would be no better than one it forged. The rows go in
    the relay's STATUS= (only the main process may set it), for root's post
    step to log clearsessions.done from systemd's record."""
    data = {"rows": 7, "batches": 2, "engine": "db", "database": "pg", "longest": 0.5}
    text = ran(data)
    assert not [f for _, f in sent if f.get("DJOPS_EVENT")], "no event from the relay"
    status = notified[-1].removeprefix("STATUS=")
    assert verdict.heard(status) == verdict.Said(False, 0, verdict.heard(status).seconds)
    assert verdict.heard_cleared(status)["rows"] == 7
    assert status.startswith("running clearsessions here; cleared: {")
    # root's post step after that run, from systemd's record
    entry = root_logs(monkeypatch, status, "success", "0")
    assert entry["DJOPS_EVENT"] == "clearsessions.done" and entry["DJOPS_ROWS"] == "7"
    assert entry["MESSAGE"] == text, "root says what the relay printed"
    [(_, fields)] = [(m, f) for m, f in sent if f.get("DJOPS_EVENT")]
    assert fields["DJOPS_JOB"] == "clearsessions" and fields["DJOPS_BATCHES"] == "2"
    assert fields["PRIORITY"] == "6"


def root_logs(monkeypatch, status: str, result: str, exit_status: str) -> dict:
    """What root's post step (ExecStopPost=+) logs after the run whose relay
    said `status`, with systemd's $SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS."""
    monkeypatch.setenv("SERVICE_RESULT", result)
    monkeypatch.setenv("EXIT_CODE", "exited")
    monkeypatch.setenv("EXIT_STATUS", exit_status)
    entry = verdict.log("p", "clearsessions", {"StatusText": status})
    assert entry is not None
    return entry


def test_a_failure_is_root_s_with_the_workers_reason(project, monkeypatch, sent, notified):
    failed = Result(1, {"error": 'the sqlite database "/x.db" cannot be opened'})
    monkeypatch.setattr(clearsessions.project_python, "run", lambda *a, **k: failed)
    with pytest.raises(OperationError) as e:
        clearsessions.run_here(config.load(project, live=False))
    assert str(e.value) == 'clearsessions of p failed: the sqlite database "/x.db" cannot be opened'
    assert not [f for _, f in sent if f.get("DJOPS_EVENT")], "no event from the relay"
    entry = root_logs(monkeypatch, notified[-1].removeprefix("STATUS="), "exit-code", "1")
    assert entry["DJOPS_EVENT"] == "clearsessions.failed"
    assert entry["DJOPS_REASON"] == 'the sqlite database "/x.db" cannot be opened'
    assert entry["MESSAGE"] == str(e.value)


def test_an_interrupted_run_reports_the_rows_it_committed(project, monkeypatch, sent, notified):
    stopped = Result(3, {"interrupted": True, "rows": 1234})
    monkeypatch.setattr(clearsessions.project_python, "run", lambda *a, **k: stopped)
    with pytest.raises(OperationError, match="interrupted after removing 1234 expired sessions"):
        clearsessions.run_here(config.load(project, live=False))
    entry = root_logs(monkeypatch, notified[-1].removeprefix("STATUS="), "exit-code", "1")
    assert entry["DJOPS_EVENT"] == "clearsessions.interrupted" and entry["DJOPS_ROWS"] == "1234"


def test_a_relay_that_said_success_but_failed_for_systemd_failed(monkeypatch, sent):
    """systemd's record wins: the relay's words never turn a failure into a
    success (the relay's status is the main process's; its end is systemd's)."""
    status = verdict.said_cleared({"rows": 5}, 0, 1.0, False, "running clearsessions here")
    for result, code in (("exit-code", "1"), ("signal", "9"), ("oom-kill", "0")):
        assert root_logs(monkeypatch, status, result, code)["DJOPS_EVENT"] == "clearsessions.failed"
    assert (
        root_logs(monkeypatch, status, "timeout", "15")["DJOPS_EVENT"]
        == "clearsessions.interrupted"
    )


def test_a_late_success_the_projects_python_logs_after_a_failure_changes_nothing(
    project, confdir, monkeypatch
):
    """The run failed (root's post step says so); then a process the
    project's python left behind, in the unit and as the project user, logs
    a clearsessions.done for it: status, history, the metrics and the alert
    policy's count still say failed."""
    from fakejournal import Journal, entry

    from djops.jobs import history
    from djops.jobs.policy import streak
    from djops.metrics import collect
    from djops.systemd import lastruns, results

    cfg = config.load(project, live=False)
    p, t0 = cfg.name, time.time() - 100
    run = {"DJOPS_PROJECT": p, "DJOPS_JOB": "clearsessions", "_SYSTEMD_INVOCATION_ID": "a",
           "_SYSTEMD_UNIT": f"djops-clearsessions@{p}.service", "PRIORITY": "3"}  # fmt: skip
    failed = entry(t0, MESSAGE=f"clearsessions of {p} failed: boom", DJOPS_EVENT="clearsessions.failed",
                   DJOPS_REASON="boom", _UID="0", **run)  # fmt: skip
    forged = entry(t0 + 5, MESSAGE="removed 0 expired sessions", DJOPS_EVENT="clearsessions.done",
                   DJOPS_ROWS="999", DJOPS_DURATION="1", _UID="998", **{**run, "PRIORITY": "6"})  # fmt: skip
    Journal([failed, forged]).install(monkeypatch)
    line = lastruns.last_run(p, CLEARSESSIONS_RESULT, "clearsessions", by_job=False)
    assert " failed here " in line and "boom" in line, line
    [row] = history.runs(cfg, "clearsessions", 5)
    assert row["result"] == "failed"
    seen = collect._job(p, "clearsessions")
    assert "done" not in seen and seen["last"]["exit"] == 1.0
    assert streak.streak(results.newest(p, "clearsessions", 5)) == 1
