"""Every vendor module has the one interface; root knows each server vendor."""

import pytest

from djops.health import dbaddress
from djops.inproject import vendors


class Conn:
    def __init__(self, vendor, **settings):
        self.vendor, self.settings_dict = vendor, settings
        self.Database = type("Driver", (), {"__file__": "/usr/lib/python3/dist-packages/MySQLdb"})


@pytest.mark.parametrize("name", sorted(vendors.VENDORS))
def test_each_vendor_has_the_interface(name):
    module = vendors.VENDORS[name]
    assert callable(module.purge) and callable(module.lock) and callable(module.address)
    assert isinstance(module.NOW, str) and module.NOW
    assert module.KEY.startswith("VARCHAR(190)") and "{}" in module.BINARY  # the claim's key
    assert callable(module.connect) and module.ENGINES  # the claim's driver-only connection


def test_an_unknown_vendor_is_the_portable_way():
    assert vendors.of(Conn("oracle")) is vendors.sqlite


def test_each_server_vendor_has_roots_side():
    servers = {n for n, m in vendors.VENDORS.items() if m.address(Conn(n), "", "")}
    assert servers == set(dbaddress.SERVERS)


def test_addresses():
    assert vendors.postgresql.address(Conn("postgresql"), "", "") == {
        "vendor": "postgresql",
        "unix": "/var/run/postgresql/.s.PGSQL.5432",
    }
    assert vendors.postgresql.address(Conn("postgresql"), "db", "6432") == {
        "vendor": "postgresql",
        "host": "db",
        "port": 6432,
    }
    assert vendors.mysql.address(Conn("mysql"), "localhost", "") == {
        "vendor": "mysql",
        "unix": "/run/mysqld/mysqld.sock",
    }
    assert vendors.sqlite.address(Conn("sqlite"), "", "") == {}
