"""Journal entries any local user can write are never taken for djops' own,
and journald drops them before a reader reads them."""

import time

import pytest
from fakejournal import Journal, entry

from djops.systemd import journal
from djops.text import one_line, printable


def test_only_root_or_the_projects_own_units_are_trusted():
    assert journal.trusted({"_UID": 0, "_SYSTEMD_UNIT": "session-3.scope"}, "shop")
    cleared = {"DJOPS_EVENT": "clearsessions.done", "_UID": 0}
    assert journal.trusted({**cleared, "_SYSTEMD_UNIT": "djops-clearsessions@shop.service"}, "shop")
    done = {"DJOPS_EVENT": "job.done", "DJOPS_JOB": "backup", "_UID": 0}
    assert journal.trusted({**done, "_SYSTEMD_UNIT": "djops-job@shop:backup.service"}, "shop")
    for forged in (
        {"_UID": 1000, "_SYSTEMD_UNIT": "session-3.scope"},  # logger at a shell
        {"_UID": 998, "_SYSTEMD_UNIT": "shop.service"},  # the project's gunicorn
        {**cleared, "_SYSTEMD_UNIT": "djops-clearsessions@shopx.service"},  # another project
        {"_UID": 998},
        # the project's python runs in clearsessions' unit, as the project user
        {**cleared, "_UID": 998, "_SYSTEMD_UNIT": "djops-clearsessions@shop.service"},
    ):
        assert not journal.trusted(forged, "shop"), forged


def test_a_result_counts_only_from_the_unit_it_is_about():
    """A job's own code shares its unit and user with djops' relay: it can
    log anything there, but not another job's or clearsessions' result."""
    mine = {"_UID": 998, "_SYSTEMD_UNIT": "djops-job@shop:mine.service"}
    for event, job in (
        ("job.done", "other"),
        ("job.skipped", "other"),
        ("job.done", "clearsessions"),
        ("job.skipped", "clearsessions"),
        ("clearsessions.done", None),
        ("clearsessions.done", "mine"),
        ("job.done", None),
    ):
        fields = {"DJOPS_EVENT": event, **({"DJOPS_JOB": job} if job else {})}
        assert not journal.trusted({**mine, **fields}, "shop"), fields
    # nor the reload's, the health daemon's or the heartbeat's
    for event in (
        "reload.applied",
        "reload.failed",
        "reload.rejected",
        "heartbeat.sent",
        "health.recovered",
    ):
        assert not journal.trusted({**mine, "DJOPS_EVENT": event}, "shop"), event
    # root logging another job's result (a root step of this unit): still not
    root_here = {**mine, "_UID": 0, "DJOPS_EVENT": "job.done", "DJOPS_JOB": "other"}
    assert not journal.trusted(root_here, "shop")
    skipped = {"_UID": 998, "DJOPS_EVENT": "job.skipped", "DJOPS_JOB": "clearsessions"}
    assert journal.trusted({**skipped, "_SYSTEMD_UNIT": "djops-clearsessions@shop.service"}, "shop")


def test_a_reload_is_applied_or_rejected_only_by_root():
    reload_unit = {"_SYSTEMD_UNIT": "djops-reload@shop.service"}
    for event in ("reload.applied", "reload.failed", "reload.rejected"):
        fields = {**reload_unit, "DJOPS_EVENT": event}
        assert journal.trusted({**fields, "_UID": 0}, "shop"), event
        # the validation runs the project's settings as the project user in this unit
        assert not journal.trusted({**fields, "_UID": 998}, "shop"), event


def test_messages_read_back_carry_no_terminal_escapes():
    entry = journal.clean({"MESSAGE": b"done\x1b]0;pwned\x07\r\nnext"})
    assert entry["MESSAGE"] == "done\\x1b]0;pwned\\x07\\x0d\\x0anext"
    assert journal.clean({"MESSAGE": "csi\x9b2J"})["MESSAGE"] == "csi\\x9b2J"
    assert printable("a\tb\nc\x1b") == "a\tb\nc\\x1b"
    assert one_line("x\r\nBcc: y") == "x Bcc: y"


def test_bidi_and_zero_width_characters_are_made_visible():
    """A job name or output line that reads backwards on a terminal or in a
    mail ("Trojan Source"), or hides a character, arrives escaped."""
    assert printable("ok\u202edeliaf\u202c") == "ok\\u202edeliaf\\u202c"
    assert printable("a\u200bb\u2066c\u2069\ufeff") == "a\\u200bb\\u2066c\\u2069\\ufeff"
    assert printable("x\u2028y", newlines=False) == "x\\u2028y"
    assert printable("Grüße ✓") == "Grüße ✓", "the rest of Unicode stays as it is"
    assert one_line("Subject\u202etext") == "Subject text"
    assert journal.clean({"MESSAGE": "job \u202eenod"})["MESSAGE"] == "job \\u202eenod"


