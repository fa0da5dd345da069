"""Whose mail opens an incident's thread: P.service's own failure mail, when
it comes first, is the incident's alert; health answers it."""

import json
import os

import pytest

from djops import paths
from djops.mail import threads

FAILED = "<djops.p.failed-0123456789ab@h>"
OWN = "<djops.p.20261205T010000Z@h>"
T0 = 1_780_000_000.0


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))


def test_a_failure_mail_opens_the_thread_and_the_alert_is_not_sent_again():
    assert threads.open_by_failure("p", FAILED, now=T0) == {"Message-Id": FAILED}
    assert threads.opened_by_failure("p", "INC1", since=T0 + 60, before=T0 + 60)
    assert threads.for_step("p", "INC1", "alert", T0 + 60, OWN) is None
    assert threads.read("p")["incident"] == "INC1", "health took it over"
    reply = {"In-Reply-To": FAILED, "References": FAILED}
    assert threads.for_step("p", "INC1", "reminder", T0 + 60, OWN) == reply
    assert threads.for_step("p", "INC1", "recovery", T0 + 60, OWN) == reply
    assert threads.read("p") is None, "the recovery closes the thread"


def test_without_a_failure_mail_health_alert_opens_it_and_a_later_failure_answers():
    assert threads.for_step("p", "INC1", "alert", T0, OWN) == {"Message-Id": OWN}
    assert threads.open_by_failure("p", FAILED) is None, "a thread is open: answer it"
    assert threads.read("p")["root"] == OWN
    assert not threads.opened_by_failure("p", "INC1", since=T0, before=T0)
    assert threads.for_step("p", "INC1", "recovery", T0, OWN)["In-Reply-To"] == OWN


def test_a_failure_mail_older_than_the_adoption_bound_opens_nothing():
    threads.open_by_failure("p", FAILED, now=T0)
    later = T0 + threads.ADOPT_SECONDS + 1
    assert not threads.opened_by_failure("p", "INC1", since=later, before=later)
    assert threads.for_step("p", "INC1", "alert", later, OWN) == {"Message-Id": OWN}
    assert threads.read("p")["root"] == OWN, "the stale note was replaced"


def test_an_earlier_incidents_note_left_by_a_crash_is_not_this_thread():
    threads.for_step("p", "OLD", "alert", T0, "<djops.p.OLD@h>")
    assert threads.for_step("p", "NEW", "alert", T0 + 600, OWN) == {"Message-Id": OWN}
    assert threads.for_step("p", "NEW", "recovery", T0 + 600, OWN)["References"] == OWN


def test_settle_drops_a_failure_the_site_was_back_from_and_keeps_a_fresh_one():
    threads.open_by_failure("p", FAILED, now=T0)
    threads.settle("p", before=T0 - 1)  # a round that began before the failure
    assert threads.read("p")["root"] == FAILED
    threads.settle("p", before=T0 + 1)
    assert threads.read("p") is None
    threads.for_step("p", "INC1", "alert", T0, OWN)
    threads.settle("p", before=T0 - 1)  # no incident is open: its note is stale
    assert threads.read("p") is None


@pytest.mark.parametrize(
    "note",
    [
        "garbage",
        {"root": "<x@h>\r\nBcc: a@b", "by": "failure", "at": T0, "incident": ""},
        {"root": FAILED, "by": "someone", "at": T0, "incident": ""},
        {"root": FAILED, "by": "failure", "at": "now", "incident": ""},
        {"root": FAILED, "by": "failure", "at": T0, "incident": "../x"},
    ],
)
def test_a_note_that_is_not_whole_is_no_thread(note):
    path = paths.incident_thread("p")
    path.parent.mkdir(parents=True)
    path.write_text(note if isinstance(note, str) else json.dumps(note))
    os.chmod(path, 0o600)
    assert threads.read("p") is None
    assert threads.for_step("p", "INC1", "alert", T0, OWN) == {"Message-Id": OWN}


def test_a_failure_after_the_rounds_probes_is_not_the_recovering_incidents():
    """P.service fails just as an earlier incident recovers: the recovery
    must not answer (and close) the new failure's thread."""
    threads.for_step("p", "OLD", "alert", T0, "<djops.p.OLD@h>")
    threads.close("p")  # say the old one had no note left
    threads.open_by_failure("p", FAILED, now=T0 + 100)
    assert not threads.opened_by_failure("p", "OLD", since=T0, before=T0 + 90), "after the probes"
    assert threads.for_step("p", "OLD", "recovery", T0, "<djops.p.OLD@h>")["References"] == (
        "<djops.p.OLD@h>"
    )
    assert threads.read("p")["root"] == FAILED, "kept for the incident it opens"
