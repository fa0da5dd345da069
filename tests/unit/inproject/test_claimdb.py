"""The claim's connection with the driver alone: the settings imported, not
Django set up; DATABASES handed to the driver as Django's backend would."""

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from conftest import REPO, VENV

from djops.inproject import claimdb, libpq, redact, vendors
from djops.inproject.vendors import mysql, postgresql


def test_the_djops_entry_wins_over_the_default():
    assert claimdb.entry({"default": {"NAME": "a"}, "djops": {"NAME": "b"}}) == {"NAME": "b"}
    assert claimdb.entry({"default": {"NAME": "a"}}) == {"NAME": "a"}
    with pytest.raises(ValueError, match='DATABASES\\["default"\\]'):
        claimdb.entry({})


@pytest.mark.parametrize(
    ("engine", "vendor"),
    [
        ("django.db.backends.postgresql", "postgresql"),
        ("django.contrib.gis.db.backends.postgis", "postgresql"),
        ("django.db.backends.mysql", "mysql"),
        ("django.db.backends.sqlite3", "sqlite"),
        ("django_prometheus.db.backends.postgresql", None),  # third-party: through Django
    ],
)
def test_engines(engine, vendor):
    module = vendors.by_engine(engine)
    assert module is (vendors.VENDORS[vendor] if vendor else None)


class Driver:
    """Records what connect() was given."""

    paramstyle = "pyformat"

    def __init__(self):
        self.given = None
        self.conn = SimpleNamespace(autocommit=False, cursor=lambda: None)

    def connect(self, **params):
        self.given = params
        return self.conn


PG = {"NAME": "shop", "USER": "u", "PASSWORD": "pw", "HOST": "db", "PORT": 5432}
PG_OPTIONS = {"sslmode": "require", "isolation_level": 1, "pool": True, "prepare_threshold": 5}


def test_postgresql_gets_libpq_keywords_not_djangos_options(monkeypatch):
    given = {}
    monkeypatch.setattr(libpq, "load", lambda path: "lib")
    monkeypatch.setattr(libpq, "connect", lambda lib, **params: given.update(params) or "conn")
    assert postgresql.connect({**PG, "OPTIONS": PG_OPTIONS}) == (libpq, "conn")
    assert given == {
        "sslmode": "require", "dbname": "shop", "user": "u", "password": "pw", "host": "db",
        "port": "5432",
    }  # fmt: skip


def test_postgresql_without_a_libpq_to_load_is_psycopgs(monkeypatch):
    def missing(path):
        raise OSError(path)

    monkeypatch.setattr(libpq, "load", missing)
    driver = Driver()
    monkeypatch.setitem(sys.modules, "psycopg", driver)
    got, conn = postgresql.connect({**PG, "OPTIONS": PG_OPTIONS})
    assert got is driver and conn.autocommit is True
    assert driver.given == {
        "sslmode": "require", "dbname": "shop", "user": "u", "password": "pw", "host": "db",
        "port": "5432",
    }  # fmt: skip


def test_mysql_gets_djangos_arguments_a_socket_by_its_path(monkeypatch):
    driver = Driver()
    calls = []
    driver.conn = SimpleNamespace(autocommit=calls.append)
    monkeypatch.setitem(sys.modules, "MySQLdb", driver)
    s = {"NAME": "shop", "USER": "u", "PASSWORD": "pw", "HOST": "/run/m.sock", "PORT": "3307"}
    s["OPTIONS"] = {"charset": "utf8mb4", "isolation_level": "read committed"}
    mysql.connect(s)
    assert calls == [True]
    assert driver.given == {
        "charset": "utf8mb4", "client_flag": 2, "user": "u", "database": "shop",
        "password": "pw", "unix_socket": "/run/m.sock", "port": 3307,
    }  # fmt: skip


def test_a_refused_login_names_the_database_never_the_password(monkeypatch):
    def refusing(lib, **params):
        raise libpq.Error(f'password authentication failed for user "u" ({params["password"]})')

    monkeypatch.setattr(libpq, "load", lambda path: "lib")
    monkeypatch.setattr(libpq, "connect", refusing)
    settings = SimpleNamespace(
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop",
                               "USER": "u", "PASSWORD": "s3cret-pw-123", "HOST": "db"}}
    )  # fmt: skip
    monkeypatch.setitem(sys.modules, "claimdb_settings", settings)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "claimdb_settings")
    db, why = claimdb.open_db(redact.Redactor())
    assert db is None
    assert why.startswith('the postgresql database "shop" as u at db refused the login')
    assert "s3cret-pw-123" not in why


PROBE = """
import json, sys
from djops.inproject import claimdb, redact
db, why = claimdb.open_db(redact.Redactor())
row = db.execute("SELECT %s + 1", [41]).fetchone()
print(json.dumps({"vendor": db.vendor, "row": list(row), "why": why,
                  "django_set_up": "django.apps.registry" in sys.modules}))
"""


def test_sqlite_opens_with_the_settings_imported_and_no_django_set_up(django_project):
    cfg = django_project()
    env = {
        "PYTHONPATH": f"{cfg.project.settings_dir}:{REPO / 'src'}",
        "DJANGO_SETTINGS_MODULE": cfg.project.settings_module,
        "PYTHONDONTWRITEBYTECODE": "1",  # nothing written into the source tree
    }
    out = subprocess.run(
        [f"{VENV}/bin/python", "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == {
        "vendor": "sqlite", "row": [42], "why": "", "django_set_up": False,
    }  # fmt: skip


def test_a_third_party_engine_goes_through_django(django_project, tmp_path):
    backend = tmp_path / "lib" / "wrapped_sqlite"
    backend.mkdir(parents=True)
    (backend / "__init__.py").write_text("")
    (backend / "base.py").write_text(
        "from django.db.backends.sqlite3.base import DatabaseWrapper as Base\n\n\n"
        "class DatabaseWrapper(Base):\n    pass\n"
    )
    cfg = django_project()
    settings = django_project.settings / "settings.py"
    settings.write_text(
        settings.read_text() + '\nDATABASES["default"]["ENGINE"] = "wrapped_sqlite"\n'
    )
    env = {
        "PYTHONPATH": f"{cfg.project.settings_dir}:{tmp_path / 'lib'}:{REPO / 'src'}",
        "DJANGO_SETTINGS_MODULE": cfg.project.settings_module,
        "PYTHONDONTWRITEBYTECODE": "1",  # nothing written into the source tree
    }
    out = subprocess.run(
        [f"{VENV}/bin/python", "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == {
        "vendor": "sqlite", "row": [42], "why": "", "django_set_up": True,
    }  # fmt: skip
