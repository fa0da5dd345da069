"""The root health daemon connects only where a database server listens:
TCP host:port, or a socket its server's user owns; the project's python
said the address, so a path under /root must not become an existence oracle."""

import json
import os
import pwd
import socket

import pytest

from djops import config
from djops.health import dbaddress, probes


@pytest.fixture
def learned(project, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()

    def say(unix: str) -> tuple[bool, str]:
        (tmp_path / "state" / f"database-{project}.json").write_text(
            json.dumps({"vendor": "postgresql", "unix": unix})
        )
        return probes.database(config.load(project, live=False))

    return say


def test_a_path_that_is_no_servers_socket_is_not_connected_and_says_the_same(learned, tmp_path):
    secret = tmp_path / "root-only"
    secret.mkdir(mode=0o700)
    (secret / "exists").write_text("x")
    mine = socket.socket(socket.AF_UNIX)
    mine.bind(str(tmp_path / "mine.sock"))  # someone else's socket (ours)
    mine.listen()
    answers = {
        p: learned(str(p))
        for p in (secret / "exists", secret / "missing", secret, tmp_path / "mine.sock")
    }
    mine.close()
    details = {detail.split(": ", 1)[1] for ok, detail in answers.values()}
    assert not any(ok for ok, _ in answers.values())
    assert details == {"not a socket of the postgresql server's user (postgres): not connected"}


@pytest.mark.skipif(os.getuid() != 0, reason="chown needs root")
def test_the_servers_own_socket_is_connected(learned, tmp_path, monkeypatch):
    monkeypatch.setitem(dbaddress.SERVERS, "postgresql", dbaddress.Server("nobody"))
    path = tmp_path / "srv.sock"
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(path))
    srv.listen()
    os.chown(path, pwd.getpwnam("nobody").pw_uid, -1)
    ok, detail = learned(str(path))
    srv.close()
    assert ok, detail
