"""Where the settings' database server listens, from the settings alone."""

from types import SimpleNamespace

import pytest

from djops.inproject import database


def conn(vendor, driver="/venv/lib/MySQLdb/__init__.py", **settings):
    return SimpleNamespace(
        vendor=vendor,
        settings_dict={"NAME": "shop", "USER": "shop", "PASSWORD": "pw-9", **settings},
        Database=SimpleNamespace(__file__=driver),
    )


@pytest.mark.parametrize(
    ("c", "expected"),
    [
        (conn("postgresql"), {"unix": "/var/run/postgresql/.s.PGSQL.5432"}),
        (conn("postgresql", HOST="/srv/pg", PORT="5433"), {"unix": "/srv/pg/.s.PGSQL.5433"}),
        (conn("postgresql", HOST="db1,db2", PORT="6432"), {"host": "db1", "port": 6432}),
        (conn("mysql"), {"unix": "/run/mysqld/mysqld.sock"}),
        (conn("mysql", HOST="localhost"), {"unix": "/run/mysqld/mysqld.sock"}),
        (conn("mysql", "/venv/lib/pymysql/__init__.py"), {"host": "localhost", "port": 3306}),
        (conn("mysql", HOST="10.0.0.5", PORT=3307), {"host": "10.0.0.5", "port": 3307}),
        (conn("mysql", OPTIONS={"unix_socket": "/tmp/m.sock"}), {"unix": "/tmp/m.sock"}),
        (conn("sqlite"), {}),
    ],
)
def test_address(c, expected):
    got = database.address(c)
    got.pop("vendor", None)
    assert got == expected


def test_where_names_no_password():
    text = database.where(conn("postgresql", HOST="db1", PORT="5432"))
    assert text == 'postgresql database "shop" as shop at db1:5432'
    assert "pw-9" not in text
