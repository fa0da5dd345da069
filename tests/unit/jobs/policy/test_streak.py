"""Failures in a row, as alert_after counts them."""

from djops.jobs.policy import streak


def entry(event: str, invocation: str = "") -> dict:
    return {"DJOPS_EVENT": event, "_SYSTEMD_INVOCATION_ID": invocation}


def test_failures_in_a_row_stop_at_the_newest_success_and_skip_the_judged_run():
    runs = [entry("job.failed", "now"), entry("job.interrupted"), entry("job.failed")]
    runs += [entry("job.done"), entry("job.failed")]
    assert streak.streak(runs, "now") == 2
    assert streak.streak(runs) == 3
    later = [entry("job.failed", "later"), *runs]
    assert streak.streak(later, "now") == 2, "a run after the judged one does not count"
    assert streak.streak([entry("clearsessions.failed"), entry("clearsessions.done")]) == 1


def test_a_failed_run_is_a_failure_or_an_interruption_of_either_kind():
    assert [streak.failed(entry(e)) for e in ("job.failed", "clearsessions.interrupted")] == [
        True,
        True,
    ]
    assert not streak.failed(entry("job.done")) and not streak.failed({})
