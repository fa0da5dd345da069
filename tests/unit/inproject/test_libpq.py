"""The claim's libpq driver: placeholders, typed values, errors by SQLSTATE
(against a stand-in for the library; the real one: bench/claim.py and
tests/e2e/test_70_databases.py)."""

import ctypes

import pytest

from djops.inproject import libpq


class Lib:
    """libpq's calls, answering one canned result per statement."""

    def __init__(self, status=libpq.TUPLES_OK, rows=(), types=(), state=b"", tuples=b""):
        self.status, self.rows, self.types, self.state, self.tuples = (
            status, rows, types, state, tuples,
        )  # fmt: skip
        self.sent = None
        self.cleared = 0

    def PQexecParams(self, conn, sql, n, types, values, lengths, formats, binary):
        self.sent = (sql.decode(), [values[i] for i in range(n)])
        return 7

    def PQresultStatus(self, res):
        return self.status

    def PQresultErrorField(self, res, field):
        return self.state

    def PQresultErrorMessage(self, res):
        return b"ERROR:  duplicate key value\n"

    def PQcmdTuples(self, res):
        return self.tuples

    def PQnfields(self, res):
        return len(self.types)

    def PQftype(self, res, col):
        return self.types[col]

    def PQntuples(self, res):
        return len(self.rows)

    def PQgetisnull(self, res, row, col):
        return self.rows[row][col] is None

    def PQgetvalue(self, res, row, col):
        return self.rows[row][col]

    def PQclear(self, res):
        self.cleared += 1


def cursor(lib: Lib) -> libpq.Cursor:
    return libpq.Connection(lib, 1).cursor()


def test_placeholders_are_numbered_and_values_sent_as_text():
    lib = Lib(status=libpq.OK, tuples=b"1")
    cur = cursor(lib)
    cur.execute("UPDATE t SET a = %s WHERE b = %s AND c < now() - %s", ["x", None, 0.1])
    assert lib.sent == ("UPDATE t SET a = $1 WHERE b = $2 AND c < now() - $3", [b"x", None, b"0.1"])
    assert cur.rowcount == 1 and lib.cleared == 1


def test_values_come_back_typed():
    row = (b"t", b"42", b"1732700000.25", b"app1", None)
    lib = Lib(rows=[row], types=[16, 20, 701, 25, 701])
    cur = cursor(lib)
    cur.execute("SELECT ...")
    assert cur.fetchone() == (True, 42, 1732700000.25, "app1", None)
    assert cur.fetchone() is None


@pytest.mark.parametrize(
    ("state", "error"), [(b"23505", libpq.IntegrityError), (b"42P01", libpq.Error)]
)
def test_errors_by_sqlstate(state, error):
    lib = Lib(status=7, state=state)
    with pytest.raises(error, match="duplicate key value") as caught:
        cursor(lib).execute("INSERT ...")
    assert type(caught.value) is error and lib.cleared == 1


def test_the_systems_libpq_loads_with_its_signatures():
    try:
        lib = libpq.load("libpq.so.5")
    except OSError:
        pytest.skip("no libpq.so.5 on this host")
    assert lib.PQexecParams.restype is ctypes.c_void_p


def test_a_refused_connection_says_why():
    try:
        lib = libpq.load("libpq.so.5")
    except OSError:
        pytest.skip("no libpq.so.5 on this host")
    with pytest.raises(libpq.Error, match=r"No such file|could not connect|connection to server"):
        libpq.connect(lib, host="/nonexistent-djops-test", dbname="x", connect_timeout=1)
