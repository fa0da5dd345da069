"""The session table's checklist items, from facts as the project's python
reports them."""

from djops.checklist import sessions
from djops.checklist.item import FAIL, OK, WARN

PG = {
    "database": "postgresql",
    "where": 'postgresql database "shop" as shop at local socket',
    "table": "django_session",
    "index": True,
    "size_bytes": 3 * 2**30,
    "live_rows": 100_000,
    "dead_rows": 900_000,
}


def levels(facts):
    return [(i.level, i.text) for i in sessions.items(facts)]


def test_a_bloated_postgresql_table_warns_with_the_figure_and_what_to_do():
    [connect, index, bloat] = levels(PG)
    assert connect[0] == OK and index[0] == OK
    assert bloat[0] == WARN
    assert "3.0 GB, 100000 live and 900000 dead rows (90% dead)" in bloat[1]
    assert "VACUUM" in bloat[1] and "pg_repack" in bloat[1]
    healthy = {**PG, "dead_rows": 5_000}
    assert levels(healthy)[2][0] == OK


def test_a_missing_index_fails_with_the_statement_that_recreates_it():
    [_, index, _] = levels({**PG, "index": False})
    assert index[0] == FAIL
    assert "CREATE INDEX django_session_expire_date ON django_session (expire_date);" in index[1]


def test_a_refused_login_fails_with_where_to_look():
    [item] = levels({**PG, "connect_error": "the postgresql ... refused the login: x"})
    assert item[0] == FAIL and "pg_hba.conf" in item[1]


def test_a_missing_table_and_a_cache_engine():
    assert levels({**PG, "missing": True})[-1][0] == FAIL
    [item] = levels({"database": None, "engine": "django.contrib.sessions.backends.cache"})
    assert item[0] == OK and "backends.cache" in item[1]


SQLITE = {
    "database": "sqlite",
    "where": "sqlite database /var/opt/shop/shop.db",
    "table": "django_session",
    "index": True,
}


def test_sqlite_in_rollback_journal_mode_gets_the_wal_advice_without_a_warning():
    [*_, (level, text)] = levels({**SQLITE, "journal_mode": "delete"})
    assert level == OK
    assert 'rollback-journal mode ("delete")' in text and "PRAGMA journal_mode=WAL" in text
    [*_, (level, text)] = levels({**SQLITE, "journal_mode": "wal"})
    assert (level, text) == (OK, "the SQLite database is in WAL mode")
    assert not any("journal" in t for _, t in levels(SQLITE))
