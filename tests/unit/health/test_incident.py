"""One incident per project: the checks failing together for one cause give
one alert, one restart, one recovery; a planned window is no trouble."""

import json
import time

import pytest

from djops.events import ALERT, ERR
from djops.health.incident import FROM_UNITS, Incident
from djops.health.ladder import REMIND_EVERY

OK = {
    "service": (True, "p.service active (running)"),
    "http": (True, "GET http://127.0.0.1:8000/: HTTP 200"),
    "disk": (True, "12 GiB free"),
    "database": (True, "127.0.0.1:5432 accepts connections"),
}
DOWN = {
    "service": (False, "p.service failed (failed)"),
    "http": (False, "GET http://127.0.0.1:8000/: Connection refused"),
}
DB_DOWN = {
    "database": (False, "127.0.0.1:5432: Connection refused"),
    "http": (False, "GET http://127.0.0.1:8000/: HTTP 500"),
}
T0 = 1_780_000_000.0


def rounds(inc: Incident, seq, start: float = T0, every: float = 60.0, planned=()):
    """Each round's steps as (event, priority, mail, restart, checks, cause)."""
    out = []
    for i, failing in enumerate(seq):
        results = {**OK, **failing}
        steps = inc.observe(results, start + i * every, planned=i in planned)
        out.append(
            [
                (s.step.event, s.step.priority, s.step.mail, s.step.restart, s.checks, s.cause)
                for s in steps
            ]
        )
    return out


def flat(out):
    return [s for r in out for s in r]


def test_a_gunicorn_crash_is_one_alert_one_restart_one_recovery():
    inc = Incident(1, 3, 5, "p.service")
    out = rounds(inc, [DOWN] * 6 + [{}])
    both = ("service", "http")
    assert out[0] == [("health.degraded", None, None, False, both, "service")]
    assert out[2] == [("health.alert", ERR, "alert", False, both, "service")]
    assert out[4] == [("health.restarted", None, None, True, both, "service")]
    assert out[5] == [("health.alert", ALERT, "reminder", False, both, "service")]
    assert out[6] == [("health.recovered", None, "recovery", False, both, "service")]
    events = [s[0] for s in flat(out)]
    assert events.count("health.alert") == 2  # the alert, and the reminder after the restart
    assert [s[2] for s in flat(out) if s[2]] == ["alert", "reminder", "recovery"]
    assert sum(s[3] for s in flat(out)) == 1


def test_every_step_of_one_incident_has_its_id_and_the_next_incident_another():
    inc = Incident(1, 3, 5)
    ids = {s.incident for i in range(7) for s in inc.observe({**OK, **DOWN}, T0 + i / 10)}
    [s] = inc.observe(OK, T0 + 0.7)
    assert ids == {s.incident} and s.incident == "20260528T202640Z"
    [again] = inc.observe({**OK, **DOWN}, T0 + 0.8)  # the same second: still its own id
    assert again.incident == "20260528T202640Z-2" and again.since == T0 + 0.8
    assert inc.observe(OK, T0 + 8)[0].incident == again.incident
    [third] = inc.observe({**OK, **DOWN}, T0 + 9)
    assert third.incident == "20260528T202649Z"


def test_the_alert_names_every_failing_check_and_their_detail():
    inc = Incident(1, 1, 5, "p.service")
    [_, alert] = inc.observe({**OK, **DOWN}, T0)
    assert alert.step.mail == "alert" and alert.checks == ("service", "http")
    assert alert.detail == (
        "service: p.service failed (failed); http: GET http://127.0.0.1:8000/: Connection refused"
    )
    assert alert.since == T0 and alert.failures == 1


def test_a_database_outage_holds_the_restart_once_and_names_the_cause():
    inc = Incident(1, 3, 5, "p.service")
    out = rounds(inc, [DB_DOWN] * 8)
    steps = flat(out)
    assert not any(s[3] for s in steps), "a restart cannot heal the database"
    assert [s[0] for s in out[4]] == ["health.restart_held"]
    assert [s[0] for s in steps].count("health.restart_held") == 1
    assert all(s[4] == ("database", "http") and s[5] == "database" for s in steps)


def test_the_held_restart_comes_when_the_database_is_back_but_the_site_is_not():
    inc = Incident(1, 3, 5, "p.service")
    http_down = {"http": DB_DOWN["http"]}
    out = rounds(inc, [DB_DOWN] * 6 + [http_down] * 3)
    assert not any(s[3] for s in flat(out[:7])), "a round for the site to reconnect"
    assert [s[0] for s in out[7]] == ["health.restarted"] and out[7][0][3]
    assert [s[0] for s in out[8]] == ["health.alert"]  # the reminder after the restart


