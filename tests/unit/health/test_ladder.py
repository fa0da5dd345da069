from djops.events import ALERT, ERR
from djops.health.ladder import REMIND_EVERY, Ladder


def climb(lad: Ladder, results: list[bool], start: float = 0.0, step: float = 60.0):
    out = []
    for i, ok in enumerate(results):
        out.append(
            [(s.event, s.priority, s.mail, s.restart) for s in lad.observe(ok, start + i * step)]
        )
    return out


def test_default_ladder_degrades_alerts_restarts_once_then_reminds():
    lad = Ladder(1, 3, 5, can_restart=True)
    steps = climb(lad, [False] * 8)
    assert steps[0] == [("health.degraded", None, None, False)]
    assert steps[1] == []
    assert steps[2] == [("health.alert", ERR, "alert", False)]
    assert steps[3] == []
    assert steps[4] == [("health.restarted", None, None, True)]
    assert steps[5] == [("health.alert", ALERT, "reminder", False)]
    assert steps[6] == steps[7] == [], "reminders at most hourly"


def test_no_restart_loop_until_the_check_has_passed_again():
    lad = Ladder(1, 3, 5, can_restart=True)
    restarts = sum(s[3] for round_ in climb(lad, [False] * 200) for s in round_)
    assert restarts == 1
    assert climb(lad, [True]) == [[("health.recovered", None, "recovery", False)]]
    restarts = sum(s[3] for round_ in climb(lad, [False] * 6) for s in round_)
    assert restarts == 1, "re-armed by evidence of health"


def test_reminder_after_an_hour_and_recovery_without_mail_if_no_alert_went_out():
    lad = Ladder(1, 3, 5, can_restart=False)
    steps = climb(lad, [False] * 3)
    assert steps[2][0][2] == "alert"
    later = lad.observe(False, REMIND_EVERY + 500)
    assert [(s.event, s.priority, s.mail) for s in later] == [("health.alert", ALERT, "reminder")]
    small = Ladder(1, 3, 5, can_restart=True)
    climb(small, [False])
    assert [(s.event, s.mail) for s in small.observe(True, 100)] == [("health.recovered", None)]


def test_state_survives_a_daemon_restart():
    lad = Ladder(1, 3, 5, can_restart=True)
    climb(lad, [False] * 5)
    again = Ladder(1, 3, 5, can_restart=True)
    again.load(lad.to_dict())
    assert not any(s.restart for s in again.observe(False, 1000))


def test_a_clock_set_back_does_not_hold_the_next_reminder():
    lad = Ladder(1, 3, 5, can_restart=False)
    year = 365 * 86400.0
    for i in range(4):
        lad.observe(False, year + i)
    # the clock goes back a year; the reminder comes an hour later, not a year
    steps = [s for t in range(0, 3700, 60) for s in lad.observe(False, float(t))]
    assert [s.mail for s in steps if s.mail] == ["reminder"]


def test_a_held_restart_is_said_once_and_comes_when_the_hold_lifts():
    """The database is down: the site's check reaches restart_after, but a
    restart cannot heal a database. No restart while held, one line saying
    so; the restart comes in the first failing round that is not held."""
    lad = Ladder(1, 3, 5, can_restart=True)
    held = [
        [(s.event, s.restart) for s in lad.observe(False, i * 60.0, hold=True)] for i in range(8)
    ]
    assert not any(restart for round_ in held for _, restart in round_)
    assert held[4] == [("health.restart_held", False)]
    assert [e for round_ in held for e, _ in round_].count("health.restart_held") == 1
    steps = lad.observe(False, 600.0, hold=False)
    assert [(s.event, s.restart) for s in steps] == [("health.restarted", True)]
    after = lad.observe(False, 660.0)
    assert [(s.event, s.mail) for s in after] == [("health.alert", "reminder")]
    assert not any(s.restart for s in lad.observe(False, 720.0)), "still one per outage"


def test_a_check_that_passes_while_held_recovers_without_a_restart():
    lad = Ladder(1, 3, 5, can_restart=True)
    for i in range(6):
        lad.observe(False, float(i), hold=True)
    assert [s.event for s in lad.observe(True, 10.0)] == ["health.recovered"]
    again = Ladder(1, 3, 5, can_restart=True)
    again.load(lad.to_dict())
    assert [s[0] for s in climb(again, [False] * 5)[4]] == ["health.restarted"]


def test_the_restart_waits_for_what_it_heals_to_fail_restart_after_times():
    """An incident that began with a check no restart heals: the ladder is
    far along, the site has just begun to fail."""
    lad = Ladder(1, 3, 5, can_restart=True)
    steps = [lad.observe(False, i * 60.0, healable=max(0, i - 9)) for i in range(15)]
    assert [i for i, r in enumerate(steps) for s in r if s.restart] == [14]
    assert [s.mail for s in lad.observe(False, 15 * 60.0, healable=6)] == ["reminder"]
