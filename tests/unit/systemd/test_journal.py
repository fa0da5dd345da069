"""Journal entries any local user can write are never taken for djops' own."""

from djops.systemd import journal
from djops.text import one_line, printable


def test_only_root_or_the_projects_own_units_are_trusted():
    assert journal.trusted({"_UID": 0, "_SYSTEMD_UNIT": "session-3.scope"}, "shop")
    assert journal.trusted(
        {"_UID": 998, "_SYSTEMD_UNIT": "djops-clearsessions@shop.service"}, "shop"
    )
    assert journal.trusted({"_UID": 998, "_SYSTEMD_UNIT": "djops-job@shop:backup.service"}, "shop")
    for forged in (
        {"_UID": 1000, "_SYSTEMD_UNIT": "session-3.scope"},  # logger at a shell
        {"_UID": 998, "_SYSTEMD_UNIT": "shop.service"},  # the project's gunicorn
        {"_UID": 998, "_SYSTEMD_UNIT": "djops-clearsessions@shopx.service"},  # another project
        {"_UID": 998},
    ):
        assert not journal.trusted(forged, "shop"), forged


def test_messages_read_back_carry_no_terminal_escapes():
    entry = journal.clean({"MESSAGE": b"done\x1b]0;pwned\x07\r\nnext"})
    assert entry["MESSAGE"] == "done\\x1b]0;pwned\\x07\\x0d\\x0anext"
    assert journal.clean({"MESSAGE": "csi\x9b2J"})["MESSAGE"] == "csi\\x9b2J"
    assert printable("a\tb\nc\x1b") == "a\tb\nc\\x1b"
    assert one_line("x\r\nBcc: y") == "x Bcc: y"