def test_a_held_restart_says_why_in_its_detail():
    inc = Incident(1, 3, 5, "p.service")
    steps = [s for i in range(5) for s in inc.observe({**OK, **DB_DOWN}, T0 + i * 60)]
    held = next(s for s in steps if s.step.event == "health.restart_held")
    assert held.detail == (
        "database: 127.0.0.1:5432: Connection refused; http: GET http://127.0.0.1:8000/: "
        "HTTP 500; cause: check database, which a restart of p.service cannot heal"
    )
    inc = Incident(1, 1, 2, "p.service")
    inc.observe({**OK, **DB_DOWN}, T0)
    [back] = inc.observe({**OK, "http": DB_DOWN["http"]}, T0 + 60)  # a round to reconnect
    assert back.step.event == "health.restart_held" and back.detail.endswith(
        "; cause: check database failing until this round (127.0.0.1:5432: Connection "
        "refused), which a restart of p.service cannot heal"
    )


def test_reminders_at_most_hourly_then_one_recovery():
    inc = Incident(1, 3, 5)
    out = rounds(inc, [DOWN] * 126, every=60.0)  # two hours and 5 minutes
    reminders = [i for i, r in enumerate(out) for s in r if s[2] == "reminder"]
    assert reminders == [5, 65, 125]  # after the restart, then one per hour
    assert rounds(inc, [{}])[0][0][:3] == ("health.recovered", None, "recovery")
    assert rounds(inc, [{}]) == [[]]


def test_a_planned_window_of_three_rounds_gives_no_step_at_all():
    inc = Incident(1, 3, 5)
    out = rounds(inc, [DOWN] * 3 + [{}] * 3, planned={0, 1, 2})
    assert flat(out) == []
    assert inc.ladder.failures == 0 and inc.id == ""


def test_a_handover_seen_mid_stop_is_no_trouble():
    inc = Incident(1, 1, 1)
    stopping = {"service": (False, "p.service deactivating (stop-sigterm)")}
    assert rounds(inc, [stopping, {}], planned={0}) == [[], []]


def test_a_window_neither_counts_nor_ends_an_outage():
    inc = Incident(1, 3, 5)
    out = rounds(inc, [DOWN] * 2 + [DOWN] * 3 + [DOWN], planned={2, 3, 4})
    assert out[2:5] == [[], [], []]
    assert [s[0] for s in out[5]] == ["health.alert"], "the third counted failure"
    assert out[5][0][2] == "alert"


def test_a_window_excuses_only_service_and_http():
    inc = Incident(1, 1, 5)
    disk = {"disk": (False, "/var/opt/p: 1% free")}
    [[degraded, alert]] = rounds(inc, [{**DOWN, **disk}], planned={0})
    assert degraded[4] == alert[4] == ("disk",) and alert[3] is False


def test_after_the_self_healing_restart_its_window_is_no_trouble_then_it_recovers():
    inc = Incident(1, 3, 5)
    out = rounds(inc, [DOWN] * 5 + [DOWN] * 2 + [{}], planned={5, 6})
    assert out[4][0][0] == "health.restarted"
    assert out[5:7] == [[], []]
    assert [s[:3] for s in out[7]] == [("health.recovered", None, "recovery")]


def test_a_check_no_restart_heals_first_does_not_hurry_the_restart():
    """disk failing for an hour, then gunicorn dies: the restart still waits
    restart_after failures of the site, not of the incident."""
    inc = Incident(1, 3, 5)
    disk = {"disk": (False, "/var/opt/p: 1% free")}
    out = rounds(inc, [disk] * 60 + [{**disk, **DOWN}] * 5)
    restarts = [i for i, r in enumerate(out) for s in r if s[3]]
    assert restarts == [64]
    assert out[64][0][4] == ("service", "http", "disk")


def test_the_restart_rearms_when_the_site_is_back_even_if_the_incident_goes_on():
    inc = Incident(1, 3, 5)
    disk = {"disk": (False, "/var/opt/p: 1% free")}
    out = rounds(inc, [{**disk, **DOWN}] * 5 + [disk] * 2 + [{**disk, **DOWN}] * 5)
    restarts = [i for i, r in enumerate(out) for s in r if s[3]]
    assert restarts == [4, 11]
    assert not [s for s in flat(out[5:7]) if s[2] == "reminder"], "the restart healed the site"


