"""A job run's result comes from systemd's record of the run (root's post
step reads it), never from what the job's code logs or says."""

import re

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


def test_the_clearsessions_relays_facts_round_trip_whatever_they_hold():
    """The facts come from the project's python: a reason that mimics the
    status line's own parts, garbage types and a long text neither confuse
    root nor overflow STATUS= (systemd drops a notify message over 4 KiB)."""
    facts = {"rows": 3, "batches": 1, "longest": 0.25, "database": "pg", "engine": "db",
             "error": 'x}; ran: exited 0 after 1.000s; cleared: {"rows": 9}'}  # fmt: skip
    status = verdict.said_cleared(facts, 1, 2.0, False, "running clearsessions here")
    assert verdict.heard(status) == verdict.Said(False, 1, 2.0)
    heard = verdict.heard_cleared(status)
    assert heard["rows"] == 3 and heard["error"] == facts["error"]
    odd = {"rows": "9e9", "batches": -1, "longest": float("inf"), "waited": True,
           "error": "\x1b]0;pwned\x07" + "é" * 5000, "database": ["pg"]}  # fmt: skip
    status = verdict.said_cleared(odd, 1, 2.0, False, "claimed this occurrence; running x on app1")
    assert len(status.encode()) < 3500
    heard = verdict.heard_cleared(status)
    assert (heard["rows"], heard["batches"], heard["longest"], heard["waited"]) == (0, 0, 0.0, 0.0)
    assert "\x1b" not in heard["error"] and heard["database"] == "['pg']"
    assert verdict.heard_cleared("running clearsessions here") == {}
    assert verdict.heard_cleared("cleared: {not json}; ran: exited 0 after 1.000s") == {}


def cleared(result, how, status, relay="", facts=None):
    return verdict.judge_cleared(
        "p", result, how, status, verdict.heard(relay), verdict.cleared_facts(facts or {}), 9.0
    )


def test_clearsessions_is_done_only_when_systemd_says_so():
    facts = {"rows": 5, "batches": 1, "database": "pg", "longest": 0.1}
    event, text, fields = cleared("success", "exited", "0", "ran: exited 0 after 1.000s", facts)
    assert event == "clearsessions.done" and fields["ROWS"] == 5 and fields["DURATION"] == 1.0
    assert text == "removed 5 expired sessions of p in 1 s (1 batch on pg, longest 0.1 s)"
    for result, how, status in (("exit-code", "exited", "1"), ("signal", "killed", "KILL")):
        got, _, fields = cleared(result, how, status, "ran: exited 0 after 1.000s", facts)
        assert got == "clearsessions.failed", result
    got, text, _ = cleared("signal", "killed", "KILL")
    assert text == "clearsessions of p failed: signal (killed KILL)", "systemd's words"
    stopped = cleared("exit-code", "exited", "1", "ran: interrupted 1 after 3.000s", facts)
    assert stopped[0] == "clearsessions.interrupted" and stopped[2]["ROWS"] == 5
    assert cleared("exec-condition", "exited", "1") is None, "paused"
    assert cleared("success", "exited", "0") is None, "skipped: the relay never ran it"


def test_a_clearsessions_reason_survives_systemds_status_text():
    """systemd drops a backslash of STATUS= as it stores it: a reason with
    quotes came back as "exit-code (exited 1)" (e2e test_20, both Debians)."""
    reason = 'the sqlite database "/var/opt/x.db" cannot be opened: 50% \\ é \x07'
    status = verdict.said_cleared({"error": reason}, 1, 0.5, False, "running clearsessions here")
    # what `systemctl show -p StatusText` read back in a booted Debian 13
    stored = re.sub(r"\\(.)", r"\1", status)
    assert (
        verdict.heard_cleared(stored)["error"] == verdict.cleared_facts({"error": reason})["error"]
    )
    assert verdict.heard_cleared(stored)["error"].startswith('the sqlite database "/var/opt/x.db"')
