"""The checklist: settings facts from a real Django (the test venv's), good
and bad settings side by side, and the server items against a temp tree."""

import json

import pytest
from sample import SETTINGS

from djops import paths
from djops.bridge import project_python
from djops.checklist import mail, report
from djops.errors import ReportFailed

GOOD = """
DEBUG = False
ALLOWED_HOSTS = ["shop.example.org"]
SECRET_KEY = "k8Jw2-this-is-a-long-random-key-zQ9vX4mN7bR1tY6uE3oP5aS0dF8gH2jL"
ADMINS = [("Admin", "admin@example.org")]
MANAGERS = ADMINS
SERVER_EMAIL = "noreply@example.org"
DEFAULT_FROM_EMAIL = "noreply@example.org"
EMAIL_BACKEND = "django_sendmail_backend.backends.EmailBackend"
STATIC_ROOT = "/var/cache/shop/static"
LOGGING = {{"version": 1, "handlers": {{"file": {{"class": "logging.FileHandler",
    "filename": "{logdir}/shop.log", "delay": True}}}}}}
"""

BAD = """
DEBUG = True
ALLOWED_HOSTS = []
SECRET_KEY = "django-insecure-aaaaaaaa"
SERVER_EMAIL = "root@localhost"
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
LOGGING = {{"version": 1, "handlers": {{"file": {{"class": "logging.FileHandler",
    "filename": "/nonexistent/dir/shop.log", "delay": True}}}}}}
"""


def facts_for(django_project, extra: str, tmp_path) -> dict:
    cfg = django_project()
    base = SETTINGS.format(db=django_project.db, engine="django.contrib.sessions.backends.db")
    (django_project.settings / "settings.py").write_text(base + extra.format(logdir=tmp_path))
    res = project_python.run(cfg, "facts", cfg.project.code_dir)
    assert res.ok, res.data
    return cfg, res.data


def levels(items) -> dict[str, str]:
    return {i.text.split(":")[0]: i.level for i in items}


def test_good_settings_pass_the_settings_items(django_project, tmp_path):
    cfg, facts = facts_for(django_project, GOOD, tmp_path)
    items = report.settings_items(cfg, facts)
    bad = [i for i in items if i.level == report.FAIL]
    assert bad == []
    assert "k8Jw2" not in json.dumps(facts), "facts never carry a settings value"


def test_bad_settings_fail_with_what_to_do(django_project, tmp_path):
    cfg, facts = facts_for(django_project, BAD, tmp_path)
    (django_project.code / "local_settings.py").write_text(
        'SECRET_KEY = "django-insecure-aaaaaaaa"\n'
    )
    cfg, facts = facts_for(django_project, BAD, tmp_path)
    items = report.settings_items(cfg, facts)
    text = "\n".join(f"{i.level} {i.text}" for i in items)
    assert "fail DEBUG is on: set DEBUG = False" in text
    assert "fail ALLOWED_HOSTS is empty" in text
    assert "fail SECRET_KEY is short or repetitive" in text
    assert "fail SECRET_KEY also appears in" in text and "local_settings.py" in text
    assert "fail SERVER_EMAIL is at localhost" in text
    assert "warn EMAIL_BACKEND does not deliver through sendmail" in text
    assert "/nonexistent/dir missing or not writable" in text
    assert "security.W018" in text  # from check --deploy: DEBUG on
    assert "django-insecure-aaaaaaaa" not in text + json.dumps(facts)


def test_render_exits_1_with_the_report_when_anything_failed(django_project, tmp_path):
    cfg = django_project()
    items = [report.Item("settings", report.OK, "fine"), report.Item("mail", report.FAIL, "broken")]
    with pytest.raises(ReportFailed) as err:
        report.render(cfg, items, as_json=False)
    assert "FAIL  mail" in err.value.report and "1 failed" in err.value.report
    as_json = json.loads(report.render(cfg, items[:1], as_json=True))
    assert as_json["items"][0] == {"section": "settings", "level": "ok", "text": "fine"}


@pytest.fixture
def mailfiles():
    """The MTA's files, under the test's DJOPS_ROOT."""
    files = {
        "mailname": paths.mailname(),
        "aliases": paths.aliases(),
        "dma_conf": paths.dma_conf(),
        "dma_auth": paths.dma_auth(),
    }
    for f in files.values():
        f.parent.mkdir(parents=True, exist_ok=True)
    return files


def test_mail_items_catch_the_reference_setups_mistakes(django_project, mailfiles):
    cfg = django_project()
    mailfiles["mailname"].write_text("example.org\n")
    mailfiles["aliases"].write_text("postmaster: root\n")
    mailfiles["dma_conf"].write_text(
        "SMARTHOST mail.example.org\nPORT 465\nSECURETRANSFER\nSTARTTLS\n"
    )
    mailfiles["dma_auth"].write_text("user|mail.example.org:pw\n")
    mailfiles["dma_auth"].chmod(0o644)
    text = "\n".join(f"{i.level} {i.text}" for i in mail.items(cfg, ["example.org"]))
    assert "fail /etc/mailname is a recipients' domain" in text
    assert "fail root has no alias" in text
    assert "fail dma: PORT 465 with STARTTLS" in text
    assert "fail /etc/dma/auth.conf is world-readable" in text
    mailfiles["mailname"].write_text("server.example.org\n")
    mailfiles["aliases"].write_text("root: admin@example.org\n")
    mailfiles["dma_conf"].write_text("PORT 587\nSECURETRANSFER\nSTARTTLS\n")
    mailfiles["dma_auth"].chmod(0o640)
    items = mail.items(cfg, ["example.org"])
    assert [i.text for i in items if i.level == report.FAIL and "sendmail" not in i.text] == []