def test_an_incident_survives_a_restart_of_the_daemon():
    a = Incident(1, 3, 5)
    rounds(a, [DOWN] * 4)
    b = Incident(1, 3, 5)
    b.load(json.loads(json.dumps(a.to_dict())))
    assert b.to_dict() == a.to_dict()
    out = rounds(b, [DOWN] * 2 + [{}], start=T0 + 240)
    assert [s[0] for s in flat(out)] == ["health.restarted", "health.alert", "health.recovered"]
    assert b.id == "" and a.id  # the recovery ended the incident a had begun


@pytest.mark.parametrize(
    "saved",
    [
        None,
        "garbage",
        [],
        {"ladder": "x", "streaks": [1], "details": 3, "seen": "service", "id": 7},
        {"id": "<evil>@x\r\nBcc: y", "since": True, "ladder": {"failures": "3"}},
        {"streaks": {"service": True, "nope": 3, "http": -1}, "seen": ["nope", 1]},
        {"ladder": {"failures": 4, "alerted": True}, "id": "bad id", "since": "x"},
    ],
)
def test_garbage_saved_state_loads_safely(saved):
    inc = Incident(1, 3, 5)
    inc.load(saved)
    d = inc.to_dict()
    assert set(d["streaks"]) <= {"service", "http"} and all(v > 0 for v in d["streaks"].values())
    assert all(c.isalnum() or c == "-" for c in d["id"])
    out = rounds(inc, [DOWN] * 6 + [{}], start=time.time())
    assert sum(s[3] for s in flat(out)) <= 1
    assert flat(out)[-1][0] == "health.recovered"
    assert inc.id == "" and inc.ladder.failures == 0


def test_a_saved_count_without_an_id_gets_one():
    inc = Incident(1, 3, 5)
    inc.load({"ladder": {"failures": 4, "alerted": True}, "since": T0})
    assert inc.id == "20260528T202640Z"
    [recovered] = inc.observe(OK, T0 + 300)
    assert recovered.incident == "20260528T202640Z" and recovered.step.mail == "recovery"


def test_a_clock_set_back_does_not_hold_the_next_reminder():
    inc = Incident(1, 3, 5)
    rounds(inc, [DOWN] * 6)
    later = rounds(inc, [DOWN] * 2, start=T0 - 10 * REMIND_EVERY)
    assert [s[2] for s in flat(later)] == []
    out = rounds(inc, [DOWN], start=T0 - 9 * REMIND_EVERY)
    assert [s[2] for s in flat(out)] == ["reminder"]


def test_an_upgrade_mid_outage_takes_over_the_per_check_ladders_of_0_1():
    """health-P.json of 0.1: service and http each alerted and restarted."""
    lad = {"failures": 6, "restarted": True, "alerted": True, "last_reminder": T0 + 300.0}
    checks = {
        "service": {"ok": False, "detail": "p.service failed (failed)", "at": T0, "ladder": lad},
        "http": {"ok": False, "detail": "refused", "at": T0, "ladder": {**lad, "failures": 5}},
        "disk": {"ok": True, "detail": "fine", "at": T0, "ladder": {"failures": 0}},
        "nope": {"ok": False, "ladder": lad},
    }
    inc = Incident(1, 3, 5)
    inc.adopt(checks)
    assert inc.ladder.failures == 6 and inc.streaks == {"service": 6, "http": 5}
    assert inc.id == "20260528T202640Z" and inc.seen == ["service", "http"]
    out = rounds(inc, [DOWN] * 3 + [{}], start=T0 + 60)
    assert [s[:4] for s in flat(out)] == [("health.recovered", None, "recovery", False)]


@pytest.mark.parametrize("checks", [None, [], {"service": "x"}, {"service": {"ok": False}}])
def test_adopting_garbage_or_health_is_no_incident(checks):
    inc = Incident(1, 3, 5)
    inc.adopt(checks)
    assert inc.ladder.failures == 0 and inc.id == ""


def test_checks_pid1_could_not_answer_neither_count_nor_reset():
    """PID 1 busy with a reload of thousands of units: the unit checks read
    "?" for every project; that is unknown, not 100 sites failing."""
    inc = Incident(1, 3, 5)
    unread = {"service": (False, "p.service ? (?)"), "jobs": (False, "? (?)")}
    assert inc.observe(unread, T0, unknown=FROM_UNITS) == []
    assert inc.ladder.failures == 0 and not inc.id
    inc.observe({"service": DOWN["service"]}, T0 + 60)
    inc.observe(unread, T0 + 120, unknown=FROM_UNITS)
    assert inc.streaks == {"service": 1}, "an unread round keeps the streak it had"
