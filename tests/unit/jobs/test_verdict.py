"""A job run's result comes from systemd's record of the run (root's post
step reads it), never from what the job's code logs or says."""

import pytest

from djops.jobs import verdict
from djops.systemd import journal


def judge(result, how, status, relay="", seconds=9.0):
    return verdict.judge("p", "index", result, how, status, verdict.heard(relay), seconds)


def test_the_relays_status_line_round_trips():
    assert verdict.heard(verdict.said(3, 1.2345, False)) == verdict.Said(False, 3, 1.234)
    assert verdict.heard(verdict.said(-9, 0, True)) == verdict.Said(True, -9, 0.0)
    claimed = verdict.said(0, 2, False, "claimed this occurrence; running index on app1")
    assert claimed == "claimed this occurrence; running index on app1; ran: exited 0 after 2.000s"
    assert verdict.heard(claimed) == verdict.Said(False, 0, 2.0)
    for other in (
        "",
        "running index here",
        "skipped: app2 ran it",
        "ran: exited x after 1s",
        "bran: exited 0 after 1s",
    ):
        assert verdict.heard(other) is None


def test_success_needs_systemds_success_and_the_relays_exit_0():
    event, text, fields = judge("success", "exited", "0", "ran: exited 0 after 1.500s")
    assert (event, text) == ("job.done", "job index of p done in 1.5 s")
    assert fields == {"JOB": "index", "DURATION": 1.5, "EXIT": 0}


@pytest.mark.parametrize(
    ("result", "how", "status", "relay", "event", "code"),
    [
        ("exit-code", "exited", "3", "ran: exited 3 after 1.000s", "job.failed", 3),
        ("exit-code", "exited", "1", "ran: exited -9 after 1.000s", "job.failed", -9),
        # the relay said "0", systemd says it failed: systemd wins
        ("exit-code", "exited", "1", "ran: exited 0 after 1.000s", "job.failed", 0),
        ("signal", "killed", "KILL", "", "job.failed", 1),  # the relay itself was killed
        ("oom-kill", "killed", "KILL", "ran: exited 0 after 1.000s", "job.failed", 0),
        ("exit-code", "exited", "1", "ran: interrupted 143 after 1.000s", "job.interrupted", 143),
        ("timeout", "killed", "TERM", "", "job.interrupted", 143),
    ],
)
def test_anything_but_systemds_success_is_no_success(result, how, status, relay, event, code):
    got, _, fields = judge(result, how, status, relay)
    assert (got, fields["EXIT"]) == (event, code)


def test_a_run_that_never_ran_logs_nothing():
    assert judge("exec-condition", "exited", "1") is None, "paused: ExecCondition= said no"
    assert judge("success", "exited", "0", "") is None, "the relay never reached the command"


def test_root_logs_it_from_the_environment_systemd_gives_its_post_step(monkeypatch, sent):
    monkeypatch.setenv("SERVICE_RESULT", "exit-code")
    monkeypatch.setenv("EXIT_CODE", "exited")
    monkeypatch.setenv("EXIT_STATUS", "4")
    shown = {"StatusText": "ran: exited 4 after 2.000s"}
    monkeypatch.setattr(verdict.systemctl, "show", lambda unit, *props: shown)
    entry = verdict.log("p", "index", verdict.record("djops-job@p:index.service"))
    assert entry and entry["DJOPS_EVENT"] == "job.failed" and entry["DJOPS_EXIT"] == "4"
    [(message, fields)] = sent
    assert message == "job index of p failed: exit status 4 after 2 s"
    assert fields["DJOPS_EVENT"] == "job.failed" and fields["PRIORITY"] == "3"
    assert journal.trusted({**fields, "_UID": 0, "_SYSTEMD_UNIT": "djops-job@p:index.service"}, "p")