def test_a_jobs_result_counts_only_from_root_in_its_own_unit():
    """Root's post step (ExecStopPost=+) logs it from systemd's record; the
    job's own code, in the same unit as the same user, cannot."""
    unit = {"_SYSTEMD_UNIT": "djops-job@shop:backup.service", "DJOPS_JOB": "backup"}
    for event in ("job.done", "job.failed", "job.interrupted"):
        assert journal.trusted({**unit, "DJOPS_EVENT": event, "_UID": "0"}, "shop")
        assert not journal.trusted({**unit, "DJOPS_EVENT": event, "_UID": "998"}, "shop")
    skipped = {**unit, "DJOPS_EVENT": "job.skipped", "_UID": "998"}
    assert journal.trusted(skipped, "shop"), "the relay's own skip (once per fleet)"


T0 = time.time() - 3600
FLOOD = 10_000


def flood(n: int = FLOOD, **fields) -> list[dict]:
    """Look-alikes user nobody sends from a shell (systemd-cat, logger, python)."""
    base = {"DJOPS_PROJECT": "shop", "SYSLOG_IDENTIFIER": "djops", "_UID": "65534",
            "_SYSTEMD_UNIT": "session-4.scope", "PRIORITY": "3"}  # fmt: skip
    return [
        entry(T0 + 100 + i / 1000, MESSAGE=f"forged {i}", **{**base, **fields}) for i in range(n)
    ]


def real(at: float, event: str, **fields) -> dict:
    job = fields.get("DJOPS_JOB")
    unit = f"djops-job@shop:{job}.service" if job else "djops-clearsessions@shop.service"
    uid = "998" if event == "job.skipped" else "0"
    return entry(T0 + at, DJOPS_PROJECT="shop", DJOPS_EVENT=event, _UID=uid, _SYSTEMD_UNIT=unit,
                 MESSAGE=f"real {event}", PRIORITY="3", **fields)  # fmt: skip


@pytest.fixture
def shop(monkeypatch):
    entries = [
        real(1, "job.failed", DJOPS_JOB="backup", DJOPS_EXIT="3", _SYSTEMD_INVOCATION_ID="i1"),
        real(2, "clearsessions.done", DJOPS_ROWS="5"),
        {**real(3, "job.skipped", DJOPS_JOB="backup", DJOPS_HOLDER="app2"), "PRIORITY": "5"},
        {**real(4, "health.alert"), "_UID": "0", "_SYSTEMD_UNIT": "djops-health@shop.service"},
    ]
    for event in ("job.failed", "job.done", "job.skipped", "clearsessions.done", "health.alert"):
        entries += flood(
            FLOOD // 5, DJOPS_EVENT=event, DJOPS_JOB="backup", _SYSTEMD_INVOCATION_ID="i1"
        )
    entries.sort(key=lambda e: e["__REALTIME_TIMESTAMP"])
    return Journal(entries).install(monkeypatch)


def test_a_flood_from_nobody_is_never_read_by_last_event(shop):
    failed = journal.last_event("shop", ("job.done", "job.failed"), job="backup")
    assert failed and failed["MESSAGE"] == "real job.failed"
    assert journal.last_event("shop", ("job.done",), job="backup") is None
    mine = journal.last_event("shop", ("job.failed",), job="backup", invocation="i1")
    assert mine and mine["MESSAGE"] == "real job.failed"
    assert (
        journal.last_event("shop", ("clearsessions.done",))["MESSAGE"] == "real clearsessions.done"
    )
    assert journal.last_event("shop", ("health.alert",))["MESSAGE"] == "real health.alert"
    assert journal.last_event("shop", ("job.skipped",), job="backup")["DJOPS_HOLDER"] == "app2"
    assert shop.reads == 5, "journald handed over only the real entries"


def test_a_flood_from_nobody_is_never_read_by_recent_or_count_since(shop):
    trouble = journal.recent("shop", 4, 2 * 3600, ("backup",))
    assert [e["MESSAGE"] for e in trouble] == [
        "real job.failed",
        "real clearsessions.done",
        "real health.alert",
    ]
    assert journal.count_since("shop", "job.skipped", "backup", T0) == 1
    assert shop.reads == 4


def test_a_query_nothing_can_answer_reads_nothing(shop):
    assert journal.last_event("shop", ("job.done",)) is None, "a job's result needs its job"
    assert journal.count_since("shop", "job.done", "", T0) == 0
    assert shop.reads == 0


def test_a_flood_from_nobody_is_never_read_by_the_alert_policys_results(shop):
    from djops.systemd import results

    [failed] = results.newest("shop", "backup", 5)
    assert failed["MESSAGE"] == "real job.failed" and shop.reads == 1
