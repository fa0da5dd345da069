"""Just enough of a DB-API driver over libpq (ctypes) for the claim.

Importing psycopg 3 costs about 1 s and 30 MB in the 2-core test machine
(bench/RESULTS.md, the claim); libpq itself, the library psycopg drives,
connects in about 40 ms and 10 MB. It is found where psycopg finds it: the
one psycopg[binary] ships in the venv (psycopg_binary.libs), else the
system's libpq.so.5. Text parameters and results; autocommit, as libpq is.
"""

import ctypes
import glob
import importlib.util
import os
from typing import Any

paramstyle = "format"
OK, TUPLES_OK = 1, 2  # PGRES_COMMAND_OK, PGRES_TUPLES_OK
SQLSTATE = ord("C")  # PG_DIAG_SQLSTATE
BOOL, INTS, FLOATS = 16, (20, 21, 23, 26), (700, 701, 1700)
# the module of each psycopg wheel that bundles a libpq, and where the library lies
WHEELS = (("psycopg_binary", "psycopg_binary.libs"), ("psycopg2", "psycopg2_binary.libs"))


class Error(Exception):
    pass


class IntegrityError(Error):
    pass


def find() -> str:
    """The libpq a psycopg of the venv would load; "libpq.so.5" (the system's) else."""
    for module, libs in WHEELS:
        spec = importlib.util.find_spec(module)  # found, not imported
        places = (spec.submodule_search_locations or []) if spec else []
        for where in places:
            found = sorted(glob.glob(f"{os.path.dirname(where)}/{libs}/libpq*.so*"))
            if found:
                return found[0]
    return "libpq.so.5"


def load(path: str) -> Any:
    lib = ctypes.CDLL(path)  # OSError when there is none
    p, s, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    for name, res, args in (
        ("PQconnectdbParams", p, [ctypes.POINTER(s), ctypes.POINTER(s), i]),
        ("PQstatus", i, [p]),
        ("PQerrorMessage", s, [p]),
        ("PQfinish", None, [p]),
        ("PQexecParams", p, [p, s, i, p, ctypes.POINTER(s), p, p, i]),
        ("PQresultStatus", i, [p]),
        ("PQresultErrorMessage", s, [p]),
        ("PQresultErrorField", s, [p, i]),
        ("PQntuples", i, [p]),
        ("PQnfields", i, [p]),
        ("PQftype", ctypes.c_uint, [p, i]),
        ("PQgetisnull", i, [p, i, i]),
        ("PQgetvalue", s, [p, i, i]),
        ("PQcmdTuples", s, [p]),
        ("PQclear", None, [p]),
    ):
        getattr(lib, name).restype, getattr(lib, name).argtypes = res, args
    return lib


def connect(lib: Any = None, **params: Any) -> "Connection":
    lib = lib or load(find())
    params = {"client_encoding": "UTF8", **params}
    keys = (ctypes.c_char_p * (len(params) + 1))(*[k.encode() for k in params], None)
    values = (ctypes.c_char_p * (len(params) + 1))(*[str(v).encode() for v in params.values()])
    conn = lib.PQconnectdbParams(keys, values, 0)
    if not conn or lib.PQstatus(conn) != 0:
        message = (lib.PQerrorMessage(conn) or b"out of memory").decode(errors="replace")
        lib.PQfinish(conn)
        raise Error(message.strip())
    return Connection(lib, conn)


class Connection:
    autocommit = True  # libpq runs each statement in its own transaction

    def __init__(self, lib: Any, conn: int) -> None:
        self.lib, self.conn = lib, conn

    def cursor(self) -> "Cursor":
        return Cursor(self)

    def close(self) -> None:
        if self.conn:
            self.lib.PQfinish(self.conn)
            self.conn = None


class Cursor:
    def __init__(self, connection: Connection) -> None:
        self.lib, self.conn = connection.lib, connection.conn
        self.rows: list[tuple] = []
        self.rowcount = -1

    def execute(self, sql: str, params: Any = ()) -> None:
        parts = sql.split("%s")
        sql = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
        values = (ctypes.c_char_p * max(len(params), 1))(
            *[None if v is None else _text(v).encode() for v in params]
        )
        res = self.lib.PQexecParams(
            self.conn, sql.encode(), len(params), None, values, None, None, 0
        )
        try:
            status = self.lib.PQresultStatus(res) if res else -1
            if status not in (OK, TUPLES_OK):
                state = (self.lib.PQresultErrorField(res, SQLSTATE) or b"").decode() if res else ""
                why = (
                    self.lib.PQresultErrorMessage(res)
                    if res
                    else self.lib.PQerrorMessage(self.conn)
                )
                error = IntegrityError if state.startswith("23") else Error
                raise error((why or b"").decode(errors="replace").strip())
            self.rowcount = int(self.lib.PQcmdTuples(res) or b"-1")
            types = [self.lib.PQftype(res, c) for c in range(self.lib.PQnfields(res))]
            self.rows = [
                tuple(self._value(res, r, c, t) for c, t in enumerate(types))
                for r in range(self.lib.PQntuples(res))
            ]
        finally:
            if res:
                self.lib.PQclear(res)

    def _value(self, res: int, row: int, col: int, oid: int) -> Any:
        if self.lib.PQgetisnull(res, row, col):
            return None
        text = self.lib.PQgetvalue(res, row, col).decode()
        if oid == BOOL:
            return text == "t"
        if oid in INTS:
            return int(text)
        return float(text) if oid in FLOATS else text

    def fetchone(self) -> tuple | None:
        return self.rows.pop(0) if self.rows else None

    def fetchall(self) -> list[tuple]:
        rows, self.rows = self.rows, []
        return rows


def _text(value: Any) -> str:
    """A parameter as PostgreSQL reads it (a float's repr reads back as itself)."""
    return repr(value) if isinstance(value, float) else str(value)
