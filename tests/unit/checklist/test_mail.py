"""Checklist items about mail that need no Django (the rest: test_report.py)."""

from djops import paths
from djops.checklist import mail
from djops.checklist.item import WARN


def test_nothing_is_said_while_no_mail_is_given_up():
    assert mail._given_up() == []


def test_mail_kept_as_given_up_warns_with_where_to_look_and_how_to_requeue():
    kept = paths.outbox_given_up()
    kept.mkdir(parents=True)
    (kept / "00000000000000000001-abc.json").write_text("{}")
    [item] = mail._given_up()
    assert item.level == WARN and item.text.startswith("1 mail given up")
    assert f"ls -l {kept}" in item.text
    assert f"mv {kept}/*.json {paths.outbox_dir()}/" in item.text
