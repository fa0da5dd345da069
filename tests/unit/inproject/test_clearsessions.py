"""The in-project worker against a real Django (the test venv's) and SQLite."""

import sqlite3
from pathlib import Path

from sample import SETTINGS

from djops.bridge import project_python


def add(db: Path, expired: int, live: int) -> None:
    with sqlite3.connect(db) as c:
        for i in range(expired):  # distinct expiry dates, as real sessions have
            c.execute(
                "INSERT INTO django_session VALUES (?, 'e30', datetime('now', ?))",
                (f"x{i}", f"-{i + 1} seconds"),
            )
        for i in range(live):
            c.execute(
                "INSERT INTO django_session VALUES (?, 'e30', datetime('now', '+1 hour'))",
                (f"l{i}",),
            )


def remaining(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM django_session").fetchone()[0]


def test_db_engine_deletes_expired_rows_in_batches(django_project):
    cfg = django_project()
    add(django_project.db, expired=50, live=4)
    res = project_python.run(cfg, "clearsessions", "--batch-size", "7")
    assert res.ok, res
    assert res.data["rows"] == 50
    assert res.data["batches"] == 8  # 7 full batches and one of 1
    assert res.data["database"] == "sqlite" and res.data["longest"] > 0
    assert remaining(django_project.db) == 4


def test_cached_db_engine_is_batched_too(django_project):
    cfg = django_project("django.contrib.sessions.backends.cached_db")
    add(django_project.db, expired=3, live=1)
    res = project_python.run(cfg, "clearsessions", "--batch-size", "100")
    assert res.data["rows"] == 3 and remaining(django_project.db) == 1


def test_other_engines_use_their_own_clear_expired(django_project):
    cfg = django_project("django.contrib.sessions.backends.signed_cookies")
    res = project_python.run(cfg, "clearsessions")
    assert res.ok and res.data["rows"] is None
    assert res.data["engine"].endswith("signed_cookies")


def test_broken_settings_report_without_the_secret(django_project):
    cfg = django_project(text='SECRET_KEY = "s3cr3t-value-xyz\nDEBUG = False\n')
    res = project_python.run(cfg, "clearsessions")
    assert not res.ok and res.status == 1
    assert "SyntaxError" in res.data["error"]
    assert "s3cr3t" not in res.data["error"]


def test_project_prints_do_not_break_the_report(django_project):
    text = SETTINGS.format(db=django_project.db, engine="django.contrib.sessions.backends.db")
    cfg = django_project(text=None)
    (Path(cfg.project.settings_dir) / "settings.py").write_text(
        "print('hello from settings')\n" + text
    )
    res = project_python.run(cfg, "clearsessions")
    assert res.ok, res


def test_validate_and_dbaddress_on_sqlite(django_project):
    cfg = django_project()
    assert project_python.run(cfg, "validate").ok
    res = project_python.run(cfg, "dbaddress")
    assert res.ok and res.data == {"vendor": "sqlite"}


def test_a_database_server_that_is_down_is_one_line_without_the_password(django_project):
    settings = SETTINGS.format(db="x", engine="django.contrib.sessions.backends.db")
    settings += (
        'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop",'
        ' "USER": "shop", "PASSWORD": "pw-Zq81-secret", "HOST": "127.0.0.1", "PORT": "9"}}\n'
    )
    cfg = django_project(text=settings)
    for command in ("clearsessions", "validate"):
        res = project_python.run(cfg, command)
        assert not res.ok
        error = res.data["error"]
        assert error.startswith('the postgresql database "shop" as shop at 127.0.0.1:9 ')
        assert "pw-Zq81" not in error and "\n" not in error
