"""Journal entries any local user can write are never taken for djops' own."""

from djops.systemd import journal
from djops.text import one_line, printable


def test_only_root_or_the_projects_own_units_are_trusted():
    assert journal.trusted({"_UID": 0, "_SYSTEMD_UNIT": "session-3.scope"}, "shop")
    cleared = {"DJOPS_EVENT": "clearsessions.done", "_UID": 998}
    assert journal.trusted({**cleared, "_SYSTEMD_UNIT": "djops-clearsessions@shop.service"}, "shop")
    done = {"DJOPS_EVENT": "job.done", "DJOPS_JOB": "backup", "_UID": 998}
    assert journal.trusted({**done, "_SYSTEMD_UNIT": "djops-job@shop:backup.service"}, "shop")
    for forged in (
        {"_UID": 1000, "_SYSTEMD_UNIT": "session-3.scope"},  # logger at a shell
        {"_UID": 998, "_SYSTEMD_UNIT": "shop.service"},  # the project's gunicorn
        {**cleared, "_SYSTEMD_UNIT": "djops-clearsessions@shopx.service"},  # another project
        {"_UID": 998},
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


def test_a_reload_is_applied_only_by_root():
    reload_unit = {"_SYSTEMD_UNIT": "djops-reload@shop.service"}
    applied = {**reload_unit, "DJOPS_EVENT": "reload.applied"}
    assert journal.trusted({**applied, "_UID": 0}, "shop")
    # the validation step runs the project's settings as the project user
    assert not journal.trusted({**applied, "_UID": 998}, "shop")
    assert not journal.trusted({**applied, "_UID": 998, "DJOPS_EVENT": "reload.failed"}, "shop")
    assert journal.trusted({**reload_unit, "_UID": 998, "DJOPS_EVENT": "reload.rejected"}, "shop")


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
