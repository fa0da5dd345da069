"""The database check and which checks a round runs."""

import socket
import threading

import pytest

from djops import config
from djops.health import probes


@pytest.fixture
def learned(project, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))

    def learn(**addr):
        from djops import paths, safefs

        safefs.write_json(paths.database_address(project), addr)
        return config.load(project, live=False)

    return learn


def test_database_check_connects_to_a_unix_socket(learned, tmp_path, monkeypatch):
    """... of the server's user (here: the one running the tests, or nobody)."""
    import os
    import pwd

    from djops.health import dbaddress

    server_user = "nobody" if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setitem(dbaddress.SERVERS, "postgresql", dbaddress.Server(server_user))
    path = str(tmp_path / ".s.PGSQL.5432")
    cfg = learned(vendor="postgresql", unix=path)
    assert "database" in probes.enabled(cfg)
    ok, detail = probes.database(cfg)
    assert not ok and detail.startswith(f"postgresql at {path}: ")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen()
    if os.getuid() == 0:
        os.chown(path, pwd.getpwnam(server_user).pw_uid, -1)
    try:
        assert probes.database(cfg) == (True, f"postgresql at {path} accepts connections")
    finally:
        srv.close()


@pytest.mark.parametrize(
    ("greeting", "ok"), [(b"\x4a\0\0\0\x0a5.5.5-11.8", True), (b"\x17\0\0\0\xff\x69\x04", False)]
)
def test_database_check_reads_the_mysql_greeting(learned, greeting, ok):
    srv = socket.create_server(("127.0.0.1", 0))

    def serve():
        c, _ = srv.accept()
        c.sendall(greeting)
        c.close()

    threading.Thread(target=serve, daemon=True).start()
    cfg = learned(vendor="mysql", host="127.0.0.1", port=srv.getsockname()[1])
    assert probes.database(cfg)[0] is ok
    srv.close()


@pytest.mark.parametrize(
    "content", [b"", b"garbage", b'{"vendor": "sqlite"}', b'{"vendor": "mysql"}']
)
def test_no_database_check_without_a_learned_server(project, tmp_path, monkeypatch, content):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    (tmp_path / f"database-{project}.json").write_bytes(content)
    assert "database" not in probes.enabled(config.load(project, live=False))
