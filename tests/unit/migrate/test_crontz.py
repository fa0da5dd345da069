"""Which crontab variable gives the schedule's zone, and what an unknown one says."""

from djops.migrate import crontz


def test_cron_tz_before_tz_and_none_is_the_servers():
    env = {"TZ": ("Europe/Berlin", "f:1"), "CRON_TZ": ("Asia/Tokyo", "f:2")}
    assert crontz.zone(env) == ("Asia/Tokyo", "", "f:2")
    assert crontz.zone({"TZ": (":Europe/Berlin", "f:1")}) == ("Europe/Berlin", "", "f:1")
    assert crontz.zone({"CRON_TZ": ("", "f:3")}) == ("", "", "f:3")
    assert crontz.zone({"PATH": ("/bin", "f:1")}) == ("", "", "")


def test_an_unknown_or_odd_zone_says_where_and_what_was_expected():
    for value in ("Mars/Olympus", "../../etc/passwd", "CET-1CEST,M3.5.0"):
        zone, why, where = crontz.zone({"CRON_TZ": (value, "/etc/cron.d/x:4")})
        assert (zone, where) == ("", "")
        assert why.startswith(f"CRON_TZ={value} (/etc/cron.d/x:4) is no time zone in "), why
